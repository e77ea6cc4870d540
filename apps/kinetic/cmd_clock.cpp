// `kinetic clock pub|sub`: the smallest MoQT demo. `pub` publishes a track of wall-clock
// timestamps (one group per minute, one object per second) either by announcing its namespace
// to a relay at URL or, with --listen, by serving subscribers itself; `sub` subscribes to the
// track and prints each timestamp with how long it took to arrive.
#include <sys/signalfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_server.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace {

using namespace kinetic;
using namespace std::chrono_literals;

struct ClockOptions {
  std::string url;
  std::string ns = "clock";
  std::string track = "now";
  std::string listen;
  std::string pin;
  bool insecure = false;
  int seconds = 0;  // 0: until interrupted
};

bool stop_on_signals(transport::EpollLoop& loop) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return false;
  const int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return false;
  return loop.watch(fd, 1 /* EPOLLIN */, [&loop](std::uint32_t) { loop.stop(); });
}

moqt::TrackNamespace split_namespace(const std::string& text) {
  moqt::TrackNamespace ns;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto slash = text.find('/', start);
    const auto field = text.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!field.empty()) ns.fields.push_back(field);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return ns;
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string timestamp(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::int64_t parse_timestamp_ms(const std::string& text) {
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &millis) != 7) {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + millis;
}

// Serves the clock track to every subscriber of any session it is given.
class ClockPublisher final : public moqt::SessionHandler {
 public:
  ClockPublisher(transport::EventLoop& loop, moqt::FullTrackName track) : loop_(loop), track_(std::move(track)) {}

  void start() { tick(); }

  void on_subscribe(moqt::Session& session, std::shared_ptr<moqt::ServedSubscription> sub) override {
    if (sub->track() != track_) {
      moqt::SessionHandler::on_subscribe(session, sub);
      return;
    }
    moqt::TrackInfo info;
    if (last_) info.largest = *last_;
    sub->accept(info);
    spdlog::info("clock: subscriber {} joined", sub->request_id());
    subs_.push_back(sub);
  }
  void on_closed(moqt::Session&, std::uint64_t code, std::string_view reason) override {
    spdlog::info("clock: session closed ({}: {})", code, reason);
  }

