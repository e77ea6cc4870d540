// What every GStreamer/GLib user in this layer needs once: initialising GStreamer and checking
// that the plugins WHIP and WHEP rely on are installed (a missing Debian package is a message,
// not a pipeline that silently never links), owning GObject references, and a thread that runs
// a GLib main context for libsoup's server and for work that must leave GStreamer's threads.
#pragma once

#include <glib.h>
#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "kinetic/webrtc/outcome.hpp"

namespace kinetic::webrtc {

// gst_init once per process, then every element factory the gateway uses must exist.
Done init_gstreamer();

struct GstObjectUnref {
  void operator()(gpointer p) const noexcept {
    if (p != nullptr) gst_object_unref(p);
  }
};
using ElementPtr = std::unique_ptr<GstElement, GstObjectUnref>;
using PadPtr = std::unique_ptr<GstPad, GstObjectUnref>;

struct GFreeDeleter {
  void operator()(gpointer p) const noexcept { g_free(p); }
};
using GCharPtr = std::unique_ptr<gchar, GFreeDeleter>;

// Wall clock in microseconds since the Unix epoch: the clock LOC's capture property uses.
std::int64_t wall_us() noexcept;

// A GMainContext with its loop on a thread of its own. Sources attached to context() run there.
class GlibThread {
 public:
  GlibThread();
  ~GlibThread();
  GlibThread(const GlibThread&) = delete;
  GlibThread& operator=(const GlibThread&) = delete;

  [[nodiscard]] GMainContext* context() const noexcept { return context_; }
  // Runs `fn` on the thread soon; safe from any thread.
  void post(std::function<void()> fn);
  // Runs `fn` on the thread and waits for it (runs it in place when called from the thread).
  void run_sync(const std::function<void()>& fn);
  // Runs `fn` on the thread every `interval_ms` until the GlibThread goes.
  void every(unsigned interval_ms, std::function<void()> fn);
  [[nodiscard]] bool on_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  GMainContext* context_ = nullptr;
  GMainLoop* loop_ = nullptr;
  std::thread thread_;
};

}  // namespace kinetic::webrtc
