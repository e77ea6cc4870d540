// Memory per closed stream over a simulated day: 86,400 groups (one group per second), each on
// its own unidirectional stream, as fast as loopback carries them, with the heap sampled on
// both ends every N streams. A live MoQT track opens one subgroup stream per group for as long
// as it runs, so any record kept per closed stream grows without bound on a long-lived
// connection.
//
//   quic: a client opens a uni stream per group (a few objects, FIN); the server answers each
//         with a uni stream of its own. Both ends open and receive streams.
//   moqt: a publisher → relay::Relay → a subscriber, one group per subgroup stream; the relay
//         receives the publisher's streams and opens one per group towards the subscriber.
//
// The server side (the QUIC server, or the relay) runs in a forked child so that each side's
// heap (mallinfo2().uordblks: bytes malloc has handed out and not got back) and RSS are its own.
// Not a Google Benchmark program: its figure is a slope over one long run, not a time per
// iteration.
#include <fmt/format.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/relay/relay.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/transport/quic/quic_server.hpp"

namespace {

using namespace kinetic;
using namespace std::chrono_literals;
using transport::EpollLoop;

struct Options {
  std::string mode = "both";  // quic, moqt or both
  std::uint64_t streams = 86'400;
  std::uint64_t samples = 20;
  std::uint64_t objects = 4;        // per group
  std::size_t object_bytes = 200;   // per object
  std::uint64_t window = 256;       // groups in flight at most
};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "stream_churn_bench: %s\n", why.c_str());
  std::_Exit(1);
}

struct Sample {
  std::uint64_t streams = 0;
  std::uint64_t heap = 0;  // bytes
  std::uint64_t rss = 0;   // bytes
};

Sample sample_now(std::uint64_t streams) {
  Sample s;
  s.streams = streams;
  s.heap = mallinfo2().uordblks;
  long pages = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    long size = 0;
    if (std::fscanf(f, "%ld %ld", &size, &pages) != 2) pages = 0;
    std::fclose(f);
  }
  s.rss = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return s;
}

// Least-squares slope of heap bytes over streams, from the first sample past the warm-up.
double slope(const std::vector<Sample>& v, std::size_t from, std::uint64_t Sample::*field) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = from; i < v.size(); ++i) {
    const double x = static_cast<double>(v[i].streams);
    const double y = static_cast<double>(v[i].*field);
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double d = n * sxx - sx * sx;
  return n < 2 || d == 0 ? 0.0 : (n * sxy - sx * sy) / d;
}

// ---------------------------------------------------------------------------------------------
// The child's side: it serves, and samples its own heap when the parent asks (one byte with the
// sample's index on `ask`, one Sample back on `answer`). A thread of its own does the sampling,
// so the server's loop is never paused; mallinfo2 takes malloc's locks and is safe there.

void serve_samples(int ask, int answer) {
  std::uint64_t streams = 0;
  while (::read(ask, &streams, sizeof streams) == static_cast<ssize_t>(sizeof streams)) {
    const Sample s = sample_now(streams);
    if (::write(answer, &s, sizeof s) != static_cast<ssize_t>(sizeof s)) return;
  }
}

struct Child {
  pid_t pid = -1;
  int ask = -1;     // parent writes
  int answer = -1;  // parent reads
  std::uint16_t port = 0;

  Sample sample(std::uint64_t streams) const {
    Sample s;
    if (::write(ask, &streams, sizeof streams) != static_cast<ssize_t>(sizeof streams)) die("child gone");
    if (::read(answer, &s, sizeof s) != static_cast<ssize_t>(sizeof s)) die("child gave no sample");
    return s;
  }
  void stop() {
    if (pid < 0) return;
    ::close(ask);
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(answer);
    pid = -1;
  }
};

