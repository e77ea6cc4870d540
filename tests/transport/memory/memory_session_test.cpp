#include "kinetic/transport/memory/memory_session.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "kinetic/transport/memory/memory_network.hpp"
#include "kinetic/transport/memory/simulated_loop.hpp"
#include "recording_handlers.hpp"

namespace kinetic::transport::memory {
namespace {

using namespace std::chrono_literals;
using testing::pattern;
using testing::RecordingSession;
using testing::RecordingStream;

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

class MemorySessionTest : public ::testing::Test {
 protected:
  void connect(const LinkConfig& config = {}) {
    client_handler.loop = &loop;
    server_handler.loop = &loop;
    sessions = network.pair(config);
    sessions.client->set_handler(&client_handler);
    sessions.server->set_handler(&server_handler);
    ASSERT_TRUE(loop.run_until([&] { return client_handler.ready && server_handler.ready; }, 1s));
  }

  SimulatedLoop loop;
  MemoryNetwork network{loop, 5};
  RecordingSession client_handler;
  RecordingSession server_handler;
  SessionPair sessions;
};

TEST_F(MemorySessionTest, HandshakeTakesOneRoundTrip) {
  LinkConfig config;
  config.to_server.delay = 30ms;
  config.to_client.delay = 20ms;
  client_handler.loop = &loop;
  sessions = network.pair(config);
  sessions.client->set_handler(&client_handler);
  sessions.server->set_handler(&server_handler);
  loop.run_for(49ms);
  EXPECT_TRUE(server_handler.ready);
  EXPECT_FALSE(client_handler.ready);
  loop.run_for(1ms);
  EXPECT_TRUE(client_handler.ready);
}

TEST_F(MemorySessionTest, DescribesItself) {
  LinkConfig config;
  config.protocol = "moqt-18";
  config.path = "/moq";
  connect(config);
  EXPECT_EQ(sessions.client->protocol(), "moqt-18");
  EXPECT_EQ(sessions.server->path(), "/moq");
  EXPECT_EQ(sessions.server->peer_address(), "mem:client-1");
  EXPECT_EQ(sessions.client->peer_address(), "mem:server-1");
  EXPECT_EQ(&sessions.client->loop(), &loop);
}

TEST_F(MemorySessionTest, StreamLimitAndStreamsAvailable) {
  LinkConfig config;
  config.max_bidi_streams = 2;
  config.max_uni_streams = 1;
  connect(config);
  Stream* a = sessions.client->open_bidi();
  Stream* b = sessions.client->open_bidi();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(sessions.client->open_bidi(), nullptr);
  Stream* u = sessions.client->open_uni();
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(sessions.client->open_uni(), nullptr);
  // The server's own credit is separate.
  EXPECT_NE(sessions.server->open_bidi(), nullptr);

  // Closing `a` at both ends gives the client one more bidi stream.
  a->write(pattern(10), true);
  ASSERT_TRUE(loop.run_until([&] { return !server_handler.incoming.empty(); }, 1s));
  server_handler.incoming.front()->finish();
  ASSERT_TRUE(loop.run_until([&] { return client_handler.streams_available > 0; }, 1s));
  EXPECT_EQ(client_handler.streams_available, 1);
  EXPECT_NE(sessions.client->open_bidi(), nullptr);
  EXPECT_EQ(sessions.client->open_bidi(), nullptr);
  EXPECT_EQ(sessions.client->open_uni(), nullptr);
}

TEST_F(MemorySessionTest, DatagramsArriveWhole) {
  connect();
  EXPECT_EQ(sessions.client->max_datagram_size(), 1150u);
  EXPECT_TRUE(sessions.client->send_datagram(pattern(1150)));
  EXPECT_FALSE(sessions.client->send_datagram(pattern(1151)));
  EXPECT_TRUE(sessions.server->send_datagram(pattern(3)));
  loop.run_for(100ms);
  ASSERT_EQ(server_handler.datagrams.size(), 1u);
  EXPECT_EQ(server_handler.datagrams[0], pattern(1150));
  ASSERT_EQ(client_handler.datagrams.size(), 1u);
  EXPECT_EQ(client_handler.datagrams[0], pattern(3));
}

TEST_F(MemorySessionTest, DatagramsCanBeOff) {
  LinkConfig config;
  config.datagrams = false;
  connect(config);
  EXPECT_EQ(sessions.client->max_datagram_size(), 0u);
  EXPECT_FALSE(sessions.client->send_datagram(pattern(10)));
}

TEST_F(MemorySessionTest, DatagramLossRateWithinTolerance) {
  LinkConfig config;
  config.to_server.loss = 0.05;
  connect(config);
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(sessions.client->send_datagram(pattern(100, static_cast<std::uint8_t>(i))));
    loop.run_for(1ms);
  }
  loop.run_for(1s);
  const double lost = 1.0 - static_cast<double>(server_handler.datagrams.size()) / 10'000.0;
  EXPECT_NEAR(lost, 0.05, 0.01);
  EXPECT_EQ(sessions.client->stats().packets_lost, 10'000u - server_handler.datagrams.size());
}

TEST_F(MemorySessionTest, OneWayDelayAndJitterStatistics) {
  LinkConfig config;
  config.to_server.delay = 40ms;
  config.to_server.jitter = {JitterModel::Kind::kNormal, 4ms};
  connect(config);
  std::vector<TimePoint> sent;
  for (int i = 0; i < 2000; ++i) {
    sent.push_back(loop.now());
    ASSERT_TRUE(sessions.client->send_datagram(pattern(200)));
    loop.run_for(50ms);
  }
  loop.run_for(1s);
  ASSERT_EQ(server_handler.datagram_times.size(), sent.size());
  double sum = 0, sq = 0;
  for (std::size_t i = 0; i < sent.size(); ++i) sum += ms(server_handler.datagram_times[i] - sent[i]);
  const double mean = sum / static_cast<double>(sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const double d = ms(server_handler.datagram_times[i] - sent[i]) - mean;
    sq += d * d;
  }
  const double sd = std::sqrt(sq / static_cast<double>(sent.size()));
  EXPECT_NEAR(mean, 40.0, 0.5);
  EXPECT_NEAR(sd, 4.0, 0.4);
}

TEST_F(MemorySessionTest, OneMegabyteOverEightMegabitsTakesAboutASecond) {
  LinkConfig config;
  config.to_server.bandwidth_bps = 8'000'000;
  config.to_server.delay = 10ms;
  connect(config);
  Stream* s = sessions.client->open_uni();
  const TimePoint start = loop.now();
  s->write(kinetic::SharedBytes(pattern(1'000'000)), true);
  ASSERT_TRUE(loop.run_until([&] { return !server_handler.incoming.empty() && server_handler.stream_handlers.back()->fin; }, 5s));
  const double seconds = std::chrono::duration<double>(loop.now() - start).count();
  // 1 MB of payload plus per-packet headers, serialized at 1 MB/s, plus 10 ms of delay.
  EXPECT_NEAR(seconds, 1.0, 0.06);
  EXPECT_GT(seconds, 1.0);
  EXPECT_EQ(server_handler.stream_handlers.back()->data.size(), 1'000'000u);
  EXPECT_EQ(sessions.client->stats().bytes_sent, 1'000'000u);
  EXPECT_EQ(sessions.server->stats().bytes_received, 1'000'000u);
}

TEST_F(MemorySessionTest, LostStreamPacketsCostARecoveryNotData) {
  LinkConfig config;
  config.to_server.delay = 20ms;
  config.to_client.delay = 20ms;
  config.to_server.loss = 1.0;  // every first copy is lost
  connect(config);
  Stream* s = sessions.client->open_uni();
  const TimePoint start = loop.now();
  s->write(pattern(100), true);
  ASSERT_TRUE(loop.run_until([&] { return !server_handler.incoming.empty() && server_handler.stream_handlers.back()->fin; }, 10s));
  EXPECT_EQ(server_handler.stream_handlers.back()->data, pattern(100));
  EXPECT_GT(loop.now() - start, 20ms + 65ms);  // at least one RTT + slack more than the delay
  EXPECT_GT(sessions.client->stats().packets_lost, 0u);
}

TEST_F(MemorySessionTest, CloseCodeAndReasonReachThePeer) {
  connect();
  sessions.client->close(0x10, "going away");
  EXPECT_TRUE(sessions.client->closed());
  EXPECT_EQ(sessions.client->open_bidi(), nullptr);
  EXPECT_FALSE(sessions.client->send_datagram(pattern(1)));
  EXPECT_FALSE(client_handler.closed.has_value());  // posted, never inside close()
  loop.run_for(1s);
  ASSERT_TRUE(client_handler.closed.has_value());
  EXPECT_FALSE(client_handler.closed->by_peer);
  EXPECT_EQ(client_handler.closed->code, 0x10u);
  ASSERT_TRUE(server_handler.closed.has_value());
  EXPECT_TRUE(server_handler.closed->by_peer);
  EXPECT_FALSE(server_handler.closed->idle_timeout);
  EXPECT_EQ(server_handler.closed->code, 0x10u);
  EXPECT_EQ(server_handler.closed->reason, "going away");
  sessions.client->close(0x11, "again");  // harmless
}

TEST_F(MemorySessionTest, CloseMidTransferIsSafe) {
  LinkConfig config;
  config.to_server.bandwidth_bps = 1'000'000;
  connect(config);
  Stream* s = sessions.client->open_bidi();
  s->write(pattern(200'000), true);
  ASSERT_TRUE(sessions.client->send_datagram(pattern(10)));
  loop.run_for(100ms);
  ASSERT_FALSE(server_handler.incoming.empty());
  const std::size_t got = server_handler.stream_handlers.back()->data.size();
  sessions.server->close(7, "enough");
  s->write(pattern(10), false);
  s->reset(1);
  loop.run_for(5s);
  EXPECT_EQ(client_handler.closed->code, 7u);
  EXPECT_LE(server_handler.stream_handlers.back()->data.size(), got + 1200);
  EXPECT_FALSE(server_handler.stream_handlers.back()->fin);
}

TEST_F(MemorySessionTest, DroppingTheSessionFromItsOwnCallbackIsSafe) {
  connect();
  server_handler.closed_hook = [this](Session&, const CloseInfo&) { sessions.server.reset(); };
  server_handler.incoming_hook = [](Session& session, Stream&) { session.close(3, "no streams"); };
  Stream* s = sessions.client->open_bidi();
  s->write(pattern(5000), true);
  loop.run_for(1s);
  EXPECT_EQ(sessions.server, nullptr);
  ASSERT_TRUE(client_handler.closed.has_value());
  EXPECT_EQ(client_handler.closed->code, 3u);
}

TEST_F(MemorySessionTest, DroppingAnOpenSessionClosesThePeer) {
  connect();
  Stream* s = sessions.client->open_uni();
  s->write(pattern(100'000), false);
  sessions.client.reset();
  loop.run_for(1s);
  ASSERT_TRUE(server_handler.closed.has_value());
  EXPECT_TRUE(server_handler.closed->by_peer);
}

TEST_F(MemorySessionTest, IdleTimeoutFiresOnlyWhenQuiet) {
  LinkConfig config;
  config.idle_timeout = 2s;
  connect(config);
  const TimePoint start = loop.now();
  // Traffic every second keeps both ends alive.
  for (int i = 0; i < 5; ++i) {
    sessions.client->send_datagram(pattern(10));
    loop.run_for(1s);
  }
  EXPECT_FALSE(client_handler.closed.has_value());
  EXPECT_FALSE(server_handler.closed.has_value());
  loop.run_for(3s);
  ASSERT_TRUE(client_handler.closed.has_value());
  EXPECT_TRUE(client_handler.closed->idle_timeout);
  EXPECT_FALSE(client_handler.closed->by_peer);
  ASSERT_TRUE(server_handler.closed.has_value());
  EXPECT_TRUE(server_handler.closed->idle_timeout);
  // The last datagram left at 4 s, so the client went quiet then.
  EXPECT_EQ(*client_handler.closed_at, start + 4s + 2s);
  EXPECT_TRUE(loop.run_until_idle(1000));
}

TEST_F(MemorySessionTest, StatsReflectTheLink) {
  LinkConfig config;
  config.to_server.delay = 15ms;
  config.to_client.delay = 25ms;
  config.to_server.bandwidth_bps = 8'000'000;
  connect(config);
  Stream* s = sessions.client->open_uni();
  s->write(pattern(20'000), false);
  loop.run_for(5ms);
  const SessionStats during = sessions.client->stats();
  EXPECT_EQ(during.smoothed_rtt, 40ms);
  EXPECT_EQ(during.min_rtt, 40ms);
  EXPECT_EQ(during.congestion_window, 40'000u);
  EXPECT_GT(during.bytes_in_flight, 0u);
  loop.run_for(1s);
  const SessionStats after = sessions.client->stats();
  EXPECT_EQ(after.bytes_in_flight, 0u);
  EXPECT_EQ(after.bytes_sent, 20'000u);
  EXPECT_EQ(sessions.server->stats().bytes_received, 20'000u);
}

TEST_F(MemorySessionTest, ImpairmentCanChangeMidRun) {
  connect();
  for (int i = 0; i < 100; ++i) sessions.client->send_datagram(pattern(10));
  loop.run_for(100ms);
  EXPECT_EQ(server_handler.datagrams.size(), 100u);
  PathConfig lossy = sessions.client->link().config().to_server;
  lossy.loss = 1.0;
  sessions.client->link().set_path(Direction::kToServer, lossy);
  for (int i = 0; i < 100; ++i) sessions.client->send_datagram(pattern(10));
  loop.run_for(100ms);
  EXPECT_EQ(server_handler.datagrams.size(), 100u);
}

TEST_F(MemorySessionTest, DatagramsBeyondTheQueueAreDropped) {
  LinkConfig config;
  config.to_server.bandwidth_bps = 1'000'000;
  config.datagram_queue_packets = 10;
  connect(config);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(sessions.client->send_datagram(pattern(1000)));
  loop.run_for(1s);
  // Sending starts after this task, so ten fill the queue and the rest find it full.
  EXPECT_EQ(server_handler.datagrams.size(), 10u);
  EXPECT_EQ(sessions.client->stats().packets_lost, 40u);
}

TEST_F(MemorySessionTest, BurstLossDropsDatagramsInRuns) {
  LinkConfig config;
  config.to_server.burst = {0.01, 0.25, 0.0, 1.0};  // mean burst of 4 datagrams
  connect(config);
  constexpr int kCount = 20'000;
  for (int i = 0; i < kCount; ++i) {
    const std::uint8_t index[4] = {static_cast<std::uint8_t>(i >> 24), static_cast<std::uint8_t>(i >> 16),
                                   static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    ASSERT_TRUE(sessions.client->send_datagram(index));
    loop.run_for(1ms);
  }
  loop.run_for(1s);
  std::vector<bool> arrived(kCount, false);
  for (const auto& d : server_handler.datagrams) {
    arrived[static_cast<std::size_t>((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3])] = true;
  }
  int bursts = 0, lost = 0;
  for (std::size_t i = 0; i < arrived.size(); ++i) {
    if (arrived[i]) continue;
    ++lost;
    if (i == 0 || arrived[i - 1]) ++bursts;
  }
  ASSERT_GT(bursts, 20);
  EXPECT_NEAR(static_cast<double>(lost) / bursts, 4.0, 0.6);
  EXPECT_NEAR(static_cast<double>(lost) / kCount, 0.01 / 0.26, 0.01);
}

// Random opens, writes, resets, stop-sendings, order changes and closes over an impaired
// link: whatever completes must be intact, and no callback may come after a stream's end.
TEST(MemorySessionRandom, RandomOperationsKeepTheirPromises) {
  int whole = 0;
  for (std::uint64_t seed = 1; seed <= 25; ++seed) {
    SimulatedLoop loop;
    MemoryNetwork network(loop, seed);
    LinkConfig config;
    config.max_bidi_streams = 4;
    config.max_uni_streams = 4;
    config.write_low_water = 4000;
    for (PathConfig* path : {&config.to_server, &config.to_client}) {
      path->delay = 15ms;
      path->jitter = {JitterModel::Kind::kUniform, 5ms};
      path->loss = 0.05;
      path->burst = {0.02, 0.4, 0.0, 0.9};
      path->bandwidth_bps = 4'000'000;
      path->reorder = 0.05;
    }
    auto pair = network.pair(config);
    std::mt19937_64 rng(seed);

    // Per stream id and direction (0: client sends, 1: server sends): what was written,
    // whether it ended with fin, and what the other end got.
    struct Flow {
      std::vector<std::uint8_t> written;
      bool finished = false;
      bool reset = false;
    };
    std::map<std::pair<StreamId, int>, Flow> flows;

    struct Checker : StreamHandler {
      std::vector<std::uint8_t> got;
      bool ended = false;
      int closed = 0;
      int late = 0;
      void on_data(Stream&, std::span<const std::uint8_t> b, bool fin) override {
        if (ended) ++late;
        got.insert(got.end(), b.begin(), b.end());
        if (fin) ended = true;
      }
      void on_reset(Stream&, ErrorCode) override {
        if (ended) ++late;
        ended = true;
      }
      void on_closed(Stream&) override { ++closed; }
    };
    struct Side : SessionHandler {
      std::map<StreamId, std::unique_ptr<Checker>> checkers;
      // Streams this side may still touch; a released stream's pointer dangles, so its
      // checker (kept here) is asked first.
      std::vector<std::pair<Stream*, Checker*>> live;
      bool closed = false;
      Checker& attach(Stream& s) {
        auto& c = checkers[s.id()];
        c = std::make_unique<Checker>();
        s.set_handler(c.get());
        return *c;
      }
      void on_incoming_stream(Session&, Stream& s) override {
        Checker& c = attach(s);
        if (s.bidirectional()) live.emplace_back(&s, &c);
      }
      void on_closed(Session&, const CloseInfo&) override { closed = true; }
    };
    Side client_side, server_side;
    pair.client->set_handler(&client_side);
    pair.server->set_handler(&server_side);
    loop.run_for(100ms);

    for (int step = 0; step < 300 && !client_side.closed; ++step) {
      const bool from_client = rng() % 2 == 0;
      MemorySession& session = from_client ? *pair.client : *pair.server;
      Side& side = from_client ? client_side : server_side;
      std::erase_if(side.live, [](const auto& entry) { return entry.second->closed != 0; });
      switch (rng() % 8) {
        case 0:
        case 1: {
          Stream* st = rng() % 2 ? session.open_bidi() : session.open_uni();
          if (st != nullptr) side.live.emplace_back(st, &side.attach(*st));
          break;
        }
        case 2:
        case 3:
        case 4: {
          if (side.live.empty()) break;
          Stream* st = side.live[rng() % side.live.size()].first;
          Flow& f = flows[{st->id(), from_client ? 0 : 1}];
          if (f.finished || f.reset) break;
          const auto bytes = pattern(1 + rng() % 6000, static_cast<std::uint8_t>(rng()));
          const bool fin = rng() % 4 == 0;
          st->write(bytes, fin);
          f.written.insert(f.written.end(), bytes.begin(), bytes.end());
          f.finished = fin;
          break;
        }
        case 5: {
          if (side.live.empty()) break;
          Stream* st = side.live[rng() % side.live.size()].first;
          if (rng() % 2) {
            Flow& f = flows[{st->id(), from_client ? 0 : 1}];
            if (!f.finished) f.reset = true;
            st->reset(rng() % 100);
          } else {
            st->stop_sending(rng() % 100);
          }
          break;
        }
        case 6:
          if (!side.live.empty()) {
            side.live[rng() % side.live.size()].first->set_send_order(rng() % 4);
          }
          break;
        case 7:
          session.send_datagram(pattern(1 + rng() % 1000));
          break;
      }
      loop.run_for(std::chrono::milliseconds(rng() % 20));
    }
    loop.run_for(30s);

    for (Side* side : {&client_side, &server_side}) {
      for (auto& [id, checker] : side->checkers) {
        EXPECT_EQ(checker->late, 0) << "seed " << seed << " stream " << id;
        EXPECT_LE(checker->closed, 1) << "seed " << seed << " stream " << id;
      }
    }
    // A flow that was finished and never reset arrives whole, or cut short by a stop.
    for (const auto& [key, flow] : flows) {
      if (!flow.finished || flow.reset) continue;
      Side& receiver = key.second == 0 ? server_side : client_side;
      auto it = receiver.checkers.find(key.first);
      ASSERT_NE(it, receiver.checkers.end()) << "seed " << seed;
      const Checker& c = *it->second;
      if (c.got.size() == flow.written.size()) {
        ++whole;
        EXPECT_EQ(c.got, flow.written) << "seed " << seed << " stream " << key.first;
      } else {
        // Shorter only when the receiver's stop_sending made the sender reset.
        EXPECT_LT(c.got.size(), flow.written.size());
        EXPECT_TRUE(std::equal(c.got.begin(), c.got.end(), flow.written.begin())) << "seed " << seed;
      }
    }
  }
  // The workload is busy enough that many flows complete, so the checks above bite.
  EXPECT_GT(whole, 100);
}

}  // namespace
}  // namespace kinetic::transport::memory
