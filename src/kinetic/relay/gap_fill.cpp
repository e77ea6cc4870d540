#include "kinetic/relay/gap_fill.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "kinetic/relay/track_cache.hpp"

namespace kinetic::relay {

namespace {

bool fetch_over(const moqt::Fetch& fetch) {
  return fetch.state() == moqt::RequestState::kDone || fetch.state() == moqt::RequestState::kFailed;
}

}  // namespace

GapFill::GapFill(transport::EventLoop& loop, RelayTrack& track, std::weak_ptr<moqt::Session> session,
                 std::optional<moqt::Location> last, GapFillLimits limits)
    : loop_(loop), track_(track), session_(std::move(session)), last_(last), limits_(limits) {}

GapFill::~GapFill() {
  if (deadline_) loop_.cancel(*deadline_);
  if (fetch_) fetch_->cancel();
  // Dropped before the track is: the subscription, if still held here, goes to the track
  // (which lets it go itself when it is destroyed or moves again).
  if (!over_ && sub_) sub_->set_handler(&track_);
}

void GapFill::on_ok(moqt::Subscription& sub, const moqt::TrackInfo& info) {
  track_.on_ok(sub, info);
  if (over_) return;
  const auto& start = info.largest;  // the new subscription begins right after it
  auto session = session_.lock();
  if (!last_ || !start || *start <= *last_ || !session || session->closed()) {
    finish("no gap");
    return;
  }
  moqt::FetchRange range;
  range.track = sub.track();
  range.start = {last_->group, last_->object + 1};
  range.end_group = start->group;
  range.end_object = start->object;
  spdlog::info("relay: fetching {}/{}..{}/{} of {} missed while moving parents", range.start.group,
               range.start.object, start->group, start->object, sub.track().name);
  deadline_ = loop_.schedule_after(limits_.hold_time, [this] {
    deadline_.reset();
    finish("gap FETCH too slow");
  });
  // Session::fetch answers a closed session at once (on_error), which finishes the fill.
  auto fetch = session->fetch(range, this, info.publisher_priority);
  if (!over_) fetch_ = std::move(fetch);
}

void GapFill::on_error(moqt::Subscription& sub, const moqt::RequestErrorInfo& error) {
  finish("subscription refused");
  track_.on_error(sub, error);
}

void GapFill::on_object(moqt::Subscription& sub, const moqt::Object& object) {
  if (over_) {
    track_.on_object(sub, object);
    return;
  }
  held_bytes_ += cached_object_bytes(object);
  held_.push_back(object);
  if (held_bytes_ > limits_.hold_bytes) finish("too much held back");
}

void GapFill::on_subgroup_reset(moqt::Subscription& sub, std::uint64_t group, std::uint64_t subgroup,
                                std::uint64_t code) {
  track_.on_subgroup_reset(sub, group, subgroup, code);
}

void GapFill::on_done(moqt::Subscription& sub, std::uint64_t status, std::string_view reason) {
  finish("subscription ended");
  track_.on_done(sub, status, reason);
}

void GapFill::on_error(moqt::Fetch&, const moqt::RequestErrorInfo& error) {
  spdlog::info("relay: gap FETCH for {} refused ({}: {}); carrying on live", track_.name().name, error.code,
               error.reason);
  finish("gap FETCH refused");
}

void GapFill::on_object(moqt::Fetch&, const moqt::Object& object) {
  if (over_ || !sub_) return;
  ++fetched_;
  track_.on_object(*sub_, object);
}

void GapFill::on_complete(moqt::Fetch&, bool complete) {
  finish(complete ? "gap filled" : "gap FETCH broken off");
}

void GapFill::finish(std::string_view why) {
  if (over_) return;
  over_ = true;
  spdlog::debug("relay: gap fill of {} over ({}; {} fetched, {} held)", track_.name().name, why, fetched_,
                held_.size());
  if (deadline_) {
    loop_.cancel(*deadline_);
    deadline_.reset();
  }
  // Given up (not ended by the FETCH itself): the rest of its data is not wanted.
  if (fetch_ && !fetch_over(*fetch_)) fetch_->cancel();
  auto held = std::move(held_);
  held_.clear();
  held_bytes_ = 0;
  if (!sub_) return;
  sub_->set_handler(&track_);
  for (const auto& object : held) track_.on_object(*sub_, object);
}

}  // namespace kinetic::relay