// Forks a child that runs `serve(loop)` (which must start a server and return its port) on an
// EpollLoop until SIGTERM.
template <typename Serve>
Child fork_server(Serve serve) {
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) die("pipe");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::close(to_child[1]);
    ::close(from_child[0]);
    EpollLoop loop;
    std::uint16_t port = serve(loop);
    if (::write(from_child[1], &port, sizeof port) != static_cast<ssize_t>(sizeof port)) ::_exit(1);
    std::thread sampler([&] {
      serve_samples(to_child[0], from_child[1]);
      loop.post([&] { loop.stop(); });
    });
    signal(SIGTERM, [](int) { ::_exit(0); });
    loop.run();
    sampler.join();
    ::_exit(0);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  Child c;
  c.pid = pid;
  c.ask = to_child[1];
  c.answer = from_child[0];
  if (::read(c.answer, &c.port, sizeof c.port) != static_cast<ssize_t>(sizeof c.port) || c.port == 0)
    die("the server did not start");
  return c;
}

const transport::CertificateKeyPair& certificate() {
  static const transport::CertificateKeyPair pair = [] {
    auto p = transport::CertificateKeyPair::generate();
    if (!p) die("cannot make a certificate");
    return *p;
  }();
  return pair;
}

transport::quic::QuicServerConfig server_config() {
  transport::quic::QuicServerConfig sc;
  sc.listen = *transport::quic::SocketAddress::parse("127.0.0.1", 0);
  sc.certificate = certificate();
  return sc;
}

transport::quic::QuicClientConfig client_config(std::uint16_t port) {
  transport::quic::QuicClientConfig c;
  c.remote = *transport::quic::SocketAddress::parse("127.0.0.1", port);
  c.server_name = "localhost";
  c.pinned_sha256.push_back(*certificate().sha256());
  return c;
}

std::vector<std::uint8_t> group_bytes(const Options& o) { return std::vector<std::uint8_t>(o.objects * o.object_bytes, 0x5a); }

// ---------------------------------------------------------------------------------------------
// Raw QUIC: every uni stream the server receives is answered with one of its own.

class EchoServer final : public transport::SessionHandler, public transport::StreamHandler {
 public:
  void on_incoming_stream(transport::Session& session, transport::Stream& stream) override {
    session_ = &session;
    stream.set_handler(this);
  }
  void on_data(transport::Stream& stream, std::span<const std::uint8_t> data, bool fin) override {
    (void)stream;
    bytes_ += data.size();
    if (!fin) return;
    pending_.push_back(bytes_);
    bytes_ = 0;
    drain();
  }
  void on_streams_available(transport::Session& session) override {
    (void)session;
    drain();
  }
  void on_closed(transport::Session& session, const transport::CloseInfo& info) override {
    (void)session;
    (void)info;
    session_ = nullptr;
  }

 private:
  void drain() {
    while (session_ != nullptr && !pending_.empty()) {
      auto* out = session_->open_uni();
      if (out == nullptr) return;
      out->write(SharedBytes(std::vector<std::uint8_t>(pending_.front(), 0xa5)), true);
      pending_.pop_front();
    }
  }
  transport::Session* session_ = nullptr;
  std::deque<std::size_t> pending_;  // answers owed (their sizes), waiting for stream credit
  std::size_t bytes_ = 0;            // of the stream now arriving (one at a time per packet order)
};

class ChurnClient final : public transport::SessionHandler, public transport::StreamHandler {
 public:
  ChurnClient(const Options& o, EpollLoop& loop) : o_(o), loop_(loop), payload_(group_bytes(o)) {}
  void on_ready(transport::Session& session) override {
    session_ = &session;
    pump();
  }
  void on_incoming_stream(transport::Session& session, transport::Stream& stream) override {
    (void)session;
    stream.set_handler(this);
  }
  void on_data(transport::Stream& stream, std::span<const std::uint8_t> data, bool fin) override {
    (void)stream;
    (void)data;
    if (!fin) return;
    ++answered;
    if (answered >= o_.streams) {
      loop_.stop();
      return;
    }
    if (on_answer) on_answer(answered);
    pump();
  }
  void on_streams_available(transport::Session& session) override {
    (void)session;
    pump();
  }
  void on_closed(transport::Session& session, const transport::CloseInfo& info) override {
    (void)session;
    closed_reason = info.reason.empty() ? "closed" : info.reason;
    session_ = nullptr;
    loop_.stop();
  }

