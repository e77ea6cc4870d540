// `kinetic pub URL --namespace NS`: publishes fragmented MP4 (a file, or a pipe from ffmpeg)
// as an MSF broadcast: a "catalog" track plus one LOC track per elementary stream, one group
// per keyframe interval, paced in real time by the media timestamps. With --listen it serves
// subscribers itself instead of announcing the namespace to a relay.
#include <sys/signalfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "command.hpp"
#include "kinetic/media/broadcast.hpp"
#include "kinetic/media/catalog.hpp"
#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_server.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace {

using kinetic::app::split_namespace;
using kinetic::app::stop_on_signals;

using namespace kinetic;
using Clock = std::chrono::system_clock;

struct PubOptions {
  std::string url;
  std::string ns;
  std::string input = "-";
  std::string listen;
  std::string pin;
  bool insecure = false;
  bool loop = false;
  std::size_t wait_for = 0;  // media subscriptions to wait for before the first frame
};

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}


wire::Result<std::unique_ptr<media::CmafDemuxer>> open_input(const std::string& input) {
  return input == "-" ? media::CmafDemuxer::open_fd(STDIN_FILENO) : media::CmafDemuxer::open_file(input);
}

class Publisher final : public moqt::SessionHandler {
 public:
  Publisher(transport::EpollLoop& loop, const PubOptions& opts, std::unique_ptr<media::CmafDemuxer> demux,
            media::Broadcast broadcast)
      : loop_(loop), opts_(opts), ns_(split_namespace(opts.ns)), demux_(std::move(demux)),
        broadcast_(std::move(broadcast)) {
    catalog_json_ = media::catalog_to_json(broadcast_.catalog(static_cast<std::uint64_t>(now_us() / 1000)));
    catalog_payload_ = wire::SharedBytes::copy(std::string_view(catalog_json_));
  }

  void start() {
    started_ = true;
    if (opts_.wait_for == 0) pump();
  }
  [[nodiscard]] bool failed() const noexcept { return failed_; }

