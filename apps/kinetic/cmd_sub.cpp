// `kinetic sub URL --namespace NS`: subscribes to an MSF broadcast through its catalog and
// writes the received LOC frames as fragmented MP4 (a file, or stdout for `ffplay -`);
// --stats prints latency (from the frames' capture times) and rates once a second.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catalog_streams.hpp"
#include "cli_support.hpp"
#include "command.hpp"
#include "receive_stats.hpp"
#include "wall_clock.hpp"
#include "kinetic/media/broadcast.hpp"
#include "kinetic/media/catalog.hpp"
#include "kinetic/media/cmaf_mux.hpp"
#include "kinetic/media/loc_packager.hpp"
#include "kinetic/moqt/quic_client.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"

namespace kinetic::app::cmd_sub {
namespace {

using kinetic::app::split_namespace;
using kinetic::app::stream_from_catalog;
using kinetic::app::stop_on_signals;

using namespace kinetic;

struct SubOptions {
  std::string url;
  std::string ns;
  std::vector<std::string> tracks;
  std::string output;
  app::ClientConnect connect;
  bool stats = false;
  bool new_group = false;
  double duration = 0;
};

// Measures stats windows; the wall clock may step.
std::int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}


class Subscriber final : public moqt::SessionHandler, public moqt::SubscriptionHandler {
 public:
  Subscriber(transport::EpollLoop& loop, const SubOptions& opts)
      : loop_(loop), opts_(opts), ns_(split_namespace(opts.ns)), stats_(steady_us()) {}

  void attach(std::shared_ptr<moqt::Session> session) {
    session_ = std::move(session);
    moqt::SubscribeOptions so;
    so.subscriber_priority = 0;
    so.filter = moqt::SubscribeFilter::from({0, 0});
    catalog_sub_ = session_->subscribe({ns_, std::string(media::kCatalogTrackName)}, so, this);
  }
  void print_stats() { std::cerr << stats_.report(steady_us()) << std::flush; }
  void finish() {
    if (muxer_) (void)muxer_->finish();
  }
  [[nodiscard]] std::uint64_t frames() const noexcept { return stats_.total_frames(); }
  [[nodiscard]] bool failed() const noexcept { return failed_; }

  void on_closed(moqt::Session&, std::uint64_t code, std::string_view reason) override {
    if (code != 0) spdlog::error("sub: session closed ({}: {})", code, reason);
    failed_ = failed_ || code != 0;
    loop_.stop();
  }
  void on_error(moqt::Subscription& sub, const moqt::RequestErrorInfo& e) override {
    spdlog::error("sub: {} refused ({}: {})", sub.track().name, e.code, e.reason);
    failed_ = true;
    loop_.stop();
  }
  void on_done(moqt::Subscription& sub, std::uint64_t, std::string_view) override {
    if (&sub == catalog_sub_.get()) return;
    if (++done_ >= tracks_.size()) loop_.stop();
  }
  void on_ok(moqt::Subscription& sub, const moqt::TrackInfo& info) override {
    for (auto& t : tracks_) {
      if (t.sub.get() != &sub) continue;
      if (info.largest) t.largest_at_join = info.largest->group;
      if (opts_.new_group && !info.dynamic_groups) {
        spdlog::info("sub: {} has no dynamic groups: its publisher cannot begin a group on request", t.name);
      }
    }
  }
  void on_object(moqt::Subscription& sub, const moqt::Object& o) override {
    if (o.status != moqt::ObjectStatus::kNormal || o.payload.empty()) return;
    if (&sub == catalog_sub_.get()) {
      if (!tracks_.empty()) return;  // Kinetic publishes one catalog; later copies add nothing
      on_catalog(o);
      return;
    }
    for (std::size_t i = 0; i < tracks_.size(); ++i) {
      if (tracks_[i].sub.get() == &sub) on_media(i, o);
    }
  }

 private:
  struct Track {
    std::string name;
    media::StreamInfo stream;
    std::shared_ptr<moqt::Subscription> sub;
    std::optional<std::int64_t> base_pts;
    std::optional<media::Packet> held;  // written once the next frame gives its duration
    std::size_t stats = 0;               // its index in stats_
    // How long a joiner waits for a group that began after it joined (a fresh keyframe at the
    // live edge), which is what --new-group shortens.
    std::int64_t subscribed_us = 0;
    std::optional<std::uint64_t> largest_at_join;
    bool fresh_group_seen = false;
  };

