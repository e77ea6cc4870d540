// Certificates for QUIC servers. Browsers accept a self-signed certificate through
// WebTransport's serverCertificateHashes only when it is ECDSA P-256 and valid for at
// most 14 days, so that is what generate() makes. Everything is GnuTLS underneath.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/base/result.hpp"

namespace kinetic::transport {

using Sha256 = std::array<std::uint8_t, 32>;

struct CertificateOptions {
  // Subject alternative names: DNS names, or IPv4/IPv6 literals (added as IP SANs).
  std::vector<std::string> hosts{"localhost", "127.0.0.1", "::1"};
  std::chrono::hours validity{24 * 13};  // under the 14-day browser limit, with a day of clock skew
  std::string common_name = "kinetic";
};

// A certificate and its private key, both PEM.
struct CertificateKeyPair {
  std::string cert_pem;
  std::string key_pem;

  static Result<CertificateKeyPair> generate(const CertificateOptions& options = {});
  static Result<CertificateKeyPair> load(const std::string& cert_path, const std::string& key_path);
  // Writes cert.pem (0644) and key.pem (0600) into `dir`.
  [[nodiscard]] Status write(const std::string& dir) const;

  // SHA-256 of the first certificate's DER, the value serverCertificateHashes expects.
  [[nodiscard]] Result<Sha256> sha256() const;
};

struct CertificateInfo {
  int pk_algorithm = 0;   // gnutls_pk_algorithm_t
  int curve = 0;          // gnutls_ecc_curve_t, for EC keys
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
};

// Parses the first certificate of a PEM chain.
Result<CertificateInfo> inspect_certificate(std::string_view cert_pem);
// SHA-256 of a DER blob (GnuTLS's hash), for pinning peer certificates.
Sha256 sha256_of(const std::uint8_t* data, std::size_t size);
std::string to_hex(const Sha256& digest);
std::string to_base64(const Sha256& digest);

}  // namespace kinetic::transport