  void on_subscribe(moqt::Session& session, std::shared_ptr<moqt::ServedSubscription> sub) override {
    if (sub->track().track_namespace != ns_) {
      moqt::SessionHandler::on_subscribe(session, sub);
      return;
    }
    const std::string& name = sub->track().name;
    moqt::TrackInfo info;
    if (name == media::kCatalogTrackName) {
      info.largest = moqt::Location{0, 0};
      // The catalog outranks media so a subscriber can start decoding as soon as possible.
      info.publisher_priority = 0;
      sub->accept(info);
      // Every subscriber gets the whole catalog whatever its filter: nothing can be played without it.
      if (auto* w = sub->open_subgroup({0, 0, 0, false, true})) {
        w->write(0, catalog_payload_);
        w->finish();
      }
      return;
    }
    const auto& tracks = broadcast_.tracks();
    for (std::size_t i = 0; i < tracks.size(); ++i) {
      if (tracks[i].name != name) continue;
      if (auto it = largest_.find(i); it != largest_.end()) info.largest = it->second;
      sub->accept(info);
      subs_[i].push_back(sub);
      // A subscriber arriving mid-group gets the group from its keyframe, so it can start at once.
      for (const auto& obj : current_group_[i]) deliver(*sub, obj);
      if (opts_.wait_for > 0 && ++media_subscribers_ == opts_.wait_for && started_) pump();
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
  // Sends every frame that is due, then sleeps until the next one is.
  void pump() {
    for (;;) {
      if (!pending_) {
        auto p = demux_->next();
        if (!p) {
          spdlog::error("pub: {}", p.error().what);
          finish(true);
          return;
        }
        if (!*p) {
          if (opts_.loop && opts_.input != "-") {
            auto again = open_input(opts_.input);
            if (!again) {
              spdlog::error("pub: cannot reopen input: {}", again.error().what);
              finish(true);
              return;
            }
            demux_ = std::move(*again);
            broadcast_.restart_input();
            continue;
          }
          finish(false);
          return;
        }
        auto placed = broadcast_.add(**p, std::nullopt);
        if (!placed) {
          spdlog::error("pub: {}", placed.error().what);
          finish(true);
          return;
        }
        if (!*placed) continue;
        pending_ = std::move(**placed);
      }
      if (!anchor_us_) anchor_us_ = now_us() - pending_->media_time_us;
      const std::int64_t due = *anchor_us_ + pending_->media_time_us;
      const std::int64_t wait = due - now_us();
      if (wait > 1000) {
        loop_.schedule_after(std::chrono::microseconds(wait), [this] { pump(); });
        return;
      }
      send(*pending_, static_cast<std::uint64_t>(now_us()));
      pending_.reset();
    }
  }

  void send(media::BroadcastObject& obj, std::uint64_t capture_us) {
    // The capture time is when the frame is released; the packager left it out because only
    // the pacing knows it.
    obj.loc.properties.push_back(wire::KeyValuePair::varint(media::kCaptureTime, capture_us));
    largest_[obj.track] = moqt::Location{obj.group, obj.object};
    auto& group = current_group_[obj.track];
    if (obj.new_group) group.clear();
    group.push_back(obj);
    auto& list = subs_[obj.track];
    std::erase_if(list, [](const auto& s) {
      return s->state() == moqt::RequestState::kDone || s->state() == moqt::RequestState::kFailed;
    });
    for (auto& sub : list) deliver(*sub, obj);
    ++sent_;
  }

  static void deliver(moqt::ServedSubscription& sub, const media::BroadcastObject& obj) {
    if (!sub.sending() || !sub.in_filter({obj.group, obj.object})) return;
    auto* w = sub.subgroup(obj.group, 0);
    if (w == nullptr || !w->open()) {
      if (!obj.new_group) return;  // no keyframe for this group: wait for the next
      sub.close_groups_before(obj.group, false);
      w = sub.open_subgroup({obj.group, 0, moqt::kDefaultPriority, true, false});
      if (w == nullptr) return;
    }
    w->write(obj.object, obj.loc.payload, obj.loc.properties);
  }

  void finish(bool error) {
    failed_ = failed_ || error;
    spdlog::info("pub: input ended after {} frames", sent_);
    for (auto& [track, list] : subs_) {
      for (auto& sub : list) {
        if (sub->state() == moqt::RequestState::kActive) {
          sub->done(static_cast<std::uint64_t>(wire::PublishDoneCode::kTrackEnded), "end of input");
        }
      }
    }
    // Give the last streams a moment to drain before the connection goes.
    loop_.schedule_after(std::chrono::milliseconds(500), [this] { loop_.stop(); });
  }

  transport::EpollLoop& loop_;
  const PubOptions& opts_;
  moqt::TrackNamespace ns_;
  std::unique_ptr<media::CmafDemuxer> demux_;
  media::Broadcast broadcast_;
  std::string catalog_json_;
  wire::SharedBytes catalog_payload_;
  std::optional<media::BroadcastObject> pending_;
  std::optional<std::int64_t> anchor_us_;
  std::map<std::size_t, std::vector<std::shared_ptr<moqt::ServedSubscription>>> subs_;
  std::map<std::size_t, moqt::Location> largest_;
  std::map<std::size_t, std::vector<media::BroadcastObject>> current_group_;
  std::uint64_t sent_ = 0;
  bool failed_ = false;
  bool started_ = false;
  std::size_t media_subscribers_ = 0;
};

transport::quic::QuicClientConfig client_trust(const PubOptions& o) {
  transport::quic::QuicClientConfig c;
  if (o.insecure) c.verify_peer = false;
  if (o.pin.size() == 64) {
    transport::Sha256 pin{};
    for (std::size_t i = 0; i < pin.size(); ++i) {
      pin[i] = static_cast<std::uint8_t>(std::stoi(o.pin.substr(2 * i, 2), nullptr, 16));
    }
    c.pinned_sha256.push_back(pin);
  }
  return c;
}

int run_pub(const PubOptions& o) {
  auto demux = open_input(o.input);
  if (!demux) {
    std::cerr << "pub: " << demux.error().what << "\n";
    return 1;
  }
  auto broadcast = media::Broadcast::create((*demux)->streams());
  if (!broadcast) {
    std::cerr << "pub: " << broadcast.error().what << "\n";
    return 1;
  }
  transport::EpollLoop loop;
  stop_on_signals(loop);
  Publisher publisher(loop, o, std::move(*demux), std::move(*broadcast));
  std::vector<std::shared_ptr<moqt::Session>> sessions;
  std::unique_ptr<transport::quic::QuicServer> server;
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
    const auto colon = o.listen.rfind(':');
    if (colon == std::string::npos) {
      std::cerr << "--listen expects HOST:PORT\n";
      return 2;
    }
    auto addr = transport::quic::SocketAddress::parse(o.listen.substr(0, colon),
                                                      static_cast<std::uint16_t>(std::stoi(o.listen.substr(colon + 1))));
    auto cert = transport::CertificateKeyPair::generate();
    if (!addr || !cert) {
      std::cerr << "pub: bad --listen address or certificate failure\n";
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
      std::cerr << "pub: cannot listen: " << started.error().what << "\n";
      return 1;
    }
    server = std::move(*started);
    std::cerr << "pub: serving " << o.ns << " on moqt://" << o.listen << "  certificate sha256 "
              << transport::to_hex(*cert->sha256()) << std::endl;
  } else {
    auto url = moqt::parse_moqt_url(o.url);
    if (!url) {
      std::cerr << "pub: bad URL: " << url.error().what << "\n";
      return 2;
    }
    auto session = moqt::connect_quic(loop, *url, client_trust(o), {}, &publisher);
    if (!session) {
      std::cerr << "pub: cannot connect: " << session.error().what << "\n";
      return 1;
    }
    sessions.push_back(*session);
    announce = (*session)->publish_namespace(split_namespace(o.ns), &announce_status);
  }
  publisher.start();
  loop.run();
  for (auto& s : sessions) s->close(0, "publisher done");
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
  sub->add_option("--pin", opts->pin, "trust the relay certificate with this SHA-256 (hex)");
  sub->add_flag("--insecure", opts->insecure, "do not verify the relay certificate");
  return app::Command{sub, [opts] {
    if (opts->listen.empty() && opts->url.empty()) {
      std::cerr << "pub needs a moqt:// URL or --listen\n";
      return 2;
    }
    return run_pub(*opts);
  }};
});

}  // namespace
