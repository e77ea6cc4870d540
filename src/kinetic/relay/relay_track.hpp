// One track as the relay carries it: a single upstream subscription shared by every
// downstream subscriber. Each object that arrives upstream is cached once and written to every
// downstream subscription from the same shared buffer; a downstream that falls behind loses
// whole older groups rather than holding the others back or growing without bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kinetic/moqt/subscription.hpp"
#include "kinetic/relay/relay_cache.hpp"
#include "kinetic/relay/relay_metrics.hpp"

namespace kinetic::relay {

struct TrackLimits {
  std::size_t subscriber_queue_bytes = 4u << 20;
};

class RelayTrack final : public moqt::SubscriptionHandler {
 public:
  // `on_empty` runs (deferred by the owner) when the track has neither upstream nor downstream
  // left, so the owner can forget it.
  RelayTrack(moqt::FullTrackName name, RelayCache& cache, RelayMetrics& metrics, TrackLimits limits,
             std::function<void(RelayTrack&)> on_empty);
  ~RelayTrack() override;
  RelayTrack(const RelayTrack&) = delete;
  RelayTrack& operator=(const RelayTrack&) = delete;

  [[nodiscard]] const moqt::FullTrackName& name() const noexcept { return name_; }
  // The upstream subscription (made by the owner with this track as its handler). `counted`
  // false: it comes over a link between workers of one relay (relay_workers.hpp), whose objects
  // the worker they entered from counts already, so they are not counted in again here.
  void set_upstream(std::shared_ptr<moqt::Subscription> upstream, std::uint64_t publisher, bool counted = true);
  [[nodiscard]] std::uint64_t publisher() const noexcept { return publisher_; }
  // Failover: the upstream subscription is replaced by `upstream` (made through another
  // parent, with this track as its handler) while every downstream subscription carries on.
  // The old one is unsubscribed; objects the new one repeats are dropped (cache and per-
  // subscriber stream positions), so subscribers see each object once.
  void move_upstream(std::shared_ptr<moqt::Subscription> upstream, std::uint64_t publisher, bool counted = true);
  // Asked when the upstream subscription ends with its session (the parent relay died): true
  // keeps the track and its subscribers for the owner to move_upstream(); false ends it.
  void set_on_upstream_lost(std::function<bool(RelayTrack&)> hold) { on_upstream_lost_ = std::move(hold); }
  // The upstream went away and the owner holds the track for a move.
  [[nodiscard]] bool orphaned() const noexcept { return orphaned_; }
  [[nodiscard]] std::uint64_t moves() const noexcept { return moves_; }
  [[nodiscard]] bool upstream_active() const noexcept { return active_; }
  [[nodiscard]] bool ended() const noexcept { return ended_; }
  // Downstream subscriptions still being served.
  [[nodiscard]] std::size_t downstream_count() const noexcept;

  // A downstream SUBSCRIBE for this track: answered now when the upstream is active (late
  // joiners get the latest cached group first), or once the upstream answers. A PUBLISH the
  // relay sent (SUBSCRIBE_TRACKS) arrives already accepted: it only starts. `counted` false: a
  // subscription of another worker of this relay, whose own subscribers are counted there.
  void add_downstream(std::shared_ptr<moqt::ServedSubscription> sub, bool accepted = false, bool counted = true);
  // What SUBSCRIBE_OK / PUBLISH tells about the track now: upstream's answer, raised to the
  // largest location received or cached.
  [[nodiscard]] moqt::TrackInfo info() const { return current_info(); }
  // The publisher is gone or ended the track: every downstream gets PUBLISH_DONE.
  void end(std::uint64_t status, std::string_view reason);
  // A downstream NEW_GROUP_REQUEST (in its SUBSCRIBE or a REQUEST_UPDATE), handled as the draft's
  // relay rules say: held for the upstream SUBSCRIBE while there is no established upstream
  // subscription; otherwise sent upstream in a REQUEST_UPDATE when it is 0 or beyond the largest
  // group, the track has DYNAMIC_GROUPS and no request of ours at least as large is outstanding
  // (one is until the largest group grows).
  void ask_new_group(std::uint64_t next_group);
  // What a new upstream SUBSCRIBE is to carry: the request held so far, if any (outstanding once
  // that subscription is set or moved to, as what its SUBSCRIBE carried).
  // `counted` as for set_upstream: false over a link between workers of this relay.
  [[nodiscard]] std::optional<std::uint64_t> take_new_group_request(bool counted = true);

  // moqt::SubscriptionHandler (the upstream side)
  void on_ok(moqt::Subscription& sub, const moqt::TrackInfo& info) override;
  void on_error(moqt::Subscription& sub, const moqt::RequestErrorInfo& error) override;
  void on_object(moqt::Subscription& sub, const moqt::Object& object) override;
  void on_done(moqt::Subscription& sub, std::uint64_t status, std::string_view reason) override;

 private:
  struct Downstream;
  void start(Downstream& down, bool accepted);
  // `arrival`: when a live object reached the relay, for RelayMetrics::send_delay (none for
  // objects sent from the cache).
  void forward(Downstream& down, const moqt::Object& object,
               std::optional<transport::TimePoint> arrival = std::nullopt);
  void remove(Downstream& down);
  void prune();
  // The upstream_subscriptions gauge follows a counted upstream being set or replaced.
  void count_upstream(bool counted_before);
  [[nodiscard]] moqt::TrackInfo current_info() const;
  // A new upstream subscription: only the NEW_GROUP_REQUEST its SUBSCRIBE carried is outstanding.
  void restart_outstanding();

  moqt::FullTrackName name_;
  RelayCache& cache_;
  RelayMetrics& metrics_;
  TrackLimits limits_;
  std::function<void(RelayTrack&)> on_empty_;
  std::function<bool(RelayTrack&)> on_upstream_lost_;
  bool orphaned_ = false;
  std::uint64_t moves_ = 0;
  std::shared_ptr<moqt::Subscription> upstream_;
  std::uint64_t publisher_ = 0;
  bool upstream_counted_ = true;
  moqt::TrackInfo upstream_info_;
  bool active_ = false;
  bool ended_ = false;
  std::optional<std::uint64_t> held_new_group_;         // no established upstream yet
  std::optional<std::uint64_t> outstanding_new_group_;  // sent upstream, largest group not grown
  std::optional<std::uint64_t> outstanding_since_group_;
  std::vector<std::unique_ptr<Downstream>> downstream_;
  std::size_t gone_ = 0;  // entries of downstream_ marked gone and not yet pruned
};

}  // namespace kinetic::relay
