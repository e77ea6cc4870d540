// WHIP sessions in the gateway, in one process with the relay's end played by the test: a
// publish announced on the relay and answered with its Location, that Location ending it, one
// publisher per namespace, the session limit, the relay's refusal as the client's error, and a
// publisher that never sends media ended by the idle check. The offers come from offers.hpp, so
// no media flows: the answers are real (webrtcbin's), the clients are not.
#include <gtest/gtest.h>

#include <regex>

#include "gateway_fixture.hpp"
#include "offers.hpp"

namespace kinetic::test {
namespace {

using namespace std::chrono_literals;

const std::pair<std::string, std::string> kSdp{"Content-Type", "application/sdp"};

class GatewayWhip : public InProcessGateway {
 protected:
  HttpReply publish(const std::string& ns) {
    return ask("POST", "/whip/" + ns, {kSdp}, make_offer(kH264AndVp8));
  }
};

TEST_F(GatewayWhip, APublishIsAnnouncedAndAnsweredWithItsLocation) {
  ASSERT_TRUE(start());
  const HttpReply r = publish("live/cam");
  ASSERT_EQ(r.status, 201) << r.error << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/sdp");
  EXPECT_EQ(r.body.rfind("v=0", 0), 0u) << r.body;
  std::smatch id;
  const std::string location = r.header("Location");
  ASSERT_TRUE(std::regex_match(location, id, std::regex("/whip/live/cam/([0-9a-f]{32})"))) << location;
  EXPECT_EQ(r.header("ETag"), "\"" + id[1].str() + "\"");
  EXPECT_EQ(gateway_->sessions(), 1u);
  const auto announced = relay_.namespaces();
  ASSERT_EQ(announced.size(), 1u);
  EXPECT_EQ(announced[0], (moqt::TrackNamespace{{"live", "cam"}}));
}

TEST_F(GatewayWhip, DeletingTheLocationEndsTheSessionAndFreesTheNamespace) {
  ASSERT_TRUE(start());
  const HttpReply first = publish("live");
  ASSERT_EQ(first.status, 201) << first.error << first.body;
  const std::string location = first.header("Location");
  const HttpReply ended = ask("DELETE", location);
  EXPECT_EQ(ended.status, 200) << ended.error << ended.body;
  EXPECT_EQ(gateway_->sessions(), 0u);
  const HttpReply again = ask("DELETE", location);
  EXPECT_EQ(again.status, 404) << "a session ended twice: " << again.body;
  const HttpReply next = publish("live");
  EXPECT_EQ(next.status, 201) << "the namespace was not free again: " << next.body;
  EXPECT_NE(next.header("Location"), location) << "a new session has a new URL";
}

TEST_F(GatewayWhip, TheLocationOfAnotherNamespaceEndsNothing) {
  ASSERT_TRUE(start());
  const HttpReply r = publish("live");
  ASSERT_EQ(r.status, 201) << r.error << r.body;
  const std::string id = r.header("Location").substr(std::string("/whip/live/").size());
  const HttpReply wrong = ask("DELETE", "/whip/other/" + id);
  EXPECT_EQ(wrong.status, 404) << wrong.body;
  const HttpReply viewer_side = ask("DELETE", "/whep/live/" + id);
  EXPECT_EQ(viewer_side.status, 404) << viewer_side.body;
  EXPECT_EQ(gateway_->sessions(), 1u);
}

TEST_F(GatewayWhip, ANamespaceHasOnePublisherAtATime) {
  ASSERT_TRUE(start());
  ASSERT_EQ(publish("live").status, 201);
  const HttpReply second = publish("live");
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_NE(second.body.find("already has a publisher"), std::string::npos) << second.body;
  EXPECT_EQ(publish("other").status, 201);
  EXPECT_EQ(gateway_->sessions(), 2u);
}

TEST_F(GatewayWhip, PublishersBeyondTheLimitAre503) {
  ASSERT_TRUE(start([](webrtc::GatewayOptions& o) { o.max_sessions = 1; }));
  ASSERT_EQ(publish("a").status, 201);
  const HttpReply refused = publish("b");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(gateway_->sessions(), 1u);
}

// UNAUTHORIZED from the relay is the client's (403); any other refusal is the gateway's
// upstream failing (502). Either way the namespace is free for the next try.
TEST_F(GatewayWhip, TheRelaysRefusalIsTheClientsAnswer) {
  ASSERT_TRUE(start());
  ASSERT_TRUE(on_loop([this] { relay_.refusal = moqt::RequestErrorInfo{0x1, "no token", 0, {}}; }));
  const HttpReply unauthorized = publish("live");
  EXPECT_EQ(unauthorized.status, 403) << unauthorized.body;
  EXPECT_NE(unauthorized.body.find("no token"), std::string::npos) << unauthorized.body;
  ASSERT_TRUE(on_loop([this] { relay_.refusal = moqt::RequestErrorInfo{0x3, "not today", 0, {}}; }));
  const HttpReply other = publish("live");
  EXPECT_EQ(other.status, 502) << other.body;
  EXPECT_FALSE(other.has_header("Location"));
  EXPECT_EQ(gateway_->sessions(), 0u);
}

// A publisher that vanished without DELETE sends no media; its session must not hold the
// namespace for ever.
TEST_F(GatewayWhip, APublisherThatSendsNoMediaIsEndedAfterTheIdleTimeout) {
  ASSERT_TRUE(start([](webrtc::GatewayOptions& o) { o.idle_timeout = 300ms; }));
  const HttpReply r = publish("live");
  ASSERT_EQ(r.status, 201) << r.error << r.body;
  EXPECT_EQ(gateway_->sessions(), 1u);
  EXPECT_TRUE(eventually([&] { return gateway_->sessions() == 0; }, 3000ms))
      << "the session outlived its idle timeout by seconds";
  EXPECT_EQ(ask("DELETE", r.header("Location")).status, 404);
  EXPECT_EQ(publish("live").status, 201) << "the namespace was not freed";
}

// A relay slower to accept the namespace than the idle timeout is long: the client still gets
// the whole timeout from its answer to start sending, not a session ended as it arrives.
TEST_F(GatewayWhip, TheIdleClockStartsWhenTheClientHasItsAnswer) {
  constexpr auto kIdle = 1000ms;
  ASSERT_TRUE(start([&](webrtc::GatewayOptions& o) {
    o.idle_timeout = kIdle;
    o.catalog_timeout = 5000ms;
  }));
  ASSERT_TRUE(on_loop([this] { relay_.answer_delay = 2000ms; }));
  const HttpReply r = publish("live");
  const auto answered = std::chrono::steady_clock::now();
  ASSERT_EQ(r.status, 201) << r.error << r.body;
  ASSERT_TRUE(eventually([&] { return gateway_->sessions() == 0; }, 4000ms))
      << "the idle session was never ended";
  const auto lived =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - answered);
  EXPECT_GE(lived, kIdle * 7 / 10) << "ended " << lived.count()
                                   << " ms after its answer, with an idle timeout of " << kIdle.count()
                                   << " ms";
}

}  // namespace
}  // namespace kinetic::test
