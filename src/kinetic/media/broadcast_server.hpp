// Serves a live broadcast to MoQT subscriptions, for every publisher that has one (`kinetic pub`,
// the WHIP gateway). The catalog track gets the whole catalog whatever the subscriber's filter:
// nothing plays without it. A media subscriber joins at the first object of the current group (a
// keyframe), so it can start decoding at once; later objects go to every subscription still
// sending, and one that lost its group's start waits for the next group. Loop thread only.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "kinetic/base/shared_bytes.hpp"
#include "kinetic/media/broadcast.hpp"
#include "kinetic/moqt/subscription.hpp"

namespace kinetic::media {

class BroadcastServer {
 public:
  BroadcastServer() = default;
  ~BroadcastServer();
  BroadcastServer(const BroadcastServer&) = delete;
  BroadcastServer& operator=(const BroadcastServer&) = delete;

  // For a publisher that can begin a group on demand (a WebRTC sender asked for a keyframe):
  // media tracks then carry DYNAMIC_GROUPS, and `ask(track)` runs for a subscriber's
  // NEW_GROUP_REQUEST (in its SUBSCRIBE or a REQUEST_UPDATE) unless it names a group that has
  // begun already. Set before serving any track.
  void set_new_group_handler(std::function<void(std::size_t track)> ask) { ask_new_group_ = std::move(ask); }
  // The catalog JSON every later catalog subscriber gets. One that differs from the last is also
  // sent to the catalog subscriptions still open, as the next group (MSF: each group an
  // independent catalog), so a viewer already watching learns of a new resolution.
  void set_catalog(SharedBytes json);
  // Accepts a subscription to the catalog track and sends it the current catalog.
  void serve_catalog(const std::shared_ptr<moqt::ServedSubscription>& sub);
  // Accepts a subscription to media track `track` (naming the newest object so far) and sends
  // it the current group.
  void serve_track(std::size_t track, const std::shared_ptr<moqt::ServedSubscription>& sub);
  // Sends an object to its track's subscriptions and keeps it for joiners while its group lasts.
  void send(const BroadcastObject& obj);
  // Ends every active subscription, the catalog's too, with PUBLISH_DONE (TRACK_ENDED) and
  // forgets them all.
  void end(std::string_view reason);

  [[nodiscard]] std::optional<moqt::Location> largest(std::size_t track) const;
  [[nodiscard]] std::size_t subscriptions(std::size_t track) const;

 private:
  // Hears REQUEST_UPDATEs of one media track's subscriptions.
  struct TrackListener final : moqt::ServedSubscriptionHandler {
    BroadcastServer* server = nullptr;
    std::size_t track = 0;
    void on_new_group_request(moqt::ServedSubscription&, std::uint64_t next_group) override {
      server->new_group_requested(track, next_group);
    }
  };
  void new_group_requested(std::size_t track, std::uint64_t next_group);
  static void deliver(moqt::ServedSubscription& sub, const BroadcastObject& obj);
  void write_catalog(moqt::ServedSubscription& sub) const;

  SharedBytes catalog_;
  std::uint64_t catalog_group_ = 0;
  std::vector<std::shared_ptr<moqt::ServedSubscription>> catalog_subs_;
  std::map<std::size_t, std::vector<std::shared_ptr<moqt::ServedSubscription>>> subs_;
  std::map<std::size_t, moqt::Location> largest_;
  std::map<std::size_t, std::vector<BroadcastObject>> current_group_;
  std::function<void(std::size_t)> ask_new_group_;
  std::map<std::size_t, std::unique_ptr<TrackListener>> listeners_;
};

}  // namespace kinetic::media
