// Soak: hours of a relay pair's life compressed into minutes, in one process over real loopback
// QUIC, watching for memory that only ever grows and for objects lost by subscribers that stayed.
//
//   origin relay  <- steady publishers (never leave; one track each, 30 objects/s, a group per s)
//                 <- churning publishers (connect, announce, publish a few seconds, leave)
//   edge relay    (the origin as its upstream; the link is cut every --drop-every seconds by
//                  closing the edge's upstream session, and the edge reconnects on its own)
//                 <- steady subscribers (one per steady track, for the whole run)
//                 <- churning subscribers (join at --join-rate per second, stay 1-5 s, leave)
//
// RSS is sampled every --sample-seconds. At the end every steady subscriber's objects are
// checked against what its publisher sent: an object missing outside a link cut (from
// --in-flight-ms before the cut, for what the closed link was carrying, until the edge's upstream
// is up again plus --gap-grace-ms) is lost. The exit status is 1 when
// an object was lost or a steady subscriber got nothing; built with AddressSanitizer,
// LeakSanitizer checks the heap at exit and fails the run on a leak.
//
// It lives under tests/ (not bench/) because the sanitizer build compiles tests only and the
// soak exists to run there; its short form is the CTest RelaySoak.Smoke.
#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/relay/heap_trimmer.hpp"
#include "kinetic/relay/relay.hpp"
#include "kinetic/relay/upstream_connector.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_server.hpp"

namespace {

using namespace kinetic;
using namespace std::chrono_literals;
using transport::EpollLoop;
using Steady = std::chrono::steady_clock;

struct Options {
  double minutes = 1.0;
  double join_rate = 50.0;      // churning subscribers per second
  int steady = 4;               // steady publishers, one steady subscriber each
  int churn_publishers = 2;     // publishers that come and go
  double drop_every_s = 30.0;   // upstream link cut period; 0: never
  double sample_s = 5.0;
  double warmup_s = 20.0;       // excluded from the RSS slope
  int objects_per_second = 30;
  int objects_per_group = 30;
  std::size_t object_bytes = 500;
  std::uint64_t gap_grace_ms = 2'000;
  // Objects sent this long before a cut may still be in flight on the link it closes.
  std::uint64_t in_flight_ms = 1'000;
  double heap_trim_s = 30.0;  // as `kinetic relay --heap-trim-ms`' default; 0: never
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch()).count();
}

double rss_mb() { return static_cast<double>(relay::HeapTrimmer::resident_bytes()) / 1048576.0; }

#if defined(__SANITIZE_ADDRESS__)
// From the AddressSanitizer runtime (its header is not installed with GCC's libasan).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

// Bytes the program holds from the allocator: unlike RSS, blind to fragmentation and, under
// AddressSanitizer, to its quarantine of freed blocks.
double heap_mb() {
#if defined(__SANITIZE_ADDRESS__)
  return static_cast<double>(__sanitizer_get_current_allocated_bytes()) / 1048576.0;
#else
  return static_cast<double>(mallinfo2().uordblks) / 1048576.0;
#endif
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "relay_soak: %s\n", why.c_str());
  std::_Exit(2);
}

// An event loop on its own thread; what runs on a loop is made, used and destroyed there.
class LoopThread {
 public:
  LoopThread() {
    std::promise<EpollLoop*> started;
    thread_ = std::thread([&started] {
      EpollLoop loop;
      started.set_value(&loop);
      loop.run();
    });
    loop_ = started.get_future().get();
  }
  ~LoopThread() {
    loop_->post([l = loop_] { l->stop(); });
    thread_.join();
  }
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;
  EpollLoop& loop() { return *loop_; }
  void call(std::function<void()> fn) {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    loop_->post([fn = std::move(fn), done] {
      fn();
      done->set_value();
    });
    if (f.wait_for(30s) != std::future_status::ready) die("an event loop stopped answering");
  }

 private:
  std::thread thread_;
  EpollLoop* loop_ = nullptr;
};

// The payload head: sequence number and send time; the rest is filler.
constexpr std::size_t kHead = 16;

moqt::FullTrackName steady_track(int i) { return {{{"soak", fmt::format("steady{}", i)}}, "video"}; }
moqt::FullTrackName churn_track(int i) { return {{{"soak", fmt::format("churn{}", i)}}, "video"}; }

