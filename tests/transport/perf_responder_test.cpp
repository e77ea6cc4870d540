#include "kinetic/transport/perf_responder.hpp"

#include <gtest/gtest.h>

#include "kinetic/transport/memory/memory_network.hpp"
#include "kinetic/transport/memory/simulated_loop.hpp"

namespace kinetic::transport {
namespace {

using namespace std::chrono_literals;

struct Downloader : SessionHandler, StreamHandler {
  void on_incoming_stream(Session&, Stream&) override {}
  void on_closed(Session&, const CloseInfo&) override { closed = true; }
  void on_data(Stream&, std::span<const std::uint8_t> data, bool fin) override {
    received += data.size();
    finished = finished || fin;
  }
  std::uint64_t received = 0;
  bool finished = false;
  bool closed = false;
};

class PerfResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = network.pair({});
    responder.serve(pair.server);
    client = pair.client;
    client->set_handler(&downloader);
    loop.run_for(50ms);
  }
  void ask(std::uint64_t bytes) {
    Stream* s = client->open_bidi();
    ASSERT_NE(s, nullptr);
    s->set_handler(&downloader);
    s->write(std::span<const std::uint8_t>(perf_request(bytes)), true);
  }

  memory::SimulatedLoop loop;
  memory::MemoryNetwork network{loop, 3};
  PerfResponder responder;
  Downloader downloader;
  SessionPtr client;
};

// More than the 4 MiB the responder queues at a time and not a multiple of its 1 MiB buffer.
TEST_F(PerfResponderTest, AnswersWithExactlyTheBytesAskedFor) {
  const std::uint64_t want = (9ull << 20) + 12345;
  ask(want);
  ASSERT_TRUE(loop.run_until([&] { return downloader.finished; }, 30s));
  EXPECT_EQ(downloader.received, want);
}

TEST_F(PerfResponderTest, AZeroRequestIsAnsweredWithAnEmptyFinishedStream) {
  ask(0);
  ASSERT_TRUE(loop.run_until([&] { return downloader.finished; }, 5s));
  EXPECT_EQ(downloader.received, 0u);
}

TEST_F(PerfResponderTest, ForgetsASessionWhenItCloses) {
  EXPECT_EQ(responder.sessions(), 1u);
  client->close(0, "done");
  loop.run_for(100ms);
  EXPECT_EQ(responder.sessions(), 0u);
}

}  // namespace
}  // namespace kinetic::transport
