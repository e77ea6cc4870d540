// FETCH from both ends: the requester's `Fetch` receives FETCH_OK and the objects of the
// fetch data stream; the publisher's `ServedFetch` answers and writes them in order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "kinetic/moqt/subscription.hpp"
#include "kinetic/moqt/types.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::moqt {

class Fetch;
class ServedFetch;

enum class FetchKind : std::uint8_t { kStandalone, kRelativeJoining, kAbsoluteJoining };

// A standalone fetch of [start, end] (both inclusive; end.object nullopt: the whole group).
struct FetchRange {
  FullTrackName track;
  Location start;
  std::uint64_t end_group = 0;
  std::optional<std::uint64_t> end_object;
};

struct FetchOkInfo {
  bool end_of_track = false;
  Location end_location;  // largest location the fetch covers
  GroupOrder group_order = GroupOrder::kAscending;
};

class FetchHandler {
 public:
  virtual ~FetchHandler() = default;
  virtual void on_ok(Fetch& fetch, const FetchOkInfo& info) { (void)fetch; (void)info; }
  virtual void on_error(Fetch& fetch, const RequestErrorInfo& error) { (void)fetch; (void)error; }
  virtual void on_object(Fetch& fetch, const Object& object) = 0;
  // The data stream ended: `complete` false when it was reset.
  virtual void on_complete(Fetch& fetch, bool complete) { (void)fetch; (void)complete; }
};

class Fetch : public std::enable_shared_from_this<Fetch> {
 public:
  [[nodiscard]] std::uint64_t request_id() const noexcept { return request_id_; }
  [[nodiscard]] RequestState state() const noexcept { return state_; }
  [[nodiscard]] const std::optional<FetchOkInfo>& ok_info() const noexcept { return ok_; }
  void cancel();

 private:
  friend class Session;
  friend class RequestStream;
  friend class IncomingUniStream;
  std::weak_ptr<Session> session_;
  std::uint64_t request_id_ = 0;
  RequestState state_ = RequestState::kPending;
  FetchHandler* handler_ = nullptr;
  std::optional<FetchOkInfo> ok_;
  GroupOrder order_ = GroupOrder::kAscending;
  transport::Stream* stream_ = nullptr;
};

class ServedFetch : public std::enable_shared_from_this<ServedFetch> {
 public:
  ServedFetch();
  ~ServedFetch();
  [[nodiscard]] std::uint64_t request_id() const noexcept { return request_id_; }
  [[nodiscard]] FetchKind kind() const noexcept { return kind_; }
  // The track and range: for joining fetches, resolved from the joined subscription.
  [[nodiscard]] const FullTrackName& track() const noexcept { return range_.track; }
  [[nodiscard]] const FetchRange& range() const noexcept { return range_; }
  [[nodiscard]] std::uint8_t subscriber_priority() const noexcept { return priority_; }
  [[nodiscard]] const std::vector<AuthToken>& tokens() const noexcept { return tokens_; }
  // The requester's draft-20 Range Filters; write() passes over what fails them.
  [[nodiscard]] const std::vector<RangeFilter>& range_filters() const noexcept { return range_filters_; }
  [[nodiscard]] RequestState state() const noexcept { return state_; }

  // FETCH_OK then opens the data stream; REQUEST_ERROR otherwise.
  void accept(const FetchOkInfo& info);
  void reject(const RequestErrorInfo& error);
  // Objects in the order FETCH_OK announced. False when not accepted, out of order, or a status
  // marker (End of Group, End of Track), which a FETCH stream cannot carry. An object the
  // requester's Range Filters exclude is passed over: true, and nothing is sent.
  bool write(const Object& object);
  // FIN of the data stream: everything in range was sent.
  void finish();
  // Abandons the data stream with a stream reset code.
  void reset(std::uint64_t code);
  [[nodiscard]] std::size_t queued_bytes() const noexcept;
  // Called when the requester cancels.
  void set_on_cancel(std::function<void()> fn) { on_cancel_ = std::move(fn); }

 private:
  friend class Session;
  friend class RequestStream;
  friend class IncomingUniStream;
  struct Codec;
  struct DataHandler;
  void start_data(wire::Version v, transport::Stream& stream, GroupOrder order);
  std::weak_ptr<Session> session_;
  std::uint64_t request_id_ = 0;
  FetchKind kind_ = FetchKind::kStandalone;
  FetchRange range_;
  std::uint8_t priority_ = kDefaultPriority;
  GroupOrder order_ = GroupOrder::kAscending;
  std::vector<AuthToken> tokens_;
  std::vector<RangeFilter> range_filters_;
  RequestState state_ = RequestState::kPending;
  transport::Stream* stream_ = nullptr;       // request stream
  transport::Stream* data_stream_ = nullptr;  // FETCH_HEADER stream
  std::unique_ptr<Codec> codec_;
  std::unique_ptr<DataHandler> data_handler_;
  std::function<void()> on_cancel_;
};

}  // namespace kinetic::moqt
