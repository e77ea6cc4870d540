// Filling the gap a failover leaves. When a track's upstream subscription moves to another
// parent, the new SUBSCRIBE starts after that parent's Largest Object, so whatever was
// published between the last object received through the old parent and that point would be
// lost. This handler stands between the new subscription and the track: once SUBSCRIBE_OK names
// the new start, it FETCHes (standalone) the objects after the last one received up to and
// including the OK's Largest Object, hands them to the track in order, and holds the new
// subscription's objects meanwhile so that none of them overtakes the gap (a subscriber's
// subgroup stream only moves forward). When the FETCH ends — complete, refused or broken — or
// the hold passes its limits, the held objects follow and the track receives its subscription
// directly. Objects the track already has are dropped there as repeats.
//
// A standalone FETCH rather than a joining one: the relay knows exactly where its gap begins
// (a joining FETCH starts at object 0 of a group), and a standby parent that does not carry
// the track yet can neither resolve a joining FETCH's range nor answer it from its cache, while
// a standalone FETCH it can pass on to its own parent.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "kinetic/moqt/session.hpp"
#include "kinetic/relay/relay_track.hpp"
#include "kinetic/transport/event_loop.hpp"

namespace kinetic::relay {

struct GapFillLimits {
  // Live objects held back while the gap is fetched: past either limit the FETCH is given up
  // and live delivery goes on.
  std::size_t hold_bytes = 4u << 20;
  std::chrono::milliseconds hold_time{1000};
};

class GapFill final : public moqt::SubscriptionHandler, public moqt::FetchHandler {
 public:
  // `track` outlives this object (its owner drops the fill first); `last` is the largest
  // location the track received before the move (nullopt: nothing, so no gap to fill).
  GapFill(transport::EventLoop& loop, RelayTrack& track, std::weak_ptr<moqt::Session> session,
          std::optional<moqt::Location> last, GapFillLimits limits = {});
  ~GapFill() override;
  GapFill(const GapFill&) = delete;
  GapFill& operator=(const GapFill&) = delete;

  // The moved subscription, made with this object as its handler.
  void attach(std::shared_ptr<moqt::Subscription> sub) { sub_ = std::move(sub); }
  // Still holding the subscription (the gap is being fetched or the OK is awaited).
  [[nodiscard]] bool filling() const noexcept { return !over_; }
  [[nodiscard]] const std::optional<moqt::Location>& last() const noexcept { return last_; }
  [[nodiscard]] std::size_t fetched() const noexcept { return fetched_; }

  // moqt::SubscriptionHandler (the moved subscription)
  void on_ok(moqt::Subscription& sub, const moqt::TrackInfo& info) override;
  void on_error(moqt::Subscription& sub, const moqt::RequestErrorInfo& error) override;
  void on_object(moqt::Subscription& sub, const moqt::Object& object) override;
  void on_subgroup_reset(moqt::Subscription& sub, std::uint64_t group, std::uint64_t subgroup,
                         std::uint64_t code) override;
  void on_done(moqt::Subscription& sub, std::uint64_t status, std::string_view reason) override;

  // moqt::FetchHandler (the gap)
  void on_error(moqt::Fetch& fetch, const moqt::RequestErrorInfo& error) override;
  void on_object(moqt::Fetch& fetch, const moqt::Object& object) override;
  void on_complete(moqt::Fetch& fetch, bool complete) override;

 private:
  // Releases the held objects and gives the subscription to the track.
  void finish(std::string_view why);

  transport::EventLoop& loop_;
  RelayTrack& track_;
  std::weak_ptr<moqt::Session> session_;
  std::optional<moqt::Location> last_;
  GapFillLimits limits_;
  std::shared_ptr<moqt::Subscription> sub_;
  std::shared_ptr<moqt::Fetch> fetch_;
  std::vector<moqt::Object> held_;
  std::size_t held_bytes_ = 0;
  std::size_t fetched_ = 0;
  std::optional<transport::TimerId> deadline_;
  bool over_ = false;
};

}  // namespace kinetic::relay
