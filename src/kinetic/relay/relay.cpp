#include "kinetic/relay/relay.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "kinetic/relay/relay_auth.hpp"
#include "kinetic/wire/error_codes.hpp"
#include "kinetic/wire/version.hpp"

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

bool overlaps(const wire::TrackNamespace& a, const wire::TrackNamespace& b) {
  return a.is_prefix_of(b) || b.is_prefix_of(a);
}

bool finished(moqt::RequestState s) { return s == moqt::RequestState::kDone || s == moqt::RequestState::kFailed; }

std::string text(const wire::TrackNamespace& ns) {
  std::string out;
  for (const auto& f : ns.fields) {
    if (!out.empty()) out += '/';
    out += f;
  }
  return out;
}

}  // namespace

struct Relay::Peer final : moqt::SessionHandler {
  Relay* relay = nullptr;
  SessionId id = 0;
  bool upstream = false;  // a session this relay opened to a parent relay
  // An internal link (another worker of this relay, at either end): no tokens, and what crosses
  // it is not the relay's traffic, which the workers count where it enters and leaves the relay.
  bool trusted = false;
  std::size_t link = 0;   // which parent (links_), when upstream
  std::shared_ptr<moqt::Session> session;
  std::vector<std::shared_ptr<moqt::ServedFetch>> fetches;
  bool closed = false;
  // Auth: the session's own token was looked at; what it grants; when the first token that
  // admitted the session or allowed one of its requests expires, and the timer for it.
  bool admitted = false;
  bool refused = false;
  std::optional<auth::Grants> grants;
  std::optional<std::int64_t> deadline;
  std::optional<transport::TimerId> expiry_timer;

