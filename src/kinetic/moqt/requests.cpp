// The session's request API: making requests (subscribe, fetch, publish, namespaces, track
// status) and answering the peer's through the request objects.
#include <type_traits>

#include "kinetic/moqt/session_streams.hpp"

namespace kinetic::moqt {
namespace {

RequestErrorInfo going_away() {
  return {static_cast<std::uint64_t>(wire::RequestErrorCode::kGoingAway), "session is going away", 0, {}};
}

}  // namespace

// ------------------------------------------------------------------ making requests

std::shared_ptr<Subscription> Session::subscribe(const FullTrackName& track, const SubscribeOptions& options,
                                                 SubscriptionHandler* handler) {
  auto sub = std::shared_ptr<Subscription>(new Subscription());
  sub->session_ = weak_from_this();
  sub->track_ = track;
  sub->options_ = options;
  sub->handler_ = handler;
  if (closed_ || goaway_received_ || !wire::validate_full_track_name(track)) {
    sub->state_ = RequestState::kFailed;
    if (handler != nullptr) {
      handler->on_error(*sub, closed_ || goaway_received_
                                  ? going_away()
                                  : RequestErrorInfo{static_cast<std::uint64_t>(wire::RequestErrorCode::kMalformedTrack),
                                                     "invalid track name", 0, {}});
    }
    return sub;
  }
  if (auto error = impl_->unsendable(options)) {
    sub->state_ = RequestState::kFailed;
    if (handler != nullptr) handler->on_error(*sub, *error);
    return sub;
  }
  impl_->start_request(sub, [this, track, options](std::uint64_t rid) -> wire::ControlMessage {
    return wire::Subscribe{rid, track, impl_->subscribe_parameters(options, wire::MessageType::kSubscribe)};
  });
  return sub;
}

std::shared_ptr<Fetch> Session::fetch(const FetchRange& range, FetchHandler* handler, std::uint8_t priority,
                                      std::vector<AuthToken> tokens, std::vector<RangeFilter> range_filters) {
  auto f = std::shared_ptr<Fetch>(new Fetch());
  f->session_ = weak_from_this();
  f->handler_ = handler;
  if (closed_ || goaway_received_ || !wire::validate_full_track_name(range.track)) {
    f->state_ = RequestState::kFailed;
    if (handler != nullptr) handler->on_error(*f, going_away());
    return f;
  }
  std::vector<wire::RangeFilter> filters;
  if (auto error = impl_->unsendable(range_filters, &filters)) {
    f->state_ = RequestState::kFailed;
    if (handler != nullptr) handler->on_error(*f, *error);
    return f;
  }
  impl_->start_request(f, [=, this](std::uint64_t rid) -> wire::ControlMessage {
    wire::Fetch m;
    m.request_id = rid;
    m.fetch_type = wire::FetchType::kStandalone;
    m.standalone.track = range.track;
    m.parameters.subscriber_priority = priority;
    m.parameters.authorization_tokens = impl_->encode_tokens(tokens);
    m.parameters.range_filters = filters;
    if (wire::features(version_).fetch_locations_in_body) {
      m.standalone.start = wire::Location{range.start.group, range.start.object};
      // Draft-18 sends the end plus one object; object 0 means the whole end group.
      m.standalone.end = wire::Location{range.end_group, range.end_object ? *range.end_object + 1 : 0};
    } else {
      wire::LocationFilter lf;
      lf.start_group = range.start.group;
      lf.start_object = range.start.object;
      lf.end_group_delta = range.end_group - range.start.group;
      lf.end_object = range.end_object;
      m.parameters.location_filter = lf;
    }
    return m;
  });
  return f;
}

std::shared_ptr<Fetch> Session::joining_fetch(const Subscription& sub, FetchKind kind, std::uint64_t start,
                                              FetchHandler* handler, std::uint8_t priority) {
  auto f = std::shared_ptr<Fetch>(new Fetch());
  f->session_ = weak_from_this();
  f->handler_ = handler;
  if (closed_ || goaway_received_ || kind == FetchKind::kStandalone || sub.stream_ == nullptr) {
    f->state_ = RequestState::kFailed;
    if (handler != nullptr) handler->on_error(*f, going_away());
    return f;
  }
  const std::uint64_t joined = sub.request_id_;
  impl_->start_request(f, [this, kind, start, joined, priority](std::uint64_t rid) -> wire::ControlMessage {
    wire::Fetch m;
    m.request_id = rid;
    m.fetch_type = kind == FetchKind::kRelativeJoining ? wire::FetchType::kRelativeJoining
                                                        : wire::FetchType::kAbsoluteJoining;
    m.joining.joining_request_id = joined;
    m.parameters.subscriber_priority = priority;
    if (wire::features(version_).fetch_locations_in_body) {
      m.joining.joining_start = start;
    } else {
      wire::LocationFilter lf;
      lf.start_group = start;
      m.parameters.location_filter = lf;
    }
    return m;
  });
  return f;
}

std::shared_ptr<OutgoingRequest> Session::Impl::make_request(RequestKind kind, RequestHandler* handler) {
  auto r = std::shared_ptr<OutgoingRequest>(new OutgoingRequest());
  r->session_ = session.weak_from_this();
  r->kind_ = kind;
  r->handler_ = handler;
  return r;
}

template <typename Message, typename Name>
std::shared_ptr<OutgoingRequest> Session::Impl::named_request(RequestKind kind, const Name& name,
                                                              RequestHandler* handler, std::vector<AuthToken> tokens) {
  auto r = make_request(kind, handler);
  if constexpr (std::is_same_v<Name, FullTrackName>) {
    r->track_ = name;
  } else {
    r->namespace_ = name;
  }
  if (session.closed_ || session.goaway_received_) {
    r->state_ = RequestState::kFailed;
    if (handler != nullptr) handler->on_error(*r, going_away());
    return r;
  }
  start_request(r, [this, name, tokens = std::move(tokens)](std::uint64_t rid) -> wire::ControlMessage {
    Message m{rid, name, {}};
    m.parameters.authorization_tokens = encode_tokens(tokens);
    return m;
  });
  return r;
}

std::shared_ptr<OutgoingRequest> Session::subscribe_namespace(const TrackNamespace& prefix, RequestHandler* handler,
                                                              std::vector<AuthToken> tokens) {
  return impl_->named_request<wire::SubscribeNamespace>(RequestKind::kSubscribeNamespace, prefix, handler,
                                                        std::move(tokens));
}

std::shared_ptr<OutgoingRequest> Session::subscribe_tracks(const TrackNamespace& prefix, RequestHandler* handler,
                                                           std::vector<AuthToken> tokens) {
  return impl_->named_request<wire::SubscribeTracks>(RequestKind::kSubscribeTracks, prefix, handler, std::move(tokens));
}

std::shared_ptr<OutgoingRequest> Session::track_status(const FullTrackName& track, RequestHandler* handler,
                                                       std::vector<AuthToken> tokens) {
  return impl_->named_request<wire::TrackStatus>(RequestKind::kTrackStatus, track, handler, std::move(tokens));
}

std::shared_ptr<OutgoingRequest> Session::publish_namespace(const TrackNamespace& ns, RequestHandler* handler,
                                                            std::vector<AuthToken> tokens) {
  return impl_->named_request<wire::PublishNamespace>(RequestKind::kPublishNamespace, ns, handler, std::move(tokens));
}

std::shared_ptr<ServedSubscription> Session::publish(const FullTrackName& track, const TrackInfo& info,
                                                     ServedSubscriptionHandler* handler, std::vector<AuthToken> tokens) {
  auto sub = std::shared_ptr<ServedSubscription>(new ServedSubscription());
  sub->session_ = weak_from_this();
  sub->track_ = track;
  sub->info_ = info;
  sub->handler_ = handler;
  sub->publisher_initiated_ = true;
  sub->track_alias_ = impl_->next_track_alias++;
  if (closed_ || goaway_received_) {
    sub->state_ = RequestState::kFailed;
    if (handler != nullptr) handler->on_error(*sub, going_away());
    return sub;
  }
  const auto alias = sub->track_alias_;
  impl_->start_request(sub, [this, track, info, alias, tokens](std::uint64_t rid) -> wire::ControlMessage {
    wire::Publish m;
    m.request_id = rid;
    m.track = track;
    m.track_alias = alias;
    if (info.largest) m.parameters.largest_object = wire::Location{info.largest->group, info.largest->object};
    if (info.expires_ms) m.parameters.expires = info.expires_ms;
    m.parameters.authorization_tokens = impl_->encode_tokens(tokens);
    m.track_properties = Impl::track_properties(info);
    return m;
  });
  return sub;
}

// ------------------------------------------------------------------ Subscription

void Subscription::accept(SubscriptionHandler* handler, const SubscribeOptions& options) {
  auto s = session_.lock();
  if (!s || !publisher_initiated_ || state_ != RequestState::kPending) return;
  handler_ = handler;
  options_ = options;
  state_ = RequestState::kActive;
  auto& impl = *s->impl_;
  impl.by_alias[*track_alias_] = shared_from_this();
  auto params = impl.subscribe_parameters(options, wire::MessageType::kPublishOk);
  if (!wire::features(s->version_).publish_ok_subscriber_params) params = {};
  if (wire::features(s->version_).publish_ok_message) {
    impl.send(stream_, wire::PublishOk{params, {}});
  } else {
    impl.send(stream_, wire::RequestOk{params, {}});
  }
  impl.flush_pending_data();
}

void Subscription::reject(const RequestErrorInfo& error) {
  auto s = session_.lock();
  if (!s || !publisher_initiated_ || state_ != RequestState::kPending) return;
  state_ = RequestState::kFailed;
  s->impl_->reject(stream_, error);
}

bool Subscription::update(const SubscribeOptions& options) {
  auto s = session_.lock();
  if (!s || state_ != RequestState::kActive || stream_ == nullptr) return false;
  const auto limit = s->peer_setup_.max_request_updates;
  if (wire::features(s->version_).setup_max_request_updates && limit > 0 && updates_in_flight_ >= limit) return false;
  if (s->impl_->unsendable(options)) return false;
  options_ = options;
  options_.new_group_request.reset();  // an ask, not a state: later updates do not repeat it
  ++updates_in_flight_;
  auto& impl = *s->impl_;
  const auto rid = impl.take_request_id();
  impl.encoding_stream = stream_->id();
  return impl.send(stream_, wire::RequestUpdate{rid, impl.subscribe_parameters(options, wire::MessageType::kRequestUpdate)});
}

bool Subscription::request_new_group() {
  // The draft forbids NEW_GROUP_REQUEST in REQUEST_UPDATE for a track without DYNAMIC_GROUPS.
  if (!info_.dynamic_groups) return false;
  auto known = largest_received_;
  if (info_.largest && (!known || *known < *info_.largest)) known = info_.largest;
  auto o = options_;
  o.new_group_request = known ? known->group + 1 : 0;
  return update(o);
}

void Subscription::unsubscribe() {
  auto s = session_.lock();
  if (state_ == RequestState::kDone || state_ == RequestState::kFailed) return;
  state_ = RequestState::kDone;
  if (!s) return;
  if (track_alias_) s->impl_->by_alias.erase(*track_alias_);
  if (stream_ != nullptr) {
    const auto code = static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled);
    stream_->reset(code);
    stream_->stop_sending(code);
  }
}

