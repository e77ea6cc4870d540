// One WHEP viewer's media: H.264 access units and Opus packets from a MoQT broadcast are
// packetized (rtph264pay, rtpopuspay) and sent by webrtcbin, never decoded. SPS and PPS go
// before every IDR so a browser can start at any group. Frames are stamped with the pipeline's
// clock when pushed: they arrive in real time already, and that keeps audio and video together.
// A viewer that stops sending RTCP (a closed tab, a crashed browser) shows as silent() so the
// gateway can end it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "kinetic/webrtc/broadcast_subscriber.hpp"
#include "kinetic/webrtc/gst_support.hpp"
#include "kinetic/webrtc/outcome.hpp"
#include "kinetic/webrtc/sdp_offer.hpp"
#include "kinetic/webrtc/webrtc_peer.hpp"

namespace kinetic::webrtc {

struct EgressOptions {
  IceScope ice;
  unsigned answer_timeout_ms = 5000;
  // The viewer asked for a keyframe (PLI or FIR, after a loss it could not repair). Called on a
  // GStreamer streaming thread.
  std::function<void()> on_keyframe_request;
};

class WhepStream {
 public:
  using EndFn = std::function<void(std::string)>;  // GLib thread, at most once

  static Outcome<std::unique_ptr<WhepStream>> create(const CheckedOffer& offer, const BroadcastMedia& media,
                                                     const EgressOptions& options, GlibThread& glib, EndFn on_end);
  ~WhepStream();
  WhepStream(const WhepStream&) = delete;
  WhepStream& operator=(const WhepStream&) = delete;

  [[nodiscard]] const std::string& answer() const noexcept { return answer_; }
  // Any thread. Frames before the viewer is connected are dropped (the next group restarts it).
  void push(const SubscribedFrame& frame);
  // Wall time (Unix µs) of the viewer's latest RTCP; when its answer was made before any.
  [[nodiscard]] std::int64_t last_heard_us() const noexcept { return last_heard_us_->load(); }
  [[nodiscard]] std::uint64_t frames() const noexcept { return frames_.load(); }
  [[nodiscard]] std::uint64_t keyframe_requests() const noexcept { return keyframe_requests_->load(); }

 private:
  WhepStream() = default;
  GstElement* pipeline_ = nullptr;
  GstElement* video_src_ = nullptr;
  GstElement* audio_src_ = nullptr;
  std::unique_ptr<PipelineWatch> watch_;
  std::shared_ptr<std::atomic<std::int64_t>> last_heard_us_ = std::make_shared<std::atomic<std::int64_t>>(0);
  std::atomic<std::uint64_t> frames_{0};
  std::shared_ptr<std::atomic<std::uint64_t>> keyframe_requests_ =
      std::make_shared<std::atomic<std::uint64_t>>(0);
  std::string answer_;
};

// The offered H.264 payload whose profile matches the avcC's (profile_idc), else the first.
OfferCodec choose_h264(const CheckedOffer& offer, const std::string& avcc);

}  // namespace kinetic::webrtc
