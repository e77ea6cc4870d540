// SDP offers for the tests that need no browser: shaped like Chromium's (BUNDLE, ICE credentials,
// DTLS fingerprint, host candidates), with the codecs each test needs.
#pragma once

#include <string>

namespace kinetic::test {

// audio (Opus) then video with the given rtpmap/fmtp lines and direction; candidates as given.
inline std::string make_offer(const std::string& video_codecs, const std::string& direction = "sendonly",
                              const std::string& candidates =
                                  "a=candidate:1 1 udp 2122194687 127.0.0.1 50000 typ host\r\n") {
  const std::string session =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=msid-semantic: WMS\r\n";
  const std::string common =
      "c=IN IP4 127.0.0.1\r\n" + candidates +
      "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef01234567\r\n"
      "a=fingerprint:sha-256 CB:80:BF:F7:47:CF:DB:F2:D3:ED:E9:24:39:42:8D:B6:D0:A8:A3:D1:3C:D9:06:67:44:27:F1:5E:6D:D1:0E:C2\r\n"
      "a=setup:actpass\r\na=rtcp-mux\r\n";
  return session + "m=audio 50000 UDP/TLS/RTP/SAVPF 111\r\n" + common + "a=mid:0\r\na=" + direction +
         "\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n" +
         "m=video 50000 UDP/TLS/RTP/SAVPF 96 102\r\n" + common + "a=mid:1\r\na=" + direction + "\r\n" + video_codecs;
}

inline const std::string kH264AndVp8 =
    "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";
inline const std::string kVp8Only = "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\n";

}  // namespace kinetic::test