// ------------------------------------------------------------------ Fetch / ServedFetch

void Fetch::cancel() {
  if (state_ == RequestState::kDone || state_ == RequestState::kFailed) return;
  state_ = RequestState::kDone;
  auto s = session_.lock();
  if (s) s->impl_->fetches.erase(request_id_);
  if (stream_ != nullptr) {
    const auto code = static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled);
    stream_->reset(code);
    stream_->stop_sending(code);
  }
}

void ServedFetch::accept(const FetchOkInfo& info) {
  auto s = session_.lock();
  if (!s || state_ != RequestState::kPending) return;
  auto* data = s->transport_->open_uni();
  if (data == nullptr) {
    reject({static_cast<std::uint64_t>(wire::RequestErrorCode::kExcessiveLoad), "no stream credit", 0, {}});
    return;
  }
  state_ = RequestState::kActive;
  wire::FetchOk ok;
  ok.end_of_track = info.end_of_track;
  ok.end_location = wire::Location{info.end_location.group, info.end_location.object};
  s->impl_->send(stream_, ok);
  data->set_send_order((std::uint64_t{priority_} << 56));
  start_data(s->version_, *data, order_);
}

void ServedFetch::reject(const RequestErrorInfo& error) {
  auto s = session_.lock();
  if (!s || state_ != RequestState::kPending) return;
  state_ = RequestState::kFailed;
  s->impl_->reject(stream_, error);
}

