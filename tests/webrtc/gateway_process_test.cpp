// `kinetic whip` answered with curl: every kind of bad request gets its own HTTP error with a
// reason, nothing reaches a pipeline that should not, and the gateway is still serving after.
#include <gtest/gtest.h>

#include <fstream>

#include "gateway_fixture.hpp"
#include "offers.hpp"

namespace kinetic::test {
namespace {

class GatewayHttp : public GatewayTest {};

TEST_F(GatewayHttp, BadRequestsGetClearErrorsAndTheGatewayCarriesOn) {
  std::ofstream(dir / "good.sdp") << make_offer(kH264AndVp8);
  std::ofstream(dir / "vp8.sdp") << make_offer(kVp8Only);
  std::ofstream(dir / "whep.sdp") << make_offer(kH264AndVp8, "recvonly");
  sh(preamble("--token s3cret", 30) + curl_helper() +
     "A='Authorization: Bearer s3cret'; SDP='Content-Type: application/sdp'\n"
     "head -c 4000 /dev/urandom >random.bin; head -c 100000 /dev/zero | tr '\\0' 'v' >big.sdp\n"
     "code no_token -X POST -H \"$SDP\" --data-binary @good.sdp \"$HTTP/whip/a\"\n"
     "code wrong_token -X POST -H 'Authorization: Bearer nope' -H \"$SDP\" --data-binary @good.sdp \"$HTTP/whip/a\"\n"
     "code malformed -X POST -H \"$A\" -H \"$SDP\" --data-binary 'v=0 then nothing sensible' \"$HTTP/whip/a\"\n"
     "code random -X POST -H \"$A\" -H \"$SDP\" --data-binary @random.bin \"$HTTP/whip/a\"\n"
     "code no_h264 -X POST -H \"$A\" -H \"$SDP\" --data-binary @vp8.sdp \"$HTTP/whip/a\"\n"
     "code wrong_way -X POST -H \"$A\" -H \"$SDP\" --data-binary @whep.sdp \"$HTTP/whip/a\"\n"
     "code not_sdp -X POST -H \"$A\" -H 'Content-Type: text/plain' --data-binary @good.sdp \"$HTTP/whip/a\"\n"
     "code too_big -X POST -H \"$A\" -H \"$SDP\" --data-binary @big.sdp \"$HTTP/whip/a\"\n"
     "code bad_ns -X POST -H \"$A\" -H \"$SDP\" --data-binary @good.sdp \"$HTTP/whip/a%20b\"\n"
     "code patch -X PATCH -H \"$A\" -H 'Content-Type: application/trickle-ice-sdpfrag' --data-binary 'a=x' \"$HTTP/whip/a/0123\"\n"
     "code unknown_session -X DELETE -H \"$A\" \"$HTTP/whip/a/0123\"\n"
     "code no_broadcast -X POST -H \"$A\" -H \"$SDP\" --data-binary @whep.sdp \"$HTTP/whep/nothing/here\"\n"
     "code elsewhere -X POST -H \"$A\" -H \"$SDP\" --data-binary @good.sdp \"$HTTP/other\"\n"
     "code preflight -X OPTIONS -H 'Origin: http://127.0.0.1:1' \"$HTTP/whip/a\"\n"
     "kill -0 $WHIP_PID && echo alive >alive.txt\n"
     "kill $WHIP_PID $RELAY_PID; wait");
  const std::string logs = "--- whip\n" + read("whip.log");
  EXPECT_EQ(status("no_token"), "401") << logs;
  EXPECT_EQ(status("wrong_token"), "401") << logs;
  EXPECT_EQ(status("malformed"), "400") << read("malformed.body") << logs;
  EXPECT_EQ(status("random"), "400") << logs;
  EXPECT_EQ(status("no_h264"), "400") << logs;
  EXPECT_NE(read("no_h264.body").find("no H.264"), std::string::npos) << read("no_h264.body");
  EXPECT_EQ(status("wrong_way"), "400") << read("wrong_way.body");
  EXPECT_EQ(status("not_sdp"), "415") << logs;
  EXPECT_EQ(status("too_big"), "413") << logs;
  EXPECT_EQ(status("bad_ns"), "400") << logs;
  EXPECT_EQ(status("patch"), "405") << logs;
  EXPECT_EQ(status("unknown_session"), "404") << logs;
  EXPECT_EQ(status("no_broadcast"), "404") << read("no_broadcast.body") << logs;
  EXPECT_EQ(status("elsewhere"), "404") << logs;
  EXPECT_EQ(status("preflight"), "204") << logs;
  EXPECT_EQ(read("alive.txt"), "alive\n") << logs;
  // Nothing that was refused made a session.
  EXPECT_EQ(read("whip.log").find("publishes"), std::string::npos) << logs;
}

// A relay that wants tokens refuses the gateway's PUBLISH_NAMESPACE: the WHIP client hears it as
// 403 with the relay's reason, and nothing of the session stays behind.
TEST_F(GatewayHttp, RelayRefusingTheNamespaceIsTheClientsError) {
  std::ofstream(dir / "good.sdp") << make_offer(kH264AndVp8);
  const int free = free_port();
  ASSERT_NE(free, 0) << "no free port for the relay";
  const std::string port = std::to_string(free);
  sh("\"$K\" token keygen --alg HS256 --kid k1 --out k1.jwk >keygen.log 2>&1\n"
     "timeout 20 \"$K\" relay --listen 127.0.0.1:" + port + " --auth-key k1.jwk >relay.log 2>&1 & R=$!\n" +
     shell_wait_for("relay.log", "relay listening") +
     "timeout 20 \"$K\" whip moqt://127.0.0.1:" + port + " --http 127.0.0.1:0 --insecure >whip.log 2>&1 & W=$!\n" +
     shell_wait_for("whip.log", "WHIP on") + "HTTP=$(grep -o 'http://127.0.0.1:[0-9]*' whip.log | head -1)\n" + curl_helper() +
     "code refused -X POST -H 'Content-Type: application/sdp' --data-binary @good.sdp \"$HTTP/whip/a\"\n"
     "kill $W $R; wait");
  const std::string logs = "--- whip\n" + read("whip.log") + "--- relay\n" + read("relay.log");
  EXPECT_EQ(status("refused"), "403") << read("refused.body") << logs;
  EXPECT_NE(read("refused.body").find("refused namespace a"), std::string::npos) << read("refused.body");
  EXPECT_EQ(read("whip.log").find("publishes a"), std::string::npos) << logs;  // no pipeline was made
}

}  // namespace
}  // namespace kinetic::test
