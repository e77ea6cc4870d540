// The relay: every accepted MoQT session is both a possible publisher and a possible
// subscriber. PUBLISH_NAMESPACE registers a session as the route for a namespace;
// SUBSCRIBE_NAMESPACE hears about namespaces under a prefix; SUBSCRIBE goes to the publisher
// with the longest matching namespace, through one upstream subscription per track shared by
// every downstream subscriber (RelayTrack). Limits from RelayConfig turn into clear refusals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <utility>

#include "kinetic/moqt/session.hpp"
#include "kinetic/relay/namespace_registry.hpp"
#include "kinetic/relay/relay_cache.hpp"
#include "kinetic/relay/relay_config.hpp"
#include "kinetic/relay/relay_metrics.hpp"
#include "kinetic/relay/relay_track.hpp"
#include "kinetic/transport/event_loop.hpp"

namespace kinetic::relay {

class Relay {
 public:
  Relay(transport::EventLoop& loop, const RelayConfig& config, RelayMetrics& metrics);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Makes a server-side MoQT session on `transport`. False (and the transport closed with
  // a session error) when the relay already holds max_sessions, or when
  // the transport speaks no MoQT draft we know.
  bool accept(transport::SessionPtr transport);
  // Closes every session (GOAWAY is not waited for: this is shutdown).
  void close_all(std::string_view reason);

  [[nodiscard]] std::size_t session_count() const noexcept { return peers_.size(); }
  [[nodiscard]] std::size_t track_count() const noexcept { return tracks_.size(); }
  [[nodiscard]] const RelayCache& cache() const noexcept { return cache_; }
  [[nodiscard]] const NamespaceRegistry& registry() const noexcept { return registry_; }

 private:
  struct Peer;
  void on_request(Peer& peer, std::shared_ptr<moqt::IncomingRequest> request);
  void on_subscribe(Peer& peer, std::shared_ptr<moqt::ServedSubscription> sub);
  void on_publish(Peer& peer, std::shared_ptr<moqt::Subscription> sub);
  void on_fetch(Peer& peer, std::shared_ptr<moqt::ServedFetch> fetch);
  void on_closed(Peer& peer);
  void notify(const std::vector<NamespaceNotice>& notices, const wire::TrackNamespace& full);
  RelayTrack& make_track(const moqt::FullTrackName& name);
  void forget_if_empty(const moqt::FullTrackName& name);

  transport::EventLoop& loop_;
  RelayConfig config_;
  RelayMetrics& metrics_;
  NamespaceRegistry registry_;
  RelayCache cache_;
  SessionId next_id_ = 1;
  std::map<SessionId, std::unique_ptr<Peer>> peers_;
  std::map<moqt::FullTrackName, std::unique_ptr<RelayTrack>> tracks_;
  // Accepted SUBSCRIBE_NAMESPACE requests, to send NAMESPACE / NAMESPACE_DONE on.
  std::map<std::pair<SessionId, wire::TrackNamespace>, std::shared_ptr<moqt::IncomingRequest>> interests_;
  // Accepted PUBLISH_NAMESPACE requests, kept so their streams stay open.
  std::map<std::pair<SessionId, wire::TrackNamespace>, std::shared_ptr<moqt::IncomingRequest>> announcements_;
  // Tracks a publisher pushed with PUBLISH: kept while it runs, subscribed or not.
  std::set<moqt::FullTrackName> publisher_started_;
  // Set while the relay is being torn down: session callbacks then change nothing.
  bool closing_ = false;
};

}  // namespace kinetic::relay