  void on_catalog(const moqt::Object& o) {
    auto c = media::parse_catalog(std::string_view(reinterpret_cast<const char*>(o.payload.data()), o.payload.size()));
    if (!c) {
      spdlog::error("sub: bad catalog: {}", c.error().what);
      failed_ = true;
      loop_.stop();
      return;
    }
    std::vector<media::StreamInfo> streams;
    for (const auto& t : c->tracks) {
      if (!opts_.tracks.empty() && std::find(opts_.tracks.begin(), opts_.tracks.end(), t.name) == opts_.tracks.end()) {
        continue;
      }
      auto s = stream_from_catalog(*c, t);
      if (!s) {
        spdlog::warn("sub: skipping track {} (codec or packaging not supported)", t.name);
        continue;
      }
      Track tr;
      tr.name = t.name;
      tr.stream = *s;
      tr.stats = stats_.add_track(t.name);
      tracks_.push_back(std::move(tr));
      streams.push_back(*s);
    }
    if (tracks_.empty()) {
      spdlog::error("sub: the catalog offers no track to subscribe to");
      failed_ = true;
      loop_.stop();
      return;
    }
    if (!opts_.output.empty()) {
      auto m = media::CmafMuxer::open(opts_.output, streams);
      if (!m) {
        spdlog::error("sub: cannot write {}: {}", opts_.output, m.error().what);
        failed_ = true;
        loop_.stop();
        return;
      }
      muxer_ = std::move(*m);
    }
    for (auto& t : tracks_) {
      moqt::SubscribeOptions so;
      // From the start of what the publisher still has: it begins each subscriber at a
      // group start (a keyframe), so the first frame written decodes.
      so.filter = moqt::SubscribeFilter::from({0, 0});
      // Asks for a fresh group (a keyframe at the live edge) where the publisher can make one.
      if (opts_.new_group) so.new_group_request = 0;
      t.subscribed_us = steady_us();
      t.sub = session_->subscribe({ns_, t.name}, so, this);
    }
  }

  void on_media(std::size_t index, const moqt::Object& o) {
    Track& t = tracks_[index];
    if (!t.fresh_group_seen && o.object_id == 0 && (!t.largest_at_join || o.group_id > *t.largest_at_join)) {
      t.fresh_group_seen = true;
      spdlog::info("sub: {}: group {}, the first begun since subscribing, {:.0f} ms after the SUBSCRIBE",
                   t.name, o.group_id, static_cast<double>(steady_us() - t.subscribed_us) / 1000.0);
    }
    auto frame = media::unpackage_loc(t.stream.kind, o.payload, o.properties, o.object_id == 0);
    if (!frame) {
      spdlog::warn("sub: {} object {}/{} dropped: {}", t.name, o.group_id, o.object_id, frame.error().what);
      return;
    }
    if (!t.base_pts) {
      if (!frame->keyframe) return;  // nothing decodes before a keyframe
      t.base_pts = frame->pts;
    }
    stats_.on_frame(t.stats, o.payload.size(), frame->capture_time_us, app::unix_us());
    if (!muxer_) return;
    // The frame's rescaled media time keeps audio and video aligned; the duration of a frame
    // is only known when the next one arrives.
    media::Packet p = media::packet_from_loc(*frame, 0);
    p.pts = p.dts = frame->pts - *t.base_pts;
    if (t.held) {
      t.held->duration = std::max<std::int64_t>(0, p.pts - t.held->pts);
      write(index, *t.held);
    }
    t.held = std::move(p);
  }
  void write(std::size_t index, const media::Packet& p) {
    auto st = muxer_->write(index, p);
    if (!st) spdlog::warn("sub: {} frame not written: {}", tracks_[index].name, st.error().what);
  }
  void flush(std::size_t index) {
    Track& t = tracks_[index];
    if (!t.held) return;
    if (t.stream.framerate > 0) {
      t.held->duration = static_cast<std::int64_t>(static_cast<double>(t.stream.timescale) / t.stream.framerate);
    }
    write(index, *t.held);
    t.held.reset();
  }

