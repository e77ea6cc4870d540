#include "kinetic/moqt/session.hpp"

#include <spdlog/spdlog.h>

#include "kinetic/moqt/session_streams.hpp"
#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/data_object.hpp"
#include "kinetic/wire/data_stream_type.hpp"
#include "kinetic/wire/varint.hpp"

namespace kinetic::moqt {

using wire::SessionError;

// ------------------------------------------------------------------ SessionHandler defaults

void SessionHandler::on_subscribe(Session& session, std::shared_ptr<ServedSubscription> sub) {
  (void)session;
  sub->reject({static_cast<std::uint64_t>(wire::RequestErrorCode::kDoesNotExist), "no such track", 0, {}});
}
void SessionHandler::on_publish(Session& session, std::shared_ptr<Subscription> sub) {
  (void)session;
  sub->reject({static_cast<std::uint64_t>(wire::RequestErrorCode::kUninterested), "not subscribing", 0, {}});
}
void SessionHandler::on_fetch(Session& session, std::shared_ptr<ServedFetch> fetch) {
  (void)session;
  fetch->reject({static_cast<std::uint64_t>(wire::RequestErrorCode::kDoesNotExist), "no such track", 0, {}});
}
void SessionHandler::on_request(Session& session, std::shared_ptr<IncomingRequest> request) {
  (void)session;
  request->reject({static_cast<std::uint64_t>(wire::RequestErrorCode::kNotSupported), "not supported", 0, {}});
}

// ------------------------------------------------------------------ Session

std::shared_ptr<Session> Session::create(transport::SessionPtr transport, SessionOptions options,
                                         moqt::SessionHandler* handler) {
  auto v = wire::version_from_alpn(transport->protocol());
  const bool handshaking = transport->protocol().empty();
  if (handshaking) v = wire::kSupportedVersions.front();
  if (!v) {
    transport->close(code_of(SessionError::kVersionNegotiationFailed), "no common MoQT version");
    return nullptr;
  }
  std::shared_ptr<Session> s(new Session(std::move(transport), std::move(options), handler, *v));
  s->version_known_ = !handshaking;
  s->transport_->set_handler(s.get());
  s->impl_->next_request_id = s->options_.perspective == Perspective::kClient ? 0 : 1;
  auto timeout = s->options_.setup_timeout;
  s->impl_->setup_timer = s->loop().schedule_after(timeout, [w = s->weak_from_this()] {
    auto self = w.lock();
    if (!self || self->closed_) return;
    self->impl_->setup_timer = 0;
    if (!self->impl_->setup_received) {
      self->impl_->fail(SessionError::kControlMessageTimeout, "no SETUP from the peer");
    }
  });
  s->impl_->try_send_setup();
  return s;
}

Session::Session(transport::SessionPtr transport, SessionOptions options, moqt::SessionHandler* handler,
                 wire::Version v)
    : transport_(std::move(transport)), options_(std::move(options)), handler_(handler), version_(v),
      impl_(std::make_unique<Impl>(*this)) {}

Session::~Session() {
  if (!closed_) {
    transport_->set_handler(nullptr);
    transport_->close(code_of(SessionError::kNoError), "session released");
    // Nobody is told: the application is letting go of the session and everything in it.
    impl_->teardown(code_of(SessionError::kNoError), "session released", false);
  }
  impl_.reset();
}

void Session::on_ready(transport::Session& session) {
  (void)session;
  if (!version_known_) {
    auto v = wire::version_from_alpn(transport_->protocol());
    if (!v) {
      impl_->fail(SessionError::kVersionNegotiationFailed, "no common MoQT version");
      return;
    }
    version_ = *v;
    impl_->v = *v;
    version_known_ = true;
  }
  impl_->try_send_setup();
}

void Session::on_incoming_stream(transport::Session& session, transport::Stream& stream) {
  (void)session;
  if (closed_) return;
  if (stream.bidirectional()) {
    auto rs = std::make_unique<RequestStream>(*impl_, stream, true);
    rs->set_id(stream.id());
    impl_->requests[stream.id()] = std::move(rs);
    return;
  }
  impl_->uni_streams[stream.id()] = std::make_unique<IncomingUniStream>(*impl_, stream);
}

void Session::on_datagram(transport::Session& session, std::span<const std::uint8_t> data) {
  (void)session;
  if (closed_ || !ready_) return;
  std::uint64_t code = 0;
  auto d = decode_datagram(version_, SharedBytes::copy(data), code);
  if (!d) {
    impl_->fail(static_cast<SessionError>(code), "malformed datagram");
    return;
  }
  auto it = impl_->by_alias.find(d->track_alias);
  if (it == impl_->by_alias.end()) return;  // unknown or ended subscription: nothing to deliver
  auto sub = it->second.lock();
  if (!sub || sub->state_ != RequestState::kActive || sub->handler_ == nullptr) return;
  if (!sub->largest_received_ || *sub->largest_received_ < d->object.location()) {
    sub->largest_received_ = d->object.location();
  }
  sub->handler_->on_object(*sub, d->object);
}

void Session::on_streams_available(transport::Session& session) {
  (void)session;
  impl_->try_send_setup();
  impl_->drain_blocked();
}

void Session::on_closed(transport::Session& session, const transport::CloseInfo& info) {
  (void)session;
  impl_->teardown(info.code, info.reason);
}

void Session::close(std::uint64_t code, std::string_view reason) {
  if (closed_) return;
  auto self = shared_from_this();
  transport_->close(code, reason);
  impl_->teardown(code, reason);
}

void Session::goaway(std::string_view new_uri, std::chrono::milliseconds timeout) {
  if (closed_ || goaway_sent_) return;
  goaway_sent_ = true;
  wire::Goaway g;
  g.new_session_uri = std::string(new_uri.substr(0, wire::kMaxNewSessionUriLength));
  g.timeout = static_cast<std::uint64_t>(timeout.count());
  if (wire::features(version_).goaway_request_id) {
    // The smallest request ID of the peer's that this endpoint will not process.
    std::uint64_t next = options_.perspective == Perspective::kClient ? 1 : 0;
    if (!impl_->peer_request_ids.empty()) next = *impl_->peer_request_ids.rbegin() + 2;
    g.request_id = next;
  }
  impl_->send(impl_->control_out, g);
  if (timeout.count() > 0) {
    // The peer had its time to migrate: requests still open end with the session.
    loop().schedule_after(timeout, [w = weak_from_this()] {
      auto self = w.lock();
      if (!self || self->closed_) return;
      if (!self->impl_->requests.empty()) self->impl_->fail(SessionError::kGoawayTimeout, "GOAWAY timeout");
    });
  }
}

// ------------------------------------------------------------------ Impl

Session::Impl::Impl(Session& s) : session(s), v(s.version_), peer_tokens(s.options_.max_auth_token_cache_size) {}

std::vector<wire::AuthorizationToken> Session::Impl::encode_tokens(const std::vector<AuthToken>& tokens) {
  return token_aliaser.encode(tokens, encoding_stream);
}

bool Session::Impl::resolve_tokens(const wire::MessageParameters& p, std::vector<AuthToken>& out) {
  if (auto e = peer_tokens.resolve(p.authorization_tokens, out)) {
    fail(*e, "authorization token alias");
    return false;
  }
  return true;
}

bool Session::setup_received_by_now() const noexcept { return impl_->setup_received; }

void Session::retire_token(const AuthToken& token) { impl_->token_aliaser.retire(token); }

std::optional<std::uint64_t> Session::token_alias(const AuthToken& token) const {
  return impl_->token_aliaser.alias_of(token);
}
Session::Impl::~Impl() {
  for (auto& [id, rs] : requests) rs->detach();
}

bool Session::Impl::send(transport::Stream* stream, const wire::ControlMessage& message, bool fin) {
  if (stream == nullptr || session.closed_) return false;
  std::vector<std::uint8_t> out;
  auto st = wire::encode_control_message(v, message, out);
  if (!st) {
    spdlog::warn("moqt: cannot encode {}: {}", wire::message_name(v, wire::message_type(message)), st.error().what);
    return false;
  }
  stream->write(std::span<const std::uint8_t>(out), fin);
  return true;
}

void Session::Impl::try_send_setup() {
  if (setup_sent || session.closed_ || !session.version_known_) return;
  auto* s = session.transport_->open_uni();
  if (s == nullptr) return;
  control_out = s;
  setup_sent = true;
  s->set_send_order(0);
  wire::Setup setup;
  auto& o = setup.options;
  if (session.options_.perspective == Perspective::kClient) {
    // WebTransport carries the path in its URL; PATH is for raw QUIC only.
    if (session.transport_->path().empty()) o.path = session.options_.path;
    o.authority = session.options_.authority;
  }
  o.moqt_implementation = session.options_.implementation;
  if (session.options_.max_auth_token_cache_size > 0) {
    o.max_auth_token_cache_size = session.options_.max_auth_token_cache_size;
  }
  if (wire::features(v).setup_max_filter_ranges && session.options_.max_filter_ranges > 0) {
    o.max_filter_ranges = session.options_.max_filter_ranges;
  }
  if (wire::features(v).setup_max_request_updates && session.options_.max_request_updates > 0) {
    o.max_request_updates = session.options_.max_request_updates;
  }
  for (const auto& t : session.options_.setup_tokens) {
    o.authorization_tokens.push_back(wire::AuthorizationToken::use_value(t.type, t.value));
  }
  send(s, setup);
  if (setup_received && !session.ready_) become_ready();
}

void Session::Impl::on_setup(const wire::Setup& setup) {
  setup_received = true;
  if (setup_timer != 0) {
    session.loop().cancel(setup_timer);
    setup_timer = 0;
  }
  const auto& o = setup.options;
  auto& peer = session.peer_setup_;
  peer.path = o.path;
  peer.authority = o.authority;
  peer.implementation = o.moqt_implementation;
  peer.max_auth_token_cache_size = o.max_auth_token_cache_size.value_or(0);
  peer.max_filter_ranges = o.max_filter_ranges.value_or(0);
  peer.max_request_updates = o.max_request_updates.value_or(0);
  token_aliaser.set_capacity(peer.max_auth_token_cache_size);
  const bool from_client = session.options_.perspective == Perspective::kServer;
  if (auto e = peer_tokens.resolve_setup(o.authorization_tokens, from_client, peer.tokens)) {
    fail(*e, "SETUP authorization token");
    return;
  }
  if (session.options_.perspective == Perspective::kServer) {
    // PATH over WebTransport is a violation: the URL already carries it.
    if (o.path && !session.transport_->path().empty()) {
      fail(SessionError::kInvalidPath, "PATH over WebTransport");
      return;
    }
  } else if (o.path || o.authority) {
    fail(SessionError::kProtocolViolation, "server sent PATH or AUTHORITY");
    return;
  }
  if (setup_sent && !session.ready_) become_ready();
}

void Session::Impl::become_ready() {
  session.ready_ = true;
  if (session.handler_ != nullptr) session.handler_->on_ready(session);
  drain_blocked();
  // Requests that arrived before SETUP (their streams raced ahead of the control stream) are
  // taken now, in the order they came.
  std::weak_ptr<Session> alive = session.weak_from_this();
  auto held = std::move(held_requests);
  held_requests.clear();
  held_request_bytes = 0;
  for (auto id : held) {
    if (alive.expired() || session.closed_) return;
    if (auto it = requests.find(id); it != requests.end()) it->second->resume();
  }
}

void Session::Impl::fail(SessionError code, std::string_view reason) {
  if (session.closed_) return;
  spdlog::debug("moqt: closing session: {} ({})", wire::session_error_name(v, code_of(code)), reason);
  session.close(code_of(code), reason);
}

void Session::Impl::teardown(std::uint64_t code, std::string_view reason, bool notify) {
  if (session.closed_) return;
  session.closed_ = true;
  // Keeps the session alive through the callbacks (none run from the destructor).
  std::shared_ptr<Session> self = notify ? session.shared_from_this() : nullptr;
  if (setup_timer != 0) {
    session.loop().cancel(setup_timer);
    setup_timer = 0;
  }
  session.blocked_.clear();
  // Tell every live request that it ended with the session.
  auto reqs = std::move(requests);
  requests.clear();
  std::string why(reason);
  // A served subscription ends here once, whether it is still on its request stream or only in
  // `served` (its request stream already gone, its handler not yet told).
  auto end_served = [notify](ServedSubscription& sub) {
    sub.writers_.clear();
    if (sub.state_ != RequestState::kActive && sub.state_ != RequestState::kPending) return;
    sub.state_ = RequestState::kDone;
    if (notify && sub.handler_ != nullptr) sub.handler_->on_cancelled(sub);
  };
  for (auto& entry : reqs) {
    auto& rs = entry.second;  // named, not a structured binding: the visitor below captures it
    rs->detach();
    std::visit([&](auto& t) {
      using T = std::decay_t<decltype(t)>;
      if constexpr (std::is_same_v<T, std::shared_ptr<Subscription>>) {
        if (t->state_ == RequestState::kActive || t->state_ == RequestState::kPending) {
          t->state_ = RequestState::kDone;
          if (notify && t->handler_) t->handler_->on_done(*t, static_cast<std::uint64_t>(wire::PublishDoneCode::kInternalError), why);
        }
      } else if constexpr (std::is_same_v<T, std::shared_ptr<ServedSubscription>>) {
        end_served(*t);
      } else if constexpr (std::is_same_v<T, std::shared_ptr<Fetch>>) {
        if (t->state_ == RequestState::kPending || t->state_ == RequestState::kActive) {
          t->state_ = RequestState::kDone;
          if (notify && t->handler_) t->handler_->on_complete(*t, false);
        }
      } else if constexpr (std::is_same_v<T, std::shared_ptr<ServedFetch>>) {
        t->state_ = RequestState::kDone;
        if (t->data_stream_ != nullptr) {
          t->data_stream_->set_handler(nullptr);
          t->data_stream_ = nullptr;
        }
        if (notify && t->on_cancel_) t->on_cancel_();
      } else if constexpr (std::is_same_v<T, std::shared_ptr<OutgoingRequest>>) {
        t->state_ = RequestState::kDone;
        // A request the peer already ended heard on_closed then; its handler may be gone since.
        if (notify && !rs->ended && t->handler_) t->handler_->on_closed(*t);
      } else if constexpr (std::is_same_v<T, std::shared_ptr<IncomingRequest>>) {
        t->state_ = RequestState::kDone;
        if (notify && t->on_cancel_) t->on_cancel_();
      }
    }, rs->target);
  }
  for (auto& [rid, weak] : served) {
    if (auto sub = weak.lock()) end_served(*sub);
  }
  for (auto& weak : served_fetches) {
    if (auto f = weak.lock(); f && f->data_stream_ != nullptr) {
      f->data_stream_->set_handler(nullptr);
      f->data_stream_ = nullptr;
      if (f->state_ == RequestState::kActive) f->state_ = RequestState::kDone;
    }
  }
  uni_streams.clear();
  control_out = nullptr;
  control_in = nullptr;
  if (notify && session.handler_ != nullptr) session.handler_->on_closed(session, code, why);
}

std::uint64_t Session::Impl::take_request_id() {
  auto id = next_request_id;
  next_request_id += 2;
  return id;
}

void Session::Impl::drain_blocked() {
  while (!session.blocked_.empty() && session.ready_ && !session.closed_) {
    if (!session.blocked_.front()()) return;  // still no stream credit
    session.blocked_.pop_front();
  }
}

void Session::Impl::start_request(RequestTarget target, std::function<wire::ControlMessage(std::uint64_t)> first) {
  auto opener = [this, target, first]() mutable -> bool {
    auto* stream = session.transport_->open_bidi();
    if (stream == nullptr) return false;
    const auto rid = take_request_id();
    auto rs = std::make_unique<RequestStream>(*this, *stream, false);
    rs->set_id(stream->id());
    stream->set_send_order(0);
    std::visit([&](auto& t) {
      using T = std::decay_t<decltype(t)>;
      if constexpr (!std::is_same_v<T, std::monostate>) {
        t->stream_ = stream;
        t->request_id_ = rid;
      }
    }, target);
    if (auto* f = std::get_if<std::shared_ptr<Fetch>>(&target)) fetches[rid] = *f;
    if (auto* p = std::get_if<std::shared_ptr<ServedSubscription>>(&target)) served[rid] = *p;
    rs->target = target;
    auto* raw = rs.get();
    requests[stream->id()] = std::move(rs);
    encoding_stream = stream->id();
    send(raw->stream(), first(rid));
    return true;
  };
  if (session.ready_ && session.blocked_.empty() && opener()) return;
  session.blocked_.push_back(std::move(opener));
}

std::size_t Session::tracked_requests() const noexcept {
  return impl_->requests.size() + impl_->fetches.size();
}

void Session::Impl::release_request(transport::StreamId id) {
  // Deferred: the transport is still inside this stream's callback.
  session.loop().post([w = session.weak_from_this(), this, id] {
    if (w.expired()) return;
    auto it = requests.find(id);
    if (it == requests.end()) return;
    if (it->second->counted && incoming_active > 0) --incoming_active;
    if (auto* r = std::get_if<std::shared_ptr<IncomingRequest>>(&it->second->target);
        r && (*r)->counts_namespace_ && namespace_subscriptions > 0) {
      --namespace_subscriptions;
      (*r)->counts_namespace_ = false;
    }
    token_aliaser.stream_closed(id);
    requests.erase(it);
    std::erase_if(served, [](const auto& kv) { return kv.second.expired(); });
    std::erase_if(served_fetches, [](const auto& fetch) { return fetch.expired(); });
    // A refused or dropped FETCH has no data stream to come: nothing will look it up again.
    std::erase_if(fetches, [](const auto& kv) {
      auto f = kv.second.lock();
      return !f || f->state_ == RequestState::kDone || f->state_ == RequestState::kFailed;
    });
  });
}

void Session::Impl::reject(transport::Stream* stream, const RequestErrorInfo& error) {
  wire::RequestError e;
  e.error_code = error.code;
  e.reason = error.reason;
  e.retry_interval = error.retry_interval_ms;
  if (error.redirect_uri && error.code == static_cast<std::uint64_t>(wire::RequestErrorCode::kRedirect)) {
    e.redirect = wire::Redirect{*error.redirect_uri, {}};
  }
  send(stream, e, true);
}

// ------------------------------------------------------------------ parameters

wire::MessageParameters Session::Impl::subscribe_parameters(const SubscribeOptions& o, wire::MessageType m) {
  wire::MessageParameters p;
  const auto& f = wire::features(v);
  p.subscriber_priority = o.subscriber_priority;
  if (o.group_order) p.group_order = static_cast<wire::GroupOrder>(*o.group_order);
  if (!o.forward) p.forward = false;
  if (o.delivery_timeout_ms) p.object_delivery_timeout = *o.delivery_timeout_ms;
  if (m == wire::MessageType::kSubscribe || m == wire::MessageType::kRequestUpdate ||
      m == wire::MessageType::kPublishOk || m == wire::MessageType::kSubscribeTracks) {
    p.new_group_request = o.new_group_request;
  }
  if (m != wire::MessageType::kRequestOk && m != wire::MessageType::kPublishOk) {
    p.authorization_tokens = encode_tokens(o.tokens);
  }
  const auto& flt = o.filter;
  if (f.subscription_filter) {
    wire::SubscriptionFilter sf;
    switch (flt.type) {
      case FilterType::kNextGroupStart: sf.type = wire::FilterType::kNextGroupStart; break;
      case FilterType::kLargestObject: sf.type = wire::FilterType::kLargestObject; break;
      case FilterType::kAbsoluteStart: sf.type = wire::FilterType::kAbsoluteStart; break;
      case FilterType::kAbsoluteRange: sf.type = wire::FilterType::kAbsoluteRange; break;
      // Only "no groups back" has a draft-18 form; Session::subscribe refuses the rest.
      case FilterType::kRecentGroups: sf.type = wire::FilterType::kNextGroupStart; break;
    }
    sf.start = {flt.start.group, flt.start.object};
    if (flt.type == FilterType::kAbsoluteRange) sf.end_group_delta = flt.end_group - flt.start.group;
    p.subscription_filter = sf;
  } else {
    wire::LocationFilter lf;
    switch (flt.type) {
      case FilterType::kNextGroupStart: lf.start_group = 0; break;
      case FilterType::kLargestObject: lf.start_group = 0; lf.start_object = 0; break;
      case FilterType::kAbsoluteStart:
        // {0, 0} would read as "next object"; no filter is the absolute start of the track.
        if (flt.start != Location{0, 0}) {
          lf.start_group = flt.start.group;
          lf.start_object = flt.start.object;
        }
        break;
      case FilterType::kAbsoluteRange:
        lf.start_group = flt.start.group;
        lf.start_object = flt.start.object;
        lf.end_group_delta = flt.end_group - flt.start.group;
        lf.end_object = flt.end_object;
        break;
      case FilterType::kRecentGroups: lf.start_group = flt.groups_back; break;
    }
    if (!lf.empty()) p.location_filter = lf;
  }
  if (f.range_filters) {
    for (const auto& rf : o.range_filters) {
      if (auto w = to_wire(rf)) p.range_filters.push_back(std::move(*w));
    }
  }
  if (m == wire::MessageType::kRequestUpdate) p.group_order.reset();
  return p;
}

SubscribeOptions Session::Impl::subscribe_options(const wire::MessageParameters& p) const {
  SubscribeOptions o;
  o.subscriber_priority = p.subscriber_priority_or_default();
  if (p.group_order) o.group_order = static_cast<GroupOrder>(*p.group_order);
  o.forward = p.forward_or_default();
  // A timeout of 0 is none at all (draft §Delivery Timeouts), not one that expires at once.
  if (p.object_delivery_timeout.value_or(0) > 0)
    o.delivery_timeout_ms = p.object_delivery_timeout;
  else if (p.subgroup_delivery_timeout.value_or(0) > 0)
    o.delivery_timeout_ms = p.subgroup_delivery_timeout;
  o.new_group_request = p.new_group_request;
  o.filter = SubscribeFilter::from({0, 0});  // absent: unfiltered
  if (p.subscription_filter) {
    const auto& sf = *p.subscription_filter;
    switch (sf.type) {
      case wire::FilterType::kNextGroupStart: o.filter = SubscribeFilter::next_group(); break;
      case wire::FilterType::kLargestObject: o.filter = SubscribeFilter::largest(); break;
      case wire::FilterType::kAbsoluteStart: o.filter = SubscribeFilter::from({sf.start.group, sf.start.object}); break;
      case wire::FilterType::kAbsoluteRange:
        o.filter = SubscribeFilter::range({sf.start.group, sf.start.object}, sf.end_group());
        break;
    }
  } else if (p.location_filter && !p.location_filter->empty()) {
    const auto& lf = *p.location_filter;
    if (lf.relative_start()) {
      // StartGroup = N: from {Largest.Group + 1 - N, 0}; 0 is the next group.
      o.filter = *lf.start_group == 0 ? SubscribeFilter::next_group() : SubscribeFilter::recent_groups(*lf.start_group);
    } else if (lf.next_object()) {
      o.filter = SubscribeFilter::largest();
    } else if (auto end = lf.end_group()) {
      o.filter = SubscribeFilter::range({*lf.start_group, *lf.start_object}, *end, lf.end_object);
    } else {
      o.filter = SubscribeFilter::from({*lf.start_group, *lf.start_object});
    }
  }
  return o;
}

namespace {

constexpr std::pair<RangeField, wire::ParameterType> kRangeFields[] = {
    {RangeField::kSubgroup, wire::ParameterType::kSubgroupFilter},
    {RangeField::kObjectId, wire::ParameterType::kObjectIdFilter},
    {RangeField::kPriority, wire::ParameterType::kPriorityFilter},
    {RangeField::kObjectProperty, wire::ParameterType::kObjectPropertyFilter},
    {RangeField::kTrackProperty, wire::ParameterType::kTrackPropertyFilter},
};

}  // namespace

bool Session::Impl::filter_expressible(const SubscribeFilter& f) const {
  if (!wire::features(v).subscription_filter) return true;
  if (f.type == FilterType::kRecentGroups && f.groups_back != 0) return false;
  return !(f.type == FilterType::kAbsoluteRange && f.end_object);
}

std::optional<RequestErrorInfo> Session::Impl::unsendable(const SubscribeOptions& o) const {
  auto error = [](wire::RequestErrorCode c, const char* what) {
    return RequestErrorInfo{static_cast<std::uint64_t>(c), what, 0, {}};
  };
  if (!filter_expressible(o.filter)) {
    return error(wire::RequestErrorCode::kNotSupported, "draft-18 has no such location filter");
  }
  // The end group travels as a delta from the start, so an end before the start has no wire form.
  if (o.filter.type == FilterType::kAbsoluteRange && o.filter.end_group < o.filter.start.group) {
    return error(wire::RequestErrorCode::kInvalidRange, "end group before start group");
  }
  return unsendable(o.range_filters);
}

std::optional<RequestErrorInfo> Session::Impl::unsendable(const std::vector<RangeFilter>& filters,
                                                          std::vector<wire::RangeFilter>* wire_out) const {
  auto error = [](wire::RequestErrorCode c, const char* what) {
    return RequestErrorInfo{static_cast<std::uint64_t>(c), what, 0, {}};
  };
  if (filters.empty()) return std::nullopt;
  if (!wire::features(v).range_filters) {
    return error(wire::RequestErrorCode::kNotSupported, "draft-18 has no range filters");
  }
  std::vector<wire::RangeFilter> wire_filters;
  for (const auto& f : filters) {
    auto w = to_wire(f);
    if (!w) return error(wire::RequestErrorCode::kInvalidFilter, "ranges must ascend, only the last open");
    wire_filters.push_back(std::move(*w));
  }
  // The peer's limit is known once its SETUP arrived; before that the peer itself refuses.
  const auto max = session.setup_received_by_now() ? session.peer_setup_.max_filter_ranges : UINT64_MAX;
  if (auto st = wire::check_range_filters(wire_filters, max); !st) {
    return error(wire::RequestErrorCode::kInvalidFilter, st.error().what);
  }
  if (wire_out != nullptr) *wire_out = std::move(wire_filters);
  return std::nullopt;
}

std::optional<wire::RangeFilter> Session::Impl::to_wire(const RangeFilter& f) {
  wire::ParameterType type = wire::ParameterType::kSubgroupFilter;
  for (auto [field, t] : kRangeFields) {
    if (field == f.field) type = t;
  }
  if (f.ranges.empty()) {
    wire::RangeFilter clear;
    clear.type = type;
    clear.clear = true;
    return clear;
  }
  std::vector<wire::Range> ranges;
  for (const auto& r : f.ranges) ranges.push_back({r.first, r.last});
  auto w = wire::RangeFilter::make(type, f.set_id, std::move(ranges), f.property_type);
  if (!w) return std::nullopt;
  return std::move(*w);
}

std::optional<RequestErrorInfo> Session::Impl::range_filters_of(const wire::MessageParameters& p,
                                                                std::vector<RangeFilter>& out) const {
  if (p.range_filters.empty()) return std::nullopt;
  auto invalid = [](const char* what) {
    return RequestErrorInfo{static_cast<std::uint64_t>(wire::RequestErrorCode::kInvalidFilter), what, 0, {}};
  };
  if (auto st = wire::check_range_filters(p.range_filters, session.options_.max_filter_ranges); !st) {
    return invalid(st.error().what);
  }
  for (const auto& w : p.range_filters) {
    RangeFilter f;
    for (auto [field, t] : kRangeFields) {
      if (t == w.type) f.field = field;
    }
    f.set_id = w.set_id;
    f.property_type = w.property_type;
    if (!w.clear) {
      auto ranges = w.ranges();
      if (!ranges) return invalid("range filter overflows");
      for (const auto& r : *ranges) f.ranges.push_back({r.start, r.end});
    }
    out.push_back(std::move(f));
  }
  return std::nullopt;
}

wire::KeyValueList Session::Impl::track_properties(const TrackInfo& info) {
  wire::KeyValueList props = info.track_properties;
  auto set = [&props](std::uint64_t type, std::uint64_t value) {
    for (auto& kv : props) {
      if (kv.type == type) { kv.value = value; return; }
    }
    props.push_back(wire::KeyValuePair::varint(type, value));
  };
  set(0x0E, info.publisher_priority);                              // DEFAULT PUBLISHER PRIORITY
  set(0x22, static_cast<std::uint64_t>(info.group_order));         // DEFAULT PUBLISHER GROUP ORDER
  if (info.dynamic_groups) set(wire::property::kDynamicGroups, 1);
  return props;
}

bool Session::Impl::read_track_info(const wire::MessageParameters& p, const wire::KeyValueList& props,
                                    TrackInfo& out) {
  TrackInfo info;
  if (p.largest_object) info.largest = Location{p.largest_object->group, p.largest_object->object};
  info.expires_ms = p.expires;
  for (const auto& kv : props) {
    if (kv.type == 0x0E && kv.value <= 255) {
      info.publisher_priority = static_cast<std::uint8_t>(kv.value);
    } else if (kv.type == 0x22 && (kv.value == 1 || kv.value == 2)) {
      info.group_order = static_cast<GroupOrder>(kv.value);
    } else if (kv.type == wire::property::kDynamicGroups) {
      if (kv.value > 1) {
        fail(SessionError::kProtocolViolation, "DYNAMIC_GROUPS above 1");
        return false;
      }
      info.dynamic_groups = kv.value == 1;
    } else {
      info.track_properties.push_back(kv);
    }
  }
  out = std::move(info);
  return true;
}

}  // namespace kinetic::moqt
