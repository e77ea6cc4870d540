#include "kinetic/transport/quic/tls.hpp"

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "quic_fixture.hpp"

namespace kinetic::transport::quic::testing {
namespace {

class TlsTest : public QuicFixture {
 protected:
  void SetUp() override { start_server(); }
  std::filesystem::path temp(const std::string& name) {
    return std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  }
};

TEST_F(TlsTest, WrongPinFailsTheHandshake) {
  auto cc = client_config();
  cc.pinned_sha256 = {Sha256{}};
  ClientApp app;
  auto session = connect(app, cc);
  ASSERT_TRUE(app.closed.has_value());
  EXPECT_FALSE(app.ready);
  EXPECT_EQ(server_app_.ready, 0);
}

TEST_F(TlsTest, CaFileVerifiesNameAndChain) {
  auto dir = temp("kinetic-tls-ca");
  ASSERT_TRUE(test_certificate().write(dir.string()).ok());
  auto cc = client_config();
  cc.pinned_sha256.clear();
  cc.ca_file = (dir / "cert.pem").string();
  {
    ClientApp app;
    auto session = connect(app, cc);
    EXPECT_TRUE(app.ready);
  }
  cc.server_name = "not-in-the-certificate.example";
  {
    ClientApp app;
    auto session = connect(app, cc);
    EXPECT_FALSE(app.ready);
    EXPECT_TRUE(app.closed.has_value());
  }
  std::filesystem::remove_all(dir);
}

TEST_F(TlsTest, UntrustedCertificateIsRejectedUnlessVerificationIsOff) {
  auto cc = client_config();
  cc.pinned_sha256.clear();
  auto dir = temp("kinetic-tls-other");
  ASSERT_TRUE(CertificateKeyPair::generate()->write(dir.string()).ok());
  cc.ca_file = (dir / "cert.pem").string();  // a different self-signed certificate
  {
    ClientApp app;
    auto session = connect(app, cc);
    EXPECT_FALSE(app.ready);
  }
  cc.verify_peer = false;
  {
    ClientApp app;
    auto session = connect(app, cc);
    EXPECT_TRUE(app.ready);
  }
  std::filesystem::remove_all(dir);
}

TEST_F(TlsTest, KeylogFileGetsTrafficSecrets) {
  auto path = temp("kinetic-keylog");
  std::filesystem::remove(path);
  auto cc = client_config();
  cc.settings.keylog_file = path.string();
  {
    ClientApp app;
    auto session = connect(app, cc);
    ASSERT_TRUE(app.ready);
  }
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("CLIENT_HANDSHAKE_TRAFFIC_SECRET "), std::string::npos);
  EXPECT_NE(text.find("SERVER_TRAFFIC_SECRET_0 "), std::string::npos);
  // "LABEL <64 hex client random> <hex secret>"
  auto line = text.substr(0, text.find('\n'));
  auto first = line.find(' ');
  auto second = line.find(' ', first + 1);
  EXPECT_EQ(second - first - 1, 64u);
  std::filesystem::remove(path);
}

TEST_F(TlsTest, ContextsRefuseEmptyAlpn) {
  QuicSettings s;
  s.alpn.clear();
  EXPECT_FALSE(TlsContext::server(test_certificate(), s).ok());
  QuicClientConfig c;
  c.settings.alpn.clear();
  EXPECT_FALSE(TlsContext::client(c).ok());
  EXPECT_FALSE(TlsContext::server(CertificateKeyPair{"x", "y"}, QuicSettings{}).ok());
}

}  // namespace
}  // namespace kinetic::transport::quic::testing
