// Both ends of a subscription. A subscription is started by the subscriber (SUBSCRIBE) or by
// the publisher (PUBLISH); either way the subscriber holds a `Subscription` that receives
// objects and the publisher holds a `ServedSubscription` that sends them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "kinetic/moqt/subgroup_writer.hpp"
#include "kinetic/moqt/types.hpp"

namespace kinetic::moqt {

class Session;
class RequestStream;
class IncomingUniStream;
class Subscription;
class ServedSubscription;

enum class RequestState : std::uint8_t {
  kPending,   // sent / received, no answer yet
  kActive,    // accepted
  kFailed,    // REQUEST_ERROR
  kDone,      // PUBLISH_DONE, cancelled, or the session ended
};

// Subscriber-side events.
class SubscriptionHandler {
 public:
  virtual ~SubscriptionHandler() = default;
  virtual void on_ok(Subscription& sub, const TrackInfo& info) { (void)sub; (void)info; }
  virtual void on_error(Subscription& sub, const RequestErrorInfo& error) { (void)sub; (void)error; }
  // Objects of one subgroup arrive in Object ID order; subgroups and groups interleave.
  virtual void on_object(Subscription& sub, const Object& object) = 0;
  // The publisher abandoned a subgroup stream (e.g. DELIVERY_TIMEOUT, TOO_FAR_BEHIND).
  virtual void on_subgroup_reset(Subscription& sub, std::uint64_t group, std::uint64_t subgroup, std::uint64_t code) {
    (void)sub; (void)group; (void)subgroup; (void)code;
  }
  // PUBLISH_DONE (codes: wire::PublishDoneCode), or the session closing (INTERNAL_ERROR).
  virtual void on_done(Subscription& sub, std::uint64_t status, std::string_view reason) {
    (void)sub; (void)status; (void)reason;
  }
};

// The subscriber's side: made by Session::subscribe, or handed to SessionHandler::on_publish
// for a PUBLISH the peer sent (then accept() or reject() answers it).
class Subscription : public std::enable_shared_from_this<Subscription> {
 public:
  [[nodiscard]] std::uint64_t request_id() const noexcept { return request_id_; }
  [[nodiscard]] const FullTrackName& track() const noexcept { return track_; }
  [[nodiscard]] RequestState state() const noexcept { return state_; }
  [[nodiscard]] const TrackInfo& info() const noexcept { return info_; }
  [[nodiscard]] const SubscribeOptions& options() const noexcept { return options_; }
  [[nodiscard]] bool publisher_initiated() const noexcept { return publisher_initiated_; }
  // Largest location received so far.
  [[nodiscard]] std::optional<Location> largest_received() const noexcept { return largest_received_; }

  void set_handler(SubscriptionHandler* handler) noexcept { handler_ = handler; }

  // PUBLISH only: PUBLISH_OK with the subscriber's preferences, or REQUEST_ERROR.
  void accept(SubscriptionHandler* handler, const SubscribeOptions& options = {});
  void reject(const RequestErrorInfo& error);
  // REQUEST_UPDATE: new priority, filter, forward state. False when not active, or when the
  // peer's MAX_REQUEST_UPDATES (draft-20) updates are already waiting for an answer.
  bool update(const SubscribeOptions& options);
  // REQUEST_UPDATE with NEW_GROUP_REQUEST (the largest group known plus one): asks the original
  // publisher to begin a new group soon, e.g. for a keyframe to start decoding at. False when the
  // track has no DYNAMIC_GROUPS or the update cannot go out (see update()).
  bool request_new_group();
  // Ends the subscription: the request stream is reset (CANCELLED) and data that still
  // arrives for it is dropped.
  void unsubscribe();

 private:
  friend class Session;
  friend class RequestStream;
  friend class IncomingUniStream;
  std::weak_ptr<Session> session_;
  std::uint64_t request_id_ = 0;
  std::optional<std::uint64_t> track_alias_;
  FullTrackName track_;
  SubscribeOptions options_;
  TrackInfo info_;
  RequestState state_ = RequestState::kPending;
  bool publisher_initiated_ = false;
  SubscriptionHandler* handler_ = nullptr;
  std::optional<Location> largest_received_;
  transport::Stream* stream_ = nullptr;
  // PUBLISH_DONE arrived: objects still in flight on its streams are delivered, and on_done
  // follows once `done_streams_` of them ended (or after a grace period).
  std::optional<std::uint64_t> done_status_;
  std::string done_reason_;
  std::uint64_t done_streams_ = 0;
  std::uint64_t streams_ended_ = 0;
  std::uint64_t updates_in_flight_ = 0;  // REQUEST_UPDATEs sent and not yet answered
};

// Publisher-side events.
class ServedSubscriptionHandler {
 public:
  virtual ~ServedSubscriptionHandler() = default;
  // PUBLISH answered with PUBLISH_OK; `options` are the subscriber's preferences.
  virtual void on_accepted(ServedSubscription& sub) { (void)sub; }
  virtual void on_error(ServedSubscription& sub, const RequestErrorInfo& error) { (void)sub; (void)error; }
  // REQUEST_UPDATE changed the subscriber's preferences (already applied to send orders).
  virtual void on_update(ServedSubscription& sub) { (void)sub; }
  // NEW_GROUP_REQUEST in a REQUEST_UPDATE: `next_group` is the subscriber's largest group plus
  // one, 0 when it knows none. (One in the SUBSCRIBE is in options().new_group_request.)
  virtual void on_new_group_request(ServedSubscription& sub, std::uint64_t next_group) {
    (void)sub;
    (void)next_group;
  }
  // The subscriber cancelled or the session ended; stop sending.
  virtual void on_cancelled(ServedSubscription& sub) { (void)sub; }
};

// The publisher's side: handed to SessionHandler::on_subscribe for the peer's SUBSCRIBE
// (answer with accept() or reject(), now or later), or made by Session::publish.
class ServedSubscription : public std::enable_shared_from_this<ServedSubscription> {
 public:
  ~ServedSubscription();
  [[nodiscard]] std::uint64_t request_id() const noexcept { return request_id_; }
  [[nodiscard]] std::uint64_t track_alias() const noexcept { return track_alias_; }
  [[nodiscard]] const FullTrackName& track() const noexcept { return track_; }
  [[nodiscard]] RequestState state() const noexcept { return state_; }
  // The subscriber's priority, group order, filter, forward state and tokens.
  [[nodiscard]] const SubscribeOptions& options() const noexcept { return options_; }
  [[nodiscard]] const TrackInfo& info() const noexcept { return info_; }
  [[nodiscard]] GroupOrder effective_group_order() const noexcept {
    return options_.group_order.value_or(info_.group_order);
  }

