// One InprocStream's own rules: which directions it may use, what it sends after a fin, reset
// or STOP_SENDING, how its backlog is counted and when it is released. Both halves run on
// simulated loops driven from the test thread, so every crossing happens at a chosen point;
// the two-thread behaviour of the pair is inproc_session_test.cpp's job.
#include "kinetic/transport/inproc/inproc_stream.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "../memory/recording_handlers.hpp"
#include "kinetic/transport/inproc/inproc_session.hpp"
#include "kinetic/transport/memory/simulated_loop.hpp"

namespace kinetic::transport::inproc {
namespace {

using memory::SimulatedLoop;
using memory::testing::RecordingSession;
using memory::testing::RecordingStream;

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string text(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

InprocStream& inproc(Stream* s) { return static_cast<InprocStream&>(*s); }

class InprocStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = InprocSession::make_pair(a, b, options);
    client = pair.first;
    server = pair.second;
    client->set_handler(&client_handler);
    server->set_handler(&server_handler);
  }

  // Runs both loops until neither has work left; false if they never settle.
  bool pump() {
    for (int i = 0; i < 100; ++i) {
      if (a.pending() == 0 && b.pending() == 0) return true;
      a.run_until_idle(10'000);
      b.run_until_idle(10'000);
    }
    return false;
  }

  // The server's handler for the client's stream `id`, which must have arrived.
  RecordingStream& at_server(StreamId id) {
    auto it = server_handler.by_id.find(id);
    EXPECT_NE(it, server_handler.by_id.end()) << "stream " << id << " never reached the server";
    if (it == server_handler.by_id.end()) return unused_;
    return *it->second;
  }

  InprocOptions options{"moqt-test", "", "inproc"};
  SimulatedLoop a;  // the client half's loop
  SimulatedLoop b;  // the server half's loop
  RecordingSession client_handler;
  RecordingSession server_handler;
  std::shared_ptr<InprocSession> client;
  std::shared_ptr<InprocSession> server;

 private:
  RecordingStream unused_;
};

TEST_F(InprocStreamTest, IdsFollowQuicNumberingAndDirectionsFollowTheOpener) {
  Stream* cb = client->open_bidi();
  Stream* cu = client->open_uni();
  Stream* cb2 = client->open_bidi();
  Stream* sb = server->open_bidi();
  Stream* su = server->open_uni();
  EXPECT_EQ(cb->id(), 0u);
  EXPECT_EQ(cu->id(), 2u);
  EXPECT_EQ(cb2->id(), 4u);
  EXPECT_EQ(sb->id(), 1u);
  EXPECT_EQ(su->id(), 3u);

  EXPECT_TRUE(cb->bidirectional());
  EXPECT_TRUE(cb->locally_opened());
  EXPECT_TRUE(inproc(cb).can_send());
  EXPECT_TRUE(inproc(cb).can_receive());
  EXPECT_FALSE(cu->bidirectional());
  EXPECT_TRUE(inproc(cu).can_send());
  EXPECT_FALSE(inproc(cu).can_receive());
  EXPECT_FALSE(su->bidirectional());

  cu->write(bytes("x"), false);
  ASSERT_TRUE(pump());
  ASSERT_EQ(server_handler.incoming.size(), 1u);
  Stream* in = server_handler.incoming.front();
  EXPECT_EQ(in->id(), 2u);
  EXPECT_FALSE(in->locally_opened());
  EXPECT_FALSE(in->bidirectional());
  EXPECT_FALSE(inproc(in).can_send());
  EXPECT_TRUE(inproc(in).can_receive());
}

TEST_F(InprocStreamTest, WritesArriveInOrderWithTheFinAfterTheLastByte) {
  Stream* s = client->open_bidi();
  const StreamId id = s->id();
  client_handler.attach(*s);
  s->write(bytes("ab"), false);
  s->write(SharedBytes::copy(std::string_view("cd")), false);
  ASSERT_TRUE(pump());
  EXPECT_EQ(text(at_server(id).data), "abcd");
  EXPECT_FALSE(at_server(id).fin);

  std::string data_at_fin;
  at_server(id).data_hook = [&](Stream&, std::span<const std::uint8_t>, bool fin) {
    if (fin) data_at_fin = text(at_server(id).data);
  };
  s->write(bytes("ef"), true);
  ASSERT_TRUE(pump());
  EXPECT_TRUE(at_server(id).fin);
  EXPECT_EQ(data_at_fin, "abcdef");
}

TEST_F(InprocStreamTest, SpanWriteIsCopiedSoTheCallerMayReuseItsBuffer) {
  Stream* s = client->open_uni();
  std::string buffer = "first";
  s->write(bytes(buffer), false);
  buffer.assign("XXXXX");
  ASSERT_TRUE(pump());
  EXPECT_EQ(text(at_server(s->id()).data), "first");
}

TEST_F(InprocStreamTest, EmptyWriteWithoutFinSendsNothing) {
  Stream* s = client->open_uni();
  s->write(std::span<const std::uint8_t>{}, false);
  s->write(SharedBytes{}, false);
  ASSERT_TRUE(pump());
  EXPECT_TRUE(server_handler.incoming.empty());

  // A bare fin still opens the stream at the peer and ends it.
  const StreamId id = s->id();
  s->finish();
  ASSERT_TRUE(pump());
  ASSERT_EQ(server_handler.incoming_ids.size(), 1u);
  EXPECT_TRUE(at_server(id).fin);
  EXPECT_TRUE(at_server(id).data.empty());
}

TEST_F(InprocStreamTest, NothingIsSentAfterFinOrReset) {
  Stream* finished = client->open_uni();
  finished->write(bytes("a"), true);
  finished->write(bytes("b"), false);
  finished->finish();
  finished->reset(3);
  EXPECT_EQ(finished->queued_bytes(), 1u);

  Stream* abandoned = client->open_uni();
  abandoned->write(bytes("x"), false);
  abandoned->reset(4);
  abandoned->write(bytes("y"), false);
  abandoned->finish();
  abandoned->reset(5);
  EXPECT_EQ(abandoned->queued_bytes(), 1u);

  const StreamId finished_id = finished->id();
  const StreamId abandoned_id = abandoned->id();
  ASSERT_TRUE(pump());
  EXPECT_EQ(text(at_server(finished_id).data), "a");
  EXPECT_TRUE(at_server(finished_id).fin);
  EXPECT_FALSE(at_server(finished_id).reset.has_value());
  EXPECT_EQ(text(at_server(abandoned_id).data), "x");
  EXPECT_FALSE(at_server(abandoned_id).fin);
  ASSERT_TRUE(at_server(abandoned_id).reset.has_value());
  EXPECT_EQ(*at_server(abandoned_id).reset, 4u);
}

TEST_F(InprocStreamTest, ReceiveOnlyStreamCannotSendAndSendOnlyCannotStopSending) {
  Stream* out = client->open_uni();
  auto& out_h = client_handler.attach(*out);
  out->write(bytes("x"), false);
  ASSERT_TRUE(pump());
  ASSERT_EQ(server_handler.incoming.size(), 1u);
  Stream* in = server_handler.incoming.front();

  in->write(bytes("back"), false);
  in->finish();
  in->reset(1);
  EXPECT_EQ(in->queued_bytes(), 0u);
  // STOP_SENDING is for the receiving side; the sender asking it would make no sense.
  out->stop_sending(2);
  ASSERT_TRUE(pump());
  EXPECT_TRUE(client_handler.incoming.empty());
  EXPECT_TRUE(out_h.data.empty());
  EXPECT_FALSE(out_h.reset.has_value());
  EXPECT_FALSE(out_h.stop_sending.has_value());
  EXPECT_FALSE(at_server(out->id()).stop_sending.has_value());
  EXPECT_EQ(server->stats().bytes_sent, 0u);
}

TEST_F(InprocStreamTest, StopSendingReachesTheWriterOnceAndLaterBytesAreDropped) {
  Stream* out = client->open_uni();
  const StreamId id = out->id();
  auto& out_h = client_handler.attach(*out);
  out->write(bytes("a"), false);
  ASSERT_TRUE(pump());
  Stream* in = server_handler.incoming.front();
  in->stop_sending(9);
  in->stop_sending(10);
  ASSERT_TRUE(pump());
  ASSERT_TRUE(out_h.stop_sending.has_value());
  EXPECT_EQ(*out_h.stop_sending, 9u);

  // The writer may still send (QUIC would carry the bytes); the receiver discards them, and
  // the fin still ends its direction, which releases the stream there.
  out->write(bytes("b"), true);
  ASSERT_TRUE(pump());
  EXPECT_EQ(text(at_server(id).data), "a");
  EXPECT_FALSE(at_server(id).fin);
  EXPECT_TRUE(at_server(id).closed);
  EXPECT_EQ(server->stream_count(), 0u);
}

TEST_F(InprocStreamTest, StopSendingAfterTheFinArrivedIsNotSent) {
  Stream* s = client->open_bidi();
  auto& h = client_handler.attach(*s);
  s->write(bytes("a"), true);
  ASSERT_TRUE(pump());
  ASSERT_TRUE(at_server(s->id()).fin);
  server_handler.incoming.front()->stop_sending(5);
  ASSERT_TRUE(pump());
  EXPECT_FALSE(h.stop_sending.has_value());
}

TEST_F(InprocStreamTest, StopSendingThatCrossesTheFinIsNotReported) {
  Stream* s = client->open_bidi();
  auto& h = client_handler.attach(*s);
  s->write(bytes("a"), false);
  ASSERT_TRUE(pump());
  // Both in the same turn: each half acts before it hears of the other.
  s->finish();
  server_handler.incoming.front()->stop_sending(5);
  ASSERT_TRUE(pump());
  // The writer had nothing left to stop.
  EXPECT_FALSE(h.stop_sending.has_value());
}

TEST_F(InprocStreamTest, ResetEndsTheDirectionAndReleasesBothSides) {
  Stream* s = client->open_uni();
  const StreamId id = s->id();
  auto& h = client_handler.attach(*s);
  s->write(bytes("abc"), false);
  s->reset(7);
  ASSERT_TRUE(pump());
  auto& in = at_server(id);
  EXPECT_EQ(text(in.data), "abc");
  ASSERT_TRUE(in.reset.has_value());
  EXPECT_EQ(*in.reset, 7u);
  EXPECT_TRUE(in.closed);
  EXPECT_TRUE(h.closed);
  EXPECT_EQ(server->stream_count(), 0u);
  EXPECT_EQ(client->stream_count(), 0u);
}

TEST_F(InprocStreamTest, FinishedStreamIsReleasedAfterTheCallNotInsideIt) {
  Stream* uni = client->open_uni();
  auto& uni_h = client_handler.attach(*uni);
  uni->finish();
  // The caller may still touch the stream right after finish().
  EXPECT_FALSE(uni_h.closed);
  EXPECT_EQ(uni->queued_bytes(), 0u);
  EXPECT_EQ(client->stream_count(), 1u);
  ASSERT_TRUE(pump());
  EXPECT_TRUE(uni_h.closed);
  EXPECT_EQ(client->stream_count(), 0u);

  // A bidi stream stays until both directions are done.
  Stream* bidi = client->open_bidi();
  const StreamId bidi_id = bidi->id();
  auto& bidi_h = client_handler.attach(*bidi);
  bidi->write(bytes("q"), true);
  ASSERT_TRUE(pump());
  EXPECT_FALSE(bidi_h.closed);
  EXPECT_EQ(client->stream_count(), 1u);
  EXPECT_EQ(server->stream_count(), 1u);
  server_handler.incoming.back()->write(bytes("r"), true);
  ASSERT_TRUE(pump());
  EXPECT_TRUE(bidi_h.closed);
  EXPECT_EQ(text(bidi_h.data), "r");
  EXPECT_TRUE(at_server(bidi_id).closed);
  EXPECT_EQ(client->stream_count(), 0u);
  EXPECT_EQ(server->stream_count(), 0u);
}

TEST_F(InprocStreamTest, QueuedBytesCountUntilTheOtherHalfTakesThem) {
  Stream* s = client->open_uni();
  EXPECT_EQ(s->queued_bytes(), 0u);
  s->write(bytes("12345"), false);
  s->write(SharedBytes::copy(std::string_view("1234567")), false);
  EXPECT_EQ(s->queued_bytes(), 12u);
  // Handed to the other loop but not yet run there: still a backlog.
  a.run_until_idle();
  EXPECT_EQ(s->queued_bytes(), 12u);
  EXPECT_EQ(b.pending(), 1u);
  b.run_until_idle();
  EXPECT_EQ(s->queued_bytes(), 0u);
  EXPECT_EQ(text(at_server(s->id()).data), "123451234567");
}

TEST_F(InprocStreamTest, SendOrderDoesNotReorderStreams) {
  Stream* first = client->open_uni();
  Stream* second = client->open_uni();
  first->set_send_order(100);
  second->set_send_order(0);
  first->write(bytes("1"), false);
  second->write(bytes("2"), false);
  ASSERT_TRUE(pump());
  // The peer numbers streams in the order they open; overtaking would lose the first.
  ASSERT_EQ(server_handler.incoming_ids.size(), 2u);
  EXPECT_EQ(server_handler.incoming_ids[0], first->id());
  EXPECT_EQ(server_handler.incoming_ids[1], second->id());
  EXPECT_EQ(text(at_server(first->id()).data), "1");
  EXPECT_EQ(text(at_server(second->id()).data), "2");
}

TEST_F(InprocStreamTest, WritesAfterTheSessionClosedAreDropped) {
  Stream* s = client->open_uni();
  s->write(bytes("a"), false);
  client->close(0, "bye");
  s->write(bytes("b"), false);
  s->finish();
  s->reset(1);
  EXPECT_EQ(s->queued_bytes(), 1u);
  ASSERT_TRUE(pump());
  EXPECT_EQ(text(at_server(s->id()).data), "a");
  EXPECT_FALSE(at_server(s->id()).fin);
  EXPECT_FALSE(at_server(s->id()).reset.has_value());
  ASSERT_TRUE(server_handler.closed.has_value());
}

TEST_F(InprocStreamTest, StreamWithoutAHandlerDropsBytesButStillReleases) {
  server_handler.incoming_hook = [](Session&, Stream& s) { s.set_handler(nullptr); };
  Stream* s = client->open_uni();
  const StreamId s_id = s->id();
  s->write(bytes("abc"), false);
  s->reset(2);
  Stream* t = client->open_uni();
  const StreamId t_id = t->id();
  t->write(bytes("def"), true);
  ASSERT_TRUE(pump());
  EXPECT_EQ(server_handler.incoming_ids.size(), 2u);
  EXPECT_TRUE(at_server(s_id).data.empty());
  EXPECT_FALSE(at_server(s_id).reset.has_value());
  EXPECT_FALSE(at_server(s_id).closed);
  EXPECT_TRUE(at_server(t_id).data.empty());
  EXPECT_EQ(server->stream_count(), 0u);
}

class InprocStreamLowWaterTest : public InprocStreamTest {
 protected:
  InprocStreamLowWaterTest() { options.stream_low_water = 8; }
};

TEST_F(InprocStreamLowWaterTest, WritableOnlyOnceABacklogAboveTheMarkDrains) {
  Stream* s = client->open_uni();
  auto& h = client_handler.attach(*s);
  s->write(SharedBytes(std::vector<std::uint8_t>(8, 1)), false);
  ASSERT_TRUE(pump());
  EXPECT_EQ(h.writable, 0) << "a backlog at the mark never passed it";

  s->write(SharedBytes(std::vector<std::uint8_t>(9, 1)), false);
  ASSERT_TRUE(pump());
  EXPECT_EQ(h.writable, 1);

  // One signal per backlog, not per chunk that brought it down.
  for (int i = 0; i < 3; ++i) s->write(SharedBytes(std::vector<std::uint8_t>(4, 1)), false);
  EXPECT_EQ(s->queued_bytes(), 12u);
  ASSERT_TRUE(pump());
  EXPECT_EQ(h.writable, 2);
  EXPECT_EQ(s->queued_bytes(), 0u);
}

}  // namespace
}  // namespace kinetic::transport::inproc
