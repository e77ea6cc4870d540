// `kinetic pub URL --namespace NS`: publishes fragmented MP4 (a file, or a pipe from ffmpeg)
// as an MSF broadcast: a "catalog" track plus one LOC track per elementary stream, one group
// per keyframe interval, paced in real time by the media timestamps. With --listen it serves
// subscribers itself instead of announcing the namespace to a relay. The input is read and
// demuxed on its own thread (InputReader), so the event loop only paces and sends.
#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "command.hpp"
#include "input_reader.hpp"
#include "wall_clock.hpp"
#include "kinetic/media/broadcast.hpp"
#include "kinetic/media/broadcast_server.hpp"
#include "kinetic/media/catalog.hpp"
#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::app::cmd_pub {
namespace {

using kinetic::app::split_namespace;
using kinetic::app::stop_on_signals;
using kinetic::app::unix_us;

using namespace kinetic;

struct PubOptions {
  std::string url;
  std::string ns;
  std::string input = "-";
  std::string listen;
  app::ClientConnect connect;
  bool loop = false;
  std::size_t wait_for = 0;  // media subscriptions to wait for before the first frame
};

class Publisher final : public moqt::SessionHandler {
 public:
  Publisher(transport::EpollLoop& loop, const PubOptions& opts, app::InputReader& input)
      : loop_(loop), opts_(opts), ns_(split_namespace(opts.ns)), input_(input) {
    server_.set_catalog(SharedBytes::copy(
        std::string_view(media::catalog_to_json(input_.catalog(static_cast<std::uint64_t>(unix_us() / 1000))))));
  }

  // The reader fills its queue from now on, while subscribers are still awaited.
  void start() {
    input_.start(loop_, [this] {
      if (!timer_pending_) pump();
    });
    releasing_ = opts_.wait_for == 0;
    if (releasing_) pump();
  }
  [[nodiscard]] bool failed() const noexcept { return failed_; }

  void on_subscribe(moqt::Session& session, std::shared_ptr<moqt::ServedSubscription> sub) override {
    if (sub->track().track_namespace != ns_) {
      moqt::SessionHandler::on_subscribe(session, sub);
      return;
    }
    const std::string& name = sub->track().name;
    if (name == media::kCatalogTrackName) {
      server_.serve_catalog(sub);
      return;
    }
    const auto& tracks = input_.tracks();
    for (std::size_t i = 0; i < tracks.size(); ++i) {
      if (tracks[i].name != name) continue;
      server_.serve_track(i, sub);
      if (opts_.wait_for > 0 && ++media_subscribers_ == opts_.wait_for) {
        releasing_ = true;
        pump();
      }
      spdlog::info("pub: subscriber for {}", name);
      return;
    }
    moqt::SessionHandler::on_subscribe(session, sub);
  }
  void on_closed(moqt::Session&, std::uint64_t code, std::string_view reason) override {
    spdlog::info("pub: session closed ({}: {})", code, reason);
    if (opts_.listen.empty()) {
      failed_ = code != 0;
      loop_.stop();
    }
  }

 private:
  // Sends every frame that is due, then sleeps until the next one is or, with nothing read yet,
  // until the reader posts that there is. At most one of those two wake-ups is ever pending.
  // Frames that are all overdue (a source slower than real time catching up) go out in bounded
  // bursts, so the loop still turns for the connections in between.
  void pump() {
    if (!releasing_ || ended_) return;
    for (int burst = 0;; ++burst) {
      if (burst == kMaxBurst) {
        resume_after(std::chrono::microseconds(0));
        return;
      }
      if (!pending_) {
        auto item = input_.pop();
        if (!item) return;
        if (auto* end = std::get_if<app::InputEnd>(&*item)) {
          if (end->error) spdlog::error("pub: {}", end->message);
          finish(end->error);
          return;
        }
        pending_ = std::move(std::get<media::BroadcastObject>(*item));
      }
      // Paced on the loop's steady clock, so a wall-clock step neither stalls nor floods.
      if (!anchor_us_) anchor_us_ = steady_us() - pending_->media_time_us;
      const std::int64_t due = *anchor_us_ + pending_->media_time_us;
      const std::int64_t wait = due - steady_us();
      if (wait > 1000) {
        resume_after(std::chrono::microseconds(wait));
        return;
      }
      send(*pending_, static_cast<std::uint64_t>(unix_us()));
      pending_.reset();
    }
  }

  void resume_after(std::chrono::microseconds wait) {
    timer_pending_ = true;
    loop_.schedule_after(wait, [this] {
      timer_pending_ = false;
      pump();
    });
  }

  [[nodiscard]] std::int64_t steady_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(loop_.now().time_since_epoch()).count();
  }

  void send(media::BroadcastObject& obj, std::uint64_t capture_us) {
    // The capture time is when the frame is released; the packager left it out because only
    // the pacing knows it.
    obj.loc.properties.push_back(wire::KeyValuePair::varint(media::kCaptureTime, capture_us));
    server_.send(obj);
    ++sent_;
  }

