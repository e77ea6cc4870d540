#include "kinetic/transport/quic/quic_stream.hpp"

#include "quic_fixture.hpp"

namespace kinetic::transport::quic::testing {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

class QuicStreamTest : public QuicFixture {
 protected:
  void SetUp() override {
    start_server();
    session_ = connect(app_);
    ASSERT_TRUE(app_.ready);
  }
  ClientApp app_;
  SessionPtr session_;
};

TEST_F(QuicStreamTest, QueuedBytesCountUnsentBytesOnly) {
  Collector c;
  auto* s = static_cast<QuicStream*>(session_->open_bidi());
  s->set_handler(&c);
  s->write(bytes("Eabc"));
  s->write(bytes("def"));
  EXPECT_EQ(s->queued_bytes(), 7u);
  EXPECT_EQ(s->unacked_bytes(), 7u);
  ASSERT_TRUE(run_until([&] { return c.data.size() == 6; }));
  EXPECT_EQ(s->queued_bytes(), 0u);
  ASSERT_TRUE(run_until([&] { return s->unacked_bytes() == 0; }));
  s->finish();
  ASSERT_TRUE(run_until([&] { return c.closed; }));
}

// measure_send_delay: recorded once the last byte written before it is in a packet handed to
// the kernel, measured from the time given; never for bytes a reset abandoned.
TEST_F(QuicStreamTest, SendDelayIsRecordedOnceEveryByteLeft) {
  Collector c;
  c.keep = false;
  auto* s = static_cast<QuicStream*>(session_->open_bidi());
  s->set_handler(&c);
  LatencyHistogram delay;
  // More than a congestion window: the last bytes leave a few round trips after the first.
  std::vector<std::uint8_t> big(400 * 1024, 'x');
  big[0] = 'E';
  s->write(std::span<const std::uint8_t>(big));
  const auto since = Clock::now() - std::chrono::milliseconds(5);
  s->measure_send_delay(since, delay);
  EXPECT_EQ(delay.count(), 0u);  // nothing leaves before the loop runs
  ASSERT_TRUE(run_until([&] { return delay.count() == 1; }));
  EXPECT_EQ(s->queued_bytes(), 0u);  // recorded only when the last byte went
  EXPECT_GE(delay.sum_ns(), 5'000'000u);
  // Made when everything already left: recorded at the next flush.
  s->measure_send_delay(Clock::now(), delay);
  ASSERT_TRUE(run_until([&] { return delay.count() == 2; }));
}

TEST_F(QuicStreamTest, SendDelayOfAbandonedBytesIsNeverRecorded) {
  Collector c;
  auto* s = static_cast<QuicStream*>(session_->open_bidi());
  s->set_handler(&c);
  LatencyHistogram delay;
  std::vector<std::uint8_t> big(2 * 1024 * 1024, 'x');
  big[0] = 'E';
  s->write(std::span<const std::uint8_t>(big));
  s->measure_send_delay(Clock::now(), delay);
  s->reset(7);
  s->measure_send_delay(Clock::now(), delay);  // write side closed: ignored
  run_until([] { return false; }, std::chrono::milliseconds(200));
  EXPECT_EQ(delay.count(), 0u);
}

TEST_F(QuicStreamTest, WritesAfterFinAreIgnored) {
  Collector c;
  Stream* s = session_->open_bidi();
  s->set_handler(&c);
  s->write(bytes("Eonly this"), true);
  s->write(bytes(" and not this"));
  s->finish();
  EXPECT_EQ(s->queued_bytes(), 10u);
  ASSERT_TRUE(run_until([&] { return c.closed; }));
  EXPECT_EQ(std::string(c.data.begin(), c.data.end()), "only this");
}

TEST_F(QuicStreamTest, EmptyWriteWithFinFinishes) {
  Collector c;
  Stream* s = session_->open_bidi();
  s->set_handler(&c);
  s->write(bytes("E"));
  s->write(std::span<const std::uint8_t>{}, true);
  ASSERT_TRUE(run_until([&] { return c.closed; }));
  EXPECT_TRUE(c.fin);
  EXPECT_TRUE(c.data.empty());
}

TEST_F(QuicStreamTest, IncomingUniStreamCannotBeWritten) {
  Stream* s = session_->open_uni();
  s->write(bytes("x"));  // no fin: the echo stays open, so the incoming stream is not yet released
  ASSERT_TRUE(run_until([&] { return !app_.incoming.empty(); }));
  Stream* in = app_.incoming[0];
  in->write(bytes("nope"));
  EXPECT_EQ(in->queued_bytes(), 0u);
  in->reset(1);  // no send side: nothing happens
}

TEST_F(QuicStreamTest, SendOrderCanChangeWhileQueued) {
  ASSERT_TRUE(run_until([&] { return server_app_.ready == 1; }));
  auto& server = *server_sessions_[0];
  Stream* a = server.open_uni();
  Stream* b = server.open_uni();
  a->set_send_order(1);
  b->set_send_order(2);
  a->write(kinetic::SharedBytes(std::vector<std::uint8_t>(2 << 20, 'a')), true);
  b->write(kinetic::SharedBytes(std::vector<std::uint8_t>(2 << 20, 'b')), true);
  b->set_send_order(0);  // now b first
  EXPECT_EQ(static_cast<QuicStream*>(b)->send_order(), 0u);
  std::vector<std::uint8_t> finished;
  ASSERT_TRUE(run_until([&] {
    for (auto& c : app_.collectors) {
      auto& col = *c;
      if (col.fin && std::find(finished.begin(), finished.end(), col.data[0]) == finished.end())
        finished.push_back(col.data[0]);
    }
    return finished.size() == 2;
  }));
  EXPECT_EQ(finished, (std::vector<std::uint8_t>{'b', 'a'}));
}

TEST_F(QuicStreamTest, EqualSendOrdersShareTheLink) {
  ASSERT_TRUE(run_until([&] { return server_app_.ready == 1; }));
  auto& server = *server_sessions_[0];
  for (char tag : {'x', 'y'}) {
    Stream* s = server.open_uni();
    s->set_send_order(5);
    s->write(kinetic::SharedBytes(std::vector<std::uint8_t>(2 << 20, static_cast<std::uint8_t>(tag))), true);
  }
  // Round-robin: when the first stream finishes the other is well under way.
  ASSERT_TRUE(run_until([&] {
    for (auto& c : app_.collectors)
      if (c->fin) return true;
    return false;
  }));
  ASSERT_EQ(app_.incoming.size(), 2u);
  for (auto& c : app_.collectors) EXPECT_GT(c->received, 1u << 20);
}

}  // namespace
}  // namespace kinetic::transport::quic::testing
