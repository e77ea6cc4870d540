#include "input_reader.hpp"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace kinetic::app {

// Everything the reading thread touches lives here, shared with it, so that a thread let go by
// stop() (blocked on a quiet pipe) never touches freed memory.
struct InputReader::Shared {
  // Set at open, then the reading thread's alone.
  std::unique_ptr<media::CmafDemuxer> demux;
  media::Broadcast broadcast;
  std::string path;  // reopened at its end when loop_file
  bool loop_file = false;
  InputLimits limits;
  int owned_fd = -1;  // closed after the demuxer that reads it

  ~Shared() {
    demux.reset();
    if (owned_fd >= 0) ::close(owned_fd);
  }

  mutable std::mutex mu;
  std::condition_variable room;      // the reader waits here while the queue is full
  std::condition_variable finished_cv;
  std::deque<Item> queue;
  std::size_t bytes = 0;
  bool stopping = false;
  bool finished = false;
  bool consumer_waiting = false;     // the loop found the queue empty: wake it on the next item
  transport::EventLoop* loop = nullptr;
  std::shared_ptr<std::function<void()>> ready;
  std::thread thread;

  static std::size_t size_of(const Item& item) {
    const auto* obj = std::get_if<media::BroadcastObject>(&item);
    return obj != nullptr ? obj->loc.payload.size() : 0;
  }

  // False once stop() was called: the item is dropped and the thread should leave.
  bool push(Item item) {
    const std::size_t size = size_of(item);
    std::unique_lock lock(mu);
    room.wait(lock, [&] {
      return stopping || queue.empty() || (queue.size() < limits.max_objects && bytes + size <= limits.max_bytes);
    });
    if (stopping) return false;
    queue.push_back(std::move(item));
    bytes += size;
    if (consumer_waiting && loop != nullptr) {
      consumer_waiting = false;
      // The loop may run this after stop(); the pointer it holds says whether it still may call.
      loop->post([weak = std::weak_ptr<std::function<void()>>(ready)] {
        if (auto fn = weak.lock()) (*fn)();
      });
    }
    return true;
  }

  bool stop_requested() const {
    std::lock_guard lock(mu);
    return stopping;
  }

  void run() {
    while (!stop_requested()) {
      auto packet = demux->next();
      if (!packet) {
        push(InputEnd{true, packet.error().what});
        break;
      }
      if (!*packet) {
        if (!loop_file) {
          push(InputEnd{false, "end of input"});
          break;
        }
        auto again = media::CmafDemuxer::open_file(path);
        if (!again) {
          push(InputEnd{true, std::string("cannot reopen input: ") + again.error().what});
          break;
        }
        demux = std::move(*again);
        broadcast.restart_input();
        continue;
      }
      auto placed = broadcast.add(**packet, std::nullopt);
      if (!placed) {
        push(InputEnd{true, placed.error().what});
        break;
      }
      // Frames before a track's first keyframe have no place: nobody could decode them.
      if (*placed && !push(std::move(**placed))) break;
    }
    std::lock_guard lock(mu);
    finished = true;
    finished_cv.notify_all();
  }
};

InputReader::InputReader(std::shared_ptr<Shared> shared, media::Broadcast initial)
    : shared_(std::move(shared)), initial_(std::move(initial)) {}

kinetic::Result<std::unique_ptr<InputReader>> InputReader::open(const std::string& input, bool loop_file,
                                                             InputLimits limits) {
  if (input == "-") return open_fd(STDIN_FILENO, limits);
  return make(media::CmafDemuxer::open_file(input), input, loop_file, limits, -1);
}

kinetic::Result<std::unique_ptr<InputReader>> InputReader::open_fd(int fd, InputLimits limits, bool owns_fd) {
  auto demux = media::CmafDemuxer::open_fd(fd);
  if (!demux && owns_fd) ::close(fd);
  return make(std::move(demux), {}, false, limits, owns_fd ? fd : -1);
}

kinetic::Result<std::unique_ptr<InputReader>> InputReader::make(kinetic::Result<std::unique_ptr<media::CmafDemuxer>> demux,
                                                             std::string path, bool loop_file, InputLimits limits,
                                                             int owned_fd) {
  if (!demux) return demux.error();
  auto shared = std::make_shared<Shared>();
  shared->owned_fd = owned_fd;
  shared->demux = std::move(*demux);
  KINETIC_TRY(auto broadcast, media::Broadcast::create(shared->demux->streams()));
  shared->broadcast = broadcast;
  shared->path = std::move(path);
  shared->loop_file = loop_file;
  shared->limits = limits;
  return std::unique_ptr<InputReader>(new InputReader(std::move(shared), std::move(broadcast)));
}

InputReader::~InputReader() { stop(); }

void InputReader::start(transport::EventLoop& loop, std::function<void()> ready) {
  std::lock_guard lock(shared_->mu);
  if (shared_->thread.joinable() || shared_->stopping) return;
  shared_->loop = &loop;
  shared_->ready = std::make_shared<std::function<void()>>(std::move(ready));
  shared_->thread = std::thread([shared = shared_] { shared->run(); });
}

std::optional<InputReader::Item> InputReader::pop() {
  std::lock_guard lock(shared_->mu);
  if (shared_->queue.empty()) {
    shared_->consumer_waiting = true;
    return std::nullopt;
  }
  Item item = std::move(shared_->queue.front());
  shared_->queue.pop_front();
  shared_->bytes -= Shared::size_of(item);
  shared_->room.notify_one();
  return item;
}

void InputReader::stop() {
  std::thread thread;
  {
    std::unique_lock lock(shared_->mu);
    shared_->stopping = true;
    shared_->loop = nullptr;
    shared_->ready.reset();
    shared_->room.notify_all();
    if (!shared_->thread.joinable()) return;
    // A pipe's writer normally ends or writes its next frame within this.
    shared_->finished_cv.wait_for(lock, std::chrono::milliseconds(250), [&] { return shared_->finished; });
    thread = std::move(shared_->thread);
    if (!shared_->finished) {
      thread.detach();
      return;
    }
  }
  thread.join();
}

std::size_t InputReader::queued() const {
  std::lock_guard lock(shared_->mu);
  return shared_->queue.size();
}

}  // namespace kinetic::app
