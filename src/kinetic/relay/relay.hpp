// The relay: every accepted MoQT session is both a possible publisher and a possible
// subscriber. PUBLISH_NAMESPACE registers a session as the route for a namespace;
// SUBSCRIBE_NAMESPACE hears about namespaces under a prefix (and is passed on to the publishers
// that may own some, once per publisher and prefix however many subscribers ask);
// SUBSCRIBE_TRACKS gets a PUBLISH for every track under a prefix, existing and new. SUBSCRIBE
// goes to the publisher with the longest matching namespace, through one upstream subscription
// per track shared by every downstream subscriber (RelayTrack), which outlives its last
// subscriber by `track_linger_ms`.
//
// With an upstream relay (set_upstream), the relay is also a client of it: local namespaces are
// announced there, and what has no local route (SUBSCRIBE, FETCH, TRACK_STATUS, namespace
// interest) is asked there, so relays chain origin ← regional ← edge. Nothing learned from the
// upstream is announced back to it. Limits from RelayConfig turn into clear refusals.
//
// With several parents (add_upstream), every one keeps a session; the active one (first up, then
// the best by PathPolicy) carries announcements, interest and tracks, and they all move to
// another parent when it dies or degrades, downstream subscriptions untouched.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "kinetic/auth/token_verifier.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/relay/backoff.hpp"
#include "kinetic/relay/gap_fill.hpp"
#include "kinetic/relay/namespace_registry.hpp"
#include "kinetic/relay/relay_cache.hpp"
#include "kinetic/relay/relay_config.hpp"
#include "kinetic/relay/relay_metrics.hpp"
#include "kinetic/relay/relay_track.hpp"
#include "kinetic/relay/upstream_connector.hpp"
#include "kinetic/relay/worker_namespaces.hpp"
#include "kinetic/transport/event_loop.hpp"

