// `kinetic pub`'s input, read on a thread of its own: reading a pipe blocks for as long as its
// writer takes and demuxing costs CPU, and the event loop may wait on neither. The thread demuxes,
// places each frame in the broadcast (group, object, LOC payload) and queues the finished objects
// for the loop. The queue is bounded in objects and bytes: when it is full the thread waits, so a
// file is read only as far ahead as the queue allows and a stalled network never turns into
// unbounded memory. The loop learns that objects arrived through EventLoop::post, the one loop
// call that is safe from another thread, and only when it had found the queue empty, so a busy
// publisher costs no wake-up per frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "kinetic/media/broadcast.hpp"
#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/transport/event_loop.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::app {

struct InputLimits {
  std::size_t max_objects = 256;        // about eight seconds of 30 fps video
  std::size_t max_bytes = 16u << 20;    // payload bytes; one object always fits, however large
};

// The input is over: at its end (error false), or on a read or demux failure.
struct InputEnd {
  bool error = false;
  std::string message;
};

class InputReader {
 public:
  using Item = std::variant<media::BroadcastObject, InputEnd>;

  // Opens `input` (a path, or "-" for stdin) and reads its header on the caller's thread: the
  // catalog must name the streams before anything is served. With `loop_file`, a file starts
  // again at its end, continuing timestamps and groups (ignored for stdin, which cannot rewind).
  static kinetic::Result<std::unique_ptr<InputReader>> open(const std::string& input, bool loop_file,
                                                         InputLimits limits = {});
  // The same over a descriptor such as a pipe. With `owns_fd` the descriptor is closed once
  // nothing reads it any more, which after stop() may be later than the reader's destruction.
  static kinetic::Result<std::unique_ptr<InputReader>> open_fd(int fd, InputLimits limits = {}, bool owns_fd = false);

  ~InputReader();
  InputReader(const InputReader&) = delete;
  InputReader& operator=(const InputReader&) = delete;

  // The tracks and catalog as they stand at open (names, codecs, init data), for any thread.
  [[nodiscard]] const std::vector<media::BroadcastTrack>& tracks() const noexcept { return initial_.tracks(); }
  [[nodiscard]] media::Catalog catalog(std::optional<std::uint64_t> generated_at_ms) const {
    return initial_.catalog(generated_at_ms);
  }

  // Starts the reading thread. `ready` runs on `loop` each time objects arrive after pop() had
  // found none; it never runs after stop().
  void start(transport::EventLoop& loop, std::function<void()> ready);
  // Loop thread: the next item, or nullopt when none has arrived yet (ready() follows one).
  std::optional<Item> pop();
  // Stops the thread and waits for it briefly. A thread waiting for room in the queue leaves at
  // once; one blocked reading a pipe whose writer has gone quiet is let go instead of waited
  // for: it shares ownership of all it touches and ends at its next read.
  void stop();

  // Objects waiting for the loop (for tests and stats).
  [[nodiscard]] std::size_t queued() const;

  struct Shared;

 private:
  InputReader(std::shared_ptr<Shared> shared, media::Broadcast initial);
  static kinetic::Result<std::unique_ptr<InputReader>> make(kinetic::Result<std::unique_ptr<media::CmafDemuxer>> demux,
                                                         std::string path, bool loop_file, InputLimits limits,
                                                         int owned_fd);

  std::shared_ptr<Shared> shared_;
  media::Broadcast initial_;
};

}  // namespace kinetic::app
