#include "cli_support.hpp"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <chrono>

#include "kinetic/moqt/quic_client.hpp"

namespace kinetic::app {
namespace {

using namespace std::chrono_literals;

TEST(SplitNamespace, FieldsBetweenSlashesWithoutEmptyOnes) {
  EXPECT_EQ(split_namespace("a/b/c").fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split_namespace("/demo//clock/").fields, (std::vector<std::string>{"demo", "clock"}));
  EXPECT_EQ(split_namespace("demo").fields, (std::vector<std::string>{"demo"}));
  EXPECT_TRUE(split_namespace("").fields.empty());
}

constexpr const char* kHex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";

TEST(Sha256Pin, ParsesSixtyFourHexDigitsInEitherCase) {
  auto pin = parse_sha256_pin(kHex);
  ASSERT_TRUE(pin);
  EXPECT_EQ((*pin)[0], 0x00);
  EXPECT_EQ((*pin)[1], 0x11);
  EXPECT_EQ((*pin)[15], 0xff);
  EXPECT_EQ((*pin)[31], 0xff);
  EXPECT_EQ(transport::to_hex(*pin), "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
}

TEST(Sha256Pin, AcceptsColonsBetweenBytes) {
  std::string colons;
  const std::string hex = kHex;
  for (std::size_t i = 0; i < hex.size(); i += 2) colons += (i ? ":" : "") + hex.substr(i, 2);
  auto a = parse_sha256_pin(colons);
  auto b = parse_sha256_pin(kHex);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
}

TEST(Sha256Pin, RefusesWhatIsNotOneDigest) {
  const std::string hex = kHex;
  EXPECT_FALSE(parse_sha256_pin(""));
  EXPECT_FALSE(parse_sha256_pin(hex.substr(0, 63)));
  EXPECT_FALSE(parse_sha256_pin(hex + "0"));
  EXPECT_FALSE(parse_sha256_pin(hex + "00"));
  EXPECT_FALSE(parse_sha256_pin("zz" + hex.substr(2)));
  EXPECT_FALSE(parse_sha256_pin(":" + hex));
  EXPECT_FALSE(parse_sha256_pin(hex + ":"));
  EXPECT_FALSE(parse_sha256_pin("0" + std::string(":") + hex.substr(1)));
  EXPECT_FALSE(parse_sha256_pin("00::" + hex.substr(2)));
}

TEST(ClientTrust, PinInsecureOrSystemStore) {
  auto system = client_trust("", false);
  ASSERT_TRUE(system);
  EXPECT_TRUE(system->verify_peer);
  EXPECT_TRUE(system->pinned_sha256.empty());

  auto insecure = client_trust("", true);
  ASSERT_TRUE(insecure);
  EXPECT_FALSE(insecure->verify_peer);

  auto pinned = client_trust(kHex, false);
  ASSERT_TRUE(pinned);
  ASSERT_EQ(pinned->pinned_sha256.size(), 1u);
  EXPECT_EQ(pinned->pinned_sha256[0], *parse_sha256_pin(kHex));

  auto bad = client_trust("abc", false);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, kinetic::Errc::kInvalidValue);
}

TEST(ClientOptions, PinInsecureAndTokenFromTheCommandLine) {
  CLI::App app;
  ClientConnect connect;
  add_client_options(app, connect, "relay");
  const std::string pin(kHex);
  std::vector<std::string> args{"@viewer.jwt", "--token", "--insecure", pin,
                                "--pin"};  // CLI11 parses from the back
  app.parse(args);
  EXPECT_EQ(connect.pin, pin);
  EXPECT_TRUE(connect.insecure);
  EXPECT_EQ(connect.token, "@viewer.jwt");
}

TEST(ClientOptions, ATokenFileThatCannotBeReadIsABadArgument) {
  kinetic::transport::EpollLoop loop;
  ClientConnect connect;
  connect.insecure = true;
  connect.token = "@/nonexistent/viewer.jwt";
  int exit_code = 0;
  auto session = dial_moqt(loop, "sub", "moqt://127.0.0.1:9/moq", connect, nullptr, exit_code);
  EXPECT_EQ(session, nullptr);
  EXPECT_EQ(exit_code, 2);
}

TEST(HostPort, LiteralHostsAndPorts) {
  auto v4 = parse_host_port("127.0.0.1:4443");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->to_string(), "127.0.0.1:4443");
  auto v6 = parse_host_port("[::1]:4443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->to_string(), "[::1]:4443");
  auto local = parse_host_port("localhost:9000");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->to_string(), "127.0.0.1:9000");
  auto any = parse_host_port("0.0.0.0:0");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->port(), 0);
}

TEST(HostPort, RefusesWhatStoiWouldHaveThrownOn) {
  EXPECT_FALSE(parse_host_port("127.0.0.1"));
  EXPECT_FALSE(parse_host_port("127.0.0.1:"));
  EXPECT_FALSE(parse_host_port("127.0.0.1:http"));
  EXPECT_FALSE(parse_host_port("127.0.0.1:70000"));
  EXPECT_FALSE(parse_host_port("127.0.0.1:-1"));
  EXPECT_FALSE(parse_host_port("127.0.0.1:44x"));
  EXPECT_FALSE(parse_host_port(":4443"));
  EXPECT_FALSE(parse_host_port("[]:4443"));
}

// A client that pins the listener's certificate completes MoQT SETUP with it over loopback.
TEST(ListenMoqt, ServesSessionsAClientPinningItsCertificateReaches) {
  transport::EpollLoop loop;
  struct Ready final : moqt::SessionHandler {
    void on_ready(moqt::Session&) override { ready = true; }
    bool ready = false;
  } server_side, client_side;
  auto listener = listen_moqt(loop, "127.0.0.1:0", &server_side);
  ASSERT_TRUE(listener) << listener.error().what;
  ASSERT_NE(listener->server->local_address().port(), 0);

  auto trust = client_trust(transport::to_hex(listener->certificate_sha256), false);
  ASSERT_TRUE(trust);
  moqt::MoqtUrl url;
  url.host = "127.0.0.1";
  url.port = listener->server->local_address().port();
  auto session = moqt::connect_quic(loop, url, *trust, {}, &client_side);
  ASSERT_TRUE(session) << session.error().what;
  EXPECT_TRUE(loop.run_until([&] { return server_side.ready && client_side.ready; }, 5s));
  EXPECT_EQ(listener->sessions->size(), 1u);
  (*session)->close(0, "done");
  loop.run_until([] { return false; }, 50ms);
}

TEST(ListenMoqt, ABadAddressIsAnError) {
  transport::EpollLoop loop;
  moqt::SessionHandler handler;
  EXPECT_FALSE(listen_moqt(loop, "127.0.0.1", &handler));
  EXPECT_FALSE(listen_moqt(loop, "127.0.0.1:99999", &handler));
}

}  // namespace
}  // namespace kinetic::app