// ------------------------------------------------------------------ requests without objects

void OutgoingRequest::cancel() {
  if (state_ == RequestState::kDone || state_ == RequestState::kFailed) return;
  state_ = RequestState::kDone;
  if (stream_ != nullptr) stream_->finish();
}

IncomingRequest::~IncomingRequest() = default;

void IncomingRequest::accept(const TrackInfo& info) {
  auto s = session_.lock();
  if (!s || state_ != RequestState::kPending) return;
  state_ = RequestState::kActive;
  wire::RequestOk ok;
  if (kind_ == RequestKind::kTrackStatus) {
    if (info.largest) ok.parameters.largest_object = wire::Location{info.largest->group, info.largest->object};
    ok.track_properties = Session::Impl::track_properties(info);
  }
  if (info.expires_ms && wire::features(s->version_).expires_in_namespace_oks) ok.parameters.expires = info.expires_ms;
  // TRACK_STATUS is answered once; the others stay open for NAMESPACE or withdrawal.
  s->impl_->send(stream_, ok, kind_ == RequestKind::kTrackStatus);
}

void IncomingRequest::reject(const RequestErrorInfo& error) {
  auto s = session_.lock();
  if (!s || state_ != RequestState::kPending) return;
  state_ = RequestState::kFailed;
  if (counts_namespace_ && s->impl_->namespace_subscriptions > 0) {
    --s->impl_->namespace_subscriptions;
    counts_namespace_ = false;
  }
  s->impl_->reject(stream_, error);
}

