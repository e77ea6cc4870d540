#include "input_reader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iterator>
#include <thread>

#include "kinetic/transport/epoll_loop.hpp"

namespace kinetic::app {
namespace {

using namespace std::chrono_literals;

const std::string kClip = std::string(KINETIC_SOURCE_DIR) + "/assets/vtest_10s.mp4";

int frames_by_demuxer(const std::string& path) {
  auto d = media::CmafDemuxer::open_file(path);
  if (!d) return -1;
  int n = 0;
  for (;;) {
    auto p = (*d)->next();
    if (!p || !*p) return n;
    ++n;
  }
}

// Takes every item the reader hands over, as the publisher's loop would, until the end.
struct Drain {
  std::vector<media::BroadcastObject> objects;
  std::optional<InputEnd> end;
  int wakeups = 0;

  // Starts `r` on `loop` with this as its consumer.
  void attach(InputReader& r, transport::EventLoop& loop) {
    r.start(loop, [this, &r] {
      ++wakeups;
      take(r);
    });
    take(r);
  }

  void take(InputReader& r) {
    while (auto item = r.pop()) {
      if (auto* e = std::get_if<InputEnd>(&*item)) {
        end = *e;
        return;
      }
      objects.push_back(std::get<media::BroadcastObject>(std::move(*item)));
    }
  }
};

TEST(InputReader, HandsEveryFrameOfAFileToTheLoopInOrderThenTheEnd) {
  const int expected = frames_by_demuxer(kClip);
  ASSERT_GT(expected, 0);
  auto reader = InputReader::open(kClip, false);
  ASSERT_TRUE(reader) << reader.error().what;
  ASSERT_EQ((*reader)->tracks().size(), 1u);
  EXPECT_EQ((*reader)->tracks()[0].name, "video0");

  transport::EpollLoop loop;
  Drain drain;
  drain.attach(**reader, loop);
  ASSERT_TRUE(loop.run_until([&] { return drain.end.has_value(); }, 10s));
  EXPECT_FALSE(drain.end->error) << drain.end->message;
  ASSERT_EQ(static_cast<int>(drain.objects.size()), expected);
  EXPECT_TRUE(drain.objects.front().new_group);
  for (std::size_t i = 1; i < drain.objects.size(); ++i) {
    const auto& a = drain.objects[i - 1];
    const auto& b = drain.objects[i];
    EXPECT_LT(a.media_time_us, b.media_time_us) << i;
    if (b.new_group) {
      EXPECT_EQ(b.group, a.group + 1) << i;
      EXPECT_EQ(b.object, 0u) << i;
    } else {
      EXPECT_EQ(b.group, a.group) << i;
      EXPECT_EQ(b.object, a.object + 1) << i;
    }
  }
}

// Polls `cond` off any loop: the reader runs on its own thread whether or not a loop turns.
bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// The reader fills its queue to `expected` objects and then waits: the count must stay there.
void expect_queue_stops_at(InputReader& reader, std::size_t expected) {
  ASSERT_TRUE(eventually([&] { return reader.queued() == expected; }, 5s)) << reader.queued();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(reader.queued(), expected);
}

// The clip's reader, started on a loop that never turns: only the queue's bounds stop it.
std::unique_ptr<InputReader> started_unattended(transport::EpollLoop& loop, InputLimits limits) {
  auto reader = InputReader::open(kClip, false, limits);
  if (!reader) return nullptr;
  (*reader)->start(loop, [] {});
  return std::move(*reader);
}

TEST(InputReader, ReadsNoFurtherAheadThanTheQueueHolds) {
  transport::EpollLoop loop;
  auto reader = started_unattended(loop, InputLimits{5, 16u << 20});
  ASSERT_TRUE(reader);
  expect_queue_stops_at(*reader, 5);
  // Taking one makes room for exactly one more.
  ASSERT_TRUE(reader->pop());
  expect_queue_stops_at(*reader, 5);
}

TEST(InputReader, ByteBudgetStillLetsOneObjectThrough) {
  transport::EpollLoop loop;
  auto reader = started_unattended(loop, InputLimits{256, 1});
  ASSERT_TRUE(reader);
  expect_queue_stops_at(*reader, 1);
}

TEST(InputReader, LoopingAFileContinuesTimeAndGroupsPastItsEnd) {
  const int per_pass = frames_by_demuxer(kClip);
  ASSERT_GT(per_pass, 0);
  InputLimits limits;
  limits.max_objects = 16;
  auto reader = InputReader::open(kClip, true, limits);
  ASSERT_TRUE(reader);
  transport::EpollLoop loop;
  Drain drain;
  const std::size_t want = static_cast<std::size_t>(per_pass) * 2 + 10;
  drain.attach(**reader, loop);
  ASSERT_TRUE(loop.run_until([&] { return drain.objects.size() >= want || drain.end; }, 20s));
  ASSERT_FALSE(drain.end.has_value()) << drain.end->message;
  for (std::size_t i = 1; i < drain.objects.size(); ++i) {
    EXPECT_LT(drain.objects[i - 1].media_time_us, drain.objects[i].media_time_us) << i;
    EXPECT_GE(drain.objects[i].group, drain.objects[i - 1].group) << i;
  }
  // The second pass starts a group of its own.
  EXPECT_TRUE(drain.objects[static_cast<std::size_t>(per_pass)].new_group);
  EXPECT_GT(drain.objects[static_cast<std::size_t>(per_pass)].group,
            drain.objects[static_cast<std::size_t>(per_pass) - 1].group);
}

TEST(InputReader, ObjectsAfterAnEmptyPopWakeTheLoop) {
  transport::EpollLoop loop;
  int calls = 0;
  // One object at a time: the reader cannot get ahead of a loop that keeps taking.
  auto reader = InputReader::open(kClip, false, InputLimits{1, 16u << 20});
  ASSERT_TRUE(reader);
  (*reader)->start(loop, [&] { ++calls; });
  while (auto item = (*reader)->pop()) {
    ASSERT_FALSE(std::holds_alternative<InputEnd>(*item)) << "the whole clip was read between two pops";
  }
  EXPECT_TRUE(loop.run_until([&] { return calls > 0; }, 5s));
  EXPECT_EQ(calls, 1);
}

TEST(InputReader, ReadyNeverRunsAfterStop) {
  auto reader = InputReader::open(kClip, false, InputLimits{1, 16u << 20});
  ASSERT_TRUE(reader);
  transport::EpollLoop loop;
  int calls = 0;
  (*reader)->start(loop, [&] { ++calls; });
  // Empty it: the last pop finds nothing and asks to be woken, so the next object posts ready().
  while (auto item = (*reader)->pop()) {
    ASSERT_FALSE(std::holds_alternative<InputEnd>(*item)) << "the whole clip was read between two pops";
  }
  ASSERT_TRUE(eventually([&] { return (*reader)->queued() > 0; }, 5s));
  (*reader)->stop();
  loop.run_until([] { return false; }, 50ms);
  EXPECT_EQ(calls, 0);
}

TEST(InputReader, NotMediaIsAnErrorAtOpen) {
  const auto path = std::filesystem::temp_directory_path() / ("kinetic-notmedia-" + std::to_string(getpid()));
  std::ofstream(path) << "this is not an MP4 file\n";
  EXPECT_FALSE(InputReader::open(path.string(), false));
  std::filesystem::remove(path);
  EXPECT_FALSE(InputReader::open("/nonexistent/clip.mp4", false));
}

// A fragmented MP4 as ffmpeg writes one into a pipe.
std::string fragmented_clip() {
  const auto path = std::filesystem::temp_directory_path() / ("kinetic-frag-" + std::to_string(getpid()) + ".mp4");
  const std::string cmd = "ffmpeg -v error -y -i '" + kClip + "' -c copy -f mp4 -movflags cmaf+frag_keyframe+empty_moov '" +
                          path.string() + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) return {};
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  return bytes;
}

// A pipe with a writer thread that writes the first `count` bytes, then closes its end, or with
// `hold` keeps it open (an encoder gone quiet) until release() or the feed's end. The read end
// is the reader's to close (open_fd's owns_fd).
class PipeFeed {
 public:
  PipeFeed(const std::string& bytes, std::size_t count, bool hold) {
    if (::pipe2(fds_, O_CLOEXEC) != 0) return;
    writer_ = std::thread([this, &bytes, count, hold] {
      const char* data = bytes.data();
      for (std::size_t left = count; left > 0;) {
        const ssize_t w = ::write(fds_[1], data, left);
        if (w <= 0) break;
        data += w;
        left -= static_cast<std::size_t>(w);
      }
      while (hold && !released_) std::this_thread::sleep_for(5ms);
      ::close(fds_[1]);
    });
  }
  ~PipeFeed() {
    release();
    if (writer_.joinable()) writer_.join();
  }
  PipeFeed(const PipeFeed&) = delete;
  PipeFeed& operator=(const PipeFeed&) = delete;

