// How a session routes what arrives: the first message of a peer's request stream (a new
// request), the responses on our own request streams, control stream messages and objects.
#include <spdlog/spdlog.h>

#include "kinetic/moqt/session_streams.hpp"

namespace kinetic::moqt {
namespace {

RequestErrorInfo request_error(wire::RequestErrorCode code, std::string reason) {
  return {static_cast<std::uint64_t>(code), std::move(reason), 0, {}};
}

RequestErrorInfo from_wire(const wire::RequestError& e) {
  RequestErrorInfo out{e.error_code, e.reason, e.retry_interval, {}};
  if (e.redirect) out.redirect_uri = e.redirect->connect_uri;
  return out;
}

}  // namespace

void Session::Impl::on_control_message(wire::ControlMessage&& message) {
  if (!setup_received) {
    if (auto* setup = std::get_if<wire::Setup>(&message)) {
      on_setup(*setup);
      return;
    }
    fail(SessionError::kProtocolViolation, "control stream must begin with SETUP");
    return;
  }
  if (auto* g = std::get_if<wire::Goaway>(&message)) {
    if (session.goaway_received_) {
      fail(SessionError::kProtocolViolation, "second GOAWAY");
      return;
    }
    if (session.options_.perspective == Perspective::kServer && !g->new_session_uri.empty()) {
      fail(SessionError::kProtocolViolation, "client GOAWAY with a URI");
      return;
    }
    session.goaway_received_ = true;
    if (session.handler_ != nullptr) session.handler_->on_goaway(session, g->new_session_uri);
    return;
  }
  fail(SessionError::kProtocolViolation, "message not allowed on the control stream");
}

void Session::Impl::on_first_request_message(RequestStream& rs, wire::ControlMessage&& message) {
  const auto type = wire::message_type(message);
  if (!wire::opens_request_stream(type)) {
    fail(SessionError::kProtocolViolation, "request stream begins with a non-request message");
    return;
  }
  std::uint64_t rid = 0;
  std::visit([&rid](const auto& m) {
    if constexpr (requires { std::uint64_t{m.request_id}; }) rid = m.request_id;
  }, message);
  const std::uint64_t parity = session.options_.perspective == Perspective::kClient ? 1 : 0;
  if (rid % 2 != parity || !peer_request_ids.insert(rid).second) {
    fail(SessionError::kInvalidRequestId, "request ID of the wrong parity or reused");
    return;
  }
  // Aliases register even when the request is then refused, so this comes first.
  std::vector<AuthToken> tokens;
  bool tokens_ok = true;
  std::visit([&](const auto& m) {
    if constexpr (requires { m.parameters.authorization_tokens; }) tokens_ok = resolve_tokens(m.parameters, tokens);
  }, message);
  if (!tokens_ok) return;
  auto* stream = rs.stream();
  if (session.goaway_sent_) {
    reject(stream, request_error(wire::RequestErrorCode::kGoingAway, "going away"));
    return;
  }
  if (incoming_active >= session.options_.max_incoming_requests) {
    reject(stream, request_error(wire::RequestErrorCode::kExcessiveLoad, "too many requests"));
    return;
  }
  rs.counted = true;
  ++incoming_active;
  auto weak = session.weak_from_this();
  auto* handler = session.handler_;
  static moqt::SessionHandler defaults;
  if (handler == nullptr) handler = &defaults;

  if (auto* m = std::get_if<wire::Subscribe>(&message)) {
    auto sub = std::shared_ptr<ServedSubscription>(new ServedSubscription());
    sub->session_ = weak;
    sub->request_id_ = rid;
    sub->track_alias_ = next_track_alias++;
    sub->track_ = m->track;
    sub->options_ = subscribe_options(m->parameters);
    sub->options_.tokens = tokens;
    sub->stream_ = stream;
    rs.target = sub;
    served[rid] = sub;
    if (auto error = range_filters_of(m->parameters, sub->options_.range_filters)) {
      sub->reject(*error);
      return;
    }
    // Refused here, before the application holds it: one it had accepted would otherwise fail
    // inside accept() and leave it holding a subscription that never ends.
    if (sub->options_.filter.ends_before_start()) {
      sub->reject(request_error(wire::RequestErrorCode::kInvalidRange, "end before start"));
      return;
    }
    handler->on_subscribe(session, sub);
    return;
  }
  if (auto* m = std::get_if<wire::Publish>(&message)) {
    auto it = by_alias.find(m->track_alias);
    if (it != by_alias.end() && !it->second.expired()) {
      fail(SessionError::kDuplicateTrackAlias, "PUBLISH reuses a track alias");
      return;
    }
    auto sub = std::shared_ptr<Subscription>(new Subscription());
    sub->session_ = weak;
    sub->request_id_ = rid;
    sub->track_alias_ = m->track_alias;
    sub->track_ = m->track;
    sub->publisher_initiated_ = true;
    if (!read_track_info(m->parameters, m->track_properties, sub->info_)) return;
    sub->options_.tokens = tokens;
    sub->stream_ = stream;
    rs.target = sub;
    handler->on_publish(session, sub);
    return;
  }
  if (auto* m = std::get_if<wire::Fetch>(&message)) {
    auto f = std::shared_ptr<ServedFetch>(new ServedFetch());
    f->session_ = weak;
    f->request_id_ = rid;
    f->stream_ = stream;
    served_fetches.push_back(f);
    f->priority_ = m->parameters.subscriber_priority_or_default();
    f->tokens_ = tokens;
    if (m->parameters.group_order) f->order_ = static_cast<GroupOrder>(*m->parameters.group_order);
    rs.target = f;
    if (m->fetch_type == wire::FetchType::kStandalone) {
      f->kind_ = FetchKind::kStandalone;
      f->range_.track = m->standalone.track;
      if (m->standalone.start) {  // draft-18: in the body, End is one past the last object
        f->range_.start = {m->standalone.start->group, m->standalone.start->object};
        const auto end = m->standalone.end.value_or(wire::Location{});
        f->range_.end_group = end.group;
        if (end.object > 0) f->range_.end_object = end.object - 1;
      } else if (const auto& lf = m->parameters.location_filter; lf && lf->start_group) {
        f->range_.start = {*lf->start_group, lf->start_object.value_or(0)};
        f->range_.end_group = lf->end_group().value_or(UINT64_MAX);
        f->range_.end_object = lf->end_object;
      } else {
        f->range_.end_group = UINT64_MAX;
      }
      if (f->range_.end_group < f->range_.start.group) {
        f->reject(request_error(wire::RequestErrorCode::kInvalidRange, "end before start"));
        return;
      }
    } else {
      f->kind_ = m->fetch_type == wire::FetchType::kRelativeJoining ? FetchKind::kRelativeJoining
                                                                     : FetchKind::kAbsoluteJoining;
      auto it = served.find(m->joining.joining_request_id);
      auto joined = it == served.end() ? nullptr : it->second.lock();
      if (!joined || joined->state_ == RequestState::kFailed || joined->state_ == RequestState::kDone) {
        f->reject(request_error(wire::RequestErrorCode::kInvalidJoiningRequestId, "no such subscription"));
        return;
      }
      if (!joined->info_.largest || !joined->options_.forward) {
        f->reject(request_error(wire::RequestErrorCode::kInvalidRange, "nothing published yet"));
        return;
      }
      std::uint64_t start = m->joining.joining_start.value_or(0);
      if (!m->joining.joining_start && m->parameters.location_filter && m->parameters.location_filter->start_group) {
        start = *m->parameters.location_filter->start_group;
      }
      const Location largest = *joined->info_.largest;
      f->range_.track = joined->track_;
      f->range_.start = {f->kind_ == FetchKind::kRelativeJoining ? (start > largest.group ? 0 : largest.group - start)
                                                                 : start,
                         0};
      f->range_.end_group = largest.group;
      f->range_.end_object = largest.object;
    }
    if (auto error = range_filters_of(m->parameters, f->range_filters_)) {
      f->reject(*error);
      return;
    }
    handler->on_fetch(session, f);
    return;
  }
  auto req = std::shared_ptr<IncomingRequest>(new IncomingRequest());
  req->session_ = weak;
  req->request_id_ = rid;
  req->stream_ = stream;
  rs.target = req;
  if (auto* m = std::get_if<wire::TrackStatus>(&message)) {
    req->kind_ = RequestKind::kTrackStatus;
    req->track_ = m->track;
    req->tokens_ = tokens;
  } else if (auto* m2 = std::get_if<wire::PublishNamespace>(&message)) {
    req->kind_ = RequestKind::kPublishNamespace;
    req->namespace_ = m2->track_namespace;
    req->tokens_ = tokens;
  } else if (auto* m3 = std::get_if<wire::SubscribeNamespace>(&message)) {
    req->kind_ = RequestKind::kSubscribeNamespace;
    req->namespace_ = m3->prefix;
    req->tokens_ = tokens;
  } else if (auto* m4 = std::get_if<wire::SubscribeTracks>(&message)) {
    req->kind_ = RequestKind::kSubscribeTracks;
    req->namespace_ = m4->prefix;
    req->tokens_ = tokens;
  }
  if (req->kind_ == RequestKind::kSubscribeNamespace || req->kind_ == RequestKind::kSubscribeTracks) {
    if (namespace_subscriptions >= session.options_.max_namespace_subscriptions) {
      req->reject(request_error(wire::RequestErrorCode::kExcessiveLoad, "too many namespace subscriptions"));
      return;
    }
    ++namespace_subscriptions;
    req->counts_namespace_ = true;
  }
  handler->on_request(session, req);
}

void Session::Impl::on_request_message(RequestStream& rs, wire::ControlMessage&& message) {
  const auto type = wire::message_type(message);
  if (wire::opens_request_stream(type)) {
    fail(SessionError::kProtocolViolation, "request message in the middle of a request stream");
    return;
  }
  if (auto* g = std::get_if<wire::Goaway>(&message)) {
    // Migration of this one request (both drafts): at most one per stream, and only a server
    // may name a new URI.
    if (rs.goaway_seen) {
      fail(SessionError::kProtocolViolation, "second GOAWAY on a request stream");
      return;
    }
    if (session.options_.perspective == Perspective::kServer && !g->new_session_uri.empty()) {
      fail(SessionError::kProtocolViolation, "client GOAWAY with a URI");
      return;
    }
    rs.goaway_seen = true;
    std::uint64_t rid = 0;
    std::visit([&rid](const auto& t) {
      using T = std::decay_t<decltype(t)>;
      if constexpr (!std::is_same_v<T, std::monostate>) rid = t->request_id_;
    }, rs.target);
    if (session.handler_ != nullptr) session.handler_->on_request_goaway(session, rid, g->new_session_uri);
    return;
  }
  auto unexpected = [this] { fail(SessionError::kProtocolViolation, "unexpected message on a request stream"); };
  // A response settles the token aliases the answered message registered or used.
  if (std::holds_alternative<wire::RequestOk>(message) || std::holds_alternative<wire::RequestError>(message) ||
      std::holds_alternative<wire::SubscribeOk>(message) || std::holds_alternative<wire::FetchOk>(message) ||
      std::holds_alternative<wire::PublishOk>(message)) {
    token_aliaser.answered(rs.id());
  }

  if (auto* sub = std::get_if<std::shared_ptr<Subscription>>(&rs.target)) {
    auto& s = **sub;
    if (auto* ok = std::get_if<wire::SubscribeOk>(&message)) {
      if (s.publisher_initiated_ || s.state_ != RequestState::kPending) return unexpected();
      auto it = by_alias.find(ok->track_alias);
      if (it != by_alias.end() && !it->second.expired()) {
        fail(SessionError::kDuplicateTrackAlias, "SUBSCRIBE_OK reuses a track alias");
        return;
      }
      s.track_alias_ = ok->track_alias;
      if (!read_track_info(ok->parameters, ok->track_properties, s.info_)) return;
      s.state_ = RequestState::kActive;
      by_alias[ok->track_alias] = *sub;
      auto keep = *sub;
      if (s.handler_ != nullptr) s.handler_->on_ok(s, s.info_);
      flush_pending_data();
      return;
    }
    if (auto* err = std::get_if<wire::RequestError>(&message)) {
      if (s.state_ == RequestState::kActive && s.updates_in_flight_ > 0) {
        // A refused REQUEST_UPDATE; PUBLISH_DONE (UPDATE_FAILED) follows and ends it.
        --s.updates_in_flight_;
        return;
      }
      if (s.state_ != RequestState::kPending) return unexpected();
      s.state_ = RequestState::kFailed;
      auto keep = *sub;
      if (s.handler_ != nullptr) s.handler_->on_error(s, from_wire(*err));
      return;
    }
    if (auto* done = std::get_if<wire::PublishDone>(&message)) {
      if (s.state_ != RequestState::kActive) return unexpected();
      s.done_status_ = done->status_code;
      s.done_reason_ = done->reason;
      s.done_streams_ = done->stream_count;
      finish_subscription(s, false);
      if (s.state_ == RequestState::kActive) {
        // Streams the publisher counted may never come (lost, reset before opening).
        session.loop().schedule_after(std::chrono::seconds(2), [w = std::weak_ptr<Subscription>(*sub), this] {
          if (auto strong = w.lock()) finish_subscription(*strong, true);
        });
      }
      return;
    }
    if (std::holds_alternative<wire::RequestOk>(message)) {  // REQUEST_UPDATE answered
      if (s.updates_in_flight_ > 0) --s.updates_in_flight_;
      return;
    }
    if (auto* n = std::get_if<wire::PublishStateNotify>(&message); n && s.publisher_initiated_) {
      // Draft-20: the publisher's state changed; keep what the session tracks of the track.
      if (n->parameters.largest_object) {
        s.info_.largest = Location{n->parameters.largest_object->group, n->parameters.largest_object->object};
      }
      return;
    }
    if (std::holds_alternative<wire::RequestUpdate>(message) && s.publisher_initiated_) return;
    return unexpected();
  }
  if (auto* sub = std::get_if<std::shared_ptr<ServedSubscription>>(&rs.target)) {
    auto& s = **sub;
    auto keep = *sub;
    if (auto* upd = std::get_if<wire::RequestUpdate>(&message)) {
      if (!rs.incoming() && s.state_ == RequestState::kPending) return unexpected();
      const auto limit = session.options_.max_request_updates;
      if (wire::features(v).setup_max_request_updates && limit > 0 && s.unanswered_updates_ >= limit) {
        fail(SessionError::kTooManyRequestUpdates, "more REQUEST_UPDATEs outstanding than MAX_REQUEST_UPDATES");
        return;
      }
      auto next = subscribe_options(upd->parameters);
      std::vector<AuthToken> update_tokens;
      if (!resolve_tokens(upd->parameters, update_tokens)) return;
      std::vector<RangeFilter> filters;
      auto error = range_filters_of(upd->parameters, filters);
      const auto& nf = next.filter;
      const bool filter_given = upd->parameters.subscription_filter || upd->parameters.location_filter;
      if (!error && filter_given && nf.ends_before_start()) {
        error = request_error(wire::RequestErrorCode::kInvalidRange, "end before start");
      }
      if (error) {
        // A failed update ends the subscription (PUBLISH_DONE UPDATE_FAILED).
        wire::RequestError e;
        e.error_code = error->code;
        e.reason = error->reason;
        send(rs.stream(), e);
        s.done(static_cast<std::uint64_t>(wire::PublishDoneCode::kUpdateFailed), error->reason);
        if (s.handler_ != nullptr) s.handler_->on_cancelled(s);
        return;
      }
      if (!upd->parameters.authorization_tokens.empty()) s.options_.tokens = std::move(update_tokens);
      // Absent parameters leave the current values unchanged; a filter type given again
      // replaces every set of that type, and one with no ranges removes it.
      if (upd->parameters.subscriber_priority) s.options_.subscriber_priority = next.subscriber_priority;
      if (upd->parameters.forward) s.options_.forward = next.forward;
      if (filter_given) {
        s.options_.filter = next.filter;
        s.resolve_filter();
      }
      for (const auto& f : filters) {
        std::erase_if(s.options_.range_filters, [&](const RangeFilter& old) { return old.field == f.field; });
      }
      for (auto& f : filters) {
        if (!f.ranges.empty()) s.options_.range_filters.push_back(std::move(f));
      }
      if (upd->parameters.object_delivery_timeout) s.options_.delivery_timeout_ms = next.delivery_timeout_ms;
      s.refresh_send_orders();
      if (upd->parameters.new_group_request && s.handler_ != nullptr) {
        s.handler_->on_new_group_request(s, *upd->parameters.new_group_request);
        if (session.closed_) return;
      }
      // Updates read together are answered together, after all of them applied (coalescing):
      // one REQUEST_OK each, and one on_update for the cumulative result.
      if (s.unanswered_updates_++ == 0) {
        session.loop().post([w = std::weak_ptr<ServedSubscription>(*sub), this, alive = session.weak_from_this()] {
          auto self = w.lock();
          if (!self || alive.expired() || session.closed()) return;
          const auto n = self->unanswered_updates_;
          self->unanswered_updates_ = 0;
          if (self->stream_ == nullptr || self->state_ != RequestState::kActive) return;
          for (std::uint64_t i = 0; i < n; ++i) send(self->stream_, wire::RequestOk{});
          if (self->handler_ != nullptr) self->handler_->on_update(*self);
        });
      }
      return;
    }
    if (!rs.incoming()) {  // our PUBLISH
      const bool publish_ok = std::holds_alternative<wire::PublishOk>(message) ||
                              std::holds_alternative<wire::RequestOk>(message);
      if (publish_ok && s.state_ == RequestState::kPending) {
        const auto& params = std::holds_alternative<wire::PublishOk>(message)
                                 ? std::get<wire::PublishOk>(message).parameters
                                 : std::get<wire::RequestOk>(message).parameters;
        s.options_ = subscribe_options(params);
        s.state_ = RequestState::kActive;
        s.resolve_filter();
        if (s.handler_ != nullptr) s.handler_->on_accepted(s);
        return;
      }
      if (auto* err = std::get_if<wire::RequestError>(&message); err && s.state_ == RequestState::kPending) {
        s.state_ = RequestState::kFailed;
        if (s.handler_ != nullptr) s.handler_->on_error(s, from_wire(*err));
        return;
      }
    }
    return unexpected();
  }
  if (auto* fp = std::get_if<std::shared_ptr<Fetch>>(&rs.target)) {
    auto& f = **fp;
    auto keep = *fp;
    if (auto* ok = std::get_if<wire::FetchOk>(&message)) {
      if (f.state_ != RequestState::kPending) return unexpected();
      f.state_ = RequestState::kActive;
      f.ok_ = FetchOkInfo{ok->end_of_track, {ok->end_location.group, ok->end_location.object}, f.order_};
      if (f.handler_ != nullptr) f.handler_->on_ok(f, *f.ok_);
      flush_pending_data();
      return;
    }
    if (auto* err = std::get_if<wire::RequestError>(&message)) {
      if (f.state_ != RequestState::kPending) return unexpected();
      f.state_ = RequestState::kFailed;
      if (f.handler_ != nullptr) f.handler_->on_error(f, from_wire(*err));
      return;
    }
    return unexpected();
  }
  if (auto* rp = std::get_if<std::shared_ptr<OutgoingRequest>>(&rs.target)) {
    auto& r = **rp;
    auto keep = *rp;
    if (auto* ok = std::get_if<wire::RequestOk>(&message)) {
      if (r.state_ != RequestState::kPending) return unexpected();
      r.state_ = RequestState::kActive;
      TrackInfo info;
      if (!read_track_info(ok->parameters, ok->track_properties, info)) return;
      if (r.handler_ != nullptr) r.handler_->on_ok(r, info);
      return;
    }
    if (auto* err = std::get_if<wire::RequestError>(&message)) {
      if (r.state_ != RequestState::kPending) return unexpected();
      r.state_ = RequestState::kFailed;
      if (r.handler_ != nullptr) r.handler_->on_error(r, from_wire(*err));
      return;
    }
    const bool ns_sub = r.kind_ == RequestKind::kSubscribeNamespace || r.kind_ == RequestKind::kSubscribeTracks;
    if (auto* ns = std::get_if<wire::Namespace>(&message); ns && ns_sub) {
      if (r.handler_ != nullptr) r.handler_->on_namespace(r, ns->suffix);
      return;
    }
    if (auto* nd = std::get_if<wire::NamespaceDone>(&message); nd && ns_sub) {
      if (r.handler_ != nullptr) r.handler_->on_namespace_done(r, nd->suffix);
      return;
    }
    if (auto* ps = std::get_if<wire::PublishSkipped>(&message); ps && r.kind_ == RequestKind::kSubscribeTracks) {
      if (r.handler_ != nullptr) r.handler_->on_publish_skipped(r, ps->track);
      return;
    }
    return unexpected();
  }
  if (auto* upd = std::get_if<wire::RequestUpdate>(&message); upd && rs.incoming()) {
    auto* req = std::get_if<std::shared_ptr<IncomingRequest>>(&rs.target);
    auto* fetch = std::get_if<std::shared_ptr<ServedFetch>>(&rs.target);
    if ((req == nullptr || (*req)->kind_ == RequestKind::kTrackStatus) && fetch == nullptr) return unexpected();
    std::vector<AuthToken> tokens;
    if (!resolve_tokens(upd->parameters, tokens)) return;
    // Requests other than subscriptions are not changed once made: the update is refused,
    // which per the draft ends the request (FETCH: its data stream is reset; the others:
    // the request stream is closed).
    wire::RequestError e;
    e.error_code = static_cast<std::uint64_t>(wire::RequestErrorCode::kNotSupported);
    e.reason = "this request cannot be updated";
    if (fetch != nullptr) {
      auto keep = *fetch;
      send(rs.stream(), e, true);
      if (keep->state_ == RequestState::kActive) keep->reset(static_cast<std::uint64_t>(wire::StreamResetCode::kCancelled));
      keep->state_ = RequestState::kDone;
      if (keep->on_cancel_) keep->on_cancel_();
      return;
    }
    auto keep = *req;
    send(rs.stream(), e, true);
    keep->state_ = RequestState::kDone;
    if (keep->on_cancel_) keep->on_cancel_();
    return;
  }
  unexpected();
}

void Session::Impl::on_request_ended(RequestStream& rs, bool reset) {
  if (rs.ended) return;
  rs.ended = true;
  std::visit([&](auto& t) {
    using T = std::decay_t<decltype(t)>;
    // The peer's side is over, so is the request: ending ours too closes the stream and
    // gives its credit back (QUIC stream credit, and the peer's count of open requests).
    if (auto* s = rs.stream(); s != nullptr) s->finish();
    if constexpr (std::is_same_v<T, std::shared_ptr<Subscription>>) {
      auto keep = t;
      if (t->done_status_) return;  // PUBLISH_DONE came first; its streams may still be arriving
      if (t->state_ == RequestState::kActive || t->state_ == RequestState::kPending) {
        t->state_ = RequestState::kDone;
        if (t->track_alias_) by_alias.erase(*t->track_alias_);
        if (t->handler_) t->handler_->on_done(*t, static_cast<std::uint64_t>(wire::PublishDoneCode::kSubscriptionEnded),
                                              reset ? "request stream reset" : "request stream finished");
      }
    } else if constexpr (std::is_same_v<T, std::shared_ptr<ServedSubscription>>) {
      auto keep = t;
      if (t->state_ == RequestState::kActive || t->state_ == RequestState::kPending) {
        t->state_ = RequestState::kDone;
        t->writers_.clear();
        if (t->handler_) t->handler_->on_cancelled(*t);
      }
    } else if constexpr (std::is_same_v<T, std::shared_ptr<Fetch>>) {
      (void)t;
    } else if constexpr (std::is_same_v<T, std::shared_ptr<ServedFetch>>) {
      auto keep = t;
      if (reset && t->state_ == RequestState::kActive) t->reset(static_cast<std::uint64_t>(wire::StreamResetCode::kCancelled));
      if (reset && t->on_cancel_) t->on_cancel_();
    } else if constexpr (std::is_same_v<T, std::shared_ptr<OutgoingRequest>>) {
      auto keep = t;
      t->state_ = RequestState::kDone;
      if (t->handler_) t->handler_->on_closed(*t);
    } else if constexpr (std::is_same_v<T, std::shared_ptr<IncomingRequest>>) {
      auto keep = t;
      t->state_ = RequestState::kDone;
      if (t->on_cancel_) t->on_cancel_();
    }
  }, rs.target);
}

void Session::Impl::finish_subscription(Subscription& s, bool force) {
  if (s.state_ != RequestState::kActive || !s.done_status_) return;
  if (!force && s.streams_ended_ < s.done_streams_) return;
  s.state_ = RequestState::kDone;
  if (s.track_alias_) by_alias.erase(*s.track_alias_);
  auto keep = s.shared_from_this();
  if (s.handler_ != nullptr) s.handler_->on_done(s, *s.done_status_, s.done_reason_);
}

void Session::Impl::on_data_ready(IncomingUniStream& us) {
  if (!us.reader()) return;
  auto& reader = *us.reader();
  if (reader.kind() == DataStreamReader::Kind::kSubgroup) {
    auto alias = reader.track_alias();
    if (!alias) return;
    auto it = by_alias.find(*alias);
    auto sub = it == by_alias.end() ? nullptr : it->second.lock();
    if (!sub) {
      // SUBSCRIBE_OK may still be on its way: hold the stream until it arrives.
      us.waiting_ = true;
      return;
    }
    us.waiting_ = false;
    if (sub->state_ != RequestState::kActive) {
      us.abandoned = true;
      if (auto* s = us.stream()) s->stop_sending(static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled));
      return;
    }
    Object o;
    auto keep = sub;
    while (sub->state_ == RequestState::kActive && reader.next(o, sub->info_.publisher_priority)) {
      if (!sub->largest_received_ || *sub->largest_received_ < o.location()) sub->largest_received_ = o.location();
      if (sub->handler_ != nullptr) sub->handler_->on_object(*sub, o);
      if (session.closed_) return;
    }
    if (us.reset_ && sub->handler_ != nullptr && reader.group_id()) {
      sub->handler_->on_subgroup_reset(*sub, *reader.group_id(), reader.subgroup_id().value_or(0),
                                       static_cast<std::uint64_t>(wire::StreamResetCode::kCancelled));
    }
    if ((us.finished || us.reset_) && !us.counted_end_) {
      us.counted_end_ = true;
      ++sub->streams_ended_;
      finish_subscription(*sub, false);
    }
    us.reset_ = false;
    return;
  }
  if (reader.kind() == DataStreamReader::Kind::kFetch) {
    auto rid = reader.request_id();
    if (!rid) return;
    auto it = fetches.find(*rid);
    auto f = it == fetches.end() ? nullptr : it->second.lock();
    if (!f) {
      us.abandoned = true;
      if (auto* s = us.stream()) s->stop_sending(static_cast<transport::ErrorCode>(wire::StreamResetCode::kCancelled));
      return;
    }
    if (f->state_ == RequestState::kPending) {
      us.waiting_ = true;  // FETCH_OK gives the order the stream is decoded in
      return;
    }
    us.waiting_ = false;
    if (!us.order_set_) {
      us.order_set_ = true;
      if (f->order_ == GroupOrder::kDescending) reader.set_descending();
    }
    Object o;
    auto keep = f;
    while (reader.next(o)) {
      if (f->handler_ != nullptr) f->handler_->on_object(*f, o);
      if (session.closed_) return;
    }
    if ((us.finished || us.reset_) && f->state_ == RequestState::kActive) {
      f->state_ = RequestState::kDone;
      if (f->stream_ != nullptr) f->stream_->finish();  // the fetch is over: its request stream too
      fetches.erase(*rid);
      if (f->handler_ != nullptr) f->handler_->on_complete(*f, !us.reset_);
    }
  }
}

void Session::Impl::flush_pending_data() {
  std::vector<IncomingUniStream*> waiting;
  for (auto& [id, us] : uni_streams) {
    if (us->waiting_) waiting.push_back(us.get());
  }
  for (auto* us : waiting) {
    if (session.closed_) return;
    on_data_ready(*us);
    if (!us->waiting_ && us->stream() == nullptr) {
      session.loop().post([w = session.weak_from_this(), this, id = us->id()] {
        if (!w.expired()) uni_streams.erase(id);
      });
    }
  }
}

}  // namespace kinetic::moqt