// Link cuts, as [from, until) in steady-clock ns; `until` is open while the edge reconnects.
class Disruptions {
 public:
  void begin(std::int64_t t) {
    std::lock_guard lock(mu_);
    windows_.push_back({t, INT64_MAX});
  }
  void end(std::int64_t t) {
    std::lock_guard lock(mu_);
    if (!windows_.empty() && windows_.back().second == INT64_MAX) windows_.back().second = t;
  }
  [[nodiscard]] bool covers(std::int64_t t) const {
    std::lock_guard lock(mu_);
    for (const auto& [a, b] : windows_)
      if (t >= a && t < b) return true;
    return false;
  }
  // Where `t` lies against the nearest cut, for the report of a lost object.
  [[nodiscard]] std::string describe(std::int64_t t) const {
    std::lock_guard lock(mu_);
    std::int64_t best = INT64_MAX;
    std::string out = "no cut near";
    for (const auto& [a, b] : windows_) {
      const std::int64_t d = t < a ? a - t : (b != INT64_MAX && t >= b ? t - b : 0);
      if (d < best) {
        best = d;
        out = t < a ? fmt::format("{} ms before a cut window", d / 1'000'000)
                    : fmt::format("{} ms after a cut window", d / 1'000'000);
      }
    }
    return out;
  }
  [[nodiscard]] std::size_t count() const {
    std::lock_guard lock(mu_);
    return windows_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::int64_t, std::int64_t>> windows_;
};

// ---------------------------------------------------------------------------------------------
// Publishers (all on one loop thread).

struct AnnounceStatus final : moqt::RequestHandler {
  int state = 0;
  void on_ok(moqt::OutgoingRequest&, const moqt::TrackInfo&) override { state = 1; }
  void on_error(moqt::OutgoingRequest&, const moqt::RequestErrorInfo&) override { state = -1; }
};

class Publisher final : public moqt::SessionHandler {
 public:
  Publisher(EpollLoop& loop, const Options& o, moqt::FullTrackName track) : loop_(loop), o_(o), track_(std::move(track)) {}
  ~Publisher() override { stop(); }
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  void start(const moqt::MoqtUrl& url, const transport::quic::QuicClientConfig& quic) {
    auto s = moqt::connect_quic(loop_, url, quic, {}, this);
    if (!s) die(std::string("publisher connect: ") + s.error().what);
    session_ = std::move(*s);
    announce_ = session_->publish_namespace(track_.track_namespace, &announced_);
    anchor_ = loop_.now();
    tick();
  }
  void stop() {
    if (timer_ != 0) loop_.cancel(timer_);
    timer_ = 0;
    for (auto& s : subs_) s->done(0, "publisher leaving");
    subs_.clear();
    announce_.reset();
    if (session_) session_->close(0, "publisher leaving");
    session_.reset();
  }

  void on_subscribe(moqt::Session& session, std::shared_ptr<moqt::ServedSubscription> sub) override {
    if (sub->track() != track_) {
      moqt::SessionHandler::on_subscribe(session, sub);
      return;
    }
    moqt::TrackInfo info;
    if (seq_ > 0) info.largest = location(seq_ - 1);
    sub->accept(info);
    subs_.push_back(std::move(sub));
  }
  void on_closed(moqt::Session&, std::uint64_t, std::string_view reason) override {
    if (!leaving) unexpected_close = std::string(reason);
  }

  std::vector<std::int64_t> sent_ns;  // send time by sequence number
  bool leaving = false;
  std::string unexpected_close;

