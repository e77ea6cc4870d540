// A relay of two or three workers on one loopback port, over real QUIC: connections spread
// over the workers (the kernel's hash for Initials, then connection-ID steering) and each stays
// whole on its worker; a publisher on one worker reaches subscribers on all, through the hub;
// the summed metrics count each object once in and once per subscriber out, as one relay would.
#include "kinetic/relay/relay_workers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/transport/certificate.hpp"
#include "relay_fixture.hpp"

namespace kinetic::relay {
namespace {

using namespace std::chrono_literals;
using moqt::testing::RecordingRequest;
using moqt::testing::RecordingSubscription;
using moqt::testing::track;

struct Client : testing::Client {
  std::size_t worker = 0;
};

class RelayWorkersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cert = transport::CertificateKeyPair::generate();
    ASSERT_TRUE(cert);
    pin_ = *cert->sha256();
    RelayWorkerSetup setup;
    setup.server.listen = *transport::quic::SocketAddress::parse("127.0.0.1", 0);
    setup.server.certificate = *cert;
    setup.relay_id = "test";
    setup.config.heap_trim_ms = heap_trim_ms_;
    auto made = RelayWorkers::make(count_, setup, metrics_, 50ms);
    ASSERT_TRUE(made) << made.error().what;
    workers_ = std::move(*made);
    port_ = workers_->hub().server().local_address().port();
    thread_ = std::thread([this] { workers_->run(); });
    // Every worker's link to the hub is up before any client counts.
    ASSERT_TRUE(loop_.run_until([&] { return link_up(); }, 5s));
  }
  void TearDown() override {
    clients_.clear();
    if (workers_) workers_->stop();
    if (thread_.joinable()) thread_.join();
    workers_.reset();
  }

  bool link_up() const {
    for (std::size_t i = 1; i < count_; ++i) {
      if (workers_->metrics_of(i).upstream_link.load() != static_cast<std::int64_t>(UpstreamState::kUp)) return false;
    }
    return true;
  }
  std::int64_t sessions_on(std::size_t worker) const { return workers_->metrics_of(worker).sessions.load(); }
  std::int64_t sessions_on_all() const {
    std::int64_t n = 0;
    for (std::size_t i = 0; i < count_; ++i) n += sessions_on(i);
    return n;
  }

  // Connects a client and finds its worker by whose session count rose.
  Client& connect() {
    std::vector<std::int64_t> before;
    for (std::size_t i = 0; i < count_; ++i) before.push_back(sessions_on(i));
    const std::int64_t before_all = sessions_on_all();
    auto& c = clients_.emplace_back();
    transport::quic::QuicClientConfig cc;
    cc.pinned_sha256.push_back(pin_);
    moqt::MoqtUrl url{"127.0.0.1", port_, "/moq"};
    auto s = moqt::connect_quic(loop_, url, cc, {}, c.handler.get());
    EXPECT_TRUE(s) << s.error().what;
    if (!s) return c;
    c.session = *s;
    EXPECT_TRUE(loop_.run_until([&] { return c.handler->ready || c.handler->closed; }, 5s));
    EXPECT_TRUE(c.handler->ready);
    EXPECT_TRUE(loop_.run_until([&] { return sessions_on_all() == before_all + 1; }, 2s));
    for (std::size_t i = 0; i < count_; ++i) {
      if (sessions_on(i) > before[i]) c.worker = i;
    }
    return c;
  }

  // Subscribes each of `clients` to `name` and waits for every answer: all OK, since a
  // publisher's namespace is known to every worker once it has its OK.
  bool subscribe_all(const std::vector<std::size_t>& clients, const moqt::FullTrackName& name,
                     std::vector<std::unique_ptr<RecordingSubscription>>& recs,
                     std::vector<std::shared_ptr<moqt::Subscription>>& handles,
                     transport::Duration timeout = 5s) {
    for (auto i : clients) {
      recs.push_back(std::make_unique<RecordingSubscription>());
      handles.push_back(clients_[i].session->subscribe(name, {}, recs.back().get()));
    }
    return loop_.run_until(
               [&] {
                 return std::all_of(recs.begin(), recs.end(),
                                    [](const auto& r) { return r->ok || r->error; });
               },
               timeout) &&
           std::all_of(recs.begin(), recs.end(), [](const auto& r) { return r->ok; });
  }

