// A MoQT session over any transport::Session (raw QUIC, WebTransport, memory). The draft is
// chosen by the transport's negotiated protocol ("moqt-18" / "moqt-20"). Each side opens a
// unidirectional control stream beginning with SETUP; every request then runs on its own
// bidirectional stream, so request flow control is the transport's stream limit: requests
// made while the peer allows no more streams wait in order (blocked_requests()) until it
// does. Objects travel on one unidirectional stream per subgroup, on FETCH streams, or as
// datagrams.
//
// Everything happens on the transport's event loop. The application keeps the returned
// shared_ptr; request objects hold only weak references back to the session.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/moqt/fetch.hpp"
#include "kinetic/moqt/request.hpp"
#include "kinetic/moqt/subscription.hpp"
#include "kinetic/moqt/types.hpp"
#include "kinetic/transport/transport.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::moqt {

enum class Perspective : std::uint8_t { kClient, kServer };

struct SessionOptions {
  Perspective perspective = Perspective::kClient;
  // Client: PATH (raw QUIC only; WebTransport carries it in the URL) and AUTHORITY.
  std::optional<std::string> path;
  std::optional<std::string> authority;
  std::string implementation = "kinetic";
  std::vector<AuthToken> setup_tokens;
  // Concurrent requests the peer may have open with us; beyond it they are refused
  // with EXCESSIVE_LOAD (the transport's stream limit is the hard bound).
  std::size_t max_incoming_requests = 1000;
  // Namespaces (fields) and prefix subscriptions we accept from the peer.
  std::size_t max_namespace_subscriptions = 64;
  // The peer's SETUP must arrive within this, or the session closes (CONTROL_MESSAGE_TIMEOUT).
  std::chrono::milliseconds setup_timeout{10'000};
  // Bounds on received data (per object payload / properties).
  std::size_t max_object_payload = 16u << 20;
  // MAX_AUTH_TOKEN_CACHE_SIZE: bytes of token aliases the peer may register with us (0: none).
  std::uint64_t max_auth_token_cache_size = 4096;
  // Draft-20 MAX_FILTER_RANGES: Ranges the peer may put in one request's Range Filters
  // (0: it may send none).
  std::uint64_t max_filter_ranges = 64;
  // Draft-20 MAX_REQUEST_UPDATES: unanswered REQUEST_UPDATEs the peer may have on one request
  // stream (0: no limit).
  std::uint64_t max_request_updates = 8;
};

// The peer's SETUP.
struct PeerSetup {
  std::optional<std::string> path;
  std::optional<std::string> authority;
  std::optional<std::string> implementation;
  std::vector<AuthToken> tokens;
  std::uint64_t max_auth_token_cache_size = 0;
  std::uint64_t max_filter_ranges = 0;    // draft-20
  std::uint64_t max_request_updates = 0;  // draft-20; 0: no limit
};

class Session;

class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  // Both SETUPs exchanged; requests made before this were queued and are now sent.
  virtual void on_ready(Session& session) { (void)session; }
  // The session ended (codes: wire::SessionError).
  virtual void on_closed(Session& session, std::uint64_t code, std::string_view reason) {
    (void)session; (void)code; (void)reason;
  }
  // The peer sent GOAWAY: move to `new_uri` (empty: the same URI) before the timeout.
  virtual void on_goaway(Session& session, std::string_view new_uri) { (void)session; (void)new_uri; }
  // The peer sent GOAWAY on one request's stream: re-issue that request at `new_uri` (empty:
  // on this session) and end the old one.
  virtual void on_request_goaway(Session& session, std::uint64_t request_id, std::string_view new_uri) {
    (void)session; (void)request_id; (void)new_uri;
  }
  // Incoming requests. Defaults refuse them (DOES_NOT_EXIST / NOT_SUPPORTED); handlers that
  // keep the shared_ptr may answer later.
  virtual void on_subscribe(Session& session, std::shared_ptr<ServedSubscription> sub);
  virtual void on_publish(Session& session, std::shared_ptr<Subscription> sub);
  virtual void on_fetch(Session& session, std::shared_ptr<ServedFetch> fetch);
  virtual void on_request(Session& session, std::shared_ptr<IncomingRequest> request);
};