 private:
  [[nodiscard]] moqt::Location location(std::uint64_t seq) const {
    const auto per = static_cast<std::uint64_t>(o_.objects_per_group);
    return {seq / per, seq % per};
  }
  void tick() {
    timer_ = 0;
    const auto interval = std::chrono::nanoseconds(1'000'000'000 / o_.objects_per_second);
    while (anchor_ + static_cast<std::int64_t>(seq_) * interval <= loop_.now()) send_one();
    timer_ = loop_.schedule_at(anchor_ + static_cast<std::int64_t>(seq_) * interval, [this] { tick(); });
  }
  void send_one() {
    std::vector<std::uint8_t> bytes(std::max(o_.object_bytes, kHead), 0x5a);
    const std::int64_t t = now_ns();
    std::memcpy(bytes.data(), &seq_, 8);
    std::memcpy(bytes.data() + 8, &t, 8);
    const SharedBytes payload(std::move(bytes));
    const auto loc = location(seq_);
    const bool last = loc.object + 1 == static_cast<std::uint64_t>(o_.objects_per_group);
    std::erase_if(subs_, [](const auto& s) {
      return s->state() == moqt::RequestState::kDone || s->state() == moqt::RequestState::kFailed;
    });
    for (auto& sub : subs_) {
      if (!sub->sending() || !sub->in_filter(loc)) continue;
      auto* w = sub->subgroup(loc.group, 0);
      if (w == nullptr) {
        sub->close_groups_before(loc.group, false);
        w = sub->open_subgroup({loc.group, 0, moqt::kDefaultPriority, false, false});
        if (w == nullptr) continue;
      }
      if (!w->open()) continue;
      w->write(loc.object, payload);
      if (last) w->finish();
    }
    sent_ns.push_back(t);
    ++seq_;
  }

  EpollLoop& loop_;
  const Options& o_;
  moqt::FullTrackName track_;
  std::shared_ptr<moqt::Session> session_;
  std::shared_ptr<moqt::OutgoingRequest> announce_;
  AnnounceStatus announced_;
  std::vector<std::shared_ptr<moqt::ServedSubscription>> subs_;
  std::uint64_t seq_ = 0;
  transport::TimePoint anchor_{};
  transport::TimerId timer_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Subscribers (all on one loop thread).

class Subscriber final : public moqt::SessionHandler, public moqt::SubscriptionHandler {
 public:
  // `stays`: a steady subscriber, which subscribes again when its subscription ends (the edge
  // ends its tracks with PUBLISH_DONE when the upstream is lost) or is refused (no route yet).
  Subscriber(moqt::FullTrackName track, std::atomic<std::uint64_t>& delivered, bool stays)
      : track_(std::move(track)), delivered_(delivered), stays_(stays) {}
  void start(EpollLoop& loop, const moqt::MoqtUrl& url, const transport::quic::QuicClientConfig& quic) {
    loop_ = &loop;
    auto s = moqt::connect_quic(loop, url, quic, {}, this);
    if (s) session_ = std::move(*s);
  }
  void leave() {
    leaving = true;
    alive_.reset();
    sub_.reset();
    if (session_) session_->close(0, "subscriber leaving");
    session_.reset();
  }
  void on_ready(moqt::Session& s) override { sub_ = s.subscribe(track_, {}, this); }
  void on_closed(moqt::Session&, std::uint64_t, std::string_view reason) override {
    if (!leaving) unexpected_close = std::string(reason);
  }
  void on_error(moqt::Subscription&, const moqt::RequestErrorInfo& e) override {
    refused = e.reason;
    again();
  }
  void on_done(moqt::Subscription&, std::uint64_t, std::string_view) override { again(); }
  void on_object(moqt::Subscription&, const moqt::Object& object) override {
    delivered_.fetch_add(1, std::memory_order_relaxed);
    if (object.payload.size() < kHead) return;
    std::uint64_t seq = 0;
    std::int64_t sent = 0;
    std::memcpy(&seq, object.payload.data(), 8);
    std::memcpy(&sent, object.payload.data() + 8, 8);
    max_latency_ns = std::max(max_latency_ns, now_ns() - sent);
    if (seq >= got.size()) got.resize(std::max<std::size_t>(seq + 1, got.size() * 2), false);
    got[seq] = true;
    first = std::min(first, seq);
    ++objects;
  }

  std::vector<bool> got;
  std::uint64_t first = UINT64_MAX;
  std::uint64_t objects = 0;
  std::uint64_t resubscribes = 0;
  std::int64_t max_latency_ns = 0;
  bool leaving = false;
  std::string unexpected_close;
  std::string refused;

 private:
  void again() {
    if (!stays_ || leaving || loop_ == nullptr) return;
    loop_->schedule_after(200ms, [this, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired() || leaving || !session_ || session_->closed()) return;
      ++resubscribes;
      sub_ = session_->subscribe(track_, {}, this);
    });
  }

  moqt::FullTrackName track_;
  std::atomic<std::uint64_t>& delivered_;
  bool stays_;
  EpollLoop* loop_ = nullptr;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::shared_ptr<moqt::Session> session_;
  std::shared_ptr<moqt::Subscription> sub_;
};

// ---------------------------------------------------------------------------------------------
// A relay on its own loop: QUIC server, relay core, optionally an upstream whose session the
// driver can cut.

struct RelayNode {
  explicit RelayNode(const transport::CertificateKeyPair& cert, std::string id) {
    thread.call([&] {
      config.cache_bytes = 64u << 20;
      config.track_cache_bytes = 4u << 20;
      config.track_linger_ms = 2'000;
      config.upstream_timeout_ms = 1'000;
      core = std::make_unique<relay::Relay>(thread.loop(), config, metrics);
      core->set_relay_id(std::move(id));
      transport::quic::QuicServerConfig sc;
      sc.listen = *transport::quic::SocketAddress::parse("127.0.0.1", 0);
      sc.certificate = cert;
      auto s = transport::quic::QuicServer::start(thread.loop(), sc,
                                                  [this](transport::SessionPtr t) { core->accept(std::move(t)); });
      if (!s) die(std::string("relay listen: ") + s.error().what);
      server = std::move(*s);
      port = server->local_address().port();
    });
  }
  ~RelayNode() {
    thread.call([&] { core->close_all("soak over"); });
    std::this_thread::sleep_for(100ms);
    thread.call([&] {
      core.reset();
      server.reset();
    });
  }
  RelayNode(const RelayNode&) = delete;
  RelayNode& operator=(const RelayNode&) = delete;