  // `pub` publishes namespace "live" and accepts every subscription to it, keeping each in
  // `served`; true once the OK is in. The request stays open while the returned handle lives.
  struct Announced {
    RecordingRequest answer;
    std::shared_ptr<moqt::OutgoingRequest> request;
  };
  bool publish_live(Client& pub, std::vector<std::shared_ptr<moqt::ServedSubscription>>& served, Announced& out) {
    return publish(pub, {{"live"}}, served, out);
  }
  bool publish(Client& pub, const wire::TrackNamespace& ns,
               std::vector<std::shared_ptr<moqt::ServedSubscription>>& served, Announced& out) {
    pub.handler->on_sub = [&served](moqt::ServedSubscription& s) {
      s.accept({});
      served.push_back(s.shared_from_this());
    };
    out.request = pub.session->publish_namespace(ns, &out.answer);
    return loop_.run_until([&] { return out.answer.ok; }, 2s);
  }

  // Connects clients until each worker in `wanted` (one entry per client needed there) has
  // one; their indexes in clients_, in the order of `wanted`.
  std::optional<std::vector<std::size_t>> place(const std::vector<std::size_t>& wanted) {
    std::vector<std::optional<std::size_t>> slots(wanted.size());
    auto filled = [&] {
      return std::all_of(slots.begin(), slots.end(), [](const auto& x) { return x.has_value(); });
    };
    for (int attempt = 0; attempt < 80 && !filled(); ++attempt) {
      auto& c = connect();
      for (std::size_t i = 0; i < wanted.size(); ++i) {
        if (!slots[i] && wanted[i] == c.worker) {
          slots[i] = clients_.size() - 1;
          break;
        }
      }
    }
    if (!filled()) return std::nullopt;
    std::vector<std::size_t> out;
    for (const auto& x : slots) out.push_back(*x);
    return out;
  }

  // Namespaces the hub's registry holds, read on the hub's thread.
  std::size_t published_at_hub() {
    std::atomic<std::size_t> published{0};
    std::atomic<bool> read{false};
    workers_->hub().loop().post([&] {
      published = workers_->hub().relay().registry().published_count();
      read = true;
    });
    loop_.run_until([&] { return read.load(); }, 2s);
    return published.load();
  }

  std::size_t count_ = 2;
  std::uint64_t heap_trim_ms_ = 30'000;
  transport::EpollLoop loop_;  // the clients'
  RelayMetrics metrics_;
  std::unique_ptr<RelayWorkers> workers_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  transport::Sha256 pin_{};
  std::vector<Client> clients_;
};

TEST_F(RelayWorkersTest, ConnectionsSpreadOverWorkersAndEachIsServedWhole) {
  constexpr int kClients = 24;
  std::vector<std::unique_ptr<RecordingSubscription>> subs;
  std::vector<std::shared_ptr<moqt::Subscription>> handles;
  int on_worker[2] = {0, 0};
  for (int i = 0; i < kClients; ++i) ++on_worker[connect().worker];
  EXPECT_GT(on_worker[0], 0);
  EXPECT_GT(on_worker[1], 0);
  // What the relay reports is the workers' sum, without the hub link's two internal sessions.
  EXPECT_TRUE(loop_.run_until([&] { return metrics_.sessions.load() == kClients; }, 2s))
      << metrics_.sessions.load();
  EXPECT_EQ(metrics_.sessions_total.load(), static_cast<std::uint64_t>(kClients));
  // Every connection keeps working after its handshake, when the client has switched to the
  // server's connection IDs: each asks for a track nobody has and gets its answer.
  for (auto& c : clients_) {
    subs.push_back(std::make_unique<RecordingSubscription>());
    handles.push_back(c.session->subscribe(track("nobody", "here"), {}, subs.back().get()));
  }
  EXPECT_TRUE(loop_.run_until([&] {
    return std::all_of(subs.begin(), subs.end(), [](const auto& s) { return s->error.has_value(); });
  }, 5s));
  for (const auto& c : clients_) EXPECT_FALSE(c.handler->closed) << c.handler->reason;
  workers_->stop();
  thread_.join();
  // No packet of a live connection reached the other worker (which would have answered it
  // with a stateless reset or dropped it).
  for (std::size_t w = 0; w < 2; ++w) {
    EXPECT_EQ(workers_->worker(w).server().counters().stateless_resets, 0u) << "worker " << w;
  }
  EXPECT_EQ(workers_->worker(0).server().counters().handshakes_started +
                workers_->worker(1).server().counters().handshakes_started,
            static_cast<std::uint64_t>(kClients));
}

