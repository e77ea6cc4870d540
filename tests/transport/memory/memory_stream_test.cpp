#include "kinetic/transport/memory/memory_stream.hpp"

#include <gtest/gtest.h>

#include "kinetic/transport/memory/memory_network.hpp"
#include "kinetic/transport/memory/simulated_loop.hpp"
#include "recording_handlers.hpp"

namespace kinetic::transport::memory {
namespace {

using namespace std::chrono_literals;
using testing::pattern;
using testing::RecordingSession;
using testing::RecordingStream;

class MemoryStreamTest : public ::testing::Test {
 protected:
  void connect(const LinkConfig& config = {}) {
    client_handler.loop = &loop;
    server_handler.loop = &loop;
    sessions = network.pair(config);
    sessions.client->set_handler(&client_handler);
    sessions.server->set_handler(&server_handler);
    ASSERT_TRUE(loop.run_until([&] { return client_handler.ready && server_handler.ready; }, 1s));
  }

  // Echoes every incoming bidi stream back on itself, and every uni stream on a new uni.
  void serve_echo() {
    server_handler.incoming_hook = [this](Session& session, Stream& stream) {
      RecordingStream& h = *server_handler.by_id[stream.id()];
      if (stream.bidirectional()) {
        h.data_hook = [](Stream& s, std::span<const std::uint8_t> bytes, bool fin) { s.write(bytes, fin); };
      } else {
        Stream* back = session.open_uni();
        ASSERT_NE(back, nullptr);
        h.data_hook = [back](Stream&, std::span<const std::uint8_t> bytes, bool fin) { back->write(bytes, fin); };
      }
    };
  }