  std::uint64_t answered = 0;
  std::string closed_reason;
  std::function<void(std::uint64_t)> on_answer;

 private:
  void pump() {
    while (session_ != nullptr && sent_ < o_.streams && sent_ < answered + o_.window) {
      auto* s = session_->open_uni();
      if (s == nullptr) return;
      s->write(std::span<const std::uint8_t>(payload_), true);
      ++sent_;
    }
  }
  const Options& o_;
  EpollLoop& loop_;
  std::vector<std::uint8_t> payload_;
  transport::Session* session_ = nullptr;
  std::uint64_t sent_ = 0;
};

// ---------------------------------------------------------------------------------------------
// MoQT through a relay.

moqt::FullTrackName churn_track() { return {{{"churn"}}, "live"}; }

class Publisher final : public moqt::SessionHandler {
 public:
  Publisher(const Options& o, EpollLoop& loop, const std::uint64_t& received) : o_(o), loop_(loop), received_(received) {
    for (std::uint64_t i = 0; i < o.objects; ++i) objects_.emplace_back(std::vector<std::uint8_t>(o.object_bytes, 0x3c));
  }
  ~Publisher() override {
    if (timer_ != 0) loop_.cancel(timer_);
  }
  void on_subscribe(moqt::Session& session, std::shared_ptr<moqt::ServedSubscription> sub) override {
    if (sub->track() != churn_track()) {
      moqt::SessionHandler::on_subscribe(session, sub);
      return;
    }
    sub->accept({});
    sub_ = std::move(sub);
    tick();
  }
  // Sends what the window allows; groups whose stream could not open wait for the next tick.
  void tick() {
    timer_ = 0;
    while (sub_ && sub_->sending() && group_ < o_.streams && group_ < received_ + o_.window) {
      auto* w = sub_->open_subgroup({group_, 0, moqt::kDefaultPriority, false, false});
      if (w == nullptr) break;
      for (std::uint64_t i = 0; i < o_.objects; ++i) w->write(i, objects_[i]);
      w->finish();
      ++group_;
    }
    if (group_ < o_.streams) timer_ = loop_.schedule_after(1ms, [this] { tick(); });
  }

 private:
  const Options& o_;
  EpollLoop& loop_;
  const std::uint64_t& received_;
  std::vector<SharedBytes> objects_;
  std::shared_ptr<moqt::ServedSubscription> sub_;
  std::uint64_t group_ = 0;
  transport::TimerId timer_ = 0;
};

class Subscriber final : public moqt::SessionHandler, public moqt::SubscriptionHandler {
 public:
  Subscriber(const Options& o, EpollLoop& loop) : o_(o), loop_(loop) {}
  void on_ready(moqt::Session& s) override { sub_ = s.subscribe(churn_track(), {}, this); }
  void on_error(moqt::Subscription&, const moqt::RequestErrorInfo& e) override {
    failure = "subscribe refused: " + e.reason;
    loop_.stop();
  }
  void on_closed(moqt::Session&, std::uint64_t, std::string_view reason) override {
    if (groups < o_.streams) failure = "subscriber session closed: " + std::string(reason);
    loop_.stop();
  }
  void on_object(moqt::Subscription&, const moqt::Object& object) override {
    ++objects;
    if (object.object_id + 1 != o_.objects) return;
    ++groups;
    if (groups >= o_.streams) {
      loop_.stop();
      return;
    }
    if (on_group) on_group(groups);
  }

  std::uint64_t groups = 0;
  std::uint64_t objects = 0;
  std::string failure;
  std::function<void(std::uint64_t)> on_group;

 private:
  const Options& o_;
  EpollLoop& loop_;
  std::shared_ptr<moqt::Subscription> sub_;
};

