#include "kinetic/webrtc/gst_support.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace kinetic::webrtc {

namespace {

// Element factories and the Debian package that brings each.
constexpr const char* kRequired[][2] = {
    {"webrtcbin", "gstreamer1.0-plugins-bad"},     {"nicesrc", "gstreamer1.0-nice"},
    {"dtlssrtpdec", "gstreamer1.0-plugins-bad"},   {"srtpdec", "gstreamer1.0-plugins-bad"},
    {"rtpbin", "gstreamer1.0-plugins-good"},       {"rtph264depay", "gstreamer1.0-plugins-good"},
    {"rtph264pay", "gstreamer1.0-plugins-good"},   {"rtpopusdepay", "gstreamer1.0-plugins-good"},
    {"rtpopuspay", "gstreamer1.0-plugins-good"},   {"h264parse", "gstreamer1.0-plugins-bad"},
    {"appsink", "gstreamer1.0-plugins-base"},      {"appsrc", "gstreamer1.0-plugins-base"},
};

struct Posted {
  std::function<void()> fn;
};

gboolean run_posted(gpointer data) {
  auto* p = static_cast<Posted*>(data);
  p->fn();
  return G_SOURCE_REMOVE;
}

gboolean run_repeated(gpointer data) {
  static_cast<Posted*>(data)->fn();
  return G_SOURCE_CONTINUE;
}

void delete_posted(gpointer data) { delete static_cast<Posted*>(data); }

}  // namespace

Done init_gstreamer() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    GError* err = nullptr;
    if (gst_init_check(nullptr, nullptr, &err) == FALSE) {
      failure = std::string("GStreamer did not initialise: ") + (err != nullptr ? err->message : "unknown");
      if (err != nullptr) g_error_free(err);
      return;
    }
    for (const auto& [factory, package] : kRequired) {
      GstElementFactory* f = gst_element_factory_find(factory);
      if (f == nullptr) {
        failure += std::string(failure.empty() ? "" : "; ") + "GStreamer element " + factory + " missing (Debian package " +
                   package + ")";
        continue;
      }
      gst_object_unref(f);
    }
  });
  if (!failure.empty()) return refused(failure);
  return Ok{};
}

std::int64_t wall_us() noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

GlibThread::GlibThread() {
  context_ = g_main_context_new();
  loop_ = g_main_loop_new(context_, FALSE);
  thread_ = std::thread([this] {
    g_main_context_push_thread_default(context_);
    g_main_loop_run(loop_);
    g_main_context_pop_thread_default(context_);
  });
}

GlibThread::~GlibThread() {
  post([this] { g_main_loop_quit(loop_); });
  if (thread_.joinable()) thread_.join();
  g_main_loop_unref(loop_);
  g_main_context_unref(context_);
}

void GlibThread::post(std::function<void()> fn) {
  GSource* source = g_idle_source_new();
  g_source_set_callback(source, run_posted, new Posted{std::move(fn)}, delete_posted);
  g_source_attach(source, context_);
  g_source_unref(source);
}

void GlibThread::run_sync(const std::function<void()>& fn) {
  if (on_thread()) {
    fn();
    return;
  }
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  post([&] {
    fn();
    std::lock_guard lock(mu);
    done = true;
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
}

void GlibThread::every(unsigned interval_ms, std::function<void()> fn) {
  GSource* source = g_timeout_source_new(interval_ms);
  g_source_set_callback(source, run_repeated, new Posted{std::move(fn)}, delete_posted);
  g_source_attach(source, context_);
  g_source_unref(source);
}

}  // namespace kinetic::webrtc