  [[nodiscard]] int read_end() const { return fds_[0]; }
  void release() { released_ = true; }

 private:
  int fds_[2] = {-1, -1};
  std::atomic<bool> released_{false};
  std::thread writer_;
};

TEST(InputReader, APipeIsReadToItsEnd) {
  const std::string bytes = fragmented_clip();
  if (bytes.empty()) GTEST_SKIP() << "ffmpeg cannot make a fragmented clip";
  PipeFeed feed(bytes, bytes.size(), false);
  auto reader = InputReader::open_fd(feed.read_end(), {}, true);
  ASSERT_TRUE(reader) << reader.error().what;
  transport::EpollLoop loop;
  Drain drain;
  drain.attach(**reader, loop);
  ASSERT_TRUE(loop.run_until([&] { return drain.end.has_value(); }, 10s));
  EXPECT_FALSE(drain.end->error) << drain.end->message;
  EXPECT_EQ(static_cast<int>(drain.objects.size()), frames_by_demuxer(kClip));
  // The reader owned the read end: once it is gone, so is the descriptor.
  reader->reset();
  EXPECT_EQ(::fcntl(feed.read_end(), F_GETFD), -1);
}

// SIGINT while the encoder upstream is quiet: stop() must not wait for the pipe's next bytes.
TEST(InputReader, StopDoesNotWaitForAQuietPipe) {
  const std::string bytes = fragmented_clip();
  if (bytes.empty()) GTEST_SKIP() << "ffmpeg cannot make a fragmented clip";
  PipeFeed feed(bytes, bytes.size() / 2, true);
  auto reader = InputReader::open_fd(feed.read_end(), {}, true);
  ASSERT_TRUE(reader) << reader.error().what;
  transport::EpollLoop loop;
  Drain drain;
  drain.attach(**reader, loop);
  // Everything written so far arrives; then the reader blocks on the pipe.
  loop.run_until([&] { return drain.objects.size() > 10; }, 10s);
  loop.run_until([] { return false; }, 100ms);
  EXPECT_GT(drain.objects.size(), 10u);
  EXPECT_FALSE(drain.end.has_value());
  const auto start = std::chrono::steady_clock::now();
  (*reader)->stop();
  // Bounded by the reader's short grace, far under the writer's silence (which never ends by itself).
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  reader->reset();
}

}  // namespace
}  // namespace kinetic::app