  SimulatedLoop loop;
  MemoryNetwork network{loop, 99};
  RecordingSession client_handler;
  RecordingSession server_handler;
  SessionPair sessions;
};

TEST_F(MemoryStreamTest, StreamIdsFollowQuicNumbering) {
  connect();
  Stream* cb = sessions.client->open_bidi();
  Stream* cu = sessions.client->open_uni();
  Stream* cb2 = sessions.client->open_bidi();
  Stream* sb = sessions.server->open_bidi();
  Stream* su = sessions.server->open_uni();
  EXPECT_EQ(cb->id(), 0u);
  EXPECT_EQ(cb2->id(), 4u);
  EXPECT_EQ(cu->id(), 2u);
  EXPECT_EQ(sb->id(), 1u);
  EXPECT_EQ(su->id(), 3u);
  EXPECT_TRUE(cb->bidirectional());
  EXPECT_FALSE(cu->bidirectional());
  EXPECT_TRUE(cb->locally_opened());
}

TEST_F(MemoryStreamTest, BytesArriveInOrderDespiteJitterAndLoss) {
  LinkConfig config;
  config.to_server.delay = 20ms;
  config.to_server.jitter = {JitterModel::Kind::kNormal, 8ms};
  config.to_server.loss = 0.1;
  config.to_server.reorder = 0.1;
  connect(config);
  Stream* s = sessions.client->open_bidi();
  const auto payload = pattern(300'000, 7);
  // Written in uneven pieces so that packets span several writes.
  for (std::size_t off = 0; off < payload.size();) {
    const std::size_t n = std::min<std::size_t>(payload.size() - off, 1 + (off * 7919) % 5000);
    s->write(std::span(payload).subspan(off, n), off + n == payload.size());
    off += n;
  }
  ASSERT_TRUE(loop.run_until([&] { return !server_handler.incoming.empty() && server_handler.by_id[0]->fin; }, 30s));
  EXPECT_EQ(server_handler.by_id[0]->data, payload);
  EXPECT_GT(sessions.client->stats().packets_lost, 0u);
}

TEST_F(MemoryStreamTest, EchoOverBidi) {
  connect();
  serve_echo();
  Stream* s = sessions.client->open_bidi();
  RecordingStream& h = client_handler.attach(*s);
  const auto payload = pattern(5000);
  s->write(payload, true);
  ASSERT_TRUE(loop.run_until([&] { return h.fin; }, 1s));
  EXPECT_EQ(h.data, payload);
  // Both directions are done, so both ends release the stream.
  ASSERT_TRUE(loop.run_until([&] { return h.closed && server_handler.by_id[0]->closed; }, 1s));
  EXPECT_EQ(sessions.client->stream_count(), 0u);
  EXPECT_EQ(sessions.server->stream_count(), 0u);
}

TEST_F(MemoryStreamTest, EchoOverUni) {
  connect();
  serve_echo();
  Stream* s = sessions.client->open_uni();
  EXPECT_FALSE(s->bidirectional());
  s->write(pattern(3000, 1), false);
  s->write(pattern(10, 2), true);
  ASSERT_TRUE(loop.run_until([&] { return !client_handler.incoming.empty() && client_handler.stream_handlers.back()->fin; }, 1s));
  Stream* back = client_handler.incoming.front();
  EXPECT_FALSE(back->bidirectional());
  EXPECT_FALSE(back->locally_opened());
  auto expected = pattern(3000, 1);
  const auto tail = pattern(10, 2);
  expected.insert(expected.end(), tail.begin(), tail.end());
  EXPECT_EQ(client_handler.by_id[back->id()]->data, expected);
}

TEST_F(MemoryStreamTest, FinWithoutBytes) {
  connect();
  Stream* s = sessions.client->open_bidi();
  s->write(pattern(100), false);
  s->finish();
  s->write(pattern(100), false);  // after fin: ignored
  ASSERT_TRUE(loop.run_until([&] { return !server_handler.incoming.empty() && server_handler.by_id[0]->fin; }, 1s));
  EXPECT_EQ(server_handler.by_id[0]->data.size(), 100u);
}

TEST_F(MemoryStreamTest, WriteSharedBytesWithoutCopy) {
  connect();
  auto bytes = kinetic::SharedBytes(pattern(10'000));
  Stream* s = sessions.client->open_uni();
  s->write(bytes, true);
  EXPECT_GT(bytes.use_count(), 1);  // the transport holds the same memory, not a copy
  EXPECT_EQ(s->queued_bytes(), 10'000u);
  ASSERT_TRUE(loop.run_until([&] { return !server_handler.incoming.empty() && server_handler.by_id[2]->fin; }, 1s));
  EXPECT_EQ(server_handler.by_id[2]->data, pattern(10'000));
  EXPECT_EQ(s->queued_bytes(), 0u);
  loop.run_for(1s);
  EXPECT_EQ(bytes.use_count(), 1);  // released once delivered
}

TEST_F(MemoryStreamTest, ResetCodeReachesThePeer) {
  connect();
  Stream* s = sessions.client->open_bidi();
  RecordingStream& h = client_handler.attach(*s);
  s->write(pattern(100), false);
  ASSERT_TRUE(loop.run_until([&] { return !server_handler.incoming.empty(); }, 1s));
  s->reset(0x17);
  ASSERT_TRUE(loop.run_until([&] { return server_handler.by_id[0]->reset.has_value(); }, 1s));
  EXPECT_EQ(*server_handler.by_id[0]->reset, 0x17u);
  // The server's direction is still open until it finishes it.
  EXPECT_FALSE(h.closed);
  server_handler.incoming.front()->finish();
  ASSERT_TRUE(loop.run_until([&] { return h.closed && server_handler.by_id[0]->closed; }, 1s));
  EXPECT_TRUE(h.fin);
}

TEST_F(MemoryStreamTest, StopSendingCodeReachesThePeerWhichResets) {
  connect();
  Stream* s = sessions.client->open_bidi();
  RecordingStream& h = client_handler.attach(*s);
  s->write(pattern(100), false);
  ASSERT_TRUE(loop.run_until([&] { return !server_handler.incoming.empty(); }, 1s));
  Stream* server_side = server_handler.incoming.front();
  server_side->write(pattern(50), false);
  server_side->stop_sending(0x2a);
  ASSERT_TRUE(loop.run_until([&] { return h.stop_sending.has_value(); }, 1s));
  EXPECT_EQ(*h.stop_sending, 0x2au);
  // The client did not reset itself, so the transport answered with the same code.
  ASSERT_TRUE(loop.run_until([&] { return server_handler.by_id[0]->reset.has_value(); }, 1s));
  EXPECT_EQ(*server_handler.by_id[0]->reset, 0x2au);
  EXPECT_EQ(h.data.size(), 50u);
}

TEST_F(MemoryStreamTest, WritesAfterResetAreIgnored) {
  connect();
  Stream* s = sessions.client->open_uni();
  s->write(pattern(100'000), false);
  s->reset(1);
  EXPECT_EQ(s->queued_bytes(), 0u);
  s->write(pattern(10), true);
  EXPECT_EQ(s->queued_bytes(), 0u);
  loop.run_for(1s);
  ASSERT_EQ(server_handler.incoming.size(), 1u);
  EXPECT_EQ(*server_handler.by_id[2]->reset, 1u);
  EXPECT_TRUE(server_handler.by_id[2]->data.empty());
}

TEST_F(MemoryStreamTest, OnWritableWhenTheQueueDrains) {
  LinkConfig config;
  config.to_server.bandwidth_bps = 10'000'000;
  config.write_low_water = 16 * 1024;
  connect(config);
  Stream* s = sessions.client->open_uni();
  RecordingStream& h = client_handler.attach(*s);
  s->write(pattern(100'000), false);
  EXPECT_EQ(s->queued_bytes(), 100'000u);
  loop.run_for(20ms);  // 25 KB at 10 Mbit/s
  EXPECT_GT(s->queued_bytes(), 16u * 1024);
  EXPECT_EQ(h.writable, 0);
  ASSERT_TRUE(loop.run_until([&] { return h.writable > 0; }, 1s));
  EXPECT_LE(s->queued_bytes(), 16u * 1024);
  EXPECT_EQ(h.writable, 1);
}

TEST_F(MemoryStreamTest, LowerSendOrderGoesFirstUnderABandwidthLimit) {
  LinkConfig config;
  config.to_server.bandwidth_bps = 8'000'000;
  connect(config);
  Stream* low = sessions.client->open_uni();   // id 2
  Stream* high = sessions.client->open_uni();  // id 6
  low->set_send_order(5);
  high->set_send_order(1);
  low->write(pattern(50'000), true);
  high->write(pattern(50'000), true);
  ASSERT_TRUE(loop.run_until([&] { return server_handler.by_id.size() == 2 && server_handler.by_id[2]->fin; }, 5s));
  // Everything of the urgent stream arrived before the first byte of the other.
  EXPECT_TRUE(server_handler.by_id[6]->fin);
  EXPECT_LT(server_handler.by_id[6]->data_times.back(), server_handler.by_id[2]->data_times.front());
}

TEST_F(MemoryStreamTest, SendOrderCanChangeMidTransfer) {
  LinkConfig config;
  config.to_server.bandwidth_bps = 8'000'000;
  connect(config);
  Stream* a = sessions.client->open_uni();  // id 2
  Stream* b = sessions.client->open_uni();  // id 6
  a->set_send_order(1);
  b->set_send_order(2);
  a->write(pattern(100'000), true);
  b->write(pattern(20'000), true);
  loop.run_for(10ms);
  b->set_send_order(0);
  ASSERT_TRUE(loop.run_until([&] { return server_handler.by_id.size() == 2 && server_handler.by_id[2]->fin; }, 5s));
  EXPECT_LT(server_handler.by_id[6]->data_times.back(), server_handler.by_id[2]->data_times.back());
}

TEST_F(MemoryStreamTest, EqualSendOrdersShareTheLink) {
  LinkConfig config;
  config.to_server.bandwidth_bps = 8'000'000;
  connect(config);
  Stream* a = sessions.client->open_uni();
  Stream* b = sessions.client->open_uni();
  a->write(pattern(60'000), true);
  b->write(pattern(60'000), true);
  loop.run_for(40ms);  // a bit under half of both
  ASSERT_EQ(server_handler.by_id.size(), 2u);
  const double got_a = static_cast<double>(server_handler.by_id[2]->data.size());
  const double got_b = static_cast<double>(server_handler.by_id[6]->data.size());
  EXPECT_GT(got_a, 10'000);
  EXPECT_NEAR(got_a, got_b, 1200.0);  // within one packet of each other
}

TEST_F(MemoryStreamTest, AStreamOvertakingAnEarlierOneOpensItToo) {
  LinkConfig config;
  config.to_server.reorder = 0.5;
  config.to_server.reorder_delay = 20ms;
  connect(config);
  for (int i = 0; i < 40; ++i) sessions.client->open_uni()->write(pattern(10, static_cast<std::uint8_t>(i)), true);
  ASSERT_TRUE(loop.run_until([&] { return server_handler.incoming.size() == 40; }, 1s));
  loop.run_for(100ms);
  for (std::size_t i = 0; i < 40; ++i) {
    const StreamId id = 4 * i + 2;
    EXPECT_EQ(server_handler.incoming_ids[i], id);  // announced in id order
    EXPECT_EQ(server_handler.by_id[id]->data, pattern(10, static_cast<std::uint8_t>(i)));
  }
}

}  // namespace
}  // namespace kinetic::transport::memory
