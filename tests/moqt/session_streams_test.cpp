// A live track opens one subgroup stream per group for as long as it runs: nothing may be kept
// per finished stream, on the publisher's side or the subscriber's. Over the memory transport,
// so what is measured is the MoQT sessions' state and the transport's, not ngtcp2's (see
// bench/relay/stream_churn_bench.cpp for real QUIC). And an incoming data stream keeps the
// payloads an inproc hop hands it without copying them.
#include <gtest/gtest.h>

#include "../heap_in_use.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/inproc/inproc_session.hpp"
#include "kinetic/wire/version.hpp"
#include "moqt_fixture.hpp"

namespace kinetic::moqt::testing {
namespace {

using kinetic::testing::smaller_growth_of_two_windows;

class SessionStreamsTest : public MoqtTest {
 protected:
  struct Counter : SubscriptionHandler {
    void on_object(Subscription&, const Object& o) override {
      ++objects;
      last_group = o.group_id;
    }
    std::uint64_t objects = 0;
    std::uint64_t last_group = 0;
  };

  // Sends groups [from, to), one subgroup stream of two objects each, waiting for stream
  // credit when the link has none left, and runs until the subscriber has them all.
  void churn(ServedSubscription& served, Counter& got, std::uint64_t from, std::uint64_t to) {
    const auto payload = bytes("0123456789abcdef");
    for (std::uint64_t g = from; g < to; ++g) {
      SubgroupWriter* w = served.open_subgroup({g, 0, 128});
      for (int tries = 0; w == nullptr && tries < 100; ++tries) {
        run(1ms);
        w = served.open_subgroup({g, 0, 128});
      }
      ASSERT_NE(w, nullptr) << "no stream credit came back by group " << g;
      ASSERT_TRUE(w->write(0, payload));
      ASSERT_TRUE(w->write(1, payload));
      w->finish();
    }
    ASSERT_TRUE(loop.run_until([&] { return got.objects == 2 * to; }, 10s)) << got.objects << " of " << 2 * to;
    run(50ms);  // closes and deferred releases run
  }
};

TEST_P(SessionStreamsTest, NoStateKeptPerFinishedSubgroupStream) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  Counter got;
  auto sub = client->subscribe(track("live", "video"), {}, &got);
  run();
  ASSERT_EQ(sh.served.size(), 1u);
  ServedSubscription& served = *sh.served[0];

  // Warm-up: maps, pools and the link's buffers reach their working size.
  churn(served, got, 0, 1'000);
  if (HasFatalFailure()) return;
  // Two windows of 5,000 finished streams each.
  const auto grown = smaller_growth_of_two_windows([&](int window) {
    if (!HasFatalFailure()) churn(served, got, 1'000 + window * 5'000, 6'000 + window * 5'000);
  });
  if (HasFatalFailure()) return;

  EXPECT_EQ(got.last_group, 10'999u);
  // Finished writers are pruned at the next open, so those still held are at most the ones
  // that were in flight at the last opens: bounded by the link's stream credit (100), not by
  // the 11,000 streams opened.
  EXPECT_LE(served.open_subgroups(), transport::memory::LinkConfig{}.max_uni_streams);
  // A record per stream grows the heap in both windows (16 bytes each would be 80 KB), while a
  // container that grows its capacity once (a step of ~16 KB) grows it in one only.
  EXPECT_LT(grown, 16 * 1024) << "heap grew " << grown << " bytes over 5,000 streams ("
                              << static_cast<double>(grown) / 5'000.0 << " per stream)";
}

// Received bytes are carved from the session's blocks (ByteArena): the objects of a stream share
// one, and once the peer has no data stream open the session lets go of it, so what keeps it alive
// is only the objects still held.
TEST_P(SessionStreamsTest, ReceivedObjectsShareABlockTheSessionReleasesWhenIdle) {
  connect();
  sh.on_sub = [](ServedSubscription& s) { s.accept({}); };
  RecordingSubscription got;
  auto sub = client->subscribe(track("live", "video"), {}, &got);
  run();
  ASSERT_EQ(sh.served.size(), 1u);
  SubgroupWriter* w = sh.served[0]->open_subgroup({0, 0, 128});
  ASSERT_NE(w, nullptr);
  // Both fit the first block (4 KiB).
  ASSERT_TRUE(w->write(0, SharedBytes(std::vector<std::uint8_t>(1'500, 1))));
  ASSERT_TRUE(w->write(1, SharedBytes(std::vector<std::uint8_t>(1'500, 2))));
  ASSERT_TRUE(loop.run_until([&] { return got.objects.size() == 2; }, 2s));
  const SharedBytes& first = got.objects[0].payload;
  const SharedBytes& second = got.objects[1].payload;
  ASSERT_EQ(first.size(), 1'500u);
  EXPECT_EQ(first, SharedBytes(std::vector<std::uint8_t>(1'500, 1)));
  const long while_open = first.use_count();
  EXPECT_EQ(while_open, 3) << "the two objects and the session's arena";
  EXPECT_EQ(second.use_count(), while_open) << "the two payloads lie in different blocks";
  w->finish();
  run(50ms);  // the stream closes; its release is posted
  EXPECT_EQ(first.use_count(), while_open - 1) << "the idle session still holds its block";
}

INSTANTIATE_TEST_SUITE_P(Drafts, SessionStreamsTest, ::testing::Values("moqt-20"), version_name);

// Over a transport that hands received bytes on as the sender's buffers (inproc, between relay
// workers), an object's payload reaches the subscriber as the publisher's own buffer.
TEST(SessionStreamsInprocTest, PayloadCrossesAnInprocHopWithoutACopy) {
  transport::EpollLoop loop;
  transport::inproc::InprocOptions io;
  io.protocol = std::string(wire::alpn(wire::kSupportedVersions.front()));
  auto [client, server] = transport::inproc::InprocSession::make_pair(loop, loop, io);
  RecordingSessionHandler pub_handler, sub_handler;
  pub_handler.on_sub = [](ServedSubscription& s) { s.accept({}); };
  SessionOptions po;
  po.perspective = Perspective::kServer;
  auto publisher = Session::create(server, po, &pub_handler);
  SessionOptions so;
  so.path = "/moq";
  auto subscriber = Session::create(client, so, &sub_handler);
  RecordingSubscription got;
  auto sub = subscriber->subscribe(track("live", "video"), {}, &got);
  ASSERT_TRUE(loop.run_until([&] { return got.ok; }, 2s));
  ASSERT_EQ(pub_handler.served.size(), 1u);

  const SharedBytes payload(std::vector<std::uint8_t>(4'167, 7));
  SubgroupWriter* w = pub_handler.served[0]->open_subgroup({0, 0, 128});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->write(0, payload));
  ASSERT_TRUE(w->write(1, payload));
  ASSERT_TRUE(loop.run_until([&] { return got.objects.size() == 2; }, 2s));
  for (const auto& o : got.objects) {
    EXPECT_EQ(o.payload.data(), payload.data()) << "object " << o.object_id << " was copied";
    EXPECT_EQ(o.payload.size(), payload.size());
  }
}

}  // namespace
}  // namespace kinetic::moqt::testing