  void on_ready(moqt::Session&) override {
    if (upstream) {
      relay->on_upstream_ready(*this);
    } else {
      relay->admit(*this);
    }
  }
  void on_closed(moqt::Session&, std::uint64_t code, std::string_view reason) override {
    spdlog::debug("relay: session {} closed ({}: {})", relay->session_name(id), code, reason);
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

// SUBSCRIBE_NAMESPACE or SUBSCRIBE_TRACKS this relay sent to a publisher (or its upstream) for
// the downstream interests in `downstream`. Namespaces it hears of become routes to `target`.
struct Relay::Forward final : moqt::RequestHandler {
  Relay* relay = nullptr;
  SessionId target = 0;
  moqt::RequestKind kind = moqt::RequestKind::kSubscribeNamespace;
  wire::TrackNamespace prefix;
  std::set<InterestKey> downstream;
  std::shared_ptr<moqt::OutgoingRequest> request;
  std::set<wire::TrackNamespace> learned;
  // Cancelling a request still unanswered would make its late answer a protocol violation;
  // it is cancelled once answered instead.
  bool cancel_when_answered = false;
  int retries = 0;

  void cancel() {
    if (!request || finished(request->state())) return;
    if (request->state() == moqt::RequestState::kPending) {
      cancel_when_answered = true;
    } else {
      request->cancel();
    }
  }
  void on_ok(moqt::OutgoingRequest& r, const moqt::TrackInfo&) override {
    if (cancel_when_answered) r.cancel();
  }
  void on_error(moqt::OutgoingRequest&, const moqt::RequestErrorInfo& e) override {
    spdlog::debug("relay: interest in '{}' refused by session {} ({}: {})", text(prefix), target, e.code, e.reason);
    relay->on_forward_refused(*this, e.code);
  }
  void on_namespace(moqt::OutgoingRequest&, const wire::TrackNamespace& suffix) override {
    if (!cancel_when_answered) relay->on_forwarded_namespace(*this, join(prefix, suffix), false);
  }
  void on_namespace_done(moqt::OutgoingRequest&, const wire::TrackNamespace& suffix) override {
    relay->on_forwarded_namespace(*this, join(prefix, suffix), true);
  }
};

// A PUBLISH the relay sent to a SUBSCRIBE_TRACKS subscriber, until PUBLISH_OK or an error.
struct Relay::Offer final : moqt::ServedSubscriptionHandler {
  Relay* relay = nullptr;
  SessionId subscriber = 0;
  moqt::FullTrackName name;
  std::shared_ptr<moqt::ServedSubscription> sub;
  bool answered = false;

  void on_accepted(moqt::ServedSubscription&) override { relay->on_offer_answered(*this, true); }
  void on_error(moqt::ServedSubscription&, const moqt::RequestErrorInfo&) override {
    relay->on_offer_answered(*this, false);
  }
  void on_cancelled(moqt::ServedSubscription&) override { relay->on_offer_answered(*this, false); }
};

// A FETCH for something not cached here, passed to the track's route and streamed back.
struct Relay::FetchProxy final : moqt::FetchHandler {
  Relay* relay = nullptr;
  SessionId asker = 0;
  SessionId target = 0;
  std::shared_ptr<moqt::ServedFetch> down;
  std::shared_ptr<moqt::Fetch> up;
  bool over = false;
  bool counted = true;  // the asker is not another worker of this relay

  void on_ok(moqt::Fetch&, const moqt::FetchOkInfo& info) override { down->accept(info); }
  void on_error(moqt::Fetch&, const moqt::RequestErrorInfo& e) override {
    down->reject(e);
    over = true;
  }
  void on_object(moqt::Fetch&, const moqt::Object& o) override {
    if (down->write(o) && counted) {
      RelayMetrics::add(relay->metrics_.objects_out);
      RelayMetrics::add(relay->metrics_.bytes_out, o.payload.size());
    }
  }
  void on_complete(moqt::Fetch&, bool complete) override {
    if (complete) {
      down->finish();
    } else if (down->state() == moqt::RequestState::kPending) {
      down->reject(request_error(wire::RequestErrorCode::kInternalError, "upstream fetch failed"));
    } else {
      down->reset(static_cast<std::uint64_t>(wire::StreamResetCode::kInternalError));
    }
    over = true;
  }
};

// A TRACK_STATUS for a track not carried here, asked of its route. Kept until the upstream
// session's last call for it (on_closed, at the latest when that session ends), not just until
// the answer: the end of the upstream's side may come after it, from a peer that sends them apart.
struct Relay::StatusProxy final : moqt::RequestHandler {
  SessionId asker = 0;
  SessionId target = 0;
  std::shared_ptr<moqt::IncomingRequest> down;
  std::shared_ptr<moqt::OutgoingRequest> up;
  bool over = false;

  void on_ok(moqt::OutgoingRequest&, const moqt::TrackInfo& info) override { down->accept(info); }
  void on_error(moqt::OutgoingRequest&, const moqt::RequestErrorInfo& e) override { down->reject(e); }
  void on_closed(moqt::OutgoingRequest&) override {
    if (down->state() == moqt::RequestState::kPending) {
      down->reject(
          request_error(wire::RequestErrorCode::kInternalError, "upstream ended the request unanswered"));
    }
    over = true;
  }
};

// Hears parents' answers to this relay's PUBLISH_NAMESPACE requests (announce_upstream).
struct Relay::AnnounceWatch final : moqt::RequestHandler {
  Relay* relay = nullptr;
  void on_ok(moqt::OutgoingRequest& r, const moqt::TrackInfo&) override { relay->on_upstream_announced(r, nullptr); }
  void on_error(moqt::OutgoingRequest& r, const moqt::RequestErrorInfo& e) override {
    relay->on_upstream_announced(r, &e);
  }
};

// Hears a parent's hop track; objects from an earlier session of the link are ignored.
struct Relay::HopWatch final : moqt::SubscriptionHandler {
  Relay* relay = nullptr;
  UpstreamLink* link = nullptr;
  void on_object(moqt::Subscription& sub, const moqt::Object& object) override;
};

// One parent relay: its connector, its session while there is one, and its path score.
struct Relay::UpstreamLink {
  std::size_t index = 0;
  std::string label;
  UpstreamConnector connector;
  UpstreamPolicy policy;
  Backoff backoff{std::chrono::milliseconds{250}, std::chrono::milliseconds{10'000}};
  UpstreamState state = UpstreamState::kNone;
  std::optional<SessionId> id;  // its session while connecting or up
  std::optional<transport::TimerId> reconnect_timer;
  std::vector<std::string> hops;  // the parent's path to its origin, itself first
  bool loop = false;
  // Its hop track, which keeps `hops` current while the session lasts.
  std::shared_ptr<moqt::Subscription> hop_sub;
  std::unique_ptr<HopWatch> hop_watch;
  // Path score (PathPolicy).
  double rtt_ms = 0;
  double loss = 0;
  double score_ms = 0;
  std::uint64_t last_lost = 0;
  std::uint64_t last_sent = 0;
  int better = 0;  // probes in a row it beat the active parent by the margins
};

Relay::Relay(transport::EventLoop& loop, const RelayConfig& config, RelayMetrics& metrics)
    : loop_(loop),
      config_(config),
      metrics_(metrics),
      cache_(CacheBudget{config.cache_bytes, config.track_cache_bytes}),
      announce_watch_(std::make_unique<AnnounceWatch>()) {
  announce_watch_->relay = this;
}

Relay::~Relay() {
  closing_ = true;
  for (auto& [id, peer] : peers_) {
    if (peer->expiry_timer) loop_.cancel(*peer->expiry_timer);
  }
  for (auto& l : links_) {
    if (l->reconnect_timer) loop_.cancel(*l->reconnect_timer);
  }
  if (probe_timer_) loop_.cancel(*probe_timer_);
  for (auto& [name, timer] : lingering_) loop_.cancel(timer);
  for (auto timer : retry_timers_) loop_.cancel(timer);
  for (auto timer : hold_timers_) loop_.cancel(timer);
  lingering_.clear();
  for (auto& o : offers_) {
    if (o->sub) o->sub->set_handler(nullptr);
  }
  gap_fills_.clear();
  tracks_.clear();
  interests_.clear();
  track_interests_.clear();
  announcements_.clear();
  for (auto& [id, peer] : peers_) {
    if (peer->session && !peer->session->closed()) peer->session->close(0, "relay stopped");
  }
  RelayMetrics::add(metrics_.sessions, -static_cast<std::int64_t>(peers_.size()));
  RelayMetrics::set(metrics_.forwarded_interests, 0);
  RelayMetrics::set(metrics_.upstream_announcements, 0);
  RelayMetrics::set(metrics_.upstream_link, 0);
  RelayMetrics::set(metrics_.lingering_tracks, 0);
  // The sessions are closed, so nothing calls these handlers any more.
  forwards_.clear();
  fetch_proxies_.clear();
  status_proxies_.clear();
  offers_.clear();
  peers_.clear();
}

std::string Relay::session_name(SessionId id) const {
  return log_tag_.empty() ? std::to_string(id) : fmt::format("{}/{}", log_tag_, id);
}

void Relay::publish_metrics() {
  RelayMetrics::set(metrics_.forwarded_interests, static_cast<std::int64_t>(forwards_.size()));
  RelayMetrics::set(metrics_.upstream_announcements, static_cast<std::int64_t>(upstream_announcements_.size()));
  RelayMetrics::set(metrics_.upstream_link, static_cast<std::int64_t>(upstream_state_));
  RelayMetrics::set(metrics_.lingering_tracks, static_cast<std::int64_t>(lingering_.size()));
}

bool Relay::accept(transport::SessionPtr transport, bool trusted) {
  if (peers_.size() >= config_.max_sessions) {
    RelayMetrics::add(metrics_.sessions_refused);
    transport->close(static_cast<std::uint64_t>(wire::SessionError::kInternalError), "relay at max sessions");
    return false;
  }
  auto peer = std::make_unique<Peer>();
  peer->relay = this;
  peer->id = next_id_++;
  peer->trusted = trusted;
  moqt::SessionOptions options;
  options.perspective = moqt::Perspective::kServer;
  options.max_incoming_requests = config_.max_requests;
  // Our path to the origin, for a child relay to refuse a loop.
  if (!relay_id_.empty()) options.implementation = "kinetic-relay hops=" + hop_list();
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

// ------------------------------------------------------------------ auth

void Relay::set_auth(std::shared_ptr<const auth::TokenVerifier> verifier) {
  verifier_ = std::move(verifier);
  unix_anchor_ = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  loop_anchor_ = loop_.now();
}

std::int64_t Relay::unix_now() const {
  return unix_anchor_ + std::chrono::duration_cast<std::chrono::seconds>(loop_.now() - loop_anchor_).count();
}

bool Relay::admit(Peer& peer) {
  if (!verifier_ || peer.upstream || peer.trusted) return true;
  if (peer.admitted) return !peer.refused;
  peer.admitted = true;
  std::vector<std::string> tokens;
  // WebTransport carries the URL's path; raw QUIC carries PATH in SETUP.
  std::string_view path = peer.session->transport().path();
  if (path.empty() && peer.session->peer_setup().path) path = *peer.session->peer_setup().path;
  if (auto t = token_from_path(path)) tokens.push_back(std::move(*t));
  for (const auto& t : peer.session->peer_setup().tokens) tokens.push_back(t.value);
  auto verdict = verify_session_tokens(*verifier_, tokens, unix_now());
  if (verdict.error) {
    spdlog::info("relay: session {} refused: {}", session_name(peer.id), verdict.error->what);
    RelayMetrics::add(metrics_.sessions_refused);
    peer.refused = true;
    peer.session->close(static_cast<std::uint64_t>(session_error_for(verdict.error->code)),
                        "token refused: " + verdict.error->what);
    return false;
  }
  peer.grants = std::move(verdict.grants);
  if (peer.grants) {
    spdlog::debug("relay: session {} admitted by key '{}' ({} scopes)", session_name(peer.id), peer.grants->key_id,
                  peer.grants->scopes.size());
    if (peer.grants->expires_at) expire_at(peer, *peer.grants->expires_at);
  }
  return true;
}

bool Relay::authorized(Peer& peer, auth::Action action, const wire::TrackNamespace& ns,
                       std::optional<std::string_view> track, const std::vector<moqt::AuthToken>& tokens,
                       moqt::RequestErrorInfo& refusal) {
  if (!verifier_ || peer.upstream || peer.trusted) return true;
  if (!admit(peer)) {
    refusal = request_error(wire::RequestErrorCode::kUnauthorized, "session refused");
    return false;
  }
  const auto now = unix_now();
  auto d = authorize_request(*verifier_, action, ns, track, tokens, peer.grants, now);
  if (!d.allowed) {
    spdlog::info("relay: session {}: {} refused ({})", session_name(peer.id), auth::action_name(action), d.reason);
    RelayMetrics::add(metrics_.requests_refused);
    refusal.code = d.code;
    refusal.reason = d.reason;
    return false;
  }
  if (d.expires_at) expire_at(peer, *d.expires_at);
  return true;
}

bool Relay::interest_allows(SessionId subscriber, const moqt::IncomingRequest& interest, auth::Action action,
                            const wire::TrackNamespace& ns, std::optional<std::string_view> track) const {
  if (!verifier_) return true;
  auto it = peers_.find(subscriber);
  if (it == peers_.end()) return false;
  const Peer& peer = *it->second;
  if (peer.upstream || peer.trusted) return true;
  auto d = authorize_request(*verifier_, action, ns, track, interest.tokens(), peer.grants, unix_now());
  if (!d.allowed) {
    spdlog::debug("relay: session {}: {} not carried ({})", session_name(subscriber),
                  auth::action_name(action), d.reason);
  }
  return d.allowed;
}

void Relay::expire_at(Peer& peer, std::int64_t unix_seconds) {
  if (peer.deadline && *peer.deadline <= unix_seconds) return;
  peer.deadline = unix_seconds;
  if (peer.expiry_timer) loop_.cancel(*peer.expiry_timer);
  const auto wait = std::chrono::seconds(std::max<std::int64_t>(0, unix_seconds - unix_now()));
  peer.expiry_timer = loop_.schedule_after(wait, [this, id = peer.id] {
    auto it = peers_.find(id);
    if (it == peers_.end() || it->second->closed) return;
    it->second->expiry_timer.reset();
    spdlog::info("relay: session {} closed: its token expired", session_name(id));
    it->second->session->close(static_cast<std::uint64_t>(wire::SessionError::kExpiredAuthToken), "token expired");
  });
}

void Relay::close_all(std::string_view reason) {
  for (auto& l : links_) {
    if (l->reconnect_timer) loop_.cancel(*l->reconnect_timer);
    l->reconnect_timer.reset();
    l->connector = nullptr;  // no reconnecting while shutting down
  }
  if (probe_timer_) {
    loop_.cancel(*probe_timer_);
    probe_timer_.reset();
  }
  for (auto& [id, peer] : peers_) {
    if (peer->session && !peer->session->closed()) peer->session->close(0, reason);
  }
}

// ------------------------------------------------------------------ upstream links


namespace {

constexpr std::string_view kHopsPrefix = "kinetic-relay hops=";
constexpr std::size_t kMaxHops = 32;

const std::string kReservedNamespace = ".kinetic";

bool reserved(const wire::TrackNamespace& ns) { return !ns.fields.empty() && ns.fields.front() == kReservedNamespace; }

// "a,b,c" → {a, b, c}, at most kMaxHops.
std::vector<std::string> parse_hop_list(std::string_view rest) {
  std::vector<std::string> out;
  while (!rest.empty() && out.size() < kMaxHops) {
    const auto comma = rest.find(',');
    auto hop = rest.substr(0, comma);
    if (!hop.empty()) out.emplace_back(hop);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

// "kinetic-relay hops=a,b,c" → {a, b, c}; anything else (another implementation) → {}.
std::vector<std::string> parse_hops(const std::optional<std::string>& implementation) {
  if (!implementation || !implementation->starts_with(kHopsPrefix)) return {};
  return parse_hop_list(std::string_view(*implementation).substr(kHopsPrefix.size()));
}

}  // namespace

void Relay::set_upstream(UpstreamConnector connector, UpstreamPolicy policy) {
  add_upstream(std::move(connector), std::move(policy), "upstream");
}

void Relay::add_upstream(UpstreamConnector connector, UpstreamPolicy policy, std::string label) {
  auto link = std::make_unique<UpstreamLink>();
  link->index = links_.size();
  link->label = label.empty() ? "upstream " + std::to_string(links_.size()) : std::move(label);
  link->connector = std::move(connector);
  link->policy = std::move(policy);
  link->backoff = Backoff{link->policy.initial_backoff, link->policy.max_backoff};
  auto& ref = *links_.emplace_back(std::move(link));
  if (links_.size() == 2 && !probe_timer_ && !closing_) {
    probe_timer_ = loop_.schedule_after(path_policy_.probe_interval, [this] { probe_paths(); });
  }
  connect_upstream(ref);
}

std::vector<UpstreamStatus> Relay::upstreams() const {
  std::vector<UpstreamStatus> out;
  for (const auto& l : links_) {
    UpstreamStatus s;
    s.label = l->label;
    s.state = l->state;
    s.active = l->id && upstream_id_ == l->id;
    s.score_ms = l->score_ms;
    s.rtt_ms = l->rtt_ms;
    s.loss = l->loss;
    s.loop = l->loop;
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<std::size_t> Relay::active_upstream() const {
  for (const auto& l : links_) {
    if (l->id && upstream_id_ == l->id) return l->index;
  }
  return std::nullopt;
}

std::string Relay::hop_list() const {
  std::string out = relay_id_;
  for (const auto& h : parent_hops_) out += "," + h;
  return out;
}

moqt::FullTrackName Relay::hop_track() { return {{{kReservedNamespace, "relay"}}, "hops"}; }

void Relay::serve_hops(std::shared_ptr<moqt::ServedSubscription> sub) {
  if (relay_id_.empty()) {
    sub->reject(request_error(wire::RequestErrorCode::kDoesNotExist, "this relay has no id"));
    return;
  }
  std::erase_if(hop_subscribers_, [](const auto& s) { return finished(s->state()); });
  publish_hops();
  moqt::TrackInfo info;
  info.largest = moqt::Location{hop_group_, 0};
  sub->accept(info);
  send_hops(*sub);
  hop_subscribers_.push_back(std::move(sub));
}

void Relay::publish_hops() {
  if (relay_id_.empty() || closing_) return;
  auto now = hop_list();
  if (now == hop_published_) return;
  hop_published_ = std::move(now);
  if (!hop_subscribers_.empty()) ++hop_group_;
  std::erase_if(hop_subscribers_, [](const auto& s) { return finished(s->state()); });
  for (auto& sub : hop_subscribers_) send_hops(*sub);
}

void Relay::send_hops(moqt::ServedSubscription& sub) {
  if (hop_group_ > 0) sub.close_groups_before(hop_group_, false);
  auto* w = sub.open_subgroup({hop_group_, 0, moqt::kDefaultPriority, false, true});
  if (w == nullptr) return;  // no stream credit: the next change is sent whole
  w->write(0, SharedBytes::copy(hop_published_));
  w->finish();
}

void Relay::watch_hops(UpstreamLink& link, moqt::Session& session) {
  if (!link.hop_watch) {
    link.hop_watch = std::make_unique<HopWatch>();
    link.hop_watch->relay = this;
    link.hop_watch->link = &link;
  }
  if (link.hop_sub && !finished(link.hop_sub->state())) link.hop_sub->unsubscribe();
  link.hop_sub = session.subscribe(hop_track(), moqt::SubscribeOptions{}, link.hop_watch.get());
}

void Relay::HopWatch::on_object(moqt::Subscription& sub, const moqt::Object& object) {
  if (link->hop_sub.get() != &sub) return;
  relay->on_parent_hops(*link, object);
}

void Relay::on_parent_hops(UpstreamLink& link, const moqt::Object& object) {
  if (closing_ || !link.id || link.state != UpstreamState::kUp || object.payload.empty()) return;
  const auto bytes = object.payload.span();
  link.hops = parse_hop_list(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  const bool active = upstream_id_ == link.id;
  const bool loop = std::find(link.hops.begin(), link.hops.end(), relay_id_) != link.hops.end();
  if (loop != link.loop) {
    spdlog::info("relay: {} now reaches its origin via {}: {}", link.label, fmt::join(link.hops, ","),
                 loop ? "a loop through this relay, not eligible" : "eligible again");
  }
  link.loop = loop;
  if (loop && active) {
    // Left as if it had died (its tracks move to the best other parent); its session is
    // closed outside this callback and asked again after max_backoff.
    loop_.post([this, id = *link.id] {
      if (auto it = peers_.find(id); it != peers_.end() && !it->second->closed) it->second->session->close(0, "relay loop");
    });
    return;
  }
  if (loop) return;
  if (active) {
    parent_hops_ = link.hops;
    publish_hops();
  } else if (!upstream_id_) {
    activate(link, "parent's path clear of this relay", std::nullopt);
  }
}

void Relay::connect_upstream(UpstreamLink& link) {
  link.reconnect_timer.reset();
  if (closing_ || !link.connector) return;
  auto peer = std::make_unique<Peer>();
  peer->relay = this;
  peer->id = next_id_++;
  peer->upstream = true;
  peer->trusted = link.policy.internal;
  peer->link = link.index;
  moqt::SessionOptions options;
  options.perspective = moqt::Perspective::kClient;
  options.path = link.policy.path;
  options.setup_tokens = link.policy.tokens;
  options.max_incoming_requests = config_.max_requests;
  if (!relay_id_.empty()) options.implementation = std::string(kHopsPrefix) + relay_id_;
  link.state = UpstreamState::kConnecting;
  if (!upstream_id_) upstream_state_ = UpstreamState::kConnecting;
  RelayMetrics::add(metrics_.upstream_connects);
  peer->session = link.connector(options, peer.get());
  if (!peer->session) {
    on_upstream_lost(link);
    return;
  }
  link.id = peer->id;
  RelayMetrics::add(metrics_.sessions, 1);
  peers_.emplace(peer->id, std::move(peer));
  publish_metrics();
}

void Relay::on_upstream_ready(Peer& peer) {
  if (closing_ || peer.closed || peer.link >= links_.size()) return;
  auto& link = *links_[peer.link];
  if (link.id != peer.id) return;
  link.hops = parse_hops(peer.session->peer_setup().implementation);
  if (!relay_id_.empty() && std::find(link.hops.begin(), link.hops.end(), relay_id_) != link.hops.end()) {
    // This relay is on the parent's own path to its origin: using it would make a loop.
    spdlog::warn("relay: {} refused: its path to the origin ({}) already passes through this relay ({})",
                 link.label, fmt::join(link.hops, ","), relay_id_);
    link.loop = true;
    peer.session->close(0, "relay loop");
    return;
  }
  link.loop = false;
  spdlog::info("relay: upstream link up ({})", link.label);
  link.state = UpstreamState::kUp;
  link.backoff.reset();
  const auto stats = peer.session->transport().stats();
  link.last_lost = stats.packets_lost;
  link.last_sent = stats.bytes_sent;
  link.rtt_ms = static_cast<double>(stats.smoothed_rtt.count()) / 1000.0;
  link.score_ms = link.rtt_ms;
  if (!relay_id_.empty() && !link.hops.empty()) watch_hops(link, *peer.session);
  if (!upstream_id_) activate(link, "first parent up", std::nullopt);
  publish_metrics();
}

void Relay::activate(UpstreamLink& link, std::string_view why, std::optional<SessionId> from) {
  if (!link.id) return;
  const SessionId to = *link.id;
  auto target = peers_.find(to);
  if (target == peers_.end() || target->second->closed) return;
  if (upstream_id_ && *upstream_id_ != to) from = upstream_id_;
  // What the previous parent was asked for on our behalf is withdrawn there: namespaces it
  // told of stop being routes, local namespaces stop being announced to it.
  if (from) {
    for (auto& [ns, a] : upstream_announcements_) retire_announcement(a.target, a.request);
    std::vector<ForwardKey> held;
    for (const auto& [key, fwd] : forwards_) {
      if (fwd->target == *from) held.push_back(key);
    }
    for (const auto& key : held) {
      auto it = forwards_.find(key);
      auto& fwd = *it->second;
      fwd.cancel();
      for (const auto& ns : fwd.learned) notify(registry_.withdraw(fwd.target, ns), ns);
      fwd.learned.clear();
      parked_forwards_.push_back(std::move(it->second));
      forwards_.erase(it);
    }
  }
  forget_upstream_announcements();
  upstream_id_ = to;
  upstream_state_ = UpstreamState::kUp;
  parent_hops_ = link.hops;
  for (auto& l : links_) l->better = 0;
  spdlog::info("relay: route via {} ({}; score {:.1f} ms)", link.label, why, link.score_ms);
  auto is_upstream = [this](SessionId id) {
    auto it = peers_.find(id);
    return it != peers_.end() && it->second->upstream;
  };
  // Local publishers' namespaces go up, so the upstream routes their tracks here.
  for (const auto& [key, request] : announcements_) {
    if (!is_upstream(key.first)) announce_upstream(key.second);
  }
  // Interest downstream subscribers already hold is asked of the upstream too.
  for (const auto& [key, request] : interests_) {
    if (!is_upstream(key.first)) attach_interest(to, key.first, moqt::RequestKind::kSubscribeNamespace, key.second);
  }
  for (const auto& [key, request] : track_interests_) {
    if (!is_upstream(key.first)) attach_interest(to, key.first, moqt::RequestKind::kSubscribeTracks, key.second);
  }
  // Tracks carried through the previous parent move here; their subscribers stay subscribed.
  std::size_t moved = 0;
  for (auto& [name, track] : tracks_) {
    if (track->ended()) continue;
    if (!track->orphaned() && !(from && track->publisher() == *from)) continue;
    // From the newest object on (repeats are dropped); what was published since the last
    // object received is fetched once the new parent answers (GapFill).
    std::optional<moqt::Location> last = track->info().largest;
    if (auto old = gap_fills_.find(name); old != gap_fills_.end() && old->second->filling()) {
      last = old->second->last();  // moved again before the previous gap was filled
    }
    GapFillLimits limits;
    limits.hold_bytes = config_.subscriber_queue_bytes;
    auto fill = std::make_unique<GapFill>(loop_, *track, target->second->session, last, limits);
    moqt::SubscribeOptions options;
    options.new_group_request =
        track->take_new_group_request(!target->second->trusted);  // asked while orphaned
    auto sub = target->second->session->subscribe(name, options, fill.get());
    fill->attach(sub);
    gap_fills_[name] = std::move(fill);
    track->move_upstream(std::move(sub), to, !target->second->trusted);
    ++moved;
  }
  if (from) {
    ++switches_;
    RelayMetrics::add(metrics_.upstream_switches);
  }
  if (moved > 0) spdlog::info("relay: {} track(s) moved to {}", moved, link.label);
  publish_hops();
  publish_metrics();
}

Relay::UpstreamLink* Relay::best_link(const UpstreamLink* excluding) {
  UpstreamLink* best = nullptr;
  for (auto& l : links_) {
    if (l.get() == excluding || l->state != UpstreamState::kUp || !l->id || l->loop) continue;
    auto it = peers_.find(*l->id);
    if (it == peers_.end() || it->second->closed) continue;
    if (best == nullptr || l->score_ms < best->score_ms) best = l.get();
  }
  return best;
}

void Relay::probe_paths() {
  probe_timer_.reset();
  if (closing_) return;
  UpstreamLink* active = nullptr;
  for (auto& l : links_) {
    if (l->state != UpstreamState::kUp || !l->id) continue;
    auto it = peers_.find(*l->id);
    if (it == peers_.end() || it->second->closed) continue;
    const auto stats = it->second->session->transport().stats();
    l->rtt_ms = static_cast<double>(stats.smoothed_rtt.count()) / 1000.0;
    const auto lost = stats.packets_lost >= l->last_lost ? stats.packets_lost - l->last_lost : 0;
    const auto sent = stats.bytes_sent >= l->last_sent ? stats.bytes_sent - l->last_sent : 0;
    l->last_lost = stats.packets_lost;
    l->last_sent = stats.bytes_sent;
    const double packets = static_cast<double>(sent) / 1200.0 + static_cast<double>(lost);
    if (packets >= 1.0) {
      const double sample = std::min(1.0, static_cast<double>(lost) / packets);
      l->loss = 0.7 * l->loss + 0.3 * sample;
    }
    l->score_ms = l->rtt_ms + path_policy_.loss_penalty_ms * l->loss;
    if (upstream_id_ == l->id) active = l.get();
  }
  if (active != nullptr) {
    auto* best = best_link(nullptr);
    if (best != nullptr && best != active && best->score_ms + path_policy_.switch_margin_ms < active->score_ms &&
        best->score_ms * path_policy_.switch_ratio < active->score_ms) {
      for (auto& l : links_) {
        if (l.get() != best) l->better = 0;
      }
      if (++best->better >= path_policy_.switch_after) {
        spdlog::info("relay: {} scores {:.1f} ms against {:.1f} ms on {}", best->label, best->score_ms,
                     active->score_ms, active->label);
        activate(*best, "better path", std::nullopt);
      }
    } else {
      for (auto& l : links_) l->better = 0;
    }
  }
  probe_timer_ = loop_.schedule_after(path_policy_.probe_interval, [this] { probe_paths(); });
}

bool Relay::hold_orphan(RelayTrack& track) {
  if (closing_) return false;
  auto it = peers_.find(track.publisher());
  if (it == peers_.end() || !it->second->upstream || !it->second->session->closed()) return false;
  // Held only when another parent is there to take it.
  for (const auto& l : links_) {
    if (l->state != UpstreamState::kUp || !l->id || *l->id == track.publisher() || l->loop) continue;
    auto p = peers_.find(*l->id);
    if (p != peers_.end() && !p->second->closed && !p->second->session->closed()) return true;
  }
  return false;
}

void Relay::on_upstream_lost(UpstreamLink& link) {
  const auto dead = link.id;
  const bool was_active = dead && upstream_id_ == dead;
  link.id.reset();
  link.state = UpstreamState::kDown;
  link.better = 0;
  if (was_active) {
    upstream_id_.reset();
    forget_upstream_announcements();
    parent_hops_.clear();
    if (!closing_) {
      if (auto* next = best_link(&link)) activate(*next, "parent lost", dead);
    }
    publish_hops();
    // No other parent: what was held for a move ends after all.
    for (auto& [name, track] : tracks_) {
      if (track->orphaned()) {
        track->end(static_cast<std::uint64_t>(wire::PublishDoneCode::kGoingAway), "upstream lost");
        loop_.post([this, n = name] { forget_if_empty(n); });
      }
    }
  }
  if (!upstream_id_) {
    bool connecting = false;
    for (const auto& l : links_) connecting = connecting || l->state == UpstreamState::kConnecting;
    upstream_state_ = connecting ? UpstreamState::kConnecting : UpstreamState::kDown;
  }
  if (closing_ || !link.connector) {
    publish_metrics();
    return;
  }
  const auto delay = link.loop ? link.policy.max_backoff : link.backoff.next();
  spdlog::info("relay: {} down; reconnecting in {} ms", link.label, delay.count());
  link.reconnect_timer = loop_.schedule_after(delay, [this, l = &link] { connect_upstream(*l); });
  publish_metrics();
}

void Relay::announce_upstream(const wire::TrackNamespace& ns) {
  if (!upstream_id_ || upstream_state_ != UpstreamState::kUp) return;
  auto& entry = upstream_announcements_[ns];
  ++entry.holders;
  if (entry.request) {
    // Another local publisher of `ns` joins an announcement the parent already accepted.
    if (entry.request->state() == moqt::RequestState::kActive) settle_announcements(ns, nullptr);
    return;
  }
  auto it = peers_.find(*upstream_id_);
  if (it == peers_.end() || it->second->closed) return;
  entry.target = it->first;
  entry.request = it->second->session->publish_namespace(ns, announce_watch_.get());
  publish_metrics();
}

void Relay::withdraw_upstream(const wire::TrackNamespace& ns) {
  auto it = upstream_announcements_.find(ns);
  if (it == upstream_announcements_.end()) return;
  if (--it->second.holders > 0) return;
  retire_announcement(it->second.target, it->second.request);
  if (it->second.listed) list_namespace(ns, false);
  upstream_announcements_.erase(it);
  publish_metrics();
}

void Relay::withdraw_announcement(SessionId publisher, const wire::TrackNamespace& ns, bool from_upstream,
                                  bool listed) {
  // A session that closes cancels its requests and then closes: both end its announcements,
  // and the second must not withdraw what another publisher of `ns` still holds.
  if (!withdrawn_.insert({publisher, ns}).second) return;
  notify(registry_.withdraw(publisher, ns), ns);
  if (!from_upstream) withdraw_upstream(ns);
  if (listed) list_namespace(ns, false);
}

bool Relay::lists_at_publish(const Peer& peer) const {
  // The hub's own clients' namespaces are routable relay-wide as soon as it has them; another
  // worker's once the hub has them too (on_upstream_announced).
  return !peer.upstream && !peer.trusted && !behind_hub();
}

void Relay::forget_upstream_announcements() {
  for (const auto& [ns, a] : upstream_announcements_) {
    if (a.listed) list_namespace(ns, false);
  }
  upstream_announcements_.clear();
}

void Relay::share_namespaces(std::shared_ptr<WorkerNamespaces> shared, std::size_t index) {
  shared_namespaces_ = std::move(shared);
  worker_index_ = index;
}

void Relay::list_namespace(const wire::TrackNamespace& ns, bool add) {
  if (!shared_namespaces_) return;
  if (add) {
    shared_namespaces_->add(worker_index_, ns);
  } else {
    shared_namespaces_->remove(worker_index_, ns);
  }
}

void Relay::retire_announcement(SessionId target, std::shared_ptr<moqt::OutgoingRequest> request) {
  if (!request || finished(request->state())) return;
  if (request->state() == moqt::RequestState::kPending) {
    cancel_on_answer_.emplace_back(target, std::move(request));
  } else {
    request->cancel();
  }
}

void Relay::on_upstream_announced(moqt::OutgoingRequest& request, const moqt::RequestErrorInfo* error) {
  auto retired = std::find_if(cancel_on_answer_.begin(), cancel_on_answer_.end(),
                              [&](const auto& r) { return r.second.get() == &request; });
  if (retired != cancel_on_answer_.end()) {
    if (error == nullptr) request.cancel();
    cancel_on_answer_.erase(retired);
    return;
  }
  if (closing_) return;
  const wire::TrackNamespace ns = request.track_namespace();
  auto it = upstream_announcements_.find(ns);
  if (it == upstream_announcements_.end() || it->second.request.get() != &request) return;
  if (error != nullptr) {
    spdlog::info("relay: parent refused namespace '{}' ({}: {})", text(ns), error->code, error->reason);
    upstream_announcements_.erase(it);
    publish_metrics();
  } else if (behind_hub() && !it->second.listed) {
    it->second.listed = true;
    list_namespace(ns, true);
  }
  settle_announcements(ns, error);
}

bool Relay::answers_after_parent() const {
  // With a real parent the OK comes at once: this relay serves the namespace to its own
  // subscribers whatever the parent says, and a parent may be unreachable for seconds (its
  // backoff reaches 10 s) or refuse what this relay's own token does not grant. Workers of one
  // relay are one relay to their clients: a publisher's OK has to mean that every worker can
  // route to it, so it waits for the hub.
  return std::any_of(links_.begin(), links_.end(), [](const auto& l) { return l->policy.internal; });
}

void Relay::settle_announcements(const wire::TrackNamespace& ns, const moqt::RequestErrorInfo* error) {
  std::vector<std::pair<SessionId, wire::TrackNamespace>> refused;
  for (const auto& [key, request] : announcements_) {
    if (key.second != ns || request->state() != moqt::RequestState::kPending) continue;
    if (auto p = peers_.find(key.first); p == peers_.end() || p->second->upstream) continue;
    if (error == nullptr) {
      request->accept();
    } else {
      refused.push_back(key);
    }
  }
  for (const auto& key : refused) {
    auto it = announcements_.find(key);
    it->second->set_on_cancel(nullptr);
    it->second->reject(*error);
    RelayMetrics::add(metrics_.requests_refused);
    notify(registry_.withdraw(key.first, ns), ns);
    announcements_.erase(it);
  }
}

void Relay::bound_hold(SessionId publisher, const wire::TrackNamespace& ns) {
  // The hub link is in-process: it is down only in a relay's first moments and while the hub
  // goes away, and the hub answers within a loop turn. The publisher waits through a reconnect
  // (the internal backoff stops at 1 s), but not on a hub that is gone: then its namespace is
  // accepted here alone, as a relay without a parent would, and goes to the hub when the link
  // is back (activate).
  static constexpr auto kWait = std::chrono::seconds(2);
  auto id = std::make_shared<transport::TimerId>(0);
  *id = loop_.schedule_after(kWait, [this, id, publisher, ns] {
    hold_timers_.erase(*id);
    auto it = announcements_.find({publisher, ns});
    if (closing_ || it == announcements_.end() || it->second->state() != moqt::RequestState::kPending) return;
    spdlog::warn("relay: no answer from the hub for namespace '{}' in {} s; accepted on this worker alone", text(ns),
                 kWait.count());
    it->second->accept();
  });
  hold_timers_.insert(*id);
}

Relay::Peer* Relay::route(const wire::TrackNamespace& ns, SessionId asker) {
  const auto a = peers_.find(asker);
  const bool parent_asked = a != peers_.end() && a->second->upstream;
  if (auto local = registry_.match(ns, asker)) {
    auto it = peers_.find(local->session);
    // A worker's own publisher of a shorter prefix than another worker's gives way to the
    // hub, which routes over every worker's namespaces. What the hub asks is served here: it
    // asked because this worker's prefix was the longest it knows.
    const bool longer_elsewhere = behind_hub() && !parent_asked &&
                                  shared_namespaces_->longest_elsewhere(worker_index_, ns) > local->fields;
    if (it != peers_.end() && !it->second->closed && !longer_elsewhere) return it->second.get();
  }
  // Nothing here: the active parent, unless a parent asked (what a parent asks of its child
  // is served from local publishers only: anything else would go round a loop).
  if (parent_asked) return nullptr;
  if (upstream_id_ && *upstream_id_ != asker) {
    auto it = peers_.find(*upstream_id_);
    if (it != peers_.end() && !it->second->closed) return it->second.get();
  }
  return nullptr;
}

// ------------------------------------------------------------------ namespaces

void Relay::notify(const std::vector<NamespaceNotice>& notices, const wire::TrackNamespace& full) {
  (void)full;
  for (const auto& n : notices) {
    auto it = interests_.find({n.subscriber, n.prefix});
    if (it == interests_.end()) continue;
    const auto ns = join(n.prefix, n.suffix);
    if (!interest_allows(n.subscriber, *it->second, auth::Action::kSubscribeNamespace, ns, std::nullopt))
      continue;
    if (n.kind == NamespaceNotice::Kind::kNamespace) {
      it->second->send_namespace(ns);
    } else {
      it->second->send_namespace_done(ns);
    }
  }
}

void Relay::on_request(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request) {
  if (closing_) return;
  moqt::RequestErrorInfo refusal;
  bool ok = true;
  switch (request->kind()) {
    case moqt::RequestKind::kPublishNamespace:
      ok = authorized(peer, auth::Action::kPublishNamespace, request->track_namespace(), std::nullopt,
                      request->tokens(), refusal);
      break;
    case moqt::RequestKind::kSubscribeNamespace:
      ok = authorized(peer, auth::Action::kSubscribeNamespace, request->track_namespace(), std::nullopt,
                      request->tokens(), refusal);
      break;
    case moqt::RequestKind::kSubscribeTracks:
      // Namespace interest that PUBLISHes every track under the prefix: both grants.
      ok = authorized(peer, auth::Action::kSubscribeNamespace, request->track_namespace(), std::nullopt,
                      request->tokens(), refusal) &&
           authorized(peer, auth::Action::kSubscribe, request->track_namespace(), std::nullopt, request->tokens(),
                      refusal);
      break;
    case moqt::RequestKind::kTrackStatus:
      ok = authorized(peer, auth::Action::kTrackStatus, request->track().track_namespace, request->track().name,
                      request->tokens(), refusal);
      break;
  }
  if (!ok) {
    request->reject(refusal);
    return;
  }
  switch (request->kind()) {
    case moqt::RequestKind::kPublishNamespace: return on_publish_namespace(peer, std::move(request));
    case moqt::RequestKind::kSubscribeNamespace: return on_subscribe_namespace(peer, std::move(request));
    case moqt::RequestKind::kSubscribeTracks: return on_subscribe_tracks(peer, std::move(request));
    case moqt::RequestKind::kTrackStatus: return on_track_status(peer, std::move(request));
  }
}

void Relay::on_publish_namespace(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request) {
  const auto ns = request->track_namespace();
  const SessionId id = peer.id;
  if (reserved(ns)) {
    RelayMetrics::add(metrics_.requests_refused);
    request->reject(request_error(wire::RequestErrorCode::kUnauthorized, "namespace reserved for relays"));
    return;
  }
  auto outcome = registry_.publish(id, ns);
  if (!outcome) {
    RelayMetrics::add(metrics_.requests_refused);
    request->reject(request_error(outcome.error().code, outcome.error().what));
    return;
  }
  const bool from_upstream = peer.upstream;
  const bool listed_here = lists_at_publish(peer);
  request->set_on_cancel([this, id, ns, from_upstream, listed_here, self = request.get()] {
    if (closing_) return;
    withdraw_announcement(id, ns, from_upstream, listed_here);
    // Drop the request after this callback returns, unless the publisher announced `ns` again in
    // the meantime (PUBLISH_NAMESPACE_DONE and PUBLISH_NAMESPACE in one packet): that one stays.
    loop_.post([this, id, ns, self] {
      auto it = announcements_.find({id, ns});
      if (it == announcements_.end() || it->second.get() != self) return;
      announcements_.erase(it);
      withdrawn_.erase({id, ns});
    });
  });
  // With an internal parent the OK waits for its answer to this relay's own announcement
  // (answers_after_parent), sent just below or, while the link is down, when it is back.
  const bool held = !from_upstream && answers_after_parent();
  if (!held) request->accept();
  spdlog::info("relay: namespace '{}' published by session {}", text(ns), session_name(id));
  announcements_[{id, ns}] = request;
  withdrawn_.erase({id, ns});
  if (listed_here) list_namespace(ns, true);
  notify(*outcome, ns);
  // What the upstream announced is never announced back to it.
  if (!from_upstream) announce_upstream(ns);
  if (held && request->state() == moqt::RequestState::kPending) bound_hold(id, ns);
  // Interest already held here that this publisher may serve.
  for (const auto& [key, req] : interests_) {
    if (key.first != id && overlaps(key.second, ns))
      attach_interest(id, key.first, moqt::RequestKind::kSubscribeNamespace, key.second);
  }
  for (const auto& [key, req] : track_interests_) {
    if (key.first != id && overlaps(key.second, ns))
      attach_interest(id, key.first, moqt::RequestKind::kSubscribeTracks, key.second);
  }
}

void Relay::on_subscribe_namespace(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request) {
  const auto ns = request->track_namespace();
  const SessionId id = peer.id;
  auto outcome = registry_.subscribe(id, ns);
  if (!outcome) {
    RelayMetrics::add(metrics_.requests_refused);
    request->reject(request_error(outcome.error().code, outcome.error().what));
    return;
  }
  request->set_on_cancel([this, id, ns] {
    if (closing_) return;
    registry_.unsubscribe(id, ns);
    release_interest(id, moqt::RequestKind::kSubscribeNamespace, ns);
    loop_.post([this, id, ns] { interests_.erase({id, ns}); });
  });
  request->accept();
  interests_[{id, ns}] = request;
  for (const auto& suffix : outcome->existing) {
    const auto full = join(ns, suffix);
    if (interest_allows(id, *request, auth::Action::kSubscribeNamespace, full, std::nullopt))
      request->send_namespace(full);
  }
  forward_interest(id, moqt::RequestKind::kSubscribeNamespace, ns);
}

void Relay::on_subscribe_tracks(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request) {
  const auto prefix = request->track_namespace();
  const SessionId id = peer.id;
  if (!prefix.fields.empty() && !wire::validate_namespace(prefix)) {
    RelayMetrics::add(metrics_.requests_refused);
    request->reject(request_error(wire::RequestErrorCode::kNamespaceTooLarge, "invalid namespace prefix"));
    return;
  }
  // SUBSCRIBE_TRACKS has its own overlap space, apart from SUBSCRIBE_NAMESPACE.
  for (const auto& [key, req] : track_interests_) {
    if (key.first == id && overlaps(key.second, prefix)) {
      RelayMetrics::add(metrics_.requests_refused);
      request->reject(request_error(wire::RequestErrorCode::kPrefixOverlap, "prefix overlaps another SUBSCRIBE_TRACKS"));
      return;
    }
  }
  request->set_on_cancel([this, id, prefix] {
    if (closing_) return;
    release_interest(id, moqt::RequestKind::kSubscribeTracks, prefix);
    loop_.post([this, id, prefix] { track_interests_.erase({id, prefix}); });
  });
  request->accept();
  track_interests_[{id, prefix}] = request;
  // Tracks already carried here, then whatever the publishers PUBLISH in answer to the
  // interest passed on to them.
  std::vector<moqt::FullTrackName> existing;
  for (const auto& [name, track] : tracks_) {
    if (!track->ended() && track->upstream_active() && track->publisher() != id &&
        prefix.is_prefix_of(name.track_namespace))
      existing.push_back(name);
  }
  for (const auto& name : existing) offer(id, name);
  forward_interest(id, moqt::RequestKind::kSubscribeTracks, prefix);
}

void Relay::on_track_status(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request) {
  const auto* cached = cache_.find(request->track());
  auto it = tracks_.find(request->track());
  if (cached != nullptr || it != tracks_.end()) {
    moqt::TrackInfo info;
    if (it != tracks_.end()) info = it->second->info();
    if (cached != nullptr && cached->largest() && (!info.largest || *info.largest < *cached->largest()))
      info.largest = cached->largest();
    request->accept(info);
    return;
  }
  auto* target = route(request->track().track_namespace, peer.id);
  if (target == nullptr) {
    request->reject(request_error(wire::RequestErrorCode::kDoesNotExist, "track not carried by this relay"));
    return;
  }
  std::erase_if(status_proxies_, [](const auto& p) { return p->over; });
  auto proxy = std::make_unique<StatusProxy>();
  proxy->asker = peer.id;
  proxy->target = target->id;
  proxy->down = std::move(request);
  proxy->up = target->session->track_status(proxy->down->track(), proxy.get(), proxy->down->tokens());
  status_proxies_.push_back(std::move(proxy));
}

// ------------------------------------------------------------------ forwarded interest

void Relay::forward_interest(SessionId subscriber, moqt::RequestKind kind, const wire::TrackNamespace& prefix) {
  std::set<SessionId> targets;
  for (const auto& [key, req] : announcements_) {
    if (key.first != subscriber && overlaps(key.second, prefix)) targets.insert(key.first);
  }
  // The upstream may know namespaces under the prefix that nobody here announced.
  if (upstream_id_ && upstream_state_ == UpstreamState::kUp && *upstream_id_ != subscriber) targets.insert(*upstream_id_);
  for (SessionId t : targets) attach_interest(t, subscriber, kind, prefix);
}

void Relay::attach_interest(SessionId target, SessionId subscriber, moqt::RequestKind kind,
                            const wire::TrackNamespace& prefix) {
  auto peer = peers_.find(target);
  if (peer == peers_.end() || peer->second->closed) return;
  // One request per target for every prefix it covers: two overlapping prefixes on one
  // session would be refused (PREFIX_OVERLAP).
  for (auto& [key, fwd] : forwards_) {
    if (fwd->target == target && fwd->kind == kind && fwd->prefix.is_prefix_of(prefix) && !fwd->cancel_when_answered) {
      fwd->downstream.insert({subscriber, prefix});
      return;
    }
  }
  const ForwardKey key{target, kind, prefix};
  if (auto it = forwards_.find(key); it != forwards_.end()) {
    // A cancelled one still waiting for its answer; a fresh request takes its place.
    it->second->downstream.clear();
    parked_forwards_.push_back(std::move(it->second));
    forwards_.erase(it);
  }
  auto fwd = std::make_unique<Forward>();
  fwd->relay = this;
  fwd->target = target;
  fwd->kind = kind;
  fwd->prefix = prefix;
  fwd->downstream.insert({subscriber, prefix});
  // Narrower requests to the same target give way to this wider one: their subscribers and
  // the namespaces they learned move over, and they are cancelled.
  std::vector<ForwardKey> narrower;
  for (const auto& [k, f] : forwards_) {
    if (f->target == target && f->kind == kind && prefix.is_prefix_of(f->prefix)) narrower.push_back(k);
  }
  for (const auto& k : narrower) {
    auto it = forwards_.find(k);
    fwd->downstream.merge(it->second->downstream);
    fwd->learned.merge(it->second->learned);
    it->second->cancel();
    parked_forwards_.push_back(std::move(it->second));
    forwards_.erase(it);
  }
  send_forward(*fwd);
  forwards_.emplace(key, std::move(fwd));
  publish_metrics();
}

void Relay::send_forward(Forward& fwd) {
  auto peer = peers_.find(fwd.target);
  if (peer == peers_.end() || peer->second->closed) return;
  auto& session = *peer->second->session;
  fwd.request = fwd.kind == moqt::RequestKind::kSubscribeNamespace ? session.subscribe_namespace(fwd.prefix, &fwd)
                                                                   : session.subscribe_tracks(fwd.prefix, &fwd);
  RelayMetrics::add(metrics_.interests_forwarded);
}

void Relay::on_forward_refused(Forward& fwd, std::uint64_t code) {
  // A narrower request it replaced may not have been cancelled at the target yet.
  if (closing_ || code != static_cast<std::uint64_t>(wire::RequestErrorCode::kPrefixOverlap) || fwd.retries >= 5 ||
      fwd.cancel_when_answered)
    return;
  ++fwd.retries;
  const ForwardKey key{fwd.target, fwd.kind, fwd.prefix};
  auto id = std::make_shared<transport::TimerId>(0);
  *id = loop_.schedule_after(std::chrono::milliseconds(50 << fwd.retries), [this, id, key, f = &fwd, n = fwd.retries] {
    retry_timers_.erase(*id);
    auto it = forwards_.find(key);
    if (closing_ || it == forwards_.end() || it->second.get() != f || f->retries != n) return;
    send_forward(*f);
  });
  retry_timers_.insert(*id);
}

void Relay::release_interest(SessionId subscriber, moqt::RequestKind kind, const wire::TrackNamespace& prefix) {
  std::vector<ForwardKey> emptied;
  for (auto& [key, fwd] : forwards_) {
    if (fwd->kind != kind) continue;
    if (fwd->downstream.erase({subscriber, prefix}) > 0 && fwd->downstream.empty()) emptied.push_back(key);
  }
  for (const auto& key : emptied) {
    auto it = forwards_.find(key);
    auto& fwd = *it->second;
    fwd.cancel();
    for (const auto& ns : fwd.learned) notify(registry_.withdraw(fwd.target, ns), ns);
    fwd.learned.clear();
    // The session may still deliver the answer to a cancelled request: its handler lives on
    // until its session ends.
    parked_forwards_.push_back(std::move(it->second));
    forwards_.erase(it);
  }
  if (!emptied.empty()) publish_metrics();
}

void Relay::drop_forwards_to(SessionId target) {
  std::erase_if(forwards_, [target](const auto& kv) { return kv.second->target == target; });
  std::erase_if(parked_forwards_, [target](const auto& f) { return f->target == target; });
  publish_metrics();
}

void Relay::on_forwarded_namespace(Forward& fwd, const wire::TrackNamespace& full, bool done) {
  if (closing_) return;
  if (done) {
    if (fwd.learned.erase(full) > 0) notify(registry_.withdraw(fwd.target, full), full);
    return;
  }
  if (fwd.learned.contains(full)) return;
  // The namespace becomes a route to the session that told of it; an exact PUBLISH_NAMESPACE
  // of its own already is one.
  auto outcome = registry_.publish(fwd.target, full);
  if (!outcome) return;
  fwd.learned.insert(full);
  notify(*outcome, full);
}

// ------------------------------------------------------------------ SUBSCRIBE_TRACKS offers

void Relay::offer(SessionId subscriber, const moqt::FullTrackName& name) {
  auto peer = peers_.find(subscriber);
  auto track = tracks_.find(name);
  if (peer == peers_.end() || peer->second->closed || track == tracks_.end()) return;
  for (const auto& o : offers_) {
    if (o->subscriber == subscriber && o->name == name && !o->answered) return;  // already on its way
  }
  bool allowed = false;
  for (const auto& [key, req] : track_interests_) {
    allowed = allowed ||
              (key.first == subscriber && key.second.is_prefix_of(name.track_namespace) &&
               interest_allows(subscriber, *req, auth::Action::kSubscribe, name.track_namespace, name.name));
  }
  if (!allowed) return;
  auto o = std::make_unique<Offer>();
  o->relay = this;
  o->subscriber = subscriber;
  o->name = name;
  auto* handler = o.get();
  offers_.push_back(std::move(o));
  handler->sub = peer->second->session->publish(name, track->second->info(), handler);
  RelayMetrics::add(metrics_.tracks_offered);
}

void Relay::offer_to_interested(const moqt::FullTrackName& name, SessionId publisher) {
  std::set<SessionId> subscribers;
  for (const auto& [key, req] : track_interests_) {
    if (key.first != publisher && key.second.is_prefix_of(name.track_namespace)) subscribers.insert(key.first);
  }
  for (SessionId s : subscribers) offer(s, name);
}

void Relay::on_offer_answered(Offer& o, bool accepted) {
  if (closing_ || o.answered) return;
  o.answered = true;
  auto sub = o.sub;
  if (sub) sub->set_handler(nullptr);
  if (accepted && sub) {
    auto it = tracks_.find(o.name);
    if (it != tracks_.end() && !it->second->ended()) {
      if (auto l = lingering_.find(o.name); l != lingering_.end()) {
        loop_.cancel(l->second);
        lingering_.erase(l);
        publish_metrics();
      }
      auto peer = peers_.find(o.subscriber);
      it->second->add_downstream(sub, true, peer == peers_.end() || !peer->second->trusted);
    } else {
      sub->done(static_cast<std::uint64_t>(wire::PublishDoneCode::kGoingAway), "publisher went away");
    }
  }
  // Never inside the subscription's own callback.
  loop_.post([this] { std::erase_if(offers_, [](const auto& x) { return x->answered; }); });
}

// ------------------------------------------------------------------ tracks

RelayTrack& Relay::make_track(const moqt::FullTrackName& name) {
  // An ended track's linger timer must not outlive it into its successor.
  if (auto l = lingering_.find(name); l != lingering_.end()) {
    loop_.cancel(l->second);
    lingering_.erase(l);
    publish_metrics();
  }
  auto track = std::make_unique<RelayTrack>(name, cache_, metrics_, TrackLimits{config_.subscriber_queue_bytes},
                                            [this](RelayTrack& t) {
                                              // Never inside the track's own callback.
                                              loop_.post([this, name = t.name()] { forget_if_empty(name); });
                                            });
  auto& ref = *track;
  ref.set_on_upstream_lost([this](RelayTrack& t) { return hold_orphan(t); });
  tracks_[name] = std::move(track);
  return ref;
}

void Relay::erase_track(const moqt::FullTrackName& name) {
  const moqt::FullTrackName key = name;  // `name` may be the erased entry's own key
  gap_fills_.erase(key);
  tracks_.erase(key);
}

void Relay::forget_if_empty(const moqt::FullTrackName& name) {
  auto it = tracks_.find(name);
  if (it == tracks_.end() || it->second->downstream_count() > 0) return;
  auto& track = *it->second;
  // A PUBLISH the publisher started stays as long as it runs: late subscribers join it.
  if (!track.ended() && track.upstream_active() && track.publisher() != 0 && publisher_started_.contains(name)) {
    return;
  }
  // A live track lingers, so a subscriber coming back soon is served from the cache.
  if (!track.ended() && track.upstream_active() && config_.track_linger_ms > 0 && !closing_) {
    if (lingering_.contains(name)) return;
    lingering_[name] = loop_.schedule_after(std::chrono::milliseconds(config_.track_linger_ms),
                                            [this, name] { linger_expired(name); });
    publish_metrics();
    return;
  }
  if (auto l = lingering_.find(name); l != lingering_.end()) {
    loop_.cancel(l->second);
    lingering_.erase(l);
  }
  publisher_started_.erase(name);
  erase_track(it->first);
  cache_.erase(name);
  RelayMetrics::set(metrics_.cache_bytes, static_cast<std::int64_t>(cache_.bytes()));
  publish_metrics();
}

void Relay::linger_expired(const moqt::FullTrackName& name) {
  lingering_.erase(name);
  auto it = tracks_.find(name);
  if (it != tracks_.end() && it->second->downstream_count() == 0) {
    spdlog::debug("relay: track {} unwatched past its linger; unsubscribing upstream", name.name);
    publisher_started_.erase(name);
    erase_track(it->first);
    cache_.erase(name);
    RelayMetrics::set(metrics_.cache_bytes, static_cast<std::int64_t>(cache_.bytes()));
  }
  publish_metrics();
}

void Relay::on_subscribe(Peer& peer, std::shared_ptr<moqt::ServedSubscription> sub) {
  if (closing_) return;
  const auto name = sub->track();
  // The relay's own track, for child relays: no route, no cache, no token needed.
  if (name == hop_track() && !peer.upstream) return serve_hops(std::move(sub));
  if (reserved(name.track_namespace)) {
    sub->reject(request_error(wire::RequestErrorCode::kDoesNotExist, "reserved namespace"));
    return;
  }
  if (moqt::RequestErrorInfo refusal;
      !authorized(peer, auth::Action::kSubscribe, name.track_namespace, name.name, sub->options().tokens, refusal)) {
    sub->reject(refusal);
    return;
  }
  if (auto it = tracks_.find(name); it != tracks_.end() && !it->second->ended()) {
    if (auto l = lingering_.find(name); l != lingering_.end()) {
      loop_.cancel(l->second);
      lingering_.erase(l);
      publish_metrics();
    }
    it->second->add_downstream(std::move(sub), false, !peer.trusted);
    return;
  }
  auto* publisher = route(name.track_namespace, peer.id);
  if (publisher == nullptr) {
    RelayMetrics::add(metrics_.requests_refused);
    sub->reject(request_error(wire::RequestErrorCode::kDoesNotExist, "no publisher for this namespace"));
    return;
  }
  if (tracks_.size() >= config_.max_tracks) {
    RelayMetrics::add(metrics_.requests_refused);
    sub->reject(request_error(wire::RequestErrorCode::kExcessiveLoad, "relay carries its maximum of tracks"));
    return;
  }
  erase_track(name);  // an ended track's leftovers
  auto& track = make_track(name);
  track.add_downstream(std::move(sub), false, !peer.trusted);
  moqt::SubscribeOptions upstream_options;  // from the newest object on; the cache serves the rest
  upstream_options.new_group_request = track.take_new_group_request(!publisher->trusted);
  track.set_upstream(publisher->session->subscribe(name, upstream_options, &track), publisher->id,
                     !publisher->trusted);
}

void Relay::on_publish(Peer& peer, std::shared_ptr<moqt::Subscription> sub) {
  if (closing_) return;
  const auto name = sub->track();
  if (moqt::RequestErrorInfo refusal;
      !authorized(peer, auth::Action::kPublish, name.track_namespace, name.name, sub->options().tokens, refusal)) {
    sub->reject(refusal);
    return;
  }
  if (reserved(name.track_namespace)) {
    RelayMetrics::add(metrics_.requests_refused);
    sub->reject(request_error(wire::RequestErrorCode::kUnauthorized, "namespace reserved for relays"));
    return;
  }
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
  erase_track(name);
  auto& track = make_track(name);
  sub->accept(&track);
  track.set_upstream(std::move(sub), peer.id, !peer.trusted);
  publisher_started_.insert(name);
  offer_to_interested(name, peer.id);
}

void Relay::on_fetch(Peer& peer, std::shared_ptr<moqt::ServedFetch> fetch) {
  if (closing_) return;
  if (moqt::RequestErrorInfo refusal; !authorized(peer, auth::Action::kFetch, fetch->track().track_namespace,
                                                  fetch->track().name, fetch->tokens(), refusal)) {
    fetch->reject(refusal);
    return;
  }
  std::erase_if(peer.fetches, [](const auto& f) { return finished(f->state()); });
  const auto* cached = cache_.find(fetch->track());
  const auto& range = fetch->range();
  const moqt::Location end = range.end_object ? moqt::Location{range.end_group, *range.end_object + 1}
                                              : moqt::Location{range.end_group + 1, 0};
  auto objects = cached ? cached->range(range.start, end) : std::vector<moqt::Object>{};
  // A cache that begins after the range's start (this relay took the track on later, e.g. as a
  // standby parent a child just moved to) would answer with a hole where the asker's gap is:
  // the parent relay may still hold the beginning. Cached groups begin where the publisher's did.
  const auto oldest = cached ? cached->oldest_group() : std::nullopt;
  auto* parent = route(fetch->track().track_namespace, peer.id);
  const bool partial = fetch->kind() == moqt::FetchKind::kStandalone && !objects.empty() && oldest && *oldest > range.start.group && parent != nullptr &&
                       parent->upstream;
  if (objects.empty() || partial) {
    // Not here: a standalone FETCH goes where a SUBSCRIBE for the track would.
    auto* target = fetch->kind() == moqt::FetchKind::kStandalone ? parent : nullptr;
    if (target != nullptr) {
      std::erase_if(fetch_proxies_, [](const auto& p) { return p->over; });
      auto proxy = std::make_unique<FetchProxy>();
      proxy->relay = this;
      proxy->asker = peer.id;
      proxy->target = target->id;
      proxy->down = fetch;
      proxy->counted = !peer.trusted;
      // The asker's Range Filters go up with the FETCH, so the parent sends only what passes them;
      // a parent on a draft without them sends everything and this relay's ServedFetch filters.
      std::vector<moqt::RangeFilter> filters;
      if (wire::features(target->session->version()).range_filters) filters = fetch->range_filters();
      proxy->up = target->session->fetch(range, proxy.get(), fetch->subscriber_priority(), fetch->tokens(),
                                         std::move(filters));
      fetch->set_on_cancel([up = std::weak_ptr<moqt::Fetch>(proxy->up)] {
        if (auto f = up.lock()) f->cancel();
      });
      fetch_proxies_.push_back(std::move(proxy));
      return;
    }
    RelayMetrics::add(metrics_.requests_refused);
    fetch->reject(request_error(cached ? wire::RequestErrorCode::kInvalidRange : wire::RequestErrorCode::kDoesNotExist,
                                "nothing cached in that range"));
    return;
  }
  moqt::FetchOkInfo info;
  info.end_location = objects.back().location();
  fetch->accept(info);
  for (const auto& o : objects) {
    if (fetch->write(o) && !peer.trusted) {
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
  if (peer.expiry_timer) {
    loop_.cancel(*peer.expiry_timer);
    peer.expiry_timer.reset();
  }
  const SessionId id = peer.id;
  // Namespaces it published (or told of) are withdrawn; its interests vanish.
  for (const auto& [key, req] : announcements_) {
    if (key.first == id) withdraw_announcement(id, key.second, peer.upstream, lists_at_publish(peer));
  }
  auto notices = registry_.remove_session(id);
  std::vector<InterestKey> gone_ns, gone_tracks;
  for (const auto& [key, req] : interests_) if (key.first == id) gone_ns.push_back(key);
  for (const auto& [key, req] : track_interests_) if (key.first == id) gone_tracks.push_back(key);
  for (const auto& key : gone_ns) release_interest(id, moqt::RequestKind::kSubscribeNamespace, key.second);
  for (const auto& key : gone_tracks) release_interest(id, moqt::RequestKind::kSubscribeTracks, key.second);
  std::erase_if(interests_, [id](const auto& kv) { return kv.first.first == id; });
  std::erase_if(track_interests_, [id](const auto& kv) { return kv.first.first == id; });
  // Interest held with it: the learned namespaces went with remove_session.
  for (auto& [key, fwd] : forwards_) {
    if (fwd->target == id) fwd->learned.clear();
  }
  notify(notices, {});
  // A parent: its tracks move to the best other parent (before they would end below).
  if (peer.upstream && peer.link < links_.size() && links_[peer.link]->id == id) on_upstream_lost(*links_[peer.link]);
  // Tracks it published end: their subscribers hear PUBLISH_DONE.
  for (auto& [name, track] : tracks_) {
    if (track->publisher() == id) {
      track->end(static_cast<std::uint64_t>(wire::PublishDoneCode::kGoingAway), "publisher went away");
      loop_.post([this, n = name] { forget_if_empty(n); });
    }
  }
  // Proxies whose target is gone get no more callbacks; those whose asker left are cancelled
  // upstream but kept until their target ends, since an answer may still be on its way.
  for (auto& p : fetch_proxies_) {
    if (p->target == id) p->over = true;
    if (p->asker == id && p->up) p->up->cancel();
  }
  for (auto& p : status_proxies_) {
    if (p->target == id) p->over = true;
  }
  loop_.post([this, id] {
    drop_forwards_to(id);
    std::erase_if(fetch_proxies_, [](const auto& p) { return p->over; });
    std::erase_if(status_proxies_, [](const auto& p) { return p->over; });
    std::erase_if(announcements_, [id](const auto& kv) { return kv.first.first == id; });
    std::erase_if(withdrawn_, [id](const auto& key) { return key.first == id; });
    std::erase_if(cancel_on_answer_, [id](const auto& r) { return r.first == id; });
    if (peers_.erase(id) > 0) RelayMetrics::add(metrics_.sessions, -1);
  });
}

}  // namespace kinetic::relay
