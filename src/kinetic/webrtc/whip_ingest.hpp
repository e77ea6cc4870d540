// One WHIP publisher's media: webrtcbin receives its H.264 and Opus over SRTP, and each is only
// depacketized (rtph264depay + h264parse to AVC access units, rtpopusdepay), never decoded.
// Frames leave on GStreamer's streaming threads through a callback; the owner moves them to
// its event loop.
//
// Packet loss is handled the way a WHIP server is expected to: NACK with RTX retransmission
// while the jitter buffer waits (`latency_ms`), and when a packet is lost for good the
// depacketizer asks the sender for a keyframe (PLI, or FIR when that is what was negotiated)
// and drops the frames that would not decode until it arrives.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/media/cmaf_demux.hpp"
#include "kinetic/webrtc/gst_support.hpp"
#include "kinetic/webrtc/sdp_offer.hpp"
#include "kinetic/webrtc/webrtc_peer.hpp"
#include "kinetic/webrtc/outcome.hpp"

namespace kinetic::webrtc {

struct IngestFrame {
  media::StreamKind kind = media::StreamKind::kVideo;
  std::vector<std::uint8_t> data;  // one AVC access unit (length-prefixed NAL units) or one Opus packet
  // The sender's media time (its RTP timestamps) from the stream's first packet's time on the
  // session's clock, which its video and audio share.
  std::uint64_t pts_ns = 0;
  bool keyframe = false;
  std::string config;              // video: the avcC record in force
  int width = 0;
  int height = 0;
  // When the sender captured the frame, on its wall clock: RTP time mapped through its RTCP
  // sender reports; absent until the first report arrives.
  std::optional<std::int64_t> capture_us;
  std::int64_t wire_us = 0;        // when the frame's last RTP packet reached the gateway (decrypted); 0: unknown
  std::int64_t received_us = 0;    // when the frame's last RTP packet left the jitter buffer
  std::int64_t depacketized_us = 0;
};

struct IngestOptions {
  IceScope ice;
  unsigned latency_ms = 100;  // how long a missing packet is waited for (NACK/RTX) before it is lost
  unsigned answer_timeout_ms = 5000;
};

class WhipIngest {
 public:
  using FrameFn = std::function<void(IngestFrame&&)>;  // on a streaming thread
  using EndFn = std::function<void(std::string)>;      // on the GLib thread, at most once

  // Builds the pipeline for `offer` and answers it (blocking, bounded by answer_timeout_ms).
  static Outcome<std::unique_ptr<WhipIngest>> create(const CheckedOffer& offer, const IngestOptions& options,
                                                          GlibThread& glib, FrameFn on_frame, EndFn on_end);
  ~WhipIngest();
  WhipIngest(const WhipIngest&) = delete;
  WhipIngest& operator=(const WhipIngest&) = delete;

  [[nodiscard]] const std::string& answer() const noexcept { return answer_; }
  // Asks the sender for a keyframe (PLI/FIR); safe from any thread, at most one per 200 ms.
  void request_keyframe();
  // Frames delivered so far (any thread).
  [[nodiscard]] std::uint64_t frames() const;

  struct Shared;

 private:
  WhipIngest() = default;
  GstElement* pipeline_ = nullptr;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<PipelineWatch> watch_;
  std::string answer_;
};

}  // namespace kinetic::webrtc
