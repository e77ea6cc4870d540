#include "kinetic/transport/certificate.hpp"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace kinetic::transport {
namespace {

using namespace std::chrono_literals;

TEST(CertificateTest, GeneratedCertificateIsEcdsaP256ValidUnderFourteenDays) {
  auto pair = CertificateKeyPair::generate({{"localhost", "127.0.0.1", "::1", "relay.example"}});
  ASSERT_TRUE(pair.ok()) << pair.error().what;
  auto info = inspect_certificate(pair->cert_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->pk_algorithm, GNUTLS_PK_ECDSA);
  EXPECT_EQ(info->curve, GNUTLS_ECC_CURVE_SECP256R1);
  EXPECT_LE(info->not_after - info->not_before, std::chrono::hours(24 * 14));
  auto now = std::chrono::system_clock::now();
  EXPECT_LE(info->not_before, now);
  EXPECT_GT(info->not_after, now + 24h);
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"localhost", "relay.example"}));
  EXPECT_EQ(info->ip_addresses, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_NE(pair->key_pem.find("PRIVATE KEY"), std::string::npos);
}

TEST(CertificateTest, ValidityOverFourteenDaysIsRefused) {
  CertificateOptions o;
  o.validity = std::chrono::hours(24 * 15);
  EXPECT_FALSE(CertificateKeyPair::generate(o).ok());
  o.validity = std::chrono::hours(24 * 14);
  auto pair = CertificateKeyPair::generate(o);
  ASSERT_TRUE(pair.ok());
  auto info = inspect_certificate(pair->cert_pem);
  EXPECT_LE(info->not_after - info->not_before, std::chrono::hours(24 * 14));
}

// Recomputes the hash without our helpers: base64-decode the PEM body with GnuTLS's PEM
// decoder and hash the DER with a streaming GnuTLS hash.
TEST(CertificateTest, Sha256MatchesIndependentRecomputation) {
  auto pair = CertificateKeyPair::generate();
  ASSERT_TRUE(pair.ok());
  gnutls_datum_t pem{reinterpret_cast<unsigned char*>(pair->cert_pem.data()),
                     static_cast<unsigned>(pair->cert_pem.size())};
  gnutls_datum_t der{};
  ASSERT_EQ(gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der), 0);
  gnutls_hash_hd_t h;
  ASSERT_EQ(gnutls_hash_init(&h, GNUTLS_DIG_SHA256), 0);
  gnutls_hash(h, der.data, der.size / 2);
  gnutls_hash(h, der.data + der.size / 2, der.size - der.size / 2);
  Sha256 expected{};
  gnutls_hash_deinit(h, expected.data());
  gnutls_free(der.data);

  auto digest = pair->sha256();
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(*digest, expected);
  EXPECT_EQ(to_hex(*digest).size(), 64u);
  EXPECT_EQ(to_base64(*digest).size(), 44u);
}

TEST(CertificateTest, KnownDigestEncodings) {
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  const std::uint8_t abc[] = {'a', 'b', 'c'};
  auto d = sha256_of(abc, 3);
  EXPECT_EQ(to_hex(d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_base64(d), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

TEST(CertificateTest, WriteThenLoadRoundTrips) {
  auto pair = CertificateKeyPair::generate();
  ASSERT_TRUE(pair.ok());
  auto dir = std::filesystem::temp_directory_path() / ("kinetic-cert-" + std::to_string(::getpid()));
  ASSERT_TRUE(pair->write(dir.string()).ok());
  auto perms = std::filesystem::status(dir / "key.pem").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::others_read, std::filesystem::perms::none);
  auto loaded = CertificateKeyPair::load((dir / "cert.pem").string(), (dir / "key.pem").string());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->cert_pem, pair->cert_pem);
  EXPECT_EQ(*loaded->sha256(), *pair->sha256());
  std::filesystem::remove_all(dir);
}

TEST(CertificateTest, BadInputIsAnErrorNotACrash) {
  EXPECT_FALSE(inspect_certificate("not a certificate").ok());
  CertificateKeyPair garbage{"garbage", "garbage"};
  EXPECT_FALSE(garbage.sha256().ok());
  EXPECT_FALSE(CertificateKeyPair::load("/nonexistent/cert.pem", "/nonexistent/key.pem").ok());
  auto dir = std::filesystem::temp_directory_path() / ("kinetic-badcert-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "cert.pem") << "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  std::ofstream(dir / "key.pem") << "nope";
  EXPECT_FALSE(CertificateKeyPair::load((dir / "cert.pem").string(), (dir / "key.pem").string()).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kinetic::transport
