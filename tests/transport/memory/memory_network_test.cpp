#include "kinetic/transport/memory/memory_network.hpp"

#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "kinetic/transport/memory/simulated_loop.hpp"
#include "recording_handlers.hpp"

namespace kinetic::transport::memory {
namespace {

using namespace std::chrono_literals;
using testing::pattern;
using testing::RecordingSession;
using testing::RecordingStream;

// What a server application does with each accepted session: keep it and answer
// every bidi stream with the reversed bytes it got.
struct ReversingServer {
  struct Accepted {
    SessionPtr session;
    std::unique_ptr<RecordingSession> handler;
  };
  std::vector<Accepted> sessions;

  AcceptCallback accept() {
    return [this](SessionPtr session) {
      auto handler = std::make_unique<RecordingSession>();
      RecordingSession* h = handler.get();
      h->incoming_hook = [h](Session&, Stream& stream) {
        h->by_id[stream.id()]->data_hook = [h](Stream& s, std::span<const std::uint8_t>, bool fin) {
          if (!fin) return;
          auto bytes = h->by_id[s.id()]->data;
          std::reverse(bytes.begin(), bytes.end());
          s.write(bytes, true);
        };
      };
      session->set_handler(h);
      sessions.push_back({std::move(session), std::move(handler)});
    };
  }
};

TEST(MemoryNetwork, OneServerAcceptsSeveralClients) {
  SimulatedLoop loop;
  MemoryNetwork network(loop);
  ReversingServer app;
  auto server = network.listen("mem:relay", app.accept());
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->address(), "mem:relay");

