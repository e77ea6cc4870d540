// The MoQT side of a WHEP viewer: subscribes to a broadcast's MSF catalog on the gateway's
// relay session, says what it carries (H.264 with its avcC, Opus), and once the WebRTC side is
// ready subscribes to those tracks from the newest group (a keyframe; on video it asks for a fresh
// group too) and hands each frame on with its LOC metadata. Loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/moqt/session.hpp"
#include "kinetic/moqt/subscription.hpp"
#include "kinetic/base/shared_bytes.hpp"

namespace kinetic::webrtc {

// What a WHEP answer needs to know about the broadcast.
struct BroadcastMedia {
  std::string video_track;
  std::string avcc;               // the H.264 decoder configuration from the catalog
  std::string audio_track;        // empty when there is no Opus track
  unsigned audio_channels = 2;
};

struct SubscribedFrame {
  media::StreamKind kind = media::StreamKind::kVideo;
  SharedBytes payload;
  bool keyframe = false;
};

class BroadcastSubscriber final : public moqt::SubscriptionHandler {
 public:
  struct Callbacks {
    // Once: the catalog's media, or why there is none to play ("no catalog", "no H.264 track").
    std::function<void(std::optional<BroadcastMedia>, std::string why)> on_catalog;
    std::function<void(const SubscribedFrame&)> on_frame;
    // The publisher ended a media track, or the subscription failed.
    std::function<void(std::string why)> on_end;
  };

  BroadcastSubscriber(std::shared_ptr<moqt::Session> session, moqt::TrackNamespace ns, Callbacks callbacks);
  ~BroadcastSubscriber() override;

  void start();        // subscribes to the catalog
  void start_media();  // subscribes to the tracks the catalog named
  void stop();         // unsubscribes everything; no callback after this
  // The viewer lost what it could not repair: asks the original publisher for a new group
  // (NEW_GROUP_REQUEST) if the video track has DYNAMIC_GROUPS; false when it cannot be asked, or
  // was asked less than kKeyframeRequestInterval ago (a viewer repeats its PLI until a keyframe
  // comes, and one request answers them all).
  bool request_keyframe();
  static constexpr transport::Duration kKeyframeRequestInterval = std::chrono::milliseconds(250);

  // moqt::SubscriptionHandler
  void on_error(moqt::Subscription& sub, const moqt::RequestErrorInfo& error) override;
  void on_object(moqt::Subscription& sub, const moqt::Object& object) override;
  void on_done(moqt::Subscription& sub, std::uint64_t status, std::string_view reason) override;

 private:
  void catalog_arrived(const moqt::Object& object);
  void answer_catalog(std::optional<BroadcastMedia> media, std::string why);

  std::shared_ptr<moqt::Session> session_;
  moqt::TrackNamespace ns_;
  Callbacks callbacks_;
  std::shared_ptr<moqt::Subscription> catalog_sub_;
  std::shared_ptr<moqt::Subscription> video_sub_;
  std::shared_ptr<moqt::Subscription> audio_sub_;
  std::optional<BroadcastMedia> media_;
  bool catalog_answered_ = false;
  bool stopped_ = false;
  bool video_started_ = false;  // a keyframe has gone out: frames after it decode
  std::optional<transport::TimePoint> last_keyframe_request_;
};

}  // namespace kinetic::webrtc
