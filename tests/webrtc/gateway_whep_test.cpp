// WHEP viewers in the gateway, in one process with the relay's end played by the test, which
// serves a broadcast from a LivePublisher: a viewer answered with its Location and ended by it,
// no broadcast, the viewer limit, the broadcast ending, and a viewer that never sends RTCP. The
// offers come from offers.hpp, so no media flows: the answers are real (webrtcbin's), the
// clients are not.
#include <gtest/gtest.h>

#include <regex>

#include "gateway_fixture.hpp"
#include "h264_samples.hpp"
#include "offers.hpp"

namespace kinetic::test {
namespace {

using namespace std::chrono_literals;

const std::pair<std::string, std::string> kSdp{"Content-Type", "application/sdp"};

class GatewayWhep : public InProcessGateway {
 protected:
  // A broadcast under "live" on the relay's end, its first keyframe (with `avcc`) in.
  bool broadcast(const std::string& avcc = kAvcc) {
    return on_loop([this, avcc] {
      relay_.publisher = std::make_shared<webrtc::LivePublisher>(
          moqt::TrackNamespace{{"live"}}, webrtc::LivePublisherOptions{false, 2, 2000ms, 500ms}, [] {});
      webrtc::IngestFrame key;
      key.kind = media::StreamKind::kVideo;
      key.data = {0, 0, 0, 2, 0x65, 0x01};
      key.keyframe = true;
      key.config = avcc;
      key.width = 640;
      key.height = 480;
      relay_.publisher->add(std::move(key));
    });
  }
  HttpReply watch(const std::string& ns) {
    return ask("POST", "/whep/" + ns, {kSdp}, make_offer(kH264AndVp8, "recvonly"));
  }
};

TEST_F(GatewayWhep, AViewerIsAnsweredWithItsLocationAndEndedByIt) {
  ASSERT_TRUE(start());
  ASSERT_TRUE(broadcast());
  const HttpReply r = watch("live");
  ASSERT_EQ(r.status, 201) << r.error << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/sdp");
  EXPECT_NE(r.body.find("a=sendonly"), std::string::npos) << r.body;
  std::smatch id;
  const std::string location = r.header("Location");
  ASSERT_TRUE(std::regex_match(location, id, std::regex("/whep/live/([0-9a-f]{32})"))) << location;
  EXPECT_EQ(r.header("ETag"), "\"" + id[1].str() + "\"");
  EXPECT_EQ(gateway_->viewers(), 1u);
  const HttpReply ended = ask("DELETE", location);
  EXPECT_EQ(ended.status, 200) << ended.body;
  EXPECT_EQ(gateway_->viewers(), 0u);
  EXPECT_EQ(ask("DELETE", location).status, 404) << "a viewer ended twice";
}

TEST_F(GatewayWhep, NoBroadcastIs404WithTheReason) {
  ASSERT_TRUE(start());
  const HttpReply r = watch("live");
  EXPECT_EQ(r.status, 404) << r.error << r.body;
  EXPECT_NE(r.body.find("no playable broadcast at live"), std::string::npos) << r.body;
  EXPECT_EQ(gateway_->viewers(), 0u);
}

// Whoever publishes writes the catalog; an avcC with an empty SPS and PPS once reached the
// payloader, which crashed the gateway.
TEST_F(GatewayWhep, ABroadcastWithABrokenAvccIs404AndTheGatewayCarriesOn) {
  ASSERT_TRUE(start());
  ASSERT_TRUE(broadcast(std::string("\x01\x42\xe0\x1f\xff\xe1\x00\x00\x01\x00\x00", 11)));
  const HttpReply r = watch("live");
  EXPECT_EQ(r.status, 404) << r.error << r.body;
  EXPECT_NE(r.body.find("no H.264 track"), std::string::npos) << r.body;
  EXPECT_EQ(gateway_->viewers(), 0u);
  EXPECT_EQ(ask("OPTIONS", "/whep/live").status, 204) << "the gateway stopped serving";
}

TEST_F(GatewayWhep, ViewersBeyondTheLimitAre503) {
  ASSERT_TRUE(start([](webrtc::GatewayOptions& o) { o.max_viewers = 1; }));
  ASSERT_TRUE(broadcast());
  ASSERT_EQ(watch("live").status, 201);
  const HttpReply refused = watch("live");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(gateway_->viewers(), 1u);
}

TEST_F(GatewayWhep, TheBroadcastEndingEndsItsViewers) {
  ASSERT_TRUE(start());
  ASSERT_TRUE(broadcast());
  const HttpReply r = watch("live");
  ASSERT_EQ(r.status, 201) << r.error << r.body;
  ASSERT_TRUE(on_loop([this] { relay_.publisher->end("publisher gone"); }));
  EXPECT_TRUE(eventually([&] { return gateway_->viewers() == 0; }, 3000ms))
      << "a viewer of an ended broadcast stayed";
  EXPECT_EQ(ask("DELETE", r.header("Location")).status, 404);
}

// A viewer whose tab closed sends no RTCP; the gateway must not feed it for ever.
TEST_F(GatewayWhep, AViewerThatSendsNoRtcpIsEndedAfterTheIdleTimeout) {
  ASSERT_TRUE(start([](webrtc::GatewayOptions& o) { o.idle_timeout = 300ms; }));
  ASSERT_TRUE(broadcast());
  ASSERT_EQ(watch("live").status, 201);
  EXPECT_TRUE(eventually([&] { return gateway_->viewers() == 0; }, 3000ms))
      << "the viewer outlived its idle timeout by seconds";
}

}  // namespace
}  // namespace kinetic::test