  void finish(bool error) {
    ended_ = true;
    failed_ = failed_ || error;
    spdlog::info("pub: input ended after {} frames", sent_);
    server_.end("end of input");
    // Give the last streams a moment to drain before the connection goes.
    loop_.schedule_after(std::chrono::milliseconds(500), [this] { loop_.stop(); });
  }

  static constexpr int kMaxBurst = 32;

  transport::EpollLoop& loop_;
  const PubOptions& opts_;
  moqt::TrackNamespace ns_;
  app::InputReader& input_;
  media::BroadcastServer server_;
  std::optional<media::BroadcastObject> pending_;
  std::optional<std::int64_t> anchor_us_;
  std::uint64_t sent_ = 0;
  bool failed_ = false;
  bool releasing_ = false;      // subscribers enough (--wait-for): frames go out
  bool ended_ = false;
  bool timer_pending_ = false;
  std::size_t media_subscribers_ = 0;
};

int run_pub(const PubOptions& o) {
  auto input = app::InputReader::open(o.input, o.loop);
  if (!input) {
    std::cerr << "pub: " << input.error().what << "\n";
    return 1;
  }
  transport::EpollLoop loop;
  // Before the reading thread exists, so that it inherits the blocked signals.
  stop_on_signals(loop);
  Publisher publisher(loop, o, **input);
  std::vector<std::shared_ptr<moqt::Session>> sessions;
  app::MoqtListener listener;
  // Says when the relay accepted or refused the namespace, so scripts can start subscribers then.
  struct AnnounceStatus : moqt::RequestHandler {
    std::string ns;
    void on_ok(moqt::OutgoingRequest&, const moqt::TrackInfo&) override {
      std::cerr << "pub: namespace " << ns << " announced" << std::endl;
    }
    void on_error(moqt::OutgoingRequest&, const moqt::RequestErrorInfo& e) override {
      std::cerr << "pub: namespace " << ns << " refused (" << e.code << ": " << e.reason << ")" << std::endl;
    }
  } announce_status;
  announce_status.ns = o.ns;
  std::shared_ptr<moqt::OutgoingRequest> announce;
  if (!o.listen.empty()) {
    auto listening = app::listen_moqt(loop, o.listen, &publisher);
    if (!listening) {
      std::cerr << "pub: cannot listen on " << o.listen << ": " << listening.error().what << "\n";
      return 2;
    }
    listener = std::move(*listening);
    std::cerr << "pub: serving " << o.ns << " on moqt://" << listener.server->local_address().to_string()
              << "  certificate sha256 " << transport::to_hex(listener.certificate_sha256) << std::endl;
  } else {
    int exit_code = 0;
    auto session = app::dial_moqt(loop, "pub", o.url, o.connect, &publisher, exit_code);
    if (!session) return exit_code;
    sessions.push_back(session);
    announce = session->publish_namespace(split_namespace(o.ns), &announce_status);
  }
  publisher.start();
  loop.run();
  (*input)->stop();
  for (auto& s : sessions) s->close(0, "publisher done");
  if (listener.sessions) {
    for (auto& s : *listener.sessions) s->close(0, "publisher done");
  }
  return publisher.failed() ? 1 : 0;
}

const app::RegisterCommand kRegister([](CLI::App& app) {
  auto* sub = app.add_subcommand("pub", "Publish fragmented MP4 (file or stdin) as an MSF/LOC broadcast");
  auto opts = std::make_shared<PubOptions>();
  sub->add_option("url", opts->url, "moqt://host:port/path of the relay");
  sub->add_option("--namespace", opts->ns, "track namespace, fields separated by '/'")->required();
  sub->add_option("--input", opts->input, "fragmented MP4 file, or - for stdin");
  sub->add_flag("--loop", opts->loop, "restart a file at its end, continuing timestamps and groups");
  sub->add_option("--listen", opts->listen, "serve subscribers directly on HOST:PORT instead of a relay");
  sub->add_option("--wait-for", opts->wait_for, "hold the first frame until this many track subscriptions exist");
  app::add_client_options(*sub, opts->connect, "relay");
  sub->footer(
      "Frames are released in real time by their media timestamps; each carries the wall clock\n"
      "of its release (LOC property 0x4B10, Unix microseconds), from which `kinetic sub --stats`\n"
      "computes latency. The input is read and demuxed on a thread of its own, at most " +
      std::to_string(app::InputLimits{}.max_objects) + "\nframes or " +
      std::to_string(app::InputLimits{}.max_bytes >> 20) +
      " MiB ahead, so a slow or stalled pipe never holds up the connections.\n"
      "Exit status: 0 input ended or Ctrl-C, 1 error, 2 bad arguments.");
  return app::Command{sub, [opts] {
    if (opts->listen.empty() && opts->url.empty()) {
      std::cerr << "pub needs a moqt:// URL or --listen\n";
      return 2;
    }
    return run_pub(*opts);
  }};
});

}  // namespace
}  // namespace kinetic::app::cmd_pub