 public:
  void flush_all() {
    if (!muxer_) return;
    for (std::size_t i = 0; i < tracks_.size(); ++i) flush(i);
  }

 private:
  transport::EpollLoop& loop_;
  const SubOptions& opts_;
  moqt::TrackNamespace ns_;
  std::shared_ptr<moqt::Session> session_;
  std::shared_ptr<moqt::Subscription> catalog_sub_;
  std::vector<Track> tracks_;
  std::unique_ptr<media::CmafMuxer> muxer_;
  app::ReceiveStats stats_;
  std::size_t done_ = 0;
  bool failed_ = false;
};

void stats_tick(transport::EpollLoop& loop, Subscriber& s) {
  loop.schedule_after(std::chrono::seconds(1), [&loop, &s] {
    s.print_stats();
    stats_tick(loop, s);
  });
}

int run_sub(const SubOptions& o) {
  // stdout may be the MP4 stream itself: logs go to stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt("kinetic-sub"));
  transport::EpollLoop loop;
  stop_on_signals(loop);
  Subscriber subscriber(loop, o);
  int exit_code = 0;
  auto session = app::dial_moqt(loop, "sub", o.url, o.connect, &subscriber, exit_code);
  if (!session) return exit_code;
  subscriber.attach(session);
  if (o.stats) stats_tick(loop, subscriber);
  if (o.duration > 0) {
    loop.schedule_after(std::chrono::milliseconds(static_cast<std::int64_t>(o.duration * 1000)), [&loop] { loop.stop(); });
  }
  loop.run();
  subscriber.flush_all();
  subscriber.finish();
  session->close(0, "subscriber done");
  if (o.stats) subscriber.print_stats();
  std::cerr << "sub: " << subscriber.frames() << " frames received" << std::endl;
  return subscriber.failed() ? 1 : (subscriber.frames() > 0 ? 0 : 3);
}

const app::RegisterCommand kRegister([](CLI::App& app) {
  auto* sub = app.add_subcommand("sub", "Subscribe to an MSF/LOC broadcast and write fragmented MP4");
  auto opts = std::make_shared<SubOptions>();
  sub->add_option("url", opts->url, "moqt://host:port/path of the relay or publisher")->required();
  sub->add_option("--namespace", opts->ns, "track namespace, fields separated by '/'")->required();
  sub->add_option("--track", opts->tracks, "only these catalog tracks (repeatable; default: all)");
  sub->add_option("--output", opts->output, "fragmented MP4 file, or - for stdout");
  sub->add_flag("--stats", opts->stats, "print latency and rates once a second (stderr)");
  sub->add_flag("--new-group", opts->new_group,
                "ask the original publisher to begin a new group now (NEW_GROUP_REQUEST; publishers with "
                "DYNAMIC_GROUPS, e.g. the WHIP gateway, ask their sender for a keyframe)");
  sub->add_option("--duration", opts->duration, "stop after this many seconds (0: when the broadcast ends)");
  app::add_client_options(*sub, opts->connect, "relay or publisher");
  sub->footer(
      "--stats prints to stderr, once a second and once more at the end, one line per track:\n"
      "  TRACK: F frames/s R kbit/s latency avg A min M max X ms (N frames, total T)\n"
      "F and R are over the time since the previous line, N frames in it, T since the start.\n"
      "A frame's latency is this machine's wall clock when the frame arrives minus the capture\n"
      "time its publisher wrote in it (LOC property 0x4B10, Unix microseconds; kinetic pub stamps\n"
      "a frame when it releases it), so it spans publisher, relays and network. Across machines\n"
      "it is only as right as their clock sync (a publisher clock ahead shows as negative).\n"
      "Frames replayed from a cache to a late joiner count with their real age. \"latency - ms\"\n"
      "means no frame of that second carried a capture time.\n"
      "Exit status: 0 frames received, 1 error, 2 bad arguments, 3 no frame received.");
  return app::Command{sub, [opts] { return run_sub(*opts); }};
});

}  // namespace
}  // namespace kinetic::app::cmd_sub
