#include "kinetic/relay/relay_track.hpp"

#include <map>
#include <utility>

#include "kinetic/wire/error_codes.hpp"

namespace kinetic::relay {

struct RelayTrack::Downstream final : moqt::ServedSubscriptionHandler {
  RelayTrack* track = nullptr;
  std::shared_ptr<moqt::ServedSubscription> sub;
  // Set when the subscriber joined from the cache: objects of this group on are its to get,
  // even those at or below the largest location its SUBSCRIBE_OK named.
  std::optional<std::uint64_t> from_group;
  std::optional<std::uint64_t> highest_group;
  // Groups with streams written to this subscriber, and their subgroups, so that a slow
  // subscriber's older groups can be dropped whole.
  std::map<std::uint64_t, std::set<std::uint64_t>> groups;
  bool gone = false;
  bool counted = true;  // a real subscriber, not another worker of this relay

  void on_cancelled(moqt::ServedSubscription&) override { track->remove(*this); }
  void on_new_group_request(moqt::ServedSubscription&, std::uint64_t next_group) override {
    track->ask_new_group(next_group);
  }
};

RelayTrack::RelayTrack(moqt::FullTrackName name, RelayCache& cache, RelayMetrics& metrics, TrackLimits limits,
                       std::function<void(RelayTrack&)> on_empty)
    : name_(std::move(name)), cache_(cache), metrics_(metrics), limits_(limits), on_empty_(std::move(on_empty)) {
  RelayMetrics::add(metrics_.tracks, 1);
}

RelayTrack::~RelayTrack() {
  for (auto& d : downstream_) {
    if (!d->gone && d->counted) RelayMetrics::add(metrics_.subscriptions, -1);
    d->sub->set_handler(nullptr);
  }
  if (upstream_) {
    upstream_->set_handler(nullptr);
    if (upstream_->state() == moqt::RequestState::kActive || upstream_->state() == moqt::RequestState::kPending) {
      upstream_->unsubscribe();
    }
    if (upstream_counted_) RelayMetrics::add(metrics_.upstream_subscriptions, -1);
  }
  RelayMetrics::add(metrics_.tracks, -1);
}

void RelayTrack::count_upstream(bool counted_before) {
  const bool counted_now = upstream_ != nullptr && upstream_counted_;
  if (counted_now != counted_before) RelayMetrics::add(metrics_.upstream_subscriptions, counted_now ? 1 : -1);
}

void RelayTrack::set_upstream(std::shared_ptr<moqt::Subscription> upstream, std::uint64_t publisher, bool counted) {
  const bool counted_before = upstream_ != nullptr && upstream_counted_;
  upstream_ = std::move(upstream);
  upstream_counted_ = counted;
  count_upstream(counted_before);
  publisher_ = publisher;
  restart_outstanding();
  if (upstream_ && upstream_->state() == moqt::RequestState::kActive) {
    active_ = true;
    upstream_info_ = upstream_->info();
  }
}

void RelayTrack::move_upstream(std::shared_ptr<moqt::Subscription> upstream, std::uint64_t publisher, bool counted) {
  const bool counted_before = upstream_ != nullptr && upstream_counted_;
  if (upstream_) {
    upstream_->set_handler(nullptr);
    if (upstream_->state() == moqt::RequestState::kActive || upstream_->state() == moqt::RequestState::kPending) {
      upstream_->unsubscribe();
    }
  }
  upstream_ = std::move(upstream);
  upstream_counted_ = counted;
  count_upstream(counted_before);
  publisher_ = publisher;
  orphaned_ = false;
  ++moves_;
  restart_outstanding();
  // Subscribers already served keep their streams; those still waiting start on the new OK.
}

moqt::TrackInfo RelayTrack::current_info() const {
  moqt::TrackInfo info = upstream_info_;
  const auto* cached = cache_.find(name_);
  const auto cached_largest = cached ? cached->largest() : std::nullopt;
  if (cached_largest && (!info.largest || *info.largest < *cached_largest)) info.largest = cached_largest;
  if (upstream_) {
    const auto received = upstream_->largest_received();
    if (received && (!info.largest || *info.largest < *received)) info.largest = received;
  }
  return info;
}

std::size_t RelayTrack::downstream_count() const noexcept { return downstream_.size() - gone_; }

// Forgets subscribers that left; never called from one of their own callbacks. Runs before
// every object, so it looks at the list only when someone left (a scan of every subscriber per
// object was 2% of a 500-subscriber fan-out).
void RelayTrack::prune() {
  if (gone_ == 0) return;
  std::erase_if(downstream_, [](const std::unique_ptr<Downstream>& d) {
    if (d->gone) d->sub->set_handler(nullptr);
    return d->gone;
  });
  gone_ = 0;
}

void RelayTrack::add_downstream(std::shared_ptr<moqt::ServedSubscription> sub, bool accepted, bool counted) {
  prune();
  auto d = std::make_unique<Downstream>();
  d->track = this;
  d->sub = std::move(sub);
  d->sub->set_handler(d.get());
  d->counted = counted;
  if (counted) RelayMetrics::add(metrics_.subscriptions, 1);
  auto& down = *downstream_.emplace_back(std::move(d));
  const auto asked = down.sub->options().new_group_request;
  if (active_ || accepted) start(down, accepted);
  if (asked) ask_new_group(*asked);
}

void RelayTrack::ask_new_group(std::uint64_t next_group) {
  // Not established: no answer yet, or a move to another parent (or an orphan waiting for one)
  // whose new subscription has not answered; the track may still serve its subscribers meanwhile.
  if (!active_ || !upstream_ || upstream_->state() != moqt::RequestState::kActive) {
    held_new_group_ = std::max(held_new_group_.value_or(0), next_group);
    return;
  }
  const auto largest = current_info().largest;
  if (next_group != 0 && largest && next_group <= largest->group) return;  // that group exists already
  if (!upstream_info_.dynamic_groups) return;
  if (outstanding_new_group_ && *outstanding_new_group_ >= next_group) return;
  auto options = upstream_->options();
  options.new_group_request = next_group;
  if (!upstream_->update(options)) return;
  outstanding_new_group_ = next_group;
  outstanding_since_group_ = largest ? std::optional<std::uint64_t>(largest->group) : std::nullopt;
  // A link between workers of this relay is not upstream of the relay: its hub counts the request.
  if (upstream_counted_) RelayMetrics::add(metrics_.new_group_requests);
}

std::optional<std::uint64_t> RelayTrack::take_new_group_request(bool counted) {
  auto held = std::exchange(held_new_group_, std::nullopt);
  if (held && counted) RelayMetrics::add(metrics_.new_group_requests);
  return held;
}

void RelayTrack::restart_outstanding() {
  // What an old upstream was asked is void; what the new SUBSCRIBE carried is outstanding.
  outstanding_new_group_ = upstream_ ? upstream_->options().new_group_request : std::nullopt;
  outstanding_since_group_.reset();
}

void RelayTrack::start(Downstream& down, bool accepted) {
  if (!accepted) down.sub->accept(current_info());
  const auto* cached = cache_.find(name_);
  const auto latest = cached ? cached->latest_group() : std::nullopt;
  if (!latest) {
    // Nothing cached yet: the parent relay serves its own latest group to us, a late joiner,
    // and that group is this subscriber's too (else a track that publishes rarely, like a
    // catalog, would reach nobody through a chain of relays until it next changes).
    if (upstream_info_.largest) down.from_group = upstream_info_.largest->group;
    return;
  }
  // A late joiner starts at the newest group we hold, so it can begin decoding at once.
  down.from_group = *latest;
  for (const auto& object : cached->group(*latest)) forward(down, object);
}

void RelayTrack::forward(Downstream& down, const moqt::Object& object,
                         std::optional<transport::TimePoint> arrival) {
  auto& sub = *down.sub;
  if (down.gone || !sub.sending()) return;
  const bool joined = down.from_group && object.group_id >= *down.from_group;
  // A late joiner starts at the cached group whatever its location filter says; the draft-20
  // Range Filters (subgroup, object ID, publisher priority, properties) apply either way.
  if (joined ? !sub.passes_range_filters(object) : !sub.passes(object)) return;

  if (object.datagram) {
    if (sub.send_datagram(object) && down.counted) {
      RelayMetrics::add(metrics_.objects_out);
      RelayMetrics::add(metrics_.bytes_out, object.payload.size());
    }
    return;
  }

  // Falling behind: drop whole older groups so the newest one goes out without waiting.
  if (sub.queued_bytes() > limits_.subscriber_queue_bytes) {
    for (auto it = down.groups.begin(); it != down.groups.end() && it->first < object.group_id;) {
      bool open = false;
      for (auto sg : it->second) open = open || sub.subgroup(it->first, sg) != nullptr;
      if (open) {
        sub.drop_group(it->first, static_cast<std::uint64_t>(wire::StreamResetCode::kTooFarBehind));
        RelayMetrics::add(metrics_.dropped_groups);
      }
      it = down.groups.erase(it);
    }
  }

  if (!down.highest_group || object.group_id > *down.highest_group) {
    // A newer group began: the older ones are complete as far as this relay knows.
    if (down.highest_group) sub.close_groups_before(object.group_id, false);
    down.highest_group = object.group_id;
    for (auto it = down.groups.begin(); it != down.groups.end() && it->first < object.group_id;) {
      bool open = false;
      for (auto sg : it->second) open = open || sub.subgroup(it->first, sg) != nullptr;
      it = open ? std::next(it) : down.groups.erase(it);
    }
  } else if (object.group_id < *down.highest_group && !down.groups.contains(object.group_id)) {
    return;  // a group this subscriber already finished or lost
  }

  auto* writer = sub.subgroup(object.group_id, object.subgroup_id);
  if (writer == nullptr || !writer->open()) {
    if (writer != nullptr) return;  // finished already
    writer = sub.open_subgroup({object.group_id, object.subgroup_id, object.publisher_priority, true, false});
    if (writer == nullptr) return;
    down.groups[object.group_id].insert(object.subgroup_id);
  }
  if (writer->last_object_id() && *writer->last_object_id() >= object.object_id) return;
  if (writer->write(object) && down.counted) {
    RelayMetrics::add(metrics_.objects_out);
    RelayMetrics::add(metrics_.bytes_out, object.payload.size());
    if (arrival) writer->measure_send_delay(*arrival, metrics_.send_delay);
  }
}

void RelayTrack::remove(Downstream& down) {
  if (down.gone) return;
  down.gone = true;
  ++gone_;
  if (down.counted) RelayMetrics::add(metrics_.subscriptions, -1);
  if (downstream_count() == 0 && on_empty_) on_empty_(*this);
}

void RelayTrack::on_ok(moqt::Subscription& sub, const moqt::TrackInfo& info) {
  (void)sub;
  active_ = true;
  upstream_info_ = info;
  for (auto& d : downstream_) {
    if (!d->gone && d->sub->state() == moqt::RequestState::kPending) start(*d, false);
  }
  // One our SUBSCRIBE carried is answered once a group beyond the largest at SUBSCRIBE_OK begins.
  if (outstanding_new_group_ && !outstanding_since_group_ && info.largest)
    outstanding_since_group_ = info.largest->group;
  // Asked while the upstream SUBSCRIBE was on its way: now the established rules apply.
  if (auto held = std::exchange(held_new_group_, std::nullopt)) ask_new_group(*held);
}

void RelayTrack::on_error(moqt::Subscription& sub, const moqt::RequestErrorInfo& error) {
  (void)sub;
  ended_ = true;
  active_ = false;
  for (auto& d : downstream_) {
    if (d->gone) continue;
    if (d->sub->state() == moqt::RequestState::kPending) {
      d->sub->reject(error);
    } else if (d->sub->state() == moqt::RequestState::kActive) {
      // Served already (the track moved to a parent that does not have it).
      d->sub->done(static_cast<std::uint64_t>(wire::PublishDoneCode::kGoingAway), error.reason);
    }
    remove(*d);
  }
}

void RelayTrack::on_object(moqt::Subscription& sub, const moqt::Object& object) {
  (void)sub;
  prune();
  if (upstream_counted_) {
    RelayMetrics::add(metrics_.objects_in);
    RelayMetrics::add(metrics_.bytes_in, object.payload.size());
  }
  const auto evicted_before = cache_.groups_evicted();
  (void)cache_.insert(name_, object);  // a group too big to cache is still forwarded live
  RelayMetrics::set(metrics_.cache_bytes, static_cast<std::int64_t>(cache_.bytes()));
  RelayMetrics::add(metrics_.cache_evicted_groups, cache_.groups_evicted() - evicted_before);
  if (outstanding_new_group_ && (!outstanding_since_group_ || object.group_id > *outstanding_since_group_)) {
    outstanding_new_group_.reset();  // the largest group grew: the request is answered
  }
  const auto arrival = transport::Clock::now();
  for (auto& d : downstream_) forward(*d, object, arrival);
}

void RelayTrack::on_done(moqt::Subscription& sub, std::uint64_t status, std::string_view reason) {
  // The owner may move it to another parent (it holds it only when the parent's session died,
  // not for a PUBLISH_DONE the parent sent).
  (void)sub;
  if (!ended_ && on_upstream_lost_ && on_upstream_lost_(*this)) {
    orphaned_ = true;
    return;
  }
  end(status, reason);
}

void RelayTrack::end(std::uint64_t status, std::string_view reason) {
  if (ended_) return;
  ended_ = true;
  active_ = false;
  for (auto& d : downstream_) {
    if (d->gone) continue;
    if (d->sub->state() == moqt::RequestState::kPending) {
      moqt::RequestErrorInfo e;
      e.code = static_cast<std::uint64_t>(wire::RequestErrorCode::kDoesNotExist);
      e.reason = "publisher went away";
      d->sub->reject(e);
    } else {
      d->sub->done(status, reason);
    }
    remove(*d);
  }
}

}  // namespace kinetic::relay