struct AnnounceStatus final : moqt::RequestHandler {
  int state = 0;
  void on_ok(moqt::OutgoingRequest&, const moqt::TrackInfo&) override { state = 1; }
  void on_error(moqt::OutgoingRequest&, const moqt::RequestErrorInfo&) override { state = -1; }
};

// ---------------------------------------------------------------------------------------------

struct Table {
  std::string name;
  std::string server_side;
  std::string client_side;
  std::vector<Sample> server, client;
  double seconds = 0;
};

// Samples both sides every streams/samples completions (the first after 1/samples of the run).
struct Sampler {
  const Options& o;
  Child& child;
  Table& table;
  std::uint64_t next = 0;
  void operator()(std::uint64_t done) {
    if (done < next) return;
    next += std::max<std::uint64_t>(1, o.streams / o.samples);
    table.client.push_back(sample_now(done));
    table.server.push_back(child.sample(done));
  }
};

Table run_quic(const Options& o) {
  Table t{"quic", "server", "client", {}, {}, 0};
  Child child = fork_server([](EpollLoop& loop) -> std::uint16_t {
    static EchoServer app;
    static std::vector<transport::SessionPtr> sessions;
    static std::unique_ptr<transport::quic::QuicServer> server;
    auto s = transport::quic::QuicServer::start(loop, server_config(), [](transport::SessionPtr session) {
      session->set_handler(&app);
      sessions.push_back(std::move(session));
    });
    if (!s) return 0;
    server = std::move(*s);
    return server->local_address().port();
  });
  const auto t0 = std::chrono::steady_clock::now();
  {
    EpollLoop loop;
    ChurnClient client(o, loop);
    Sampler sampler{o, child, t, 0};
    sampler(0);
    client.on_answer = std::ref(sampler);
    auto session = transport::quic::QuicClient::connect(loop, client_config(child.port), &client);
    if (!session) die(std::string("connect: ") + session.error().what);
    loop.run();
    if (client.answered < o.streams) die("quic run ended early: " + client.closed_reason);
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    t.client.push_back(sample_now(client.answered));
    t.server.push_back(child.sample(client.answered));
    (*session)->close(0, "done");
  }
  child.stop();
  return t;
}

Table run_moqt(const Options& o) {
  Table t{"moqt", "relay", "publisher + subscriber", {}, {}, 0};
  Child child = fork_server([](EpollLoop& loop) -> std::uint16_t {
    static relay::RelayMetrics metrics;
    static relay::RelayConfig config;
    // A small cache, so that it fills within the warm-up and what grows afterwards is per stream.
    config.cache_bytes = 1u << 20;
    config.track_cache_bytes = 256u << 10;
    static std::unique_ptr<relay::Relay> core;
    static std::unique_ptr<transport::quic::QuicServer> server;
    core = std::make_unique<relay::Relay>(loop, config, metrics);
    auto s = transport::quic::QuicServer::start(loop, server_config(),
                                                [](transport::SessionPtr session) { core->accept(std::move(session)); });
    if (!s) return 0;
    server = std::move(*s);
    return server->local_address().port();
  });
  const auto t0 = std::chrono::steady_clock::now();
  {
    EpollLoop loop;
    Subscriber subscriber(o, loop);
    Publisher publisher(o, loop, subscriber.groups);
    Sampler sampler{o, child, t, 0};
    sampler(0);
    subscriber.on_group = std::ref(sampler);
    const moqt::MoqtUrl url{"127.0.0.1", child.port, "/"};
    auto quic = client_config(child.port);
    auto pub = moqt::connect_quic(loop, url, quic, {}, &publisher);
    if (!pub) die(std::string("publisher connect: ") + pub.error().what);
    AnnounceStatus announced;
    auto announce = (*pub)->publish_namespace(churn_track().track_namespace, &announced);
    std::shared_ptr<moqt::Session> sub;
    // The subscriber connects once the relay knows the namespace, so its SUBSCRIBE is routed.
    std::function<void()> wait_announce = [&] {
      if (announced.state == 0) {
        loop.schedule_after(5ms, wait_announce);
        return;
      }
      if (announced.state < 0) {
        subscriber.failure = "the relay refused the namespace";
        loop.stop();
        return;
      }
      auto s = moqt::connect_quic(loop, url, quic, {}, &subscriber);
      if (!s) {
        subscriber.failure = std::string("subscriber connect: ") + s.error().what;
        loop.stop();
        return;
      }
      sub = std::move(*s);
    };
    wait_announce();
    loop.run();
    if (!subscriber.failure.empty()) die(subscriber.failure);
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    t.client.push_back(sample_now(subscriber.groups));
    t.server.push_back(child.sample(subscriber.groups));
    if (subscriber.objects != o.streams * o.objects)
      die(fmt::format("subscriber got {} objects of {}", subscriber.objects, o.streams * o.objects));
    if (sub) sub->close(0, "done");
    (*pub)->close(0, "done");
  }
  child.stop();
  return t;
}