class Session final : public transport::SessionHandler, public std::enable_shared_from_this<Session> {
 public:
  // Takes over the transport session's handler and sends SETUP as soon as it can. Nullptr
  // (and the transport closed with VERSION_NEGOTIATION_FAILED) when its protocol names no
  // draft Kinetic speaks. A transport still in its handshake (empty protocol) is checked
  // when it becomes ready, and closed then if there is no common version.
  static std::shared_ptr<Session> create(transport::SessionPtr transport, SessionOptions options,
                                         moqt::SessionHandler* handler);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  [[nodiscard]] wire::Version version() const noexcept { return version_; }
  [[nodiscard]] Perspective perspective() const noexcept { return options_.perspective; }
  [[nodiscard]] bool ready() const noexcept { return ready_; }
  [[nodiscard]] bool closed() const noexcept { return closed_; }
  [[nodiscard]] const PeerSetup& peer_setup() const noexcept { return peer_setup_; }
  [[nodiscard]] transport::Session& transport() noexcept { return *transport_; }
  [[nodiscard]] transport::EventLoop& loop() noexcept { return transport_->loop(); }
  // Requests waiting for the peer to allow another stream (REQUESTS_BLOCKED state).
  [[nodiscard]] std::size_t blocked_requests() const noexcept { return blocked_.size(); }
  // Requests this session still keeps state for (open request streams, FETCHes whose data may
  // still come), both directions: what a long-lived session holds returns to 0 when idle.
  [[nodiscard]] std::size_t tracked_requests() const noexcept;
  [[nodiscard]] bool goaway_received() const noexcept { return goaway_received_; }
  // The peer's SETUP has been read (its options are in peer_setup()).
  [[nodiscard]] bool setup_received_by_now() const noexcept;

  // --- subscriber -----------------------------------------------------------------
  std::shared_ptr<Subscription> subscribe(const FullTrackName& track, const SubscribeOptions& options,
                                          SubscriptionHandler* handler);
  // `range_filters` (draft-20) make the publisher pass over objects that fail them; on draft-18
  // the fetch fails at once with NOT_SUPPORTED.
  std::shared_ptr<Fetch> fetch(const FetchRange& range, FetchHandler* handler,
                               std::uint8_t priority = kDefaultPriority, std::vector<AuthToken> tokens = {},
                               std::vector<RangeFilter> range_filters = {});
  // Joining FETCH for late join: `start` groups before the subscription's largest (relative)
  // or from group `start` (absolute).
  std::shared_ptr<Fetch> joining_fetch(const Subscription& sub, FetchKind kind, std::uint64_t start,
                                       FetchHandler* handler, std::uint8_t priority = kDefaultPriority);
  std::shared_ptr<OutgoingRequest> subscribe_namespace(const TrackNamespace& prefix, RequestHandler* handler,
                                                       std::vector<AuthToken> tokens = {});
  std::shared_ptr<OutgoingRequest> subscribe_tracks(const TrackNamespace& prefix, RequestHandler* handler,
                                                    std::vector<AuthToken> tokens = {});
  std::shared_ptr<OutgoingRequest> track_status(const FullTrackName& track, RequestHandler* handler,
                                                std::vector<AuthToken> tokens = {});

  // --- publisher ------------------------------------------------------------------
  std::shared_ptr<OutgoingRequest> publish_namespace(const TrackNamespace& ns, RequestHandler* handler,
                                                     std::vector<AuthToken> tokens = {});
  // PUBLISH: a subscription the publisher starts; objects may flow once accepted.
  std::shared_ptr<ServedSubscription> publish(const FullTrackName& track, const TrackInfo& info,
                                              ServedSubscriptionHandler* handler, std::vector<AuthToken> tokens = {});

  // --- session --------------------------------------------------------------------
  // GOAWAY on the control stream; new requests from the peer are refused with GOING_AWAY.
  // With a timeout, the session closes with GOAWAY_TIMEOUT if requests are still open then.
  void goaway(std::string_view new_uri = {}, std::chrono::milliseconds timeout = std::chrono::milliseconds{0});
  // Frees the alias of a token this side reused (tokens travel by value, then by alias once
  // reused and the peer's token cache has room); the peer is told with the next request.
  void retire_token(const AuthToken& token);
  // The alias a token currently travels under, if any.
  [[nodiscard]] std::optional<std::uint64_t> token_alias(const AuthToken& token) const;
  void close(std::uint64_t code, std::string_view reason);

  // transport::SessionHandler
  void on_ready(transport::Session& session) override;
  void on_incoming_stream(transport::Session& session, transport::Stream& stream) override;
  void on_datagram(transport::Session& session, std::span<const std::uint8_t> data) override;
  void on_streams_available(transport::Session& session) override;
  void on_closed(transport::Session& session, const transport::CloseInfo& info) override;

 private:
  friend class Subscription;
  friend class ServedSubscription;
  friend class Fetch;
  friend class ServedFetch;
  friend class OutgoingRequest;
  friend class IncomingRequest;
  friend class RequestStream;
  friend class IncomingUniStream;
 public:
  struct Impl;  // internal (session_impl.hpp)

 private:

  Session(transport::SessionPtr transport, SessionOptions options, moqt::SessionHandler* handler, wire::Version v);

  transport::SessionPtr transport_;
  SessionOptions options_;
  moqt::SessionHandler* handler_;
  wire::Version version_;
  PeerSetup peer_setup_;
  bool version_known_ = true;
  bool ready_ = false;
  bool closed_ = false;
  bool goaway_received_ = false;
  bool goaway_sent_ = false;
  std::deque<std::function<bool()>> blocked_;  // request openers waiting for stream credit
  std::unique_ptr<Impl> impl_;
};

}  // namespace kinetic::moqt
