#include "kinetic/relay/relay.hpp"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "kinetic/wire/error_codes.hpp"

namespace kinetic::relay {

namespace {

moqt::RequestErrorInfo request_error(wire::RequestErrorCode code, const char* why) {
  moqt::RequestErrorInfo e;
  e.code = static_cast<std::uint64_t>(code);
  e.reason = why;
  return e;
}

wire::TrackNamespace join(const wire::TrackNamespace& prefix, const wire::TrackNamespace& suffix) {
  wire::TrackNamespace full = prefix;
  full.fields.insert(full.fields.end(), suffix.fields.begin(), suffix.fields.end());
  return full;
}

}  // namespace

struct Relay::Peer final : moqt::SessionHandler {
  Relay* relay = nullptr;
  SessionId id = 0;
  std::shared_ptr<moqt::Session> session;
  std::vector<std::shared_ptr<moqt::ServedFetch>> fetches;
  bool closed = false;

  void on_closed(moqt::Session&, std::uint64_t code, std::string_view reason) override {
    spdlog::debug("relay: session {} closed ({}: {})", id, code, reason);
    relay->on_closed(*this);
  }
  void on_subscribe(moqt::Session&, std::shared_ptr<moqt::ServedSubscription> sub) override {
    relay->on_subscribe(*this, std::move(sub));
  }
  void on_publish(moqt::Session&, std::shared_ptr<moqt::Subscription> sub) override {
    relay->on_publish(*this, std::move(sub));
  }
  void on_fetch(moqt::Session&, std::shared_ptr<moqt::ServedFetch> fetch) override {
    relay->on_fetch(*this, std::move(fetch));
  }
  void on_request(moqt::Session&, std::shared_ptr<moqt::IncomingRequest> request) override {
    relay->on_request(*this, std::move(request));
  }
};

Relay::Relay(transport::EventLoop& loop, const RelayConfig& config, RelayMetrics& metrics)
    : loop_(loop),
      config_(config),
      metrics_(metrics),
      cache_(CacheBudget{config.cache_bytes, config.track_cache_bytes}) {}

Relay::~Relay() {
  closing_ = true;
  tracks_.clear();
  interests_.clear();
  announcements_.clear();
  for (auto& [id, peer] : peers_) {
    if (peer->session && !peer->session->closed()) peer->session->close(0, "relay stopped");
  }
  RelayMetrics::add(metrics_.sessions, -static_cast<std::int64_t>(peers_.size()));
  peers_.clear();
}

bool Relay::accept(transport::SessionPtr transport) {
  if (peers_.size() >= config_.max_sessions) {
    RelayMetrics::add(metrics_.sessions_refused);
    transport->close(static_cast<std::uint64_t>(wire::SessionError::kInternalError), "relay at max sessions");
    return false;
  }
  auto peer = std::make_unique<Peer>();
  peer->relay = this;
  peer->id = next_id_++;
  moqt::SessionOptions options;
  options.perspective = moqt::Perspective::kServer;
  options.max_incoming_requests = config_.max_requests;
  peer->session = moqt::Session::create(std::move(transport), options, peer.get());
  if (!peer->session) {
    RelayMetrics::add(metrics_.sessions_refused);
    return false;
  }
  RelayMetrics::add(metrics_.sessions, 1);
  RelayMetrics::add(metrics_.sessions_total);
  peers_.emplace(peer->id, std::move(peer));
  return true;
}

void Relay::close_all(std::string_view reason) {
  for (auto& [id, peer] : peers_) {
    if (peer->session && !peer->session->closed()) peer->session->close(0, reason);
  }
}

void Relay::notify(const std::vector<NamespaceNotice>& notices, const wire::TrackNamespace& full) {
  (void)full;
  for (const auto& n : notices) {
    auto it = interests_.find({n.subscriber, n.prefix});
    if (it == interests_.end()) continue;
    const auto ns = join(n.prefix, n.suffix);
    if (n.kind == NamespaceNotice::Kind::kNamespace) {
      it->second->send_namespace(ns);
    } else {
      it->second->send_namespace_done(ns);
    }
  }
}

void Relay::on_request(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request) {
  if (closing_) return;
  const auto ns = request->track_namespace();
  const SessionId id = peer.id;
  switch (request->kind()) {
    case moqt::RequestKind::kPublishNamespace: {
      auto outcome = registry_.publish(id, ns);
      if (!outcome) {
        RelayMetrics::add(metrics_.requests_refused);
        request->reject(request_error(outcome.error().code, outcome.error().what));
        return;
      }
      request->set_on_cancel([this, id, ns] {
        if (closing_) return;
        notify(registry_.withdraw(id, ns), ns);
        // Drop the request after this callback returns.
        loop_.post([this, id, ns] { announcements_.erase({id, ns}); });
      });
      request->accept();
      announcements_[{id, ns}] = request;
      notify(*outcome, ns);
      return;
    }
    case moqt::RequestKind::kSubscribeNamespace: {
      auto outcome = registry_.subscribe(id, ns);
      if (!outcome) {
        RelayMetrics::add(metrics_.requests_refused);
        request->reject(request_error(outcome.error().code, outcome.error().what));
        return;
      }
      request->set_on_cancel([this, id, ns] {
        if (closing_) return;
        registry_.unsubscribe(id, ns);
        loop_.post([this, id, ns] { interests_.erase({id, ns}); });
      });
      request->accept();
      interests_[{id, ns}] = request;
      for (const auto& suffix : outcome->existing) request->send_namespace(join(ns, suffix));
      return;
    }
    case moqt::RequestKind::kTrackStatus: {
      const auto* cached = cache_.find(request->track());
      auto it = tracks_.find(request->track());
      if (cached == nullptr && it == tracks_.end()) {
        request->reject(request_error(wire::RequestErrorCode::kDoesNotExist, "track not carried by this relay"));
        return;
      }
      moqt::TrackInfo info;
      if (cached != nullptr) info.largest = cached->largest();
      request->accept(info);
      return;
    }
    case moqt::RequestKind::kSubscribeTracks:
      RelayMetrics::add(metrics_.requests_refused);
      request->reject(request_error(wire::RequestErrorCode::kNotSupported, "SUBSCRIBE_TRACKS not supported"));
      return;
  }
}

RelayTrack& Relay::make_track(const moqt::FullTrackName& name) {
  auto track = std::make_unique<RelayTrack>(name, cache_, metrics_, TrackLimits{config_.subscriber_queue_bytes},
                                            [this](RelayTrack& t) {
                                              // Never inside the track's own callback.
                                              loop_.post([this, name = t.name()] { forget_if_empty(name); });
                                            });
  auto& ref = *track;
  tracks_[name] = std::move(track);
  return ref;
}

void Relay::forget_if_empty(const moqt::FullTrackName& name) {
  auto it = tracks_.find(name);
  if (it == tracks_.end() || it->second->downstream_count() > 0) return;
  // A PUBLISH the publisher started stays as long as it runs: late subscribers join it.
  if (!it->second->ended() && it->second->upstream_active() && it->second->publisher() != 0 &&
      it->second->downstream_count() == 0 && publisher_started_.contains(name)) {
    return;
  }
  publisher_started_.erase(name);
  tracks_.erase(it);
  cache_.erase(name);
  RelayMetrics::set(metrics_.cache_bytes, static_cast<std::int64_t>(cache_.bytes()));
}

void Relay::on_subscribe(Peer& peer, std::shared_ptr<moqt::ServedSubscription> sub) {
  if (closing_) return;
  const auto name = sub->track();
  if (auto it = tracks_.find(name); it != tracks_.end() && !it->second->ended()) {
    it->second->add_downstream(std::move(sub));
    return;
  }
  auto route = registry_.route(name.track_namespace, peer.id);
  auto publisher = route ? peers_.find(*route) : peers_.end();
  if (publisher == peers_.end() || publisher->second->closed) {
    RelayMetrics::add(metrics_.requests_refused);
    sub->reject(request_error(wire::RequestErrorCode::kDoesNotExist, "no publisher for this namespace"));
    return;
  }
  if (tracks_.size() >= config_.max_tracks) {
    RelayMetrics::add(metrics_.requests_refused);
    sub->reject(request_error(wire::RequestErrorCode::kExcessiveLoad, "relay carries its maximum of tracks"));
    return;
  }
  tracks_.erase(name);  // an ended track's leftovers
  auto& track = make_track(name);
  track.add_downstream(std::move(sub));
  moqt::SubscribeOptions upstream_options;  // from the newest object on; the cache serves the rest
  track.set_upstream(publisher->second->session->subscribe(name, upstream_options, &track), *route);
}

void Relay::on_publish(Peer& peer, std::shared_ptr<moqt::Subscription> sub) {
  if (closing_) return;
  const auto name = sub->track();
  if (auto it = tracks_.find(name); it != tracks_.end() && !it->second->ended()) {
    RelayMetrics::add(metrics_.requests_refused);
    sub->reject(request_error(wire::RequestErrorCode::kInternalError, "track already has a publisher here"));
    return;
  }
  if (tracks_.size() >= config_.max_tracks) {
    RelayMetrics::add(metrics_.requests_refused);
    sub->reject(request_error(wire::RequestErrorCode::kExcessiveLoad, "relay carries its maximum of tracks"));
    return;
  }
  tracks_.erase(name);
  auto& track = make_track(name);
  sub->accept(&track);
  track.set_upstream(std::move(sub), peer.id);
  publisher_started_.insert(name);
}

void Relay::on_fetch(Peer& peer, std::shared_ptr<moqt::ServedFetch> fetch) {
  if (closing_) return;
  std::erase_if(peer.fetches, [](const auto& f) {
    return f->state() == moqt::RequestState::kDone || f->state() == moqt::RequestState::kFailed;
  });
  const auto* cached = cache_.find(fetch->track());
  const auto& range = fetch->range();
  const moqt::Location end = range.end_object ? moqt::Location{range.end_group, *range.end_object + 1}
                                              : moqt::Location{range.end_group + 1, 0};
  auto objects = cached ? cached->range(range.start, end) : std::vector<moqt::Object>{};
  if (objects.empty()) {
    RelayMetrics::add(metrics_.requests_refused);
    fetch->reject(request_error(cached ? wire::RequestErrorCode::kInvalidRange : wire::RequestErrorCode::kDoesNotExist,
                                "nothing cached in that range"));
    return;
  }
  moqt::FetchOkInfo info;
  info.end_location = objects.back().location();
  fetch->accept(info);
  for (const auto& o : objects) {
    if (fetch->write(o)) {
      RelayMetrics::add(metrics_.objects_out);
      RelayMetrics::add(metrics_.bytes_out, o.payload.size());
    }
  }
  fetch->finish();
  peer.fetches.push_back(std::move(fetch));
}

void Relay::on_closed(Peer& peer) {
  if (closing_ || peer.closed) return;
  peer.closed = true;
  const SessionId id = peer.id;
  // Namespaces it published are withdrawn; its interests vanish.
  auto notices = registry_.remove_session(id);
  std::erase_if(interests_, [id](const auto& kv) { return kv.first.first == id; });
  notify(notices, {});
  // Tracks it published end: their subscribers hear PUBLISH_DONE.
  for (auto& [name, track] : tracks_) {
    if (track->publisher() == id) {
      track->end(static_cast<std::uint64_t>(wire::PublishDoneCode::kGoingAway), "publisher went away");
      loop_.post([this, n = name] { forget_if_empty(n); });
    }
  }
  loop_.post([this, id] {
    std::erase_if(announcements_, [id](const auto& kv) { return kv.first.first == id; });
    if (peers_.erase(id) > 0) RelayMetrics::add(metrics_.sessions, -1);
  });
}

}  // namespace kinetic::relay