namespace {

bool suffix_of(const TrackNamespace& prefix, const TrackNamespace& full, TrackNamespace& suffix) {
  if (!prefix.is_prefix_of(full)) return false;
  suffix.fields.assign(full.fields.begin() + static_cast<std::ptrdiff_t>(prefix.fields.size()), full.fields.end());
  return true;
}

}  // namespace

bool IncomingRequest::send_namespace(const TrackNamespace& full) {
  auto s = session_.lock();
  if (!s || state_ != RequestState::kActive || kind_ != RequestKind::kSubscribeNamespace) return false;
  wire::Namespace m;
  if (!suffix_of(namespace_, full, m.suffix)) return false;
  return s->impl_->send(stream_, m);
}

bool IncomingRequest::send_namespace_done(const TrackNamespace& full) {
  auto s = session_.lock();
  if (!s || state_ != RequestState::kActive || kind_ != RequestKind::kSubscribeNamespace) return false;
  wire::NamespaceDone m;
  if (!suffix_of(namespace_, full, m.suffix)) return false;
  return s->impl_->send(stream_, m);
}

bool IncomingRequest::send_publish_skipped(const FullTrackName& track) {
  auto s = session_.lock();
  if (!s || state_ != RequestState::kActive || kind_ != RequestKind::kSubscribeTracks) return false;
  wire::PublishSkipped m;
  if (!suffix_of(namespace_, track.track_namespace, m.track.track_namespace)) return false;
  m.track.name = track.name;
  return s->impl_->send(stream_, m);
}

void IncomingRequest::close() {
  if (state_ == RequestState::kDone) return;
  state_ = RequestState::kDone;
  if (stream_ != nullptr) stream_->finish();
}

}  // namespace kinetic::moqt
