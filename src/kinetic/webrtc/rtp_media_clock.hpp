// A received RTP stream's media time, from its packets' RTP timestamps. The jitter buffer's own
// timestamps follow arrival (skew-corrected), and at a stream's start, when the sender's first
// packets come in a burst, they bunch frames together and then leave some without a time at all;
// a WHIP broadcast's objects carry the sender's clock instead: spaced as it sampled them, from
// the first packet's time on the session clock (what the jitter buffer gave it), so the streams
// of one session stay within their first packets' arrival of each other.
#pragma once

#include <cstdint>
#include <optional>

namespace kinetic::webrtc {

class RtpMediaClock {
 public:
  // `clock_rate`: the payload's RTP clock (90,000 for video, 48,000 for Opus); 0 reads as 90,000.
  explicit RtpMediaClock(std::uint32_t clock_rate) : rate_(clock_rate == 0 ? 90'000 : clock_rate) {}

  // The media time, in nanoseconds on the session clock, of a packet with `rtp_timestamp` from
  // `ssrc`. `session_ns` is the packet's time on the session clock where known; it anchors the
  // stream's first packet, and a new source's (the sender restarted its stream), which goes on
  // no earlier than the last time given. Timestamps wrap at 2^32 and may step back a little
  // (B-frames, a late packet); a time before the anchor is clamped to it.
  std::uint64_t media_ns(std::uint32_t ssrc, std::uint32_t rtp_timestamp,
                         std::optional<std::uint64_t> session_ns);

 private:
  std::uint32_t rate_;
  bool started_ = false;
  std::uint32_t ssrc_ = 0;
  std::uint32_t last_timestamp_ = 0;
  std::int64_t ticks_ = 0;  // since the anchor, unwrapped
  std::uint64_t anchor_ns_ = 0;
  std::uint64_t last_ns_ = 0;
};

}  // namespace kinetic::webrtc