TEST_F(RelayWorkersTest, PublisherOnOneWorkerReachesSubscribersOnBoth) {
  Client& pub = connect();
  std::vector<std::shared_ptr<moqt::ServedSubscription>> served;
  Announced announced;
  ASSERT_TRUE(publish_live(pub, served, announced));

  // Subscribers until both workers hold two (the kernel's hash places them).
  std::vector<std::size_t> sub_index;
  int on_worker[2] = {0, 0};
  for (int attempt = 0; attempt < 40 && (on_worker[0] < 2 || on_worker[1] < 2); ++attempt) {
    auto& c = connect();
    if (on_worker[c.worker] >= 2) continue;
    ++on_worker[c.worker];
    sub_index.push_back(clients_.size() - 1);
  }
  ASSERT_EQ(on_worker[0], 2);
  ASSERT_EQ(on_worker[1], 2);
  std::vector<std::unique_ptr<RecordingSubscription>> recs;
  std::vector<std::shared_ptr<moqt::Subscription>> handles;
  ASSERT_TRUE(subscribe_all(sub_index, track("live", "clock"), recs, handles));
  // One subscription reaches the publisher: its own worker's, which the hub's (and through it
  // the other worker's) shares.
  EXPECT_EQ(served.size(), 1u);

  constexpr std::uint64_t kGroups = 20;
  for (std::uint64_t g = 0; g < kGroups; ++g) {
    const auto payload = SharedBytes::copy(std::string_view("tick " + std::to_string(g)));
    for (auto& s : served) {
      if (g > 0) s->close_groups_before(g, false);
      auto* w = s->open_subgroup({g, 0, moqt::kDefaultPriority, true, false});
      ASSERT_NE(w, nullptr);
      ASSERT_TRUE(w->write(0, payload));
    }
    loop_.run_until([] { return false; }, 5ms);
  }
  EXPECT_TRUE(loop_.run_until([&] {
    return std::all_of(recs.begin(), recs.end(), [&](const auto& r) { return r->objects.size() == kGroups; });
  }, 5s));
  for (std::size_t i = 0; i < recs.size(); ++i) {
    ASSERT_EQ(recs[i]->objects.size(), kGroups) << "subscriber " << i << " on worker " << clients_[sub_index[i]].worker;
    for (std::uint64_t g = 0; g < kGroups; ++g) {
      EXPECT_EQ(recs[i]->objects[g].group_id, g);
      const auto& p = recs[i]->objects[g].payload;
      EXPECT_EQ(std::string(p.span().begin(), p.span().end()), "tick " + std::to_string(g));
    }
  }
}

// A publisher on worker 1 has its PUBLISH_NAMESPACE OK only once the hub knows the namespace,
// so a subscriber on the hub asking right after the OK is served, never refused. The hub's
// loop is held busy while the publisher announces: a worker that answered at once would let
// the subscriber's SUBSCRIBE reach the hub in the same loop turn as the announcement, and
// the hub reads its socket before the tasks posted to it.
TEST_F(RelayWorkersTest, SubscriberOnTheHubIsServedRightAfterThePublishersOk) {
  std::optional<std::size_t> pub_at, sub_at;
  for (int attempt = 0; attempt < 40 && (!pub_at || !sub_at); ++attempt) {
    auto& c = connect();
    auto& slot = c.worker == 1 ? pub_at : sub_at;
    if (!slot) slot = clients_.size() - 1;
  }
  ASSERT_TRUE(pub_at && sub_at);
  Client& pub = clients_[*pub_at];
  Client& sub = clients_[*sub_at];
  std::vector<std::shared_ptr<moqt::ServedSubscription>> served;
  pub.handler->on_sub = [&](moqt::ServedSubscription& s) {
    s.accept({});
    served.push_back(s.shared_from_this());
  };
  constexpr int kRounds = 10;
  std::vector<std::unique_ptr<RecordingRequest>> announced;
  std::vector<std::shared_ptr<moqt::OutgoingRequest>> announcements;
  std::vector<std::unique_ptr<RecordingSubscription>> recs;
  std::vector<std::shared_ptr<moqt::Subscription>> handles;
  for (int round = 0; round < kRounds; ++round) {
    const std::string ns = "live" + std::to_string(round);
    workers_->hub().loop().post([] { std::this_thread::sleep_for(100ms); });
    announced.push_back(std::make_unique<RecordingRequest>());
    announcements.push_back(pub.session->publish_namespace({{ns}}, announced.back().get()));
    ASSERT_TRUE(loop_.run_until([&] { return announced.back()->ok || announced.back()->error; }, 3s)) << ns;
    ASSERT_TRUE(announced.back()->ok) << ns;
    auto& rec = *recs.emplace_back(std::make_unique<RecordingSubscription>());
    handles.push_back(sub.session->subscribe(track(ns, "clock"), {}, &rec));
    ASSERT_TRUE(loop_.run_until([&] { return rec.ok || rec.error; }, 3s)) << ns;
    EXPECT_TRUE(rec.ok) << ns << ": " << (rec.error ? rec.error->reason : "");
  }
  EXPECT_EQ(served.size(), static_cast<std::size_t>(kRounds));
}