 private:
  void tick() {
    const auto now = unix_ms();
    const std::uint64_t group = static_cast<std::uint64_t>(now / 60'000);
    const std::uint64_t object = static_cast<std::uint64_t>((now / 1000) % 60);
    const auto payload = wire::SharedBytes::copy(timestamp(now));
    std::erase_if(subs_, [](const auto& s) { return s->state() != moqt::RequestState::kActive; });
    for (auto& sub : subs_) {
      if (!sub->in_filter({group, object})) continue;
      auto* w = sub->subgroup(group, 0);
      if (w == nullptr || !w->open()) {
        // A new minute: the previous group is complete.
        sub->close_groups_before(group, false);
        w = sub->open_subgroup({group, 0, moqt::kDefaultPriority, false, true});
      }
      if (w != nullptr && (!w->last_object_id() || *w->last_object_id() < object)) w->write(object, payload);
    }
    last_ = moqt::Location{group, object};
    // Next tick on the next whole second.
    loop_.schedule_after(std::chrono::milliseconds(1000 - unix_ms() % 1000), [this] { tick(); });
  }

  transport::EventLoop& loop_;
  moqt::FullTrackName track_;
  std::optional<moqt::Location> last_;
  std::vector<std::shared_ptr<moqt::ServedSubscription>> subs_;
};

class ClockSubscriber final : public moqt::SessionHandler, public moqt::SubscriptionHandler {
 public:
  explicit ClockSubscriber(transport::EpollLoop& loop) : loop_(loop) {}
  void on_closed(moqt::Session&, std::uint64_t code, std::string_view reason) override {
    if (stopping) return;
    spdlog::error("clock: session closed ({}: {})", code, reason);
    failed = true;
    loop_.stop();
  }
  void on_ok(moqt::Subscription& sub, const moqt::TrackInfo&) override {
    spdlog::info("clock: subscribed to {}", wire::serialize_full_track_name(sub.track()));
  }
  void on_error(moqt::Subscription&, const moqt::RequestErrorInfo& e) override {
    spdlog::error("clock: subscription refused ({}: {})", e.code, e.reason);
    failed = true;
    loop_.stop();
  }
  void on_object(moqt::Subscription&, const moqt::Object& o) override {
    const std::string text(reinterpret_cast<const char*>(o.payload.data()), o.payload.size());
    const auto sent = parse_timestamp_ms(text);
    std::cout << "group " << o.group_id << " object " << o.object_id << "  " << text;
    if (sent >= 0) std::cout << "  +" << (unix_ms() - sent) << " ms";
    std::cout << std::endl;
    ++received;
  }
  void on_done(moqt::Subscription&, std::uint64_t status, std::string_view reason) override {
    if (stopping) return;
    spdlog::info("clock: publisher done ({}: {})", status, reason);
    loop_.stop();
  }
  transport::EpollLoop& loop_;
  bool stopping = false;  // our own close is no failure
  bool failed = false;
  int received = 0;
};

transport::quic::QuicClientConfig client_trust(const ClockOptions& o) {
  transport::quic::QuicClientConfig c;
  if (o.insecure) c.verify_peer = false;
  if (!o.pin.empty() && o.pin.size() == 64) {
    transport::Sha256 pin{};
    for (std::size_t i = 0; i < pin.size(); ++i) pin[i] = static_cast<std::uint8_t>(std::stoi(o.pin.substr(2 * i, 2), nullptr, 16));
    c.pinned_sha256.push_back(pin);
  }
  return c;
}

int run_pub(const ClockOptions& o) {
  transport::EpollLoop loop;
  stop_on_signals(loop);
  moqt::FullTrackName track{split_namespace(o.ns), o.track};
  ClockPublisher publisher(loop, track);
  std::vector<std::shared_ptr<moqt::Session>> sessions;
  std::unique_ptr<transport::quic::QuicServer> server;
  std::shared_ptr<moqt::OutgoingRequest> announce;
  if (!o.listen.empty()) {
    const auto colon = o.listen.rfind(':');
    if (colon == std::string::npos) {
      std::cerr << "--listen expects HOST:PORT\n";
      return 2;
    }
    auto addr = transport::quic::SocketAddress::parse(o.listen.substr(0, colon),
                                                      static_cast<std::uint16_t>(std::stoi(o.listen.substr(colon + 1))));
    auto cert = transport::CertificateKeyPair::generate();
    if (!addr || !cert) {
      std::cerr << "bad --listen address or certificate failure\n";
      return 2;
    }
    transport::quic::QuicServerConfig sc;
    sc.listen = *addr;
    sc.certificate = *cert;
    auto started = transport::quic::QuicServer::start(loop, sc, [&](transport::SessionPtr t) {
      moqt::SessionOptions so;
      so.perspective = moqt::Perspective::kServer;
      if (auto s = moqt::Session::create(std::move(t), so, &publisher)) sessions.push_back(std::move(s));
    });
    if (!started) {
      std::cerr << "cannot listen: " << started.error().what << "\n";
      return 1;
    }
    server = std::move(*started);
    std::cout << "serving " << wire::serialize_full_track_name(track) << " on moqt://" << o.listen
              << "  certificate sha256 " << transport::to_hex(*cert->sha256()) << std::endl;
  } else {
    auto url = moqt::parse_moqt_url(o.url);
    if (!url) {
      std::cerr << "bad URL: " << url.error().what << "\n";
      return 2;
    }
    auto session = moqt::connect_quic(loop, *url, client_trust(o), {}, &publisher);
    if (!session) {
      std::cerr << "cannot connect: " << session.error().what << "\n";
      return 1;
    }
    sessions.push_back(*session);
    announce = (*session)->publish_namespace(track.track_namespace, nullptr);
  }
  publisher.start();
  if (o.seconds > 0) loop.schedule_after(std::chrono::seconds(o.seconds), [&loop] { loop.stop(); });
  loop.run();
  for (auto& s : sessions) s->close(0, "clock stopped");
  return 0;
}

int run_sub(const ClockOptions& o) {
  transport::EpollLoop loop;
  stop_on_signals(loop);
  auto url = moqt::parse_moqt_url(o.url);
  if (!url) {
    std::cerr << "bad URL: " << url.error().what << "\n";
    return 2;
  }
  ClockSubscriber subscriber(loop);
  auto session = moqt::connect_quic(loop, *url, client_trust(o), {}, &subscriber);
  if (!session) {
    std::cerr << "cannot connect: " << session.error().what << "\n";
    return 1;
  }
  moqt::SubscribeOptions so;
  so.filter = moqt::SubscribeFilter::largest();
  auto sub = (*session)->subscribe({split_namespace(o.ns), o.track}, so, &subscriber);
  if (o.seconds > 0) loop.schedule_after(std::chrono::seconds(o.seconds), [&loop] { loop.stop(); });
  loop.run();
  subscriber.stopping = true;
  (*session)->close(0, "bye");
  return subscriber.failed ? 1 : (subscriber.received > 0 ? 0 : 3);
}

const app::RegisterCommand kRegister([](CLI::App& app) {
  auto* sub = app.add_subcommand("clock", "Publish or subscribe to a track of wall-clock timestamps");
  auto opts = std::make_shared<ClockOptions>();
  auto mode = std::make_shared<std::string>();
  sub->add_option("mode", *mode, "pub or sub")->required()->check(CLI::IsMember({"pub", "sub"}));
  sub->add_option("url", opts->url, "moqt://host:port/path of the relay (sub, and pub without --listen)");
  sub->add_option("--namespace", opts->ns, "track namespace, fields separated by '/'");
  sub->add_option("--track", opts->track, "track name");
  sub->add_option("--listen", opts->listen, "pub: serve subscribers directly on HOST:PORT");
  sub->add_option("--pin", opts->pin, "trust the server certificate with this SHA-256 (hex)");
  sub->add_flag("--insecure", opts->insecure, "do not verify the server certificate");
  sub->add_option("--seconds", opts->seconds, "stop after this many seconds (0: on Ctrl-C)");
  return app::Command{sub, [opts, mode] {
    if (*mode == "sub" || opts->listen.empty()) {
      if (opts->url.empty()) {
        std::cerr << "clock " << *mode << " needs a moqt:// URL\n";
        return 2;
      }
    }
    return *mode == "pub" ? run_pub(*opts) : run_sub(*opts);
  }};
});

}  // namespace