  // On the loop thread: the origin at `parent_port` as this relay's upstream.
  void chain_to(std::uint16_t parent_port, const std::string& pin_hex) {
    relay::RelayConfig uc = config;
    uc.upstream_pin = pin_hex;
    relay::UpstreamConnector network;
    if (auto err = relay::make_network_connector(thread.loop(), uc, fmt::format("moqt://127.0.0.1:{}/", parent_port),
                                                 network);
        !err.empty())
      die("upstream: " + err);
    // The session it makes is remembered, so that cut() can close it.
    auto connector = [this, network](const moqt::SessionOptions& opts, moqt::SessionHandler* handler) {
      auto s = network(opts, handler);
      upstream = s;
      return s;
    };
    relay::UpstreamPolicy policy;
    policy.initial_backoff = 100ms;
    policy.max_backoff = 1'000ms;
    core->add_upstream(connector, policy, "origin");
  }
  // On the loop thread.
  void cut() {
    if (auto s = upstream.lock()) s->close(0, "soak: link cut");
  }

  LoopThread thread;
  relay::RelayConfig config;
  relay::RelayMetrics metrics;
  std::unique_ptr<relay::Relay> core;
  std::unique_ptr<transport::quic::QuicServer> server;
  std::weak_ptr<moqt::Session> upstream;
  std::uint16_t port = 0;
};

struct Row {
  double t_s;
  std::size_t edge_sessions, origin_sessions, churn_subs;
  double rss;
  double heap;
  std::uint64_t delivered;
};

double slope_per_min(const std::vector<Row>& rows, double from_s, double Row::*field) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& r : rows) {
    if (r.t_s < from_s) continue;
    const double x = r.t_s / 60.0;
    n += 1;
    sx += x;
    sy += r.*field;
    sxx += x * x;
    sxy += x * r.*field;
  }
  const double d = n * sxx - sx * sx;
  return n < 3 || d == 0 ? 0.0 : (n * sxy - sx * sy) / d;
}

