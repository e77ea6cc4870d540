// Internal: the session's control-plane state, shared by the files that implement the
// request objects. Not part of the public API.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <variant>

#include "kinetic/base/byte_arena.hpp"
#include "kinetic/moqt/data_reader.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/moqt/token_cache.hpp"
#include "kinetic/wire/control_message.hpp"
#include "kinetic/wire/control_parser.hpp"
#include "kinetic/wire/error_codes.hpp"

namespace kinetic::moqt {

using RequestTarget = std::variant<std::monostate, std::shared_ptr<Subscription>, std::shared_ptr<ServedSubscription>,
                                   std::shared_ptr<Fetch>, std::shared_ptr<ServedFetch>,
                                   std::shared_ptr<OutgoingRequest>, std::shared_ptr<IncomingRequest>>;

class RequestStream;
class IncomingUniStream;

struct Session::Impl {
  explicit Impl(Session& s);
  ~Impl();

  Session& session;
  wire::Version v;
  transport::Stream* control_out = nullptr;
  transport::Stream* control_in = nullptr;
  bool setup_sent = false;
  bool setup_received = false;
  std::uint64_t next_request_id = 0;
  std::uint64_t next_track_alias = 0;
  std::set<std::uint64_t> peer_request_ids;
  std::size_t incoming_active = 0;
  std::size_t namespace_subscriptions = 0;
  transport::TimerId setup_timer = 0;
  PeerTokenCache peer_tokens;
  TokenAliaser token_aliaser;
  std::uint64_t encoding_stream = 0;  // the request stream the message being built goes on

  std::map<transport::StreamId, std::unique_ptr<RequestStream>> requests;
  // Peer request streams whose bytes wait for SETUP (draft: SHOULD buffer), in arrival order,
  // and what they hold together (bounded: a stream beyond kMaxHeldRequestBytes is reset).
  std::vector<transport::StreamId> held_requests;
  std::size_t held_request_bytes = 0;
  static constexpr std::size_t kMaxHeldRequestBytes = 64 * 1024;
  std::map<transport::StreamId, std::unique_ptr<IncomingUniStream>> uni_streams;
  // Where data streams' received bytes are copied to: see ByteArena for why not one allocation each.
  ByteArena received;
  std::map<std::uint64_t, std::weak_ptr<Subscription>> by_alias;  // subscriber side
  std::map<std::uint64_t, std::weak_ptr<Fetch>> fetches;          // by request id
  // Every subscription this side serves (the peer's SUBSCRIBEs and our PUBLISHes) by request
  // ID: joining fetches look them up, and their streams are let go when the session ends.
  std::map<std::uint64_t, std::weak_ptr<ServedSubscription>> served;
  std::vector<std::weak_ptr<ServedFetch>> served_fetches;

  // --- plumbing
  void try_send_setup();
  void on_setup(const wire::Setup& setup);
  void fail(wire::SessionError code, std::string_view reason);
  bool send(transport::Stream* stream, const wire::ControlMessage& message, bool fin = false);
  std::uint64_t take_request_id();
  void drain_blocked();
  void become_ready();  // both SETUPs are through
  // Opens a request stream for `target` and sends `first` (built once the id is known).
  // Queued while the session is not ready or the peer allows no more streams.
  void start_request(RequestTarget target, std::function<wire::ControlMessage(std::uint64_t)> first);
  void release_request(transport::StreamId id);
  void teardown(std::uint64_t code, std::string_view reason, bool notify = true);

  // --- dispatch
  void on_request_message(RequestStream& rs, wire::ControlMessage&& message);
  void on_first_request_message(RequestStream& rs, wire::ControlMessage&& message);
  void on_request_ended(RequestStream& rs, bool reset);
  void on_control_message(wire::ControlMessage&& message);
  void on_data_ready(IncomingUniStream& us);
  void flush_pending_data();
  // Ends a subscription after PUBLISH_DONE once its streams are in (or `force`).
  void finish_subscription(Subscription& s, bool force);

  // --- helpers shared with the request objects
  void reject(transport::Stream* stream, const RequestErrorInfo& error);
  wire::MessageParameters subscribe_parameters(const SubscribeOptions& o, wire::MessageType m);
  // Our tokens as they go on `encoding_stream` (by value or alias).
  std::vector<wire::AuthorizationToken> encode_tokens(const std::vector<AuthToken>& tokens);
  // The peer's tokens by value; false after closing the session when they break the alias rules.
  bool resolve_tokens(const wire::MessageParameters& p, std::vector<AuthToken>& out);
  SubscribeOptions subscribe_options(const wire::MessageParameters& p) const;
  // The draft-20 Range Filters of a request (an empty `ranges` removes that filter type in a
  // REQUEST_UPDATE); INVALID_FILTER when they break the draft's rules or our MAX_FILTER_RANGES.
  std::optional<RequestErrorInfo> range_filters_of(const wire::MessageParameters& p, std::vector<RangeFilter>& out) const;
  static std::optional<wire::RangeFilter> to_wire(const RangeFilter& f);
  // Why `o` cannot be sent in this draft or to this peer (draft-18 has neither a start some
  // groups back, nor an end object, nor Range Filters; the peer's MAX_FILTER_RANGES bounds them).
  std::optional<RequestErrorInfo> unsendable(const SubscribeOptions& o) const;
  // Range Filters a SUBSCRIBE or FETCH may carry to this peer: draft-20, ascending ranges, within
  // the peer's MAX_FILTER_RANGES. When they may, `wire_out` (if given) gets their wire form.
  std::optional<RequestErrorInfo> unsendable(const std::vector<RangeFilter>& filters,
                                             std::vector<wire::RangeFilter>* wire_out = nullptr) const;
  bool filter_expressible(const SubscribeFilter& f) const;
  std::shared_ptr<OutgoingRequest> make_request(RequestKind kind, RequestHandler* handler);
  // SUBSCRIBE_NAMESPACE, SUBSCRIBE_TRACKS, TRACK_STATUS and PUBLISH_NAMESPACE carry a name and
  // tokens only: they differ in kind and message type.
  template <typename Message, typename Name>
  std::shared_ptr<OutgoingRequest> named_request(RequestKind kind, const Name& name, RequestHandler* handler,
                                                 std::vector<AuthToken> tokens);
  static wire::KeyValueList track_properties(const TrackInfo& info);
  // What SUBSCRIBE_OK / PUBLISH / REQUEST_OK say of a track, or false after closing the session for
  // a property the draft makes a PROTOCOL_VIOLATION (DYNAMIC_GROUPS above 1).
  bool read_track_info(const wire::MessageParameters& p, const wire::KeyValueList& props, TrackInfo& out);
};

}  // namespace kinetic::moqt