// A second publisher of a namespace on the same worker joins the announcement the hub already
// accepted: its OK comes at once, not after the worker's bound on waiting for the hub.
TEST_F(RelayWorkersTest, SecondPublisherOfANamespaceOnOneWorkerIsAnsweredAtOnce) {
  std::vector<std::size_t> on_one;
  for (int attempt = 0; attempt < 40 && on_one.size() < 2; ++attempt) {
    if (connect().worker == 1) on_one.push_back(clients_.size() - 1);
  }
  ASSERT_EQ(on_one.size(), 2u);
  RecordingRequest first, second;
  auto a = clients_[on_one[0]].session->publish_namespace({{"shared"}}, &first);
  ASSERT_TRUE(loop_.run_until([&] { return first.ok || first.error; }, 3s));
  ASSERT_TRUE(first.ok);
  auto b = clients_[on_one[1]].session->publish_namespace({{"shared"}}, &second);
  ASSERT_TRUE(loop_.run_until([&] { return second.ok || second.error; }, 1s));
  EXPECT_TRUE(second.ok);
}

// Two publishers of one namespace on a worker: when one leaves, the worker's announcement to the
// hub stays for the other, and a subscriber on the hub still reaches it.
TEST_F(RelayWorkersTest, ANamespaceStaysAnnouncedWhileOneOfItsPublishersRemains) {
  auto placed = place({1, 1, 0});
  ASSERT_TRUE(placed);
  Client& first = clients_[(*placed)[0]];
  Client& second = clients_[(*placed)[1]];
  const std::size_t sub = (*placed)[2];
  std::vector<std::shared_ptr<moqt::ServedSubscription>> served_first, served_second;
  Announced a, b;
  ASSERT_TRUE(publish(first, {{"both"}}, served_first, a));
  ASSERT_TRUE(publish(second, {{"both"}}, served_second, b));
  first.session->close(0, "leaving");
  loop_.run_until([] { return false; }, 300ms);
  EXPECT_EQ(published_at_hub(), 1u);
  std::vector<std::unique_ptr<RecordingSubscription>> recs;
  std::vector<std::shared_ptr<moqt::Subscription>> handles;
  ASSERT_TRUE(subscribe_all({sub}, {{{"both"}}, "clock"}, recs, handles, 3s));
  EXPECT_EQ(served_second.size(), 1u);
}

// A publisher that withdraws a namespace and announces it again in one packet (a restarting
// broadcast) gets the new announcement answered once the hub has it, like the first.
TEST_F(RelayWorkersTest, ANamespaceAnnouncedAgainInTheSamePacketIsAnswered) {
  auto placed = place({1});
  ASSERT_TRUE(placed);
  Client& pub = clients_[(*placed)[0]];
  RecordingRequest first, again;
  auto r1 = pub.session->publish_namespace({{"restart"}}, &first);
  ASSERT_TRUE(loop_.run_until([&] { return first.ok || first.error; }, 3s));
  ASSERT_TRUE(first.ok);
  // No loop turn between the two: both leave in one flush.
  r1->cancel();
  auto r2 = pub.session->publish_namespace({{"restart"}}, &again);
  ASSERT_TRUE(loop_.run_until([&] { return again.ok || again.error; }, 3s));
  EXPECT_TRUE(again.ok);
  EXPECT_TRUE(loop_.run_until([&] { return published_at_hub() == 1; }, 2s));
}

