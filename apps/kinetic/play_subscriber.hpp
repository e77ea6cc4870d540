// The network side of `kinetic play`: subscribes to an MSF broadcast through its catalog (the
// video and audio tracks Kinetic can decode), asks for a delivery timeout matching the
// player's budget so the relay stops sending what can no longer be shown, and hands every LOC
// frame to the player's feed with its arrival time. Runs on the network loop's thread; `finish`
// is called (on it) when there is nothing more to receive: every track ended, or a failure.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/moqt/session.hpp"
#include "play_feed.hpp"

namespace kinetic::app {

struct PlaySubscriberOptions {
  std::string ns;                       // namespace, fields separated by '/'
  std::vector<std::string> tracks;      // only these catalog tracks (empty: every video and audio track)
  std::optional<std::uint64_t> delivery_timeout_ms;
  bool new_group = false;  // NEW_GROUP_REQUEST in the media SUBSCRIBEs: start at a fresh group
};

class PlaySubscriber final : public moqt::SessionHandler, public moqt::SubscriptionHandler {
 public:
  PlaySubscriber(std::function<void()> finish, PlaySubscriberOptions options, PlayFeed& feed);

  // Subscribes to the catalog; media tracks follow once it arrives.
  void attach(std::shared_ptr<moqt::Session> session);
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  [[nodiscard]] std::size_t media_tracks() const noexcept { return tracks_.size(); }

  void on_closed(moqt::Session&, std::uint64_t code, std::string_view reason) override;
  void on_error(moqt::Subscription& sub, const moqt::RequestErrorInfo& e) override;
  void on_done(moqt::Subscription& sub, std::uint64_t code, std::string_view reason) override;
  void on_object(moqt::Subscription& sub, const moqt::Object& o) override;

 private:
  struct Track {
    std::string name;
    media::StreamKind kind = media::StreamKind::kVideo;
    std::shared_ptr<moqt::Subscription> sub;
    std::uint64_t bad_objects = 0;
    bool ended = false;
  };
  void on_catalog(const moqt::Object& o);
  void track_ended(Track& t);
  void fail(const std::string& why);

  std::function<void()> finish_;
  PlaySubscriberOptions options_;
  PlayFeed& feed_;
  std::shared_ptr<moqt::Session> session_;
  std::shared_ptr<moqt::Subscription> catalog_sub_;
  std::vector<Track> tracks_;
  bool have_catalog_ = false;
  bool failed_ = false;
};

}  // namespace kinetic::app
