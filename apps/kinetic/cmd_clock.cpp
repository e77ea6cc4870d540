// `kinetic clock pub|sub`: the smallest MoQT demo. `pub` publishes a track of wall-clock
// timestamps (one group per minute, one object per second) either by announcing its namespace
// to a relay at URL or, with --listen, by serving subscribers itself; `sub` subscribes to the
// track and prints each timestamp with how long it took to arrive.
#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "command.hpp"
#include "wall_clock.hpp"
#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::app::cmd_clock {
namespace {

using kinetic::app::format_utc_ms;
using kinetic::app::split_namespace;
using kinetic::app::stop_on_signals;
using kinetic::app::unix_ms;

using namespace kinetic;

struct ClockOptions {
  std::string url;
  std::string ns = "clock";
  std::string track = "now";
  std::string listen;
  app::ClientConnect connect;
  int seconds = 0;  // 0: until interrupted
  int interval_ms = 1000;  // pub: one object this often
};

// Serves the clock track to every subscriber of any session it is given.
class ClockPublisher final : public moqt::SessionHandler {
 public:
  ClockPublisher(transport::EventLoop& loop, moqt::FullTrackName track, std::int64_t interval_ms = 1000)
      : loop_(loop), track_(std::move(track)), interval_ms_(interval_ms) {}

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
    const std::uint64_t object = static_cast<std::uint64_t>((now % 60'000) / interval_ms_);
    const auto payload = kinetic::SharedBytes::copy(format_utc_ms(now));
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
    // Next tick on the next whole interval.
    loop_.schedule_after(std::chrono::milliseconds(interval_ms_ - unix_ms() % interval_ms_), [this] { tick(); });
  }

  transport::EventLoop& loop_;
  moqt::FullTrackName track_;
  std::int64_t interval_ms_ = 1000;
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
    const std::int64_t arrived = unix_ms();
    const std::string text(reinterpret_cast<const char*>(o.payload.data()), o.payload.size());
    std::cout << "group " << o.group_id << " object " << o.object_id << "  " << text;
    if (const auto sent = app::parse_utc_ms(text)) std::cout << "  +" << (arrived - *sent) << " ms";
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

int run_pub(const ClockOptions& o) {
  transport::EpollLoop loop;
  stop_on_signals(loop);
  moqt::FullTrackName track{split_namespace(o.ns), o.track};
  ClockPublisher publisher(loop, track, o.interval_ms);
  std::vector<std::shared_ptr<moqt::Session>> sessions;
  app::MoqtListener listener;
  std::shared_ptr<moqt::OutgoingRequest> announce;
  if (!o.listen.empty()) {
    auto listening = app::listen_moqt(loop, o.listen, &publisher);
    if (!listening) {
      std::cerr << "cannot listen on " << o.listen << ": " << listening.error().what << "\n";
      return 2;
    }
    listener = std::move(*listening);
    std::cout << "serving " << wire::serialize_full_track_name(track) << " on moqt://"
              << listener.server->local_address().to_string() << "  certificate sha256 "
              << transport::to_hex(listener.certificate_sha256) << std::endl;
  } else {
    int exit_code = 0;
    auto session = app::dial_moqt(loop, "clock", o.url, o.connect, &publisher, exit_code);
    if (!session) return exit_code;
    sessions.push_back(session);
    announce = session->publish_namespace(track.track_namespace, nullptr);
  }
  publisher.start();
  if (o.seconds > 0) loop.schedule_after(std::chrono::seconds(o.seconds), [&loop] { loop.stop(); });
  loop.run();
  for (auto& s : sessions) s->close(0, "clock stopped");
  if (listener.sessions) {
    for (auto& s : *listener.sessions) s->close(0, "clock stopped");
  }
  return 0;
}

int run_sub(const ClockOptions& o) {
  transport::EpollLoop loop;
  stop_on_signals(loop);
  ClockSubscriber subscriber(loop);
  int exit_code = 0;
  auto session = app::dial_moqt(loop, "clock", o.url, o.connect, &subscriber, exit_code);
  if (!session) return exit_code;
  moqt::SubscribeOptions so;
  so.filter = moqt::SubscribeFilter::largest();
  auto sub = session->subscribe({split_namespace(o.ns), o.track}, so, &subscriber);
  if (o.seconds > 0) loop.schedule_after(std::chrono::seconds(o.seconds), [&loop] { loop.stop(); });
  loop.run();
  subscriber.stopping = true;
  session->close(0, "bye");
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
  app::add_client_options(*sub, opts->connect, "relay or publisher");
  sub->add_option("--seconds", opts->seconds, "stop after this many seconds (0: on Ctrl-C)");
  sub->add_option("--interval-ms", opts->interval_ms, "pub: one object every this many ms (divides 60000)")
      ->check(CLI::Range(10, 60'000));
  sub->footer(
      "pub sends one object a second (--interval-ms: another period): its payload is the publisher's\n"
      "wall clock, UTC, as YYYY-MM-DDTHH:MM:SS.mmmZ (group = minutes since 1970, object = second of\n"
      "the minute, or interval of the minute).\n"
      "sub prints one line per object on stdout:\n"
      "  group G object O  YYYY-MM-DDTHH:MM:SS.mmmZ  +L ms\n"
      "L is this machine's wall clock when the object arrived minus the timestamp in it, so it\n"
      "spans publisher, relays and network at millisecond resolution; across machines it is only\n"
      "as right as their clock sync (negative when the publisher's clock is ahead). The first\n"
      "object may come from a relay's cache and show its age. \"+L ms\" is left out for a\n"
      "payload that is not such a timestamp.\n"
      "Exit status: 0 done, 1 error, 2 bad arguments, 3 (sub) no object received.");
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
}  // namespace kinetic::app::cmd_clock
