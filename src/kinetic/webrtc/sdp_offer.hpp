// A WHIP or WHEP client's SDP offer, checked before any pipeline exists: most bad input is
// refused here with a reason for the HTTP answer, so webrtcbin only ever sees offers it can
// answer. The gateway forwards H.264 and Opus untouched, so an offer without H.264 video is
// refused rather than answered with a codec nobody can carry.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/webrtc/outcome.hpp"

namespace kinetic::webrtc {

// Which way media flows in the offer: WHIP clients send, WHEP clients receive.
enum class OfferRole : std::uint8_t { kPublish, kPlay };

struct OfferCodec {
  unsigned payload = 0;   // RTP payload type the client chose
  std::string fmtp;       // its format parameters as offered (empty when none)
  unsigned channels = 1;  // audio channels of the rtpmap (Opus: 2)
  std::vector<std::string> feedback;  // its RTCP feedback as offered ("nack", "nack pli", "ccm fir", ...)
};

struct CheckedOffer {
  // The offer webrtcbin gets: remote candidates outside the ICE scope and TCP candidates removed.
  std::string sdp;
  OfferCodec h264;                  // packetization-mode 1 preferred, then 0
  std::vector<OfferCodec> h264_all;  // every H.264 payload of the video section, in the client's order
  std::optional<OfferCodec> opus;   // absent when there is no audio or no Opus in it
  bool has_audio = false;
  unsigned video_mline = 0;         // index of the video m= section
  unsigned audio_mline = 0;         // of the audio one, when has_audio
  std::size_t candidates_dropped = 0;
};

// kInvalidValue with the reason for: text that is not SDP, no media, missing ICE credentials
// or DTLS fingerprint, media not over UDP/TLS/RTP/SAVPF, no H.264 video, video flowing the wrong
// way for `role`. With `loopback_only`, remote candidates that are not loopback are dropped so
// ICE never sends a packet off the machine.
Outcome<CheckedOffer> check_offer(std::string_view sdp, OfferRole role, bool loopback_only);

// Whether a candidate address literal (IPv4 or IPv6) is loopback.
bool is_loopback_address(std::string_view address);

}  // namespace kinetic::webrtc
