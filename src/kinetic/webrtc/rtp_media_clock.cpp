#include "kinetic/webrtc/rtp_media_clock.hpp"

#include <algorithm>

namespace kinetic::webrtc {

std::uint64_t RtpMediaClock::media_ns(std::uint32_t ssrc, std::uint32_t rtp_timestamp,
                                      std::optional<std::uint64_t> session_ns) {
  if (!started_ || ssrc != ssrc_) {
    anchor_ns_ = started_ ? std::max(session_ns.value_or(last_ns_), last_ns_) : session_ns.value_or(0);
    started_ = true;
    ssrc_ = ssrc;
    ticks_ = 0;
  } else {
    // The signed distance from the last timestamp: forward across a wrap, back for a packet
    // sampled before the last one.
    ticks_ += static_cast<std::int32_t>(rtp_timestamp - last_timestamp_);
  }
  last_timestamp_ = rtp_timestamp;
  if (ticks_ < 0) return last_ns_ = anchor_ns_;
  // Whole seconds and the rest apart, so a stream of months does not overflow 64 bits.
  const auto ticks = static_cast<std::uint64_t>(ticks_);
  last_ns_ = anchor_ns_ + ticks / rate_ * 1'000'000'000ULL + ticks % rate_ * 1'000'000'000ULL / rate_;
  return last_ns_;
}

}  // namespace kinetic::webrtc