namespace kinetic::relay {

enum class UpstreamState : std::uint8_t { kNone = 0, kConnecting = 1, kUp = 2, kDown = 3 };

struct UpstreamPolicy {
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{10'000};
  std::string path = "/";  // SETUP PATH on raw QUIC
  std::vector<moqt::AuthToken> tokens;  // SETUP AUTHORIZATION TOKENs for the parent relay
  // The parent is another worker of this relay (relay_workers.hpp): objects, bytes and
  // subscriptions over this link are not counted in RelayMetrics (the worker they entered from
  // counted them in, the worker that hands them to a subscriber counts them out).
  bool internal = false;
};

// How the relay chooses among several parents (add_upstream). Every parent keeps a session
// (a standby needs no handshake to take over); each is scored every `probe_interval` as
// smoothed RTT (ms) + `loss_penalty_ms` × loss fraction (smoothed), both QUIC's own estimates.
// The route moves to a better parent only when its score beats the active one's by
// `switch_margin_ms` and by the factor `switch_ratio`, `switch_after` probes in a row
// (hysteresis, so the route does not flap); it moves at once when the active parent's session
// ends.
struct PathPolicy {
  std::chrono::milliseconds probe_interval{250};
  double loss_penalty_ms = 1000.0;  // a loss fraction of 0.05 costs 50 ms
  double switch_margin_ms = 15.0;
  double switch_ratio = 1.5;
  int switch_after = 2;
};

// One parent as the relay sees it.
struct UpstreamStatus {
  std::string label;
  UpstreamState state = UpstreamState::kNone;
  bool active = false;
  double score_ms = 0;   // smoothed RTT + loss penalty
  double rtt_ms = 0;
  double loss = 0;       // smoothed loss fraction
  bool loop = false;     // refused: this relay is on the parent's own path to its origin
};

class Relay {
 public:
  Relay(transport::EventLoop& loop, const RelayConfig& config, RelayMetrics& metrics);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Makes a server-side MoQT session on `transport`. False (and the transport closed with
  // a session error) when the relay already holds max_sessions, or when
  // the transport speaks no MoQT draft we know. A `trusted` session (another worker of this
  // relay, relay_workers.hpp) is not asked for tokens, and its objects, bytes and subscriptions
  // are not counted in RelayMetrics (the relay's traffic is counted where it enters and leaves).
  bool accept(transport::SessionPtr transport, bool trusted = false);
  // Closes every session (GOAWAY is not waited for: this is shutdown).
  void close_all(std::string_view reason);
  // Makes this relay a client of an upstream relay, connecting now and again (with backoff)
  // whenever the link drops.
  void set_upstream(UpstreamConnector connector, UpstreamPolicy policy = {});
  // One more parent relay (call once per parent; the first added starts as the route).
  // Subscriptions carried through a parent move to the best other one when it fails or is
  // beaten by PathPolicy's margins; downstream subscribers notice nothing but the gap.
  void add_upstream(UpstreamConnector connector, UpstreamPolicy policy = {}, std::string label = {});
  void set_path_policy(PathPolicy policy) { path_policy_ = policy; }
  // This relay's id in hop lists (SETUP implementation "kinetic-relay hops=a,b,..."): a parent
  // whose own path to its origin already holds this id would make a loop and is refused.
  void set_relay_id(std::string id) { relay_id_ = std::move(id); }
  [[nodiscard]] const std::string& relay_id() const noexcept { return relay_id_; }
  // Log lines name this relay's sessions "<tag>/<id>" ("w1/3"): each worker of a relay numbers
  // its own sessions, so the bare id would not say whose it is. Empty: the bare id.
  void set_log_tag(std::string tag) { log_tag_ = std::move(tag); }
  // Worker `index` of a relay of several (relay_workers.hpp): lists its own clients' namespaces
  // in `shared` (the hub as it accepts them, the others once the hub has accepted their
  // announcement), and sends a track to the hub rather than to one of its own publishers when
  // another worker holds a longer prefix of the track's namespace, so the workers route as one
  // relay would. Call before accepting sessions.
  void share_namespaces(std::shared_ptr<WorkerNamespaces> shared, std::size_t index);
  // A relay with an id serves its hop list as this track (namespace {".kinetic", "relay"}, track
  // "hops"): one object, in a new group, per change; the current list to a new subscriber. Its
  // child relays subscribe on their kinetic-relay parents, so a parent's route change reaches
  // them without a reconnect. The ".kinetic" namespace is the relay's own: publishers are
  // refused it, and it is never announced, listed, cached or token-checked.
  [[nodiscard]] static moqt::FullTrackName hop_track();
  [[nodiscard]] std::vector<UpstreamStatus> upstreams() const;
  // Index (in add order) of the parent carrying routes now.
  [[nodiscard]] std::optional<std::size_t> active_upstream() const;
  [[nodiscard]] std::uint64_t upstream_switches() const noexcept { return switches_; }
  // Requires tokens from downstream sessions: each session's token (URL ?jwt= / ?cat=, or SETUP
  // AUTHORIZATION TOKEN) is verified at SETUP, and every PUBLISH_NAMESPACE, PUBLISH, SUBSCRIBE,
  // FETCH, TRACK_STATUS, SUBSCRIBE_NAMESPACE and SUBSCRIBE_TRACKS is checked against the grants
  // of its own tokens or else the session's; refusals carry UNAUTHORIZED / MALFORMED_AUTH_TOKEN /
  // EXPIRED_AUTH_TOKEN. A session is closed (EXPIRED_AUTH_TOKEN) when a token that admitted it
  // or authorized one of its requests expires. The upstream session is trusted. Call before
  // accepting sessions.
  void set_auth(std::shared_ptr<const auth::TokenVerifier> verifier);

  [[nodiscard]] UpstreamState upstream_state() const noexcept { return upstream_state_; }
  // Namespace interests (SUBSCRIBE_NAMESPACE / SUBSCRIBE_TRACKS) this relay has open with
  // publishers and its upstream on its subscribers' behalf.
  [[nodiscard]] std::size_t forwarded_interest_count() const noexcept { return forwards_.size(); }
  // Namespaces announced to the upstream.
  [[nodiscard]] std::size_t upstream_announcement_count() const noexcept { return upstream_announcements_.size(); }

  [[nodiscard]] std::size_t session_count() const noexcept { return peers_.size(); }
  [[nodiscard]] std::size_t track_count() const noexcept { return tracks_.size(); }
  [[nodiscard]] const RelayCache& cache() const noexcept { return cache_; }
  [[nodiscard]] const NamespaceRegistry& registry() const noexcept { return registry_; }

 private:
  struct Peer;
  struct Forward;
  struct Offer;
  struct FetchProxy;
  struct StatusProxy;
  using ForwardKey = std::tuple<SessionId, moqt::RequestKind, wire::TrackNamespace>;
  using InterestKey = std::pair<SessionId, wire::TrackNamespace>;

  void on_request(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request);
  void on_publish_namespace(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request);
  void on_subscribe_namespace(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request);
  void on_subscribe_tracks(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request);
  void on_track_status(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request);
  void on_subscribe(Peer& peer, std::shared_ptr<moqt::ServedSubscription> sub);
  void on_publish(Peer& peer, std::shared_ptr<moqt::Subscription> sub);
  void on_fetch(Peer& peer, std::shared_ptr<moqt::ServedFetch> fetch);
  void on_closed(Peer& peer);
  // Auth (no-ops without a verifier): a session's own token at SETUP, then each request.
  bool admit(Peer& peer);
  bool authorized(Peer& peer, auth::Action action, const wire::TrackNamespace& ns,
                  std::optional<std::string_view> track, const std::vector<moqt::AuthToken>& tokens,
                  moqt::RequestErrorInfo& refusal);
  // SUBSCRIBE_NAMESPACE and SUBSCRIBE_TRACKS are authorized for their prefix, but a scope may
  // stop at an exact namespace length or match only some track names: each namespace and track
  // such an interest would carry is checked on its own, under the interest's tokens or else the
  // session's. Silent (debug log): a name outside the grants is not sent, nothing is refused.
  [[nodiscard]] bool interest_allows(SessionId subscriber, const moqt::IncomingRequest& interest,
                                     auth::Action action, const wire::TrackNamespace& ns,
                                     std::optional<std::string_view> track) const;
  void expire_at(Peer& peer, std::int64_t unix_seconds);
  [[nodiscard]] std::int64_t unix_now() const;
  void notify(const std::vector<NamespaceNotice>& notices, const wire::TrackNamespace& full);
  RelayTrack& make_track(const moqt::FullTrackName& name);
  void forget_if_empty(const moqt::FullTrackName& name);
  // Every erasure of a track goes through here: its gap fill (which refers to it) goes first.
  void erase_track(const moqt::FullTrackName& name);
  void linger_expired(const moqt::FullTrackName& name);
  // Where a request for `ns` from `asker` goes: the local publisher, else the upstream.
  [[nodiscard]] Peer* route(const wire::TrackNamespace& ns, SessionId asker);

  // Namespace interest passed on to publishers (and the upstream).
  void forward_interest(SessionId subscriber, moqt::RequestKind kind, const wire::TrackNamespace& prefix);
  void attach_interest(SessionId target, SessionId subscriber, moqt::RequestKind kind,
                       const wire::TrackNamespace& prefix);
  void send_forward(Forward& fwd);
  void on_forward_refused(Forward& fwd, std::uint64_t code);
  void release_interest(SessionId subscriber, moqt::RequestKind kind, const wire::TrackNamespace& prefix);
  void drop_forwards_to(SessionId target);
  void on_forwarded_namespace(Forward& fwd, const wire::TrackNamespace& full, bool done);
  // SUBSCRIBE_TRACKS: PUBLISH `name` to `subscriber`.
  void offer(SessionId subscriber, const moqt::FullTrackName& name);
  void offer_to_interested(const moqt::FullTrackName& name, SessionId publisher);
  void on_offer_answered(Offer& offer, bool accepted);

  // The upstream links.
  struct UpstreamLink;
  void connect_upstream(UpstreamLink& link);
  void on_upstream_ready(Peer& peer);
  void on_upstream_lost(UpstreamLink& link);
  // Makes `link` the route: announcements, namespace interest and tracks move to it.
  void activate(UpstreamLink& link, std::string_view why, std::optional<SessionId> from);
  void probe_paths();
  [[nodiscard]] UpstreamLink* best_link(const UpstreamLink* excluding);
  [[nodiscard]] std::string hop_list() const;
  // The hop track (kHopTrack): served here to child relays, subscribed at kinetic-relay parents.
  struct HopWatch;
  void serve_hops(std::shared_ptr<moqt::ServedSubscription> sub);
  // A new object to every hop subscriber when hop_list() changed since the last one.
  void publish_hops();
  void send_hops(moqt::ServedSubscription& sub);
  void watch_hops(UpstreamLink& link, moqt::Session& session);
  // A parent's new path: the loop check again, and this relay's own list when it is the route.
  void on_parent_hops(UpstreamLink& link, const moqt::Object& object);
  bool hold_orphan(RelayTrack& track);
  void announce_upstream(const wire::TrackNamespace& ns);
  void withdraw_upstream(const wire::TrackNamespace& ns);
  void forget_upstream_announcements();
  // A publisher's PUBLISH_NAMESPACE ended (cancelled, or its session closed): withdrawn from the
  // registry, the parent and the workers' table, once however many times it is called.
  void withdraw_announcement(SessionId publisher, const wire::TrackNamespace& ns, bool from_upstream,
                             bool listed);
  // Whether `peer`'s namespaces go into the workers' table when published (else, behind the
  // hub, when the hub accepted them).
  [[nodiscard]] bool lists_at_publish(const Peer& peer) const;
  // This worker's entry for `ns` in the workers' shared table (share_namespaces); no-op alone.
  void list_namespace(const wire::TrackNamespace& ns, bool add);
  // A worker that is not the hub, whose only parent is the hub.
  [[nodiscard]] bool behind_hub() const { return shared_namespaces_ && worker_index_ != 0; }
  // Announcements to parents: the parent's answer, and a withdrawal that waits for it when
  // none came yet (cancelling an unanswered request would make its answer a protocol violation).
  struct AnnounceWatch;
  void on_upstream_announced(moqt::OutgoingRequest& request, const moqt::RequestErrorInfo* error);
  void retire_announcement(SessionId target, std::shared_ptr<moqt::OutgoingRequest> request);
  // Whether a publisher's PUBLISH_NAMESPACE is answered only once the parent answered this
  // relay's own announcement: so with an internal parent (another worker of this relay).
  [[nodiscard]] bool answers_after_parent() const;
  // Local PUBLISH_NAMESPACE requests for `ns` still unanswered: OK, or the parent's error.
  void settle_announcements(const wire::TrackNamespace& ns, const moqt::RequestErrorInfo* error);
  // Answers a held PUBLISH_NAMESPACE with OK when the parent has not answered in time.
  void bound_hold(SessionId publisher, const wire::TrackNamespace& ns);
  void publish_metrics();
  [[nodiscard]] std::string session_name(SessionId id) const;

  transport::EventLoop& loop_;
  RelayConfig config_;
  RelayMetrics& metrics_;
  NamespaceRegistry registry_;
  RelayCache cache_;
  SessionId next_id_ = 1;
  std::shared_ptr<WorkerNamespaces> shared_namespaces_;
  std::size_t worker_index_ = 0;
  std::map<SessionId, std::unique_ptr<Peer>> peers_;
  std::map<moqt::FullTrackName, std::unique_ptr<RelayTrack>> tracks_;
  // Tracks moved to another parent whose missed objects are being fetched (GapFill).
  std::map<moqt::FullTrackName, std::unique_ptr<GapFill>> gap_fills_;
  // Accepted SUBSCRIBE_NAMESPACE requests, to send NAMESPACE / NAMESPACE_DONE on.
  std::map<std::pair<SessionId, wire::TrackNamespace>, std::shared_ptr<moqt::IncomingRequest>> interests_;
  // Accepted PUBLISH_NAMESPACE requests, kept so their streams stay open.
  std::map<std::pair<SessionId, wire::TrackNamespace>, std::shared_ptr<moqt::IncomingRequest>> announcements_;
  // Announcements already withdrawn whose request is still in announcements_ (dropped a turn later).
  std::set<std::pair<SessionId, wire::TrackNamespace>> withdrawn_;
  // Tracks a publisher pushed with PUBLISH: kept while it runs, subscribed or not.
  std::set<moqt::FullTrackName> publisher_started_;
  // Accepted SUBSCRIBE_TRACKS requests: new tracks under their prefixes are PUBLISHed to them.
  std::map<InterestKey, std::shared_ptr<moqt::IncomingRequest>> track_interests_;
  // Interest this relay holds with others, one per (target, kind, prefix), with the downstream
  // interests it stands for.
  std::map<ForwardKey, std::unique_ptr<Forward>> forwards_;
  // Cancelled ones, kept until their target session ends (a late answer still reaches them).
  std::vector<std::unique_ptr<Forward>> parked_forwards_;
  // Forwards refused with PREFIX_OVERLAP are asked again shortly (see on_forward_refused).
  std::set<transport::TimerId> retry_timers_;
  std::vector<std::unique_ptr<Offer>> offers_;
  std::vector<std::unique_ptr<FetchProxy>> fetch_proxies_;
  std::vector<std::unique_ptr<StatusProxy>> status_proxies_;
  // Tracks without subscribers that keep their upstream and cache until the timer fires.
  std::map<moqt::FullTrackName, transport::TimerId> lingering_;

  std::vector<std::unique_ptr<UpstreamLink>> links_;
  PathPolicy path_policy_;
  std::optional<transport::TimerId> probe_timer_;
  std::uint64_t switches_ = 0;
  std::string relay_id_;
  std::string log_tag_;
  // The hop list of the active parent (its path to its origin), from its SETUP, then its hop track.
  std::vector<std::string> parent_hops_;
  // Child relays subscribed to this relay's hop track; one group per published list.
  std::vector<std::shared_ptr<moqt::ServedSubscription>> hop_subscribers_;
  std::uint64_t hop_group_ = 0;
  std::string hop_published_;
  UpstreamState upstream_state_ = UpstreamState::kNone;
  // The active parent's session: the route for what has no local publisher.
  std::optional<SessionId> upstream_id_;
  // Local namespaces announced upstream, with how many local publishers hold each.
  struct UpstreamAnnouncement {
    std::size_t holders = 0;
    SessionId target = 0;  // the parent's session it went to
    std::shared_ptr<moqt::OutgoingRequest> request;
    bool listed = false;  // in shared_namespaces_ (behind_hub(): once the hub accepted it)
  };
  std::map<wire::TrackNamespace, UpstreamAnnouncement> upstream_announcements_;
  // Hears every parent's answer to an announcement; lives as long as the relay, so a request
  // never outlives its handler.
  std::unique_ptr<AnnounceWatch> announce_watch_;
  // Withdrawn announcements still waiting for their answer, with the parent's session.
  std::vector<std::pair<SessionId, std::shared_ptr<moqt::OutgoingRequest>>> cancel_on_answer_;
  // Bounds on held PUBLISH_NAMESPACE answers (bound_hold).
  std::set<transport::TimerId> hold_timers_;
  // Set while the relay is being torn down: session callbacks then change nothing.
  bool closing_ = false;
  std::shared_ptr<const auth::TokenVerifier> verifier_;
  // Token times are wall-clock seconds; the loop's clock (simulated in tests) moves them on.
  std::int64_t unix_anchor_ = 0;
  transport::TimePoint loop_anchor_{};
};

}  // namespace kinetic::relay