void print(const Table& t, const Options& o) {
  fmt::print("\n## {}: {} streams in {:.1f} s ({:.0f} streams/s), {} objects × {} B per group\n\n", t.name,
             o.streams, t.seconds, static_cast<double>(o.streams) / t.seconds, o.objects, o.object_bytes);
  fmt::print("| streams closed | {} heap KiB | {} RSS MiB | {} heap KiB | {} RSS MiB |\n", t.server_side,
             t.server_side, t.client_side, t.client_side);
  fmt::print("|---|---|---|---|---|\n");
  for (std::size_t i = 0; i < t.server.size() && i < t.client.size(); ++i) {
    fmt::print("| {} | {:.1f} | {:.1f} | {:.1f} | {:.1f} |\n", t.server[i].streams,
               static_cast<double>(t.server[i].heap) / 1024.0, static_cast<double>(t.server[i].rss) / 1048576.0,
               static_cast<double>(t.client[i].heap) / 1024.0, static_cast<double>(t.client[i].rss) / 1048576.0);
  }
  // The first two samples (connection set-up, caches and windows filling) are the warm-up.
  const std::size_t from = std::min<std::size_t>(2, t.server.size());
  fmt::print("\nbytes per closed stream after warm-up (least squares from {} streams): {} heap {:.1f}, RSS {:.1f}; "
             "{} heap {:.1f}, RSS {:.1f}\n",
             t.server.size() > from ? t.server[from].streams : 0, t.server_side, slope(t.server, from, &Sample::heap),
             slope(t.server, from, &Sample::rss), t.client_side, slope(t.client, from, &Sample::heap),
             slope(t.client, from, &Sample::rss));
  std::fflush(stdout);
}

void usage() {
  std::fprintf(stderr,
               "usage: stream_churn_bench [--mode quic|moqt|both] [--streams N] [--samples N] [--objects N]\n"
               "                          [--object-bytes N] [--window N]\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::uint64_t {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      char* end = nullptr;
      const auto v = std::strtoull(argv[++i], &end, 10);
      if (end == nullptr || *end != '\0' || v == 0) {
        std::fprintf(stderr, "stream_churn_bench: %s needs a positive number\n", std::string(a).c_str());
        std::exit(2);
      }
      return v;
    };
    if (a == "--mode" && i + 1 < argc) o.mode = argv[++i];
    else if (a == "--streams") o.streams = value();
    else if (a == "--samples") o.samples = value();
    else if (a == "--objects") o.objects = value();
    else if (a == "--object-bytes") o.object_bytes = static_cast<std::size_t>(value());
    else if (a == "--window") o.window = value();
    else {
      usage();
      return 2;
    }
  }
  if (o.mode != "quic" && o.mode != "moqt" && o.mode != "both") {
    usage();
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  (void)certificate();  // made once, before the fork, so both sides share it
  if (o.mode != "moqt") print(run_quic(o), o);
  if (o.mode != "quic") print(run_moqt(o), o);
  return 0;
}