// A publisher that leaves before the hub answered its worker's announcement: the worker
// withdraws it once the answer is in (withdrawing an unanswered request would make the answer
// a protocol violation and cost the worker its hub link), and the hub link stays up.
TEST_F(RelayWorkersTest, PublisherLeavingBeforeTheHubAnswersKeepsTheHubLink) {
  std::optional<std::size_t> pub_at;
  for (int attempt = 0; attempt < 40 && !pub_at; ++attempt) {
    if (connect().worker == 1) pub_at = clients_.size() - 1;
  }
  ASSERT_TRUE(pub_at);
  const auto connects = workers_->metrics_of(1).upstream_connects.load();
  workers_->hub().loop().post([] { std::this_thread::sleep_for(100ms); });
  RecordingRequest announced;
  auto announce = clients_[*pub_at].session->publish_namespace({{"brief"}}, &announced);
  loop_.run_until([] { return false; }, 20ms);
  clients_[*pub_at].session->close(0, "leaving");
  // The hub answers after its stall; the worker's link must outlive that answer.
  loop_.run_until([] { return false; }, 300ms);
  EXPECT_TRUE(link_up());
  EXPECT_EQ(workers_->metrics_of(1).upstream_connects.load(), connects);
  // The hub withdrew the namespace too (read on the hub's own thread).
  std::atomic<std::size_t> published{1};
  EXPECT_TRUE(loop_.run_until([&] {
    workers_->hub().loop().post([&] { published = workers_->hub().relay().registry().published_count(); });
    loop_.run_until([] { return false; }, 10ms);
    return published.load() == 0;
  }, 2s));
}

// What the relay's UDP port costs is in /metrics: each worker's QUIC server counters, summed.
// Published a few times a second, so read once they have caught up with the handshakes.
TEST_F(RelayWorkersTest, TransportCountersOfEveryWorkerAreSummedIntoTheMetrics) {
  ASSERT_TRUE(place({0, 1, 0, 1, 0, 1}));
  const auto clients = static_cast<std::uint64_t>(clients_.size());  // those place() kept beside them too
  EXPECT_TRUE(loop_.run_until([&] { return metrics_.quic_handshakes.load() == clients; }, 3s))
      << metrics_.quic_handshakes.load() << " of " << clients;
  // Each handshake took several datagrams each way; the packets left in fewer sendmmsg calls.
  EXPECT_GE(metrics_.udp_datagrams_in.load(), 2 * clients);
  EXPECT_GE(metrics_.udp_packets_out.load(), 2 * clients);
  EXPECT_GE(metrics_.udp_bytes_out.load(), 1200 * clients);
  EXPECT_GE(metrics_.udp_send_calls.load(), 1u);
  EXPECT_LE(metrics_.udp_send_calls.load(), metrics_.udp_packets_out.load());
  EXPECT_EQ(metrics_.udp_datagrams_dropped.load(), 0u);
  EXPECT_EQ(metrics_.quic_stateless_resets.load(), 0u);
  const auto text = render_prometheus(metrics_);
  EXPECT_NE(text.find("kinetic_relay_quic_handshakes_total " + std::to_string(clients) + "\n"),
            std::string::npos);
  workers_->stop();
  thread_.join();
  // Never more than the servers counted.
  std::uint64_t datagrams = 0, packets = 0;
  for (std::size_t w = 0; w < 2; ++w) {
    datagrams += workers_->worker(w).server().counters().packets;
    packets += workers_->worker(w).server().send_stats().packets;
  }
  EXPECT_LE(metrics_.udp_datagrams_in.load(), datagrams);
  EXPECT_LE(metrics_.udp_packets_out.load(), packets);
}