  void set_handler(ServedSubscriptionHandler* handler) noexcept { handler_ = handler; }

  // SUBSCRIBE_OK with what the publisher knows of the track, or REQUEST_ERROR.
  void accept(const TrackInfo& info);
  void reject(const RequestErrorInfo& error);

  // Whether an object at `loc` passes the subscriber's filter (relative filters are
  // resolved against the largest location given at accept()).
  [[nodiscard]] bool in_filter(Location loc) const noexcept;
  // Whether `object` is to be sent: forwarding, inside the location filter and passing the
  // draft-20 Range Filters (subgroup, object ID, publisher priority, object properties).
  [[nodiscard]] bool passes(const Object& object) const noexcept;
  // The Range Filters alone: a relay starting a late joiner at a cached group bypasses the
  // location filter but not these.
  [[nodiscard]] bool passes_range_filters(const Object& object) const noexcept;
  // Whether the subscription is active and forwarding.
  [[nodiscard]] bool sending() const noexcept { return state_ == RequestState::kActive && options_.forward; }

  // Opens the subgroup's stream with a send order from the priorities and group order;
  // nullptr while not sending or when the peer's stream limit is reached. The writer stays
  // owned by the subscription until the group is dropped or the subscription ends.
  SubgroupWriter* open_subgroup(const SubgroupSpec& spec);
  // The subgroup's writer if one is open.
  SubgroupWriter* subgroup(std::uint64_t group, std::uint64_t subgroup) noexcept;
  // One object as a datagram; false when it does not fit or datagrams are off.
  bool send_datagram(const Object& object);
  // Resets every open stream of `group` (e.g. TOO_FAR_BEHIND) so a slow subscriber skips
  // it whole; the objects' shared buffers are released.
  void drop_group(std::uint64_t group, std::uint64_t code);
  // Finishes (FIN) the streams of groups older than `group`, or resets them with the
  // DELIVERY_TIMEOUT code when `reset` (newer groups first, per the scheduling rules).
  void close_groups_before(std::uint64_t group, bool reset);
  // Bytes queued on this subscription's open data streams.
  [[nodiscard]] std::size_t queued_bytes() const noexcept;
  [[nodiscard]] std::size_t open_subgroups() const noexcept { return writers_.size(); }
  // PUBLISH_DONE with a wire::PublishDoneCode; streams still open are finished first.
  void done(std::uint64_t status, std::string_view reason = {});
  // GOAWAY on this request's stream: the subscriber should move this subscription to
  // `new_uri` (server only; empty: this session). After `timeout` (if not zero) a subscription
  // still here is reset with GOING_AWAY. False when not active or already sent.
  bool goaway(std::string_view new_uri, std::chrono::milliseconds timeout = std::chrono::milliseconds{0});

 private:
  friend class Session;
  friend class RequestStream;
  friend class IncomingUniStream;
  std::uint64_t send_order(std::uint64_t group, std::uint8_t publisher_priority) const noexcept;
  // Checks every delivery timeout whether bytes written before the previous check (at
  // `written_before`) are still queued; if so the subgroup is reset.
  void schedule_timeout(std::uint64_t group, std::uint64_t subgroup, std::uint64_t written_before);
  void refresh_send_orders();
  void resolve_filter();
  void prune();

  std::weak_ptr<Session> session_;
  std::uint64_t request_id_ = 0;
  std::uint64_t track_alias_ = 0;
  FullTrackName track_;
  SubscribeOptions options_;
  TrackInfo info_;
  RequestState state_ = RequestState::kPending;
  bool publisher_initiated_ = false;
  ServedSubscriptionHandler* handler_ = nullptr;
  transport::Stream* stream_ = nullptr;
  std::optional<Location> filter_start_;  // resolved at accept()
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::unique_ptr<SubgroupWriter>> writers_;
  std::uint64_t streams_opened_ = 0;
  std::uint64_t unanswered_updates_ = 0;  // REQUEST_UPDATEs applied, REQUEST_OKs not yet sent
  bool goaway_sent_ = false;
};

}  // namespace kinetic::moqt
