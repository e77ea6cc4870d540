// The publisher's side of a subscription: answering it, opening subgroup streams with send
// orders from the draft's scheduling rules, delivery timeouts, dropping groups, PUBLISH_DONE.
#include "kinetic/moqt/range_filters.hpp"
#include "kinetic/moqt/session_streams.hpp"

namespace kinetic::moqt {

ServedSubscription::~ServedSubscription() = default;

void ServedSubscription::resolve_filter() {
  const auto& f = options_.filter;
  const auto largest = info_.largest;
  switch (f.type) {
    case FilterType::kNextGroupStart:
      filter_start_ = largest ? Location{largest->group + 1, 0} : Location{0, 0};
      break;
    case FilterType::kLargestObject:
      filter_start_ = largest ? Location{largest->group, largest->object + 1} : Location{0, 0};
      break;
    case FilterType::kAbsoluteStart:
    case FilterType::kAbsoluteRange: filter_start_ = f.start; break;
    case FilterType::kRecentGroups: {
      // {Largest.Group + 1 - N, 0}, clamped at group 0.
      const std::uint64_t next = largest ? largest->group + 1 : 0;
      filter_start_ = Location{f.groups_back >= next ? 0 : next - f.groups_back, 0};
      break;
    }
  }
}

void ServedSubscription::accept(const TrackInfo& info) {
  auto s = session_.lock();
  if (!s || publisher_initiated_ || state_ != RequestState::kPending) return;
  auto& impl = *s->impl_;
  info_ = info;
  state_ = RequestState::kActive;
  resolve_filter();
  wire::SubscribeOk ok;
  ok.track_alias = track_alias_;
  if (info.largest) ok.parameters.largest_object = wire::Location{info.largest->group, info.largest->object};
  if (info.expires_ms) ok.parameters.expires = info.expires_ms;
  ok.track_properties = Session::Impl::track_properties(info);
  impl.send(stream_, ok);
}

void ServedSubscription::reject(const RequestErrorInfo& error) {
  auto s = session_.lock();
  if (!s || state_ != RequestState::kPending || publisher_initiated_) return;
  state_ = RequestState::kFailed;
  s->impl_->reject(stream_, error);
}

bool ServedSubscription::in_filter(Location loc) const noexcept {
  if (!filter_start_) return false;
  if (loc < *filter_start_) return false;
  const auto& f = options_.filter;
  if (f.type == FilterType::kAbsoluteRange) {
    if (loc.group > f.end_group) return false;
    if (loc.group == f.end_group && f.end_object && loc.object > *f.end_object) return false;
  }
  return true;
}

bool ServedSubscription::passes(const Object& object) const noexcept {
  return sending() && in_filter(object.location()) && passes_range_filters(object);
}

bool ServedSubscription::passes_range_filters(const Object& object) const noexcept {
  return moqt::passes_range_filters(options_.range_filters, object);
}

std::uint64_t ServedSubscription::send_order(std::uint64_t group, std::uint8_t publisher_priority) const noexcept {
  // Lower goes first: subscriber priority, then publisher priority, then the group order,
  // as the draft's scheduling algorithm ranks them.
  constexpr std::uint64_t kGroupMask = (std::uint64_t{1} << 40) - 1;
  const std::uint64_t g = std::min(group, kGroupMask);
  const std::uint64_t group_key = effective_group_order() == GroupOrder::kAscending ? g : kGroupMask - g;
  return (std::uint64_t{options_.subscriber_priority} << 56) | (std::uint64_t{publisher_priority} << 48) |
         (group_key << 8);
}

void ServedSubscription::prune() {
  for (auto it = writers_.begin(); it != writers_.end();) {
    if (it->second->stream_id() != 0 && !it->second->open() && it->second->queued_bytes() == 0) {
      it = writers_.erase(it);
    } else {
      ++it;
    }
  }
}

SubgroupWriter* ServedSubscription::open_subgroup(const SubgroupSpec& spec) {
  auto s = session_.lock();
  if (!s || s->closed_ || !sending()) return nullptr;
  prune();
  const auto key = std::make_pair(spec.group_id, spec.subgroup_id);
  if (auto it = writers_.find(key); it != writers_.end() && it->second->open()) return it->second.get();
  auto* stream = s->transport_->open_uni();
  if (stream == nullptr) return nullptr;
  auto writer = std::make_unique<SubgroupWriter>(s->version_, *stream, track_alias_, spec);
  writer->set_send_order(send_order(spec.group_id, spec.publisher_priority) | std::min<std::uint64_t>(spec.subgroup_id, 255));
  auto* raw = writer.get();
  writers_[key] = std::move(writer);
  ++streams_opened_;
  if (options_.delivery_timeout_ms.value_or(0) > 0) schedule_timeout(spec.group_id, spec.subgroup_id, 0);
  return raw;
}

void ServedSubscription::schedule_timeout(std::uint64_t group, std::uint64_t subgroup, std::uint64_t written_before) {
  auto s = session_.lock();
  if (!s) return;
  const auto timeout = std::chrono::milliseconds(*options_.delivery_timeout_ms);
  std::weak_ptr<ServedSubscription> weak = weak_from_this();
  s->loop().schedule_after(timeout, [weak, group, subgroup, written_before] {
    auto self = weak.lock();
    if (!self) return;
    auto it = self->writers_.find({group, subgroup});
    if (it == self->writers_.end()) return;
    auto& w = *it->second;
    // Bytes written before the previous check that are still queued have waited a whole
    // timeout: they would arrive too late to be of use. Bytes written since are younger and
    // keep the stream alive; a stream with something merely queued is not cut.
    const std::uint64_t left = w.bytes_written() - std::min<std::uint64_t>(w.bytes_written(), w.queued_bytes());
    if (left < written_before) {
      w.reset(static_cast<std::uint64_t>(wire::StreamResetCode::kDeliveryTimeout));
      self->writers_.erase(it);
    } else if (w.open() || w.queued_bytes() > 0) {
      self->schedule_timeout(group, subgroup, w.bytes_written());
    }
  });
}

void ServedSubscription::refresh_send_orders() {
  for (auto& [key, w] : writers_) {
    w->set_send_order(send_order(key.first, w->spec().publisher_priority) | std::min<std::uint64_t>(key.second, 255));
  }
}

SubgroupWriter* ServedSubscription::subgroup(std::uint64_t group, std::uint64_t subgroup) noexcept {
  auto it = writers_.find({group, subgroup});
  return it == writers_.end() ? nullptr : it->second.get();
}

bool ServedSubscription::send_datagram(const Object& object) {
  auto s = session_.lock();
  if (!s || s->closed_ || !sending()) return false;
  auto bytes = encode_datagram(s->version_, track_alias_, object);
  if (!bytes) return false;
  return s->transport_->send_datagram(*bytes);
}

void ServedSubscription::drop_group(std::uint64_t group, std::uint64_t code) {
  for (auto it = writers_.lower_bound({group, 0}); it != writers_.end() && it->first.first == group;) {
    it->second->reset(code);
    it = writers_.erase(it);
  }
}

void ServedSubscription::close_groups_before(std::uint64_t group, bool reset) {
  for (auto it = writers_.begin(); it != writers_.end() && it->first.first < group;) {
    if (reset) {
      it->second->reset(static_cast<std::uint64_t>(wire::StreamResetCode::kDeliveryTimeout));
      it = writers_.erase(it);
    } else {
      it->second->finish();
      ++it;
    }
  }
}

std::size_t ServedSubscription::queued_bytes() const noexcept {
  std::size_t n = 0;
  for (const auto& [key, w] : writers_) n += w->queued_bytes();
  return n;
}

bool ServedSubscription::goaway(std::string_view new_uri, std::chrono::milliseconds timeout) {
  auto s = session_.lock();
  if (!s || state_ != RequestState::kActive || goaway_sent_ || stream_ == nullptr) return false;
  if (s->perspective() == Perspective::kClient && !new_uri.empty()) return false;
  goaway_sent_ = true;
  wire::Goaway g;
  g.new_session_uri = std::string(new_uri.substr(0, wire::kMaxNewSessionUriLength));
  g.timeout = static_cast<std::uint64_t>(timeout.count());
  s->impl_->send(stream_, g);
  if (timeout.count() > 0) {
    s->loop().schedule_after(timeout, [w = weak_from_this()] {
      auto self = w.lock();
      if (!self || self->state_ != RequestState::kActive) return;
      const auto code = static_cast<std::uint64_t>(wire::StreamResetCode::kGoingAway);
      for (auto& [key, writer] : self->writers_) writer->reset(code);
      self->writers_.clear();
      self->state_ = RequestState::kDone;
      if (self->stream_ != nullptr) self->stream_->reset(static_cast<transport::ErrorCode>(code));
      if (self->handler_ != nullptr) self->handler_->on_cancelled(*self);
    });
  }
  return true;
}

void ServedSubscription::done(std::uint64_t status, std::string_view reason) {
  auto s = session_.lock();
  if (!s || state_ != RequestState::kActive) return;
  state_ = RequestState::kDone;
  for (auto& [key, w] : writers_) w->finish();
  wire::PublishDone d;
  d.status_code = status;
  d.stream_count = streams_opened_;
  d.reason = std::string(reason);
  s->impl_->send(stream_, d, true);
}

}  // namespace kinetic::moqt