void usage() {
  std::fprintf(
      stderr,
      "usage: relay_soak [--minutes M] [--seconds S] [--join-rate N] [--steady N] [--churn-publishers N]\n"
      "                  [--drop-every S] [--sample-seconds S] [--warmup-seconds S] [--object-bytes N]\n"
      "                  [--in-flight-ms N] [--gap-grace-ms N] [--heap-trim-seconds S]\n");
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) return false;
    char* end = nullptr;
    const double v = std::strtod(argv[++i], &end);
    if (end == nullptr || *end != '\0' || !std::isfinite(v) || v < 0) {
      std::fprintf(stderr, "relay_soak: %s needs a number >= 0\n", std::string(a).c_str());
      return false;
    }
    if (a == "--minutes") o.minutes = v;
    else if (a == "--seconds") o.minutes = v / 60.0;
    else if (a == "--join-rate") o.join_rate = v;
    else if (a == "--steady" && v >= 1) o.steady = static_cast<int>(v);
    else if (a == "--churn-publishers") o.churn_publishers = static_cast<int>(v);
    else if (a == "--drop-every") o.drop_every_s = v;
    else if (a == "--sample-seconds" && v > 0) o.sample_s = v;
    else if (a == "--warmup-seconds") o.warmup_s = v;
    else if (a == "--object-bytes") o.object_bytes = static_cast<std::size_t>(v);
    else if (a == "--in-flight-ms") o.in_flight_ms = static_cast<std::uint64_t>(v);
    else if (a == "--gap-grace-ms") o.gap_grace_ms = static_cast<std::uint64_t>(v);
    else if (a == "--heap-trim-seconds") o.heap_trim_s = v;
    else return false;
  }
  return o.minutes > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    usage();
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  auto cert = transport::CertificateKeyPair::generate();
  if (!cert) die("cannot make a certificate");
  const auto pin = *cert->sha256();
  transport::quic::QuicClientConfig quic;
  quic.pinned_sha256.push_back(pin);

  int exit_code = 0;
  {
    auto origin = std::make_unique<RelayNode>(*cert, "origin");
    auto edge = std::make_unique<RelayNode>(*cert, "edge");
    edge->thread.call([&] { edge->chain_to(origin->port, transport::to_hex(pin)); });
    // One per process, as `kinetic relay` keeps it (relay_workers.cpp).
    std::unique_ptr<relay::HeapTrimmer> trimmer;
    origin->thread.call([&] {
      trimmer = std::make_unique<relay::HeapTrimmer>(
          origin->thread.loop(),
          std::chrono::milliseconds(static_cast<std::int64_t>(o.heap_trim_s * 1000.0)));
    });
    const moqt::MoqtUrl origin_url{"127.0.0.1", origin->port, "/"};
    const moqt::MoqtUrl edge_url{"127.0.0.1", edge->port, "/"};

    LoopThread pubs_thread;
    LoopThread subs_thread;
    std::vector<std::unique_ptr<Publisher>> steady_pubs;
    std::vector<std::unique_ptr<Publisher>> churn_pubs(static_cast<std::size_t>(o.churn_publishers));
    std::vector<Steady::time_point> churn_pub_next(churn_pubs.size(), Steady::now());
    std::atomic<std::uint64_t> steady_delivered{0}, churn_delivered{0};
    std::vector<std::unique_ptr<Subscriber>> steady_subs;
    struct Churner {
      std::unique_ptr<Subscriber> sub;
      Steady::time_point leave_at;
    };
    std::vector<Churner> churners;
    std::uint64_t joined = 0, churn_unexpected = 0;
    std::mt19937 rng(7);

    pubs_thread.call([&] {
      for (int i = 0; i < o.steady; ++i) {
        steady_pubs.push_back(std::make_unique<Publisher>(pubs_thread.loop(), o, steady_track(i)));
        steady_pubs.back()->start(origin_url, quic);
      }
    });
    std::this_thread::sleep_for(500ms);  // announced at the origin before anyone asks
    subs_thread.call([&] {
      for (int i = 0; i < o.steady; ++i) {
        steady_subs.push_back(std::make_unique<Subscriber>(steady_track(i), steady_delivered, true));
        steady_subs.back()->start(subs_thread.loop(), edge_url, quic);
      }
    });

    Disruptions cuts;
    const auto t0 = Steady::now();
    const std::int64_t t0_ns = now_ns();
    const auto end = t0 + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(o.minutes * 60));
    auto next_sample = t0;
    auto next_cut = o.drop_every_s > 0
                        ? t0 + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(o.drop_every_s))
                        : Steady::time_point::max();
    bool cut_open = false;
    Steady::time_point up_since{};
    double join_credit = 0;
    auto last_tick = t0;
    std::vector<Row> rows;

    fmt::print("| t s | edge sessions | origin sessions | churning subscribers | RSS MB | heap MB | objects delivered (steady + churning) |\n");
    fmt::print("|---|---|---|---|---|---|---|\n");
    std::fflush(stdout);
    while (Steady::now() < end) {
      std::this_thread::sleep_for(20ms);
      const auto now = Steady::now();
      const double dt = std::chrono::duration<double>(now - last_tick).count();
      last_tick = now;

      // Subscribers join at the rate asked (on steady or churning tracks) and leave after 1-5 s.
      join_credit += dt * o.join_rate;
      const int joins = static_cast<int>(join_credit);
      join_credit -= joins;
      subs_thread.call([&] {
        for (auto& c : churners) {
          if (c.sub && now >= c.leave_at) {
            if (!c.sub->unexpected_close.empty()) ++churn_unexpected;
            c.sub->leave();
            c.sub.reset();
          }
        }
        std::erase_if(churners, [](const Churner& c) { return !c.sub; });
        for (int j = 0; j < joins; ++j) {
          const int pick = static_cast<int>(rng() % static_cast<unsigned>(o.steady + o.churn_publishers));
          auto track = pick < o.steady ? steady_track(pick) : churn_track(pick - o.steady);
          Churner c{std::make_unique<Subscriber>(track, churn_delivered, false),
                    now + std::chrono::milliseconds(1000 + rng() % 4000)};
          c.sub->start(subs_thread.loop(), edge_url, quic);
          churners.push_back(std::move(c));
          ++joined;
        }
      });

      // Churning publishers: up 3-8 s, then away 1 s.
      pubs_thread.call([&] {
        for (std::size_t i = 0; i < churn_pubs.size(); ++i) {
          if (now < churn_pub_next[i]) continue;
          if (churn_pubs[i]) {
            churn_pubs[i]->leaving = true;
            churn_pubs[i]->stop();
            churn_pubs[i].reset();
            churn_pub_next[i] = now + 1s;
          } else {
            churn_pubs[i] = std::make_unique<Publisher>(pubs_thread.loop(), o, churn_track(static_cast<int>(i)));
            churn_pubs[i]->start(origin_url, quic);
            churn_pub_next[i] = now + std::chrono::milliseconds(3000 + rng() % 5000);
          }
        }
      });

      // The upstream link: cut, then the window stays open until the edge is up again and the
      // grace has passed (its subscriptions are re-made upstream in between).
      if (now >= next_cut) {
        cuts.begin(now_ns() - static_cast<std::int64_t>(o.in_flight_ms) * 1'000'000);
        edge->thread.call([&] { edge->cut(); });
        cut_open = true;
        up_since = {};
        next_cut = now + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(o.drop_every_s));
      }
      if (cut_open) {
        relay::UpstreamState state{};
        edge->thread.call([&] { state = edge->core->upstream_state(); });
        if (state != relay::UpstreamState::kUp) {
          up_since = {};
        } else if (up_since == Steady::time_point{}) {
          up_since = now;
        } else if (now - up_since >= std::chrono::milliseconds(o.gap_grace_ms)) {
          cuts.end(now_ns());
          cut_open = false;
        }
      }

      if (now >= next_sample) {
        Row r{};
        r.t_s = std::chrono::duration<double>(now - t0).count();
        edge->thread.call([&] { r.edge_sessions = edge->core->session_count(); });
        origin->thread.call([&] { r.origin_sessions = origin->core->session_count(); });
        subs_thread.call([&] { r.churn_subs = churners.size(); });
        r.rss = rss_mb();
        r.heap = heap_mb();
        r.delivered = steady_delivered.load() + churn_delivered.load();
        rows.push_back(r);
        fmt::print("| {:.0f} | {} | {} | {} | {:.1f} | {:.1f} | {} ({} + {}) |\n", r.t_s, r.edge_sessions,
                   r.origin_sessions, r.churn_subs, r.rss, r.heap, r.delivered, steady_delivered.load(), churn_delivered.load());
        std::fflush(stdout);
        next_sample = now + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(o.sample_s));
      }
    }

    // Publishers stop; what is in flight arrives; then the tally.
    std::vector<std::vector<std::int64_t>> sent(steady_pubs.size());
    pubs_thread.call([&] {
      for (std::size_t i = 0; i < steady_pubs.size(); ++i) {
        steady_pubs[i]->leaving = true;
        sent[i] = steady_pubs[i]->sent_ns;
        if (!steady_pubs[i]->unexpected_close.empty()) {
          fmt::print("steady publisher {} lost its session: {}\n", i, steady_pubs[i]->unexpected_close);
          exit_code = 1;
        }
      }
    });
    std::this_thread::sleep_for(1500ms);
    std::uint64_t lost = 0, gap = 0, expected = 0, resubscribes = 0;
    std::int64_t max_latency_ns = 0;
    std::vector<std::string> lost_report;
    subs_thread.call([&] {
      for (std::size_t i = 0; i < steady_subs.size(); ++i) {
        auto& s = *steady_subs[i];
        resubscribes += s.resubscribes;
        max_latency_ns = std::max(max_latency_ns, s.max_latency_ns);
        if (s.objects == 0) {
          fmt::print("steady subscriber {} received nothing (closed: '{}', refused: '{}')\n", i, s.unexpected_close,
                     s.refused);
          exit_code = 1;
          continue;
        }
        // Everything from the first object it got up to the last one sent, but the last
        // second's (still in flight when the publisher's sequence was read).
        const auto& times = sent[i];
        for (std::uint64_t seq = s.first; seq < times.size(); ++seq) {
          if (times[seq] > now_ns() - 2'500'000'000LL) break;
          ++expected;
          if (seq < s.got.size() && s.got[seq]) continue;
          if (cuts.covers(times[seq])) {
            ++gap;
          } else {
            ++lost;
            if (lost_report.size() < 10)
              lost_report.push_back(fmt::format("steady subscriber {} lost object {} sent at {:.3f} s ({})", i, seq,
                                                static_cast<double>(times[seq] - t0_ns) / 1e9, cuts.describe(times[seq])));
          }
        }
        if (!s.unexpected_close.empty()) {
          fmt::print("steady subscriber {} lost its session: {}\n", i, s.unexpected_close);
          exit_code = 1;
        }
      }
    });

    const double elapsed = std::chrono::duration<double>(Steady::now() - t0).count();
    const double slope = slope_per_min(rows, o.warmup_s, &Row::rss);
    const double heap_slope = slope_per_min(rows, o.warmup_s, &Row::heap);
    fmt::print("\nverdict after {:.0f} s: {} subscribers joined and left ({} closed unexpectedly), {} link cuts\n", elapsed,
               joined, churn_unexpected, cuts.count());
    fmt::print("RSS {:.1f} MB, heap {:.1f} MB at the end; slopes after {:.0f} s warm-up: RSS {:+.3f} MB/min, heap {:+.3f} MB/min\n",
               rss_mb(), heap_mb(), o.warmup_s, slope, heap_slope);
    fmt::print("steady subscribers: {} objects expected, {} lost, {} missed inside link cuts, {} subscribes again, "
               "latency max {:.0f} ms\n",
               expected, lost, gap, resubscribes, static_cast<double>(max_latency_ns) / 1e6);
    for (const auto& line : lost_report) fmt::print("{}\n", line);
    if (lost > 0) exit_code = 1;

    // Teardown on each thread, newest first, so that LeakSanitizer sees a clean heap.
    subs_thread.call([&] {
      for (auto& c : churners) c.sub->leave();
      for (auto& s : steady_subs) s->leave();
    });
    pubs_thread.call([&] {
      for (auto& p : churn_pubs)
        if (p) {
          p->leaving = true;
          p->stop();
        }
      for (auto& p : steady_pubs) p->stop();
    });
    std::this_thread::sleep_for(200ms);
    subs_thread.call([&] {
      churners.clear();
      steady_subs.clear();
    });
    pubs_thread.call([&] {
      churn_pubs.clear();
      steady_pubs.clear();
    });
    std::uint64_t trims = 0;
    double longest_ms = 0;
    origin->thread.call([&] {
      trims = trimmer->trims();
      longest_ms = std::chrono::duration<double, std::milli>(trimmer->longest()).count();
      trimmer.reset();
    });
    fmt::print("heap trimmed every {:.0f} s: {} times, the longest {:.2f} ms\n", o.heap_trim_s, trims,
               longest_ms);
    edge.reset();
    origin.reset();
  }
  fmt::print("{}\n", exit_code == 0 ? "PASS" : "FAIL");
  return exit_code;
}