  std::vector<std::shared_ptr<MemorySession>> clients;
  std::vector<std::unique_ptr<RecordingSession>> handlers;
  std::vector<RecordingStream*> replies;
  for (int i = 0; i < 3; ++i) {
    handlers.push_back(std::make_unique<RecordingSession>());
    clients.push_back(network.connect("mem:relay"));
    clients.back()->set_handler(handlers.back().get());
    EXPECT_EQ(clients.back()->peer_address(), "mem:relay");
    Stream* s = clients.back()->open_bidi();  // usable at once; sent after the handshake
    replies.push_back(&handlers.back()->attach(*s));
    s->write(pattern(1000, static_cast<std::uint8_t>(i)), true);
  }
  ASSERT_TRUE(loop.run_until([&] { return replies[0]->fin && replies[1]->fin && replies[2]->fin; }, 1s));
  EXPECT_EQ(server->accepted(), 3u);
  ASSERT_EQ(app.sessions.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(handlers[static_cast<std::size_t>(i)]->ready);
    auto expected = pattern(1000, static_cast<std::uint8_t>(i));
    std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(replies[static_cast<std::size_t>(i)]->data, expected);
  }
  EXPECT_NE(app.sessions[0].session->peer_address(), app.sessions[1].session->peer_address());
  EXPECT_EQ(app.sessions[0].session->peer_address().rfind("mem:client-", 0), 0u);
}

TEST(MemoryNetwork, NobodyListeningRefusesTheClient) {
  SimulatedLoop loop;
  MemoryNetwork network(loop);
  RecordingSession handler;
  auto client = network.connect("mem:nowhere");
  client->set_handler(&handler);
  loop.run_for(1s);
  EXPECT_FALSE(handler.ready);
  ASSERT_TRUE(handler.closed.has_value());
  EXPECT_EQ(handler.closed->code, kConnectionRefused);
  EXPECT_TRUE(handler.closed->by_peer);
}

TEST(MemoryNetwork, ClientWithAnotherProtocolIsRefused) {
  SimulatedLoop loop;
  MemoryNetwork network(loop);
  ReversingServer app;
  auto server = network.listen("mem:relay", app.accept(), {"moqt-20", "moqt-18"});
  LinkConfig old;
  old.protocol = "moq-00";
  RecordingSession refused, accepted;
  auto a = network.connect("mem:relay", old);
  a->set_handler(&refused);
  auto b = network.connect("mem:relay");
  b->set_handler(&accepted);
  loop.run_for(1s);
  ASSERT_TRUE(refused.closed.has_value());
  EXPECT_EQ(refused.closed->code, kNoApplicationProtocol);
  EXPECT_TRUE(accepted.ready);
  EXPECT_EQ(server->accepted(), 1u);
  ASSERT_EQ(app.sessions.size(), 1u);
  EXPECT_EQ(app.sessions[0].session->protocol(), "moqt-20");
}

TEST(MemoryNetwork, AnAddressHasOneServerAndIsFreedWithIt) {
  SimulatedLoop loop;
  MemoryNetwork network(loop);
  ReversingServer app;
  auto first = network.listen("mem:relay", app.accept());
  EXPECT_EQ(network.listen("mem:relay", app.accept()), nullptr);
  first.reset();
  RecordingSession handler;
  auto client = network.connect("mem:relay");
  client->set_handler(&handler);
  loop.run_for(1s);
  ASSERT_TRUE(handler.closed.has_value());
  EXPECT_EQ(handler.closed->code, kConnectionRefused);
  EXPECT_NE(network.listen("mem:relay", app.accept()), nullptr);
}

TEST(MemoryNetwork, AnAcceptedSessionNobodyKeepsClosesTheClient) {
  SimulatedLoop loop;
  MemoryNetwork network(loop);
  auto server = network.listen("mem:relay", [](SessionPtr) {});
  RecordingSession handler;
  auto client = network.connect("mem:relay");
  client->set_handler(&handler);
  loop.run_for(1s);
  ASSERT_TRUE(handler.closed.has_value());
  EXPECT_TRUE(handler.closed->by_peer);
}

TEST(MemoryNetwork, ANetworkGoneBeforeTheClientArrivesRefusesIt) {
  SimulatedLoop loop;
  RecordingSession handler;
  std::shared_ptr<MemorySession> client;
  {
    MemoryNetwork network(loop);
    client = network.connect("mem:relay");
    client->set_handler(&handler);
  }
  loop.run_for(1s);
  ASSERT_TRUE(handler.closed.has_value());
  EXPECT_EQ(handler.closed->code, kConnectionRefused);
}

using Trace = std::vector<std::tuple<TimePoint, TimePoint, int, StreamId, std::size_t, bool, std::uint32_t>>;

// A small mixed workload over an impaired link; returns every packet's fate.
Trace run_workload(std::uint64_t seed) {
  SimulatedLoop loop;
  MemoryNetwork network(loop, seed);
  LinkConfig config;
  config.to_server.delay = 30ms;
  config.to_server.jitter = {JitterModel::Kind::kNormal, 5ms};
  config.to_server.loss = 0.05;
  config.to_server.burst = {0.01, 0.3, 0.0, 0.8};
  config.to_server.bandwidth_bps = 20'000'000;
  config.to_server.reorder = 0.02;
  config.to_client.delay = 30ms;
  config.to_client.loss = 0.02;
  auto pair = network.pair(config);
  Trace trace;
  pair.client->link().set_trace([&trace](const TraceEvent& e) {
    trace.emplace_back(e.sent, e.arrival, static_cast<int>(e.kind), e.stream, e.bytes, e.lost, e.recoveries);
  });
  RecordingSession client_handler, server_handler;
  server_handler.incoming_hook = [&](Session&, Stream& stream) {
    server_handler.by_id[stream.id()]->data_hook = [](Stream& s, std::span<const std::uint8_t> b, bool fin) {
      if (s.bidirectional()) s.write(b, fin);
    };
  };
  pair.client->set_handler(&client_handler);
  pair.server->set_handler(&server_handler);
  loop.run_for(100ms);
  for (int i = 0; i < 20; ++i) {
    Stream* s = i % 2 == 0 ? pair.client->open_bidi() : pair.client->open_uni();
    s->set_send_order(static_cast<std::uint64_t>(i % 3));
    s->write(pattern(20'000, static_cast<std::uint8_t>(i)), true);
    for (int d = 0; d < 10; ++d) pair.client->send_datagram(pattern(300));
    loop.run_for(10ms);
  }
  loop.run_for(5s);
  return trace;
}

TEST(MemoryNetwork, SameSeedSameTraceDifferentSeedDifferentTrace) {
  const Trace a = run_workload(17);
  const Trace b = run_workload(17);
  const Trace c = run_workload(18);
  ASSERT_GT(a.size(), 500u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(MemoryNetwork, LinksOnOneNetworkDrawDifferentRandomness) {
  SimulatedLoop loop;
  MemoryNetwork network(loop, 3);
  auto one = network.pair();
  auto two = network.pair();
  EXPECT_NE(one.client->link().seed(), two.client->link().seed());
  LinkConfig fixed;
  fixed.seed = 1234;
  EXPECT_EQ(network.pair(fixed).client->link().seed(), 1234u);
}

}  // namespace
}  // namespace kinetic::transport::memory