// The publisher on worker 1 and the subscriber on the hub: the request crosses the link
// between them both in the SUBSCRIBE and in a later REQUEST_UPDATE.
TEST_F(RelayWorkersTest, NewGroupRequestsCrossWorkersToThePublisher) {
  auto placed = place({1, 0});
  ASSERT_TRUE(placed);
  moqt::testing::NewGroupAsks asks;
  Client& pub = clients_[(*placed)[0]];
  std::vector<std::shared_ptr<moqt::ServedSubscription>> served;
  pub.handler->on_sub = [&](moqt::ServedSubscription& s) {
    s.set_handler(&asks);
    moqt::TrackInfo info;
    info.dynamic_groups = true;
    s.accept(info);
    served.push_back(s.shared_from_this());
  };
  Announced announced;
  announced.request = pub.session->publish_namespace({{"live"}}, &announced.answer);
  ASSERT_TRUE(loop_.run_until([&] { return announced.answer.ok; }, 2s));

  RecordingSubscription rec;
  moqt::SubscribeOptions options;
  options.new_group_request = 0;
  auto handle = clients_[(*placed)[1]].session->subscribe(track("live", "cam"), options, &rec);
  ASSERT_TRUE(loop_.run_until([&] { return rec.ok || rec.error; }, 5s));
  ASSERT_TRUE(rec.ok);
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0]->options().new_group_request, std::optional<std::uint64_t>(0));
  EXPECT_TRUE(rec.info.dynamic_groups);

  auto* w = served[0]->open_subgroup({0, 0, moqt::kDefaultPriority, true, false});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->write(0, SharedBytes::copy(std::string_view("key"))));
  ASSERT_TRUE(loop_.run_until([&] { return rec.objects.size() == 1; }, 5s));
  ASSERT_TRUE(handle->request_new_group());
  EXPECT_TRUE(loop_.run_until([&] { return !asks.values.empty(); }, 5s));
  EXPECT_EQ(asks.values, std::vector<std::uint64_t>{1});
  // Two requests reached the publisher: the relay counts two, not the hops between its workers too.
  EXPECT_TRUE(loop_.run_until([&] { return metrics_.new_group_requests.load() >= 2; }, 2s));
  loop_.run_until([] { return false; }, 200ms);
  EXPECT_EQ(metrics_.new_group_requests.load(), 2u);
}

