#include "play_subscriber.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "catalog_streams.hpp"
#include "cli_support.hpp"
#include "kinetic/media/catalog.hpp"
#include "kinetic/media/loc_packager.hpp"
#include "wall_clock.hpp"

namespace kinetic::app {
namespace {

// Bad objects of one track are logged this many times, then only counted.
constexpr std::uint64_t kMaxBadObjectLogs = 5;

}  // namespace

PlaySubscriber::PlaySubscriber(std::function<void()> finish, PlaySubscriberOptions options, PlayFeed& feed)
    : finish_(std::move(finish)), options_(std::move(options)), feed_(feed) {}

void PlaySubscriber::attach(std::shared_ptr<moqt::Session> session) {
  session_ = std::move(session);
  moqt::SubscribeOptions so;
  so.subscriber_priority = 0;
  so.filter = moqt::SubscribeFilter::from({0, 0});
  catalog_sub_ = session_->subscribe({split_namespace(options_.ns), std::string(media::kCatalogTrackName)}, so, this);
}

void PlaySubscriber::fail(const std::string& why) {
  spdlog::error("play: {}", why);
  failed_ = true;
  finish_();
}

void PlaySubscriber::on_closed(moqt::Session&, std::uint64_t code, std::string_view reason) {
  if (code != 0) {
    fail(fmt::format("session closed ({}: {})", code, reason));
  } else {
    finish_();
  }
}

void PlaySubscriber::on_error(moqt::Subscription& sub, const moqt::RequestErrorInfo& e) {
  if (&sub == catalog_sub_.get()) {
    fail(fmt::format("no catalog for namespace '{}' ({}: {})", options_.ns, e.code, e.reason));
    return;
  }
  // One refused track (unknown, unauthorized) must not stop the others.
  for (auto& t : tracks_) {
    if (t.sub.get() != &sub) continue;
    spdlog::warn("play: track {} refused ({}: {}); playing the others", t.name, e.code, e.reason);
    track_ended(t);
  }
}

void PlaySubscriber::on_done(moqt::Subscription& sub, std::uint64_t code, std::string_view reason) {
  for (auto& t : tracks_) {
    if (t.sub.get() != &sub) continue;
    spdlog::info("play: track {} ended ({}: {})", t.name, code, reason);
    track_ended(t);
  }
}

void PlaySubscriber::track_ended(Track& t) {
  if (t.ended) return;
  t.ended = true;
  if (std::all_of(tracks_.begin(), tracks_.end(), [](const Track& x) { return x.ended; })) finish_();
}

void PlaySubscriber::on_object(moqt::Subscription& sub, const moqt::Object& o) {
  if (o.status != moqt::ObjectStatus::kNormal || o.payload.empty()) return;
  if (&sub == catalog_sub_.get()) {
    if (!have_catalog_) on_catalog(o);  // the first catalog fixes the tracks
    return;
  }
  const std::int64_t arrival = unix_us();
  for (std::size_t i = 0; i < tracks_.size(); ++i) {
    Track& t = tracks_[i];
    if (t.sub.get() != &sub) continue;
    auto frame = media::unpackage_loc(t.kind, o.payload, o.properties, o.object_id == 0);
    if (!frame) {
      if (++t.bad_objects <= kMaxBadObjectLogs) {
        spdlog::warn("play: {} object {}/{} is not LOC media ({}); skipped", t.name, o.group_id, o.object_id,
                     frame.error().what);
      }
      return;
    }
    feed_.push({i, o.group_id, o.object_id, std::move(*frame), arrival});
    return;
  }
}

void PlaySubscriber::on_catalog(const moqt::Object& o) {
  auto c = media::parse_catalog(std::string_view(reinterpret_cast<const char*>(o.payload.data()), o.payload.size()));
  if (!c) {
    fail(fmt::format("bad catalog: {}", c.error().what));
    return;
  }
  have_catalog_ = true;
  for (const auto& ct : c->tracks) {
    if (!options_.tracks.empty() &&
        std::find(options_.tracks.begin(), options_.tracks.end(), ct.name) == options_.tracks.end()) {
      continue;
    }
    auto s = stream_from_catalog(*c, ct);
    if (!s) {
      spdlog::warn("play: track {} skipped: codec '{}' (packaging '{}') is not one Kinetic decodes", ct.name,
                   ct.codec.value_or("none"), ct.packaging);
      continue;
    }
    Track t;
    t.name = ct.name;
    t.kind = s->kind;
    tracks_.push_back(std::move(t));
    feed_.add_track({ct.name, *s});
  }
  if (tracks_.empty()) {
    fail("the catalog offers no track this player can decode");
    return;
  }
  const auto ns = split_namespace(options_.ns);
  for (auto& t : tracks_) {
    moqt::SubscribeOptions so;
    // From the start of the newest group the publisher holds: a keyframe to decode from.
    so.filter = moqt::SubscribeFilter::from({0, 0});
    so.delivery_timeout_ms = options_.delivery_timeout_ms;
    if (options_.new_group) so.new_group_request = 0;
    // Audio first when the path is short of capacity: a gap in sound is noticed sooner.
    so.subscriber_priority = t.kind == media::StreamKind::kAudio ? 1 : 2;
    t.sub = session_->subscribe({ns, t.name}, so, this);
  }
}

}  // namespace kinetic::app
