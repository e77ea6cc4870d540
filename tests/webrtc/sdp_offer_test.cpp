#include "kinetic/webrtc/sdp_offer.hpp"

#include <gtest/gtest.h>

#include "offers.hpp"

namespace kinetic::webrtc {
namespace {

using test::kH264AndVp8;
using test::kVp8Only;
using test::make_offer;

TEST(SdpOffer, PicksH264AndOpusFromAPublisherOffer) {
  auto offer = check_offer(make_offer(kH264AndVp8), OfferRole::kPublish, true);
  ASSERT_TRUE(offer) << offer.error().what;
  EXPECT_EQ(offer->h264.payload, 102u);
  EXPECT_NE(offer->h264.fmtp.find("packetization-mode=1"), std::string::npos);
  ASSERT_TRUE(offer->opus.has_value());
  EXPECT_EQ(offer->opus->payload, 111u);
  EXPECT_EQ(offer->opus->channels, 2u);
  EXPECT_EQ(offer->video_mline, 1u);
  EXPECT_EQ(offer->audio_mline, 0u);
  EXPECT_EQ(offer->h264_all.size(), 1u);
}

TEST(SdpOffer, KeepsTheFeedbackOfferedForEachPayloadAndForAll) {
  const std::string codecs =
      "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\n"
      "a=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n"
      "a=rtcp-fb:* ccm fir\r\n"
      "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n";
  auto offer = check_offer(make_offer(codecs), OfferRole::kPublish, true);
  ASSERT_TRUE(offer) << offer.error().what;
  EXPECT_EQ(offer->h264.feedback, (std::vector<std::string>{"nack", "nack pli", "ccm fir"}));
  ASSERT_EQ(offer->h264_all.size(), 1u);
  EXPECT_EQ(offer->h264_all[0].feedback, offer->h264.feedback);
  ASSERT_TRUE(offer->opus.has_value());
  EXPECT_TRUE(offer->opus->feedback.empty());
}

TEST(SdpOffer, PrefersPacketizationMode1) {
  const std::string codecs =
      "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=0;profile-level-id=42e01f\r\n"
      "a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n";
  auto offer = check_offer(make_offer(codecs), OfferRole::kPublish, false);
  ASSERT_TRUE(offer) << offer.error().what;
  EXPECT_EQ(offer->h264.payload, 102u);
  EXPECT_EQ(offer->h264_all.size(), 2u);
}

TEST(SdpOffer, RefusesAnOfferWithoutH264) {
  auto offer = check_offer(make_offer(kVp8Only), OfferRole::kPublish, true);
  ASSERT_FALSE(offer);
  EXPECT_NE(offer.error().what.find("no H.264"), std::string::npos) << offer.error().what;
  EXPECT_TRUE(offer.error().client_fault);
}

TEST(SdpOffer, RefusesTextThatIsNotSdp) {
  for (const std::string& bad : std::vector<std::string>{"", "hello", "v=1\r\n", std::string("v=0\r\n\0m=video", 14), "v=0\r\ns=-\r\n"}) {
    auto offer = check_offer(bad, OfferRole::kPublish, true);
    EXPECT_FALSE(offer) << bad;
  }
}

// GStreamer's parser keeps the last line of a kind, so a second v= line can swallow the o= line.
TEST(SdpOffer, RefusesAnOfferWithoutItsSessionLines) {
  std::string offer = make_offer(kH264AndVp8);
  std::string two_versions = offer;
  two_versions.replace(0, 5, "v=0\nv=0");
  auto refused = check_offer(two_versions, OfferRole::kPublish, true);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().what.find("version"), std::string::npos) << refused.error().what;
  std::string no_origin = offer;
  no_origin.erase(no_origin.find("o="),
                  no_origin.find("\r\n", no_origin.find("o=")) + 2 - no_origin.find("o="));
  EXPECT_FALSE(check_offer(no_origin, OfferRole::kPublish, true));
}

// GStreamer 1.22 writes a media i= line without its line end; the offer webrtcbin gets must
// still carry the attribute after it on a line of its own.
TEST(SdpOffer, AMediaTitleDoesNotSwallowTheNextAttribute) {
  std::string offer = make_offer(kH264AndVp8);
  const auto video = offer.find("m=video");
  offer.insert(offer.find("\r\n", video) + 2, "i=camera\r\n");
  auto checked = check_offer(offer, OfferRole::kPublish, true);
  ASSERT_TRUE(checked) << checked.error().what;
  EXPECT_EQ(checked->sdp.find("i=camera"), std::string::npos);
  auto again = check_offer(checked->sdp, OfferRole::kPublish, true);
  ASSERT_TRUE(again) << again.error().what;
  EXPECT_EQ(again->h264.payload, 102u);
}

TEST(SdpOffer, RefusesMissingIceCredentialsOrFingerprint) {
  std::string no_pwd = make_offer(kH264AndVp8);
  for (std::size_t at; (at = no_pwd.find("a=ice-pwd:")) != std::string::npos;) no_pwd.erase(at, no_pwd.find("\r\n", at) + 2 - at);
  EXPECT_FALSE(check_offer(no_pwd, OfferRole::kPublish, true));
  std::string no_fp = make_offer(kH264AndVp8);
  for (std::size_t at; (at = no_fp.find("a=fingerprint:")) != std::string::npos;) no_fp.erase(at, no_fp.find("\r\n", at) + 2 - at);
  auto offer = check_offer(no_fp, OfferRole::kPublish, true);
  ASSERT_FALSE(offer);
  EXPECT_NE(offer.error().what.find("fingerprint"), std::string::npos);
}

TEST(SdpOffer, DirectionMustFitTheRole) {
  EXPECT_FALSE(check_offer(make_offer(kH264AndVp8, "recvonly"), OfferRole::kPublish, true));
  EXPECT_TRUE(check_offer(make_offer(kH264AndVp8, "recvonly"), OfferRole::kPlay, true));
  EXPECT_FALSE(check_offer(make_offer(kH264AndVp8, "sendonly"), OfferRole::kPlay, true));
  EXPECT_TRUE(check_offer(make_offer(kH264AndVp8, "sendrecv"), OfferRole::kPlay, true));
}

TEST(SdpOffer, DropsCandidatesOutsideLoopbackAndTcp) {
  const std::string candidates =
      "a=candidate:1 1 udp 2122194687 127.0.0.1 50000 typ host\r\n"
      "a=candidate:2 1 udp 2122063615 192.0.2.2 50001 typ host\r\n"
      "a=candidate:3 1 tcp 1518214911 127.0.0.1 9 typ host tcptype active\r\n"
      "a=candidate:4 1 udp 2122063615 f0e1d2c3-aaaa.local 50002 typ host\r\n"
      "a=candidate:5 1 udp 2122267903 ::1 50003 typ host\r\n";
  auto offer = check_offer(make_offer(kH264AndVp8, "sendonly", candidates), OfferRole::kPublish, true);
  ASSERT_TRUE(offer) << offer.error().what;
  EXPECT_EQ(offer->candidates_dropped, 6u);  // three per section
  EXPECT_NE(offer->sdp.find("127.0.0.1 50000"), std::string::npos);
  EXPECT_NE(offer->sdp.find("::1 50003"), std::string::npos);
  EXPECT_EQ(offer->sdp.find("192.0.2.2"), std::string::npos);
  EXPECT_EQ(offer->sdp.find(".local"), std::string::npos);
  EXPECT_EQ(offer->sdp.find(" tcp "), std::string::npos);
  // Without the loopback scope only TCP goes.
  auto open = check_offer(make_offer(kH264AndVp8, "sendonly", candidates), OfferRole::kPublish, false);
  ASSERT_TRUE(open);
  EXPECT_EQ(open->candidates_dropped, 2u);
}

TEST(SdpOffer, LoopbackAddresses) {
  EXPECT_TRUE(is_loopback_address("127.0.0.1"));
  EXPECT_TRUE(is_loopback_address("127.1.2.3"));
  EXPECT_TRUE(is_loopback_address("::1"));
  EXPECT_FALSE(is_loopback_address("128.0.0.1"));
  EXPECT_FALSE(is_loopback_address("localhost"));
  EXPECT_FALSE(is_loopback_address("::2"));
  EXPECT_FALSE(is_loopback_address(""));
}

}  // namespace
}  // namespace kinetic::webrtc