class RelayWorkersHeapTrimTest : public RelayWorkersTest {
 protected:
  RelayWorkersHeapTrimTest() { heap_trim_ms_ = 1'000; }
};

// `kinetic relay` trims its heap once per process, on the hub's loop, every --heap-trim-ms.
TEST_F(RelayWorkersHeapTrimTest, TheHubTrimsTheProcessHeapEveryInterval) {
  EXPECT_EQ(workers_->heap_trimmer().trims(), 0u);
  EXPECT_TRUE(loop_.run_until([&] { return workers_->heap_trimmer().trims() >= 2; }, 4s))
      << workers_->heap_trimmer().trims();
}

class RelayThreeWorkersTest : public RelayWorkersTest {
 protected:
  RelayThreeWorkersTest() { count_ = 3; }
};

// An object from a publisher on worker p (not the hub) to subscribers on p, on the hub and on
// the third worker q passes p → hub → q inside the relay; /metrics counts it in once and out
// once per subscriber, with one subscription per subscriber and one to the publisher.
TEST_F(RelayThreeWorkersTest, MetricsCountEachObjectOnceForTheRelay) {
  // Clients until worker 0 and 2 hold one and worker 1 two (the kernel's hash places them):
  // the publisher is worker 1's first, the subscribers the others.
  std::vector<std::vector<std::size_t>> on_worker(count_);
  auto placed = [&] { return !on_worker[0].empty() && on_worker[1].size() >= 2 && !on_worker[2].empty(); };
  for (int attempt = 0; attempt < 60 && !placed(); ++attempt) {
    auto& c = connect();
    on_worker[c.worker].push_back(clients_.size() - 1);
  }
  ASSERT_TRUE(placed());
  Client& pub = clients_[on_worker[1][0]];
  const std::vector<std::size_t> sub_index = {on_worker[0][0], on_worker[1][1], on_worker[2][0]};

  std::vector<std::shared_ptr<moqt::ServedSubscription>> served;
  Announced announced;
  ASSERT_TRUE(publish_live(pub, served, announced));
  std::vector<std::unique_ptr<RecordingSubscription>> recs;
  std::vector<std::shared_ptr<moqt::Subscription>> handles;
  ASSERT_TRUE(subscribe_all(sub_index, track("live", "clock"), recs, handles));
  ASSERT_EQ(served.size(), 1u);

  constexpr std::uint64_t kGroups = 12;
  std::uint64_t payload_bytes = 0;
  for (std::uint64_t g = 0; g < kGroups; ++g) {
    const auto payload = SharedBytes::copy(std::string_view("tick " + std::to_string(g)));
    payload_bytes += payload.size();
    if (g > 0) served[0]->close_groups_before(g, false);
    auto* w = served[0]->open_subgroup({g, 0, moqt::kDefaultPriority, true, false});
    ASSERT_NE(w, nullptr);
    ASSERT_TRUE(w->write(0, payload));
    loop_.run_until([] { return false; }, 5ms);
  }
  ASSERT_TRUE(loop_.run_until([&] {
    return std::all_of(recs.begin(), recs.end(), [&](const auto& r) { return r->objects.size() == kGroups; });
  }, 5s));
  // Every subscriber has everything; a few refreshes of the sum (every 50 ms) later, the
  // relay's figures are those of one relay with one publisher and three subscribers.
  const std::uint64_t subscribers = recs.size();
  loop_.run_until([&] { return metrics_.objects_out.load() >= kGroups * subscribers; }, 2s);
  loop_.run_until([] { return false; }, 200ms);
  EXPECT_EQ(metrics_.objects_in.load(), kGroups);
  EXPECT_EQ(metrics_.bytes_in.load(), payload_bytes);
  EXPECT_EQ(metrics_.objects_out.load(), kGroups * subscribers);
  EXPECT_EQ(metrics_.bytes_out.load(), payload_bytes * subscribers);
  EXPECT_EQ(metrics_.subscriptions.load(), static_cast<std::int64_t>(subscribers));
  EXPECT_EQ(metrics_.upstream_subscriptions.load(), 1);
  // Each subscriber-object's send delay once, on the subscriber's worker (all are raw QUIC).
  EXPECT_EQ(metrics_.send_delay.count(), kGroups * subscribers);
}

// Nested namespaces on different workers are routed as one relay routes them: the longest
// prefix wins wherever the subscriber's worker is. A subscriber on worker `x`, whose worker has
// a publisher of `n`, asks for a track of `n/b`, published on worker `y`: it reaches `n/b`'s
// publisher. Once `n/b` is withdrawn, a new track of `n/b` goes to `n`'s publisher.
TEST_F(RelayThreeWorkersTest, LongestNamespacePrefixWinsAcrossWorkers) {
  const std::vector<std::pair<std::size_t, std::size_t>> cases = {{1, 2}, {1, 0}, {0, 1}, {2, 1}};
  for (std::size_t c = 0; c < cases.size(); ++c) {
    const auto [x, y] = cases[c];
    SCOPED_TRACE("shorter prefix and subscriber on worker " + std::to_string(x) + ", longer on worker " +
                 std::to_string(y));
    auto placed = place({x, y, x});
    ASSERT_TRUE(placed);
    Client& shorter = clients_[(*placed)[0]];
    Client& longer = clients_[(*placed)[1]];
    const std::size_t sub = (*placed)[2];
    const std::string root = "n" + std::to_string(c);
    std::vector<std::shared_ptr<moqt::ServedSubscription>> served_short, served_long;
    Announced short_ns, long_ns;
    ASSERT_TRUE(publish(shorter, {{root}}, served_short, short_ns));
    ASSERT_TRUE(publish(longer, {{root, "b"}}, served_long, long_ns));

    std::vector<std::unique_ptr<RecordingSubscription>> recs;
    std::vector<std::shared_ptr<moqt::Subscription>> handles;
    ASSERT_TRUE(subscribe_all({sub}, {{{root, "b"}}, "clock"}, recs, handles, 3s));
    EXPECT_EQ(served_long.size(), 1u);
    EXPECT_EQ(served_short.size(), 0u);

    // Withdrawn: gone from the hub (which is after the workers' table, on either path), then a
    // new track of `n/b` has only `n` left to go to.
    const auto before = published_at_hub();
    long_ns.request->cancel();
    ASSERT_TRUE(loop_.run_until([&] { return published_at_hub() + 1 == before; }, 3s));
    ASSERT_TRUE(subscribe_all({sub}, {{{root, "b"}}, "clock2"}, recs, handles, 3s));
    EXPECT_EQ(served_short.size(), 1u);
    EXPECT_EQ(served_long.size(), 1u);
  }
}

}  // namespace
}  // namespace kinetic::relay
