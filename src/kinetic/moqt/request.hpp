// Requests that are answered with REQUEST_OK / REQUEST_ERROR and carry no objects:
// PUBLISH_NAMESPACE, SUBSCRIBE_NAMESPACE, SUBSCRIBE_TRACKS and TRACK_STATUS. The requester
// holds an `OutgoingRequest`; the receiver is handed an `IncomingRequest`. Namespace
// subscriptions then stream NAMESPACE / NAMESPACE_DONE (and PUBLISH_BLOCKED/PUBLISH_SKIPPED)
// on the same request stream.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "kinetic/moqt/subscription.hpp"
#include "kinetic/moqt/types.hpp"

namespace kinetic::moqt {

class OutgoingRequest;
class IncomingRequest;

enum class RequestKind : std::uint8_t { kPublishNamespace, kSubscribeNamespace, kSubscribeTracks, kTrackStatus };

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // REQUEST_OK; for TRACK_STATUS `info` holds the largest location and track properties.
  virtual void on_ok(OutgoingRequest& req, const TrackInfo& info) { (void)req; (void)info; }
  virtual void on_error(OutgoingRequest& req, const RequestErrorInfo& error) { (void)req; (void)error; }
  // SUBSCRIBE_NAMESPACE: a namespace (the part after the prefix) appeared or went away.
  virtual void on_namespace(OutgoingRequest& req, const TrackNamespace& suffix) { (void)req; (void)suffix; }
  virtual void on_namespace_done(OutgoingRequest& req, const TrackNamespace& suffix) { (void)req; (void)suffix; }
  // SUBSCRIBE_TRACKS: PUBLISH_BLOCKED (18) / PUBLISH_SKIPPED (20) for a track not published.
  virtual void on_publish_skipped(OutgoingRequest& req, const FullTrackName& track) { (void)req; (void)track; }
  // The peer ended the request (FIN or reset of its side), or the session ended first: once per
  // request, and the last call its handler hears, so the handler may go after it.
  virtual void on_closed(OutgoingRequest& req) { (void)req; }
};

class OutgoingRequest : public std::enable_shared_from_this<OutgoingRequest> {
 public:
  [[nodiscard]] RequestKind kind() const noexcept { return kind_; }
  [[nodiscard]] std::uint64_t request_id() const noexcept { return request_id_; }
  [[nodiscard]] RequestState state() const noexcept { return state_; }
  [[nodiscard]] const TrackNamespace& track_namespace() const noexcept { return namespace_; }
  [[nodiscard]] const FullTrackName& track() const noexcept { return track_; }
  // Withdraws (PUBLISH_NAMESPACE) or unsubscribes: the request stream is finished.
  void cancel();

 private:
  friend class Session;
  friend class RequestStream;
  friend class IncomingUniStream;
  std::weak_ptr<Session> session_;
  RequestKind kind_ = RequestKind::kTrackStatus;
  std::uint64_t request_id_ = 0;
  RequestState state_ = RequestState::kPending;
  TrackNamespace namespace_;
  FullTrackName track_;
  RequestHandler* handler_ = nullptr;
  transport::Stream* stream_ = nullptr;
};

class IncomingRequest : public std::enable_shared_from_this<IncomingRequest> {
 public:
  ~IncomingRequest();
  [[nodiscard]] RequestKind kind() const noexcept { return kind_; }
  [[nodiscard]] std::uint64_t request_id() const noexcept { return request_id_; }
  [[nodiscard]] RequestState state() const noexcept { return state_; }
  // The namespace of PUBLISH_NAMESPACE, the prefix of SUBSCRIBE_NAMESPACE / SUBSCRIBE_TRACKS.
  [[nodiscard]] const TrackNamespace& track_namespace() const noexcept { return namespace_; }
  // TRACK_STATUS's track.
  [[nodiscard]] const FullTrackName& track() const noexcept { return track_; }
  [[nodiscard]] const std::vector<AuthToken>& tokens() const noexcept { return tokens_; }

  void accept(const TrackInfo& info = {});
  void reject(const RequestErrorInfo& error);
  // SUBSCRIBE_NAMESPACE, once accepted: announce or withdraw a namespace under the prefix
  // (`full` is the whole namespace; the prefix is stripped on the wire). False when `full`
  // is not under the prefix or the request is not an active namespace subscription.
  bool send_namespace(const TrackNamespace& full);
  bool send_namespace_done(const TrackNamespace& full);
  // SUBSCRIBE_TRACKS, once accepted: a matching track that will not be published.
  bool send_publish_skipped(const FullTrackName& track);
  // The requester withdrew (PUBLISH_NAMESPACE) or unsubscribed.
  void set_on_cancel(std::function<void()> fn) { on_cancel_ = std::move(fn); }
  // Ends the request from this side (FIN).
  void close();

 private:
  friend class Session;
  friend class RequestStream;
  friend class IncomingUniStream;
  std::weak_ptr<Session> session_;
  RequestKind kind_ = RequestKind::kTrackStatus;
  std::uint64_t request_id_ = 0;
  RequestState state_ = RequestState::kPending;
  TrackNamespace namespace_;
  FullTrackName track_;
  std::vector<AuthToken> tokens_;
  transport::Stream* stream_ = nullptr;
  std::function<void()> on_cancel_;
  bool counts_namespace_ = false;
};

}  // namespace kinetic::moqt
