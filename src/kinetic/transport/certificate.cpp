#include "kinetic/transport/certificate.hpp"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace kinetic::transport {

namespace {


struct CrtDeleter {
  void operator()(gnutls_x509_crt_int* c) const { gnutls_x509_crt_deinit(c); }
};
struct KeyDeleter {
  void operator()(gnutls_x509_privkey_int* k) const { gnutls_x509_privkey_deinit(k); }
};
using Crt = std::unique_ptr<gnutls_x509_crt_int, CrtDeleter>;
using Key = std::unique_ptr<gnutls_x509_privkey_int, KeyDeleter>;

// Takes ownership of a GnuTLS-allocated datum and returns it as a string.
std::string take(gnutls_datum_t& d) {
  std::string s(reinterpret_cast<const char*>(d.data), d.size);
  gnutls_free(d.data);
  d.data = nullptr;
  return s;
}

gnutls_datum_t datum(std::string_view s) {
  return {reinterpret_cast<unsigned char*>(const_cast<char*>(s.data())), static_cast<unsigned>(s.size())};
}

Result<Crt> import_first_cert(std::string_view pem) {
  gnutls_x509_crt_t raw = nullptr;
  if (gnutls_x509_crt_init(&raw) != 0) return Error{Errc::kInvalidValue, "gnutls_x509_crt_init failed"};
  Crt crt(raw);
  auto d = datum(pem);
  if (gnutls_x509_crt_import(crt.get(), &d, GNUTLS_X509_FMT_PEM) != 0)
    return Error{Errc::kInvalidValue, "certificate PEM does not parse"};
  return crt;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{Errc::kInvalidValue, "cannot open file"};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status write_file(const std::string& path, const std::string& text, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return Error{Errc::kInvalidValue, "cannot create file"};
    out << text;
    if (!out) return Error{Errc::kInvalidValue, "cannot write file"};
  }
  ::chmod(path.c_str(), mode);
  return ok_status();
}

}  // namespace

Result<CertificateKeyPair> CertificateKeyPair::generate(const CertificateOptions& options) {
  if (options.validity <= std::chrono::hours(0) || options.validity > std::chrono::hours(24 * 14))
    return Error{Errc::kInvalidValue, "certificate validity must be within 14 days"};

  gnutls_x509_privkey_t raw_key = nullptr;
  if (gnutls_x509_privkey_init(&raw_key) != 0) return Error{Errc::kInvalidValue, "privkey init failed"};
  Key key(raw_key);
  if (gnutls_x509_privkey_generate2(key.get(), GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
                                    0, nullptr, 0) != 0)
    return Error{Errc::kInvalidValue, "P-256 key generation failed"};

  gnutls_x509_crt_t raw_crt = nullptr;
  if (gnutls_x509_crt_init(&raw_crt) != 0) return Error{Errc::kInvalidValue, "crt init failed"};
  Crt crt(raw_crt);

  std::uint8_t serial[16];
  gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
  serial[0] &= 0x7f;  // a positive INTEGER
  serial[0] |= 0x01;  // and never zero-led

  // The browser limit counts from notBefore, so back-dating eats into the 14 days:
  // keep the whole span (skew + validity) within the limit.
  auto now = std::chrono::system_clock::now();
  auto skew = std::min<std::chrono::hours>(std::chrono::hours(1), std::chrono::hours(24 * 14) - options.validity);
  auto not_before = std::chrono::system_clock::to_time_t(now - skew);
  auto not_after = std::chrono::system_clock::to_time_t(now + options.validity - skew);

  int rc = 0;
  rc |= gnutls_x509_crt_set_version(crt.get(), 3);
  rc |= gnutls_x509_crt_set_serial(crt.get(), serial, sizeof serial);
  rc |= gnutls_x509_crt_set_activation_time(crt.get(), not_before);
  rc |= gnutls_x509_crt_set_expiration_time(crt.get(), not_after);
  rc |= gnutls_x509_crt_set_dn_by_oid(crt.get(), GNUTLS_OID_X520_COMMON_NAME, 0, options.common_name.data(),
                                      static_cast<unsigned>(options.common_name.size()));
  rc |= gnutls_x509_crt_set_key(crt.get(), key.get());
  rc |= gnutls_x509_crt_set_basic_constraints(crt.get(), 0, -1);
  rc |= gnutls_x509_crt_set_key_usage(crt.get(), GNUTLS_KEY_DIGITAL_SIGNATURE);
  rc |= gnutls_x509_crt_set_key_purpose_oid(crt.get(), GNUTLS_KP_TLS_WWW_SERVER, 0);
  if (rc != 0) return Error{Errc::kInvalidValue, "certificate fields rejected"};

  for (const auto& host : options.hosts) {
    unsigned char ip[16];
    int r;
    if (::inet_pton(AF_INET, host.c_str(), ip) == 1) {
      r = gnutls_x509_crt_set_subject_alt_name(crt.get(), GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_APPEND);
    } else if (::inet_pton(AF_INET6, host.c_str(), ip) == 1) {
      r = gnutls_x509_crt_set_subject_alt_name(crt.get(), GNUTLS_SAN_IPADDRESS, ip, 16, GNUTLS_FSAN_APPEND);
    } else {
      r = gnutls_x509_crt_set_subject_alt_name(crt.get(), GNUTLS_SAN_DNSNAME, host.data(),
                                               static_cast<unsigned>(host.size()), GNUTLS_FSAN_APPEND);
    }
    if (r != 0) return Error{Errc::kInvalidValue, "subject alternative name rejected"};
  }

  if (gnutls_x509_crt_sign2(crt.get(), crt.get(), key.get(), GNUTLS_DIG_SHA256, 0) != 0)
    return Error{Errc::kInvalidValue, "self-signing failed"};

  CertificateKeyPair pair;
  gnutls_datum_t out{};
  if (gnutls_x509_crt_export2(crt.get(), GNUTLS_X509_FMT_PEM, &out) != 0)
    return Error{Errc::kInvalidValue, "certificate export failed"};
  pair.cert_pem = take(out);
  if (gnutls_x509_privkey_export2_pkcs8(key.get(), GNUTLS_X509_FMT_PEM, nullptr, GNUTLS_PKCS_PLAIN, &out) != 0)
    return Error{Errc::kInvalidValue, "key export failed"};
  pair.key_pem = take(out);
  return pair;
}

Result<CertificateKeyPair> CertificateKeyPair::load(const std::string& cert_path, const std::string& key_path) {
  KINETIC_TRY(auto cert, read_file(cert_path));
  KINETIC_TRY(auto key, read_file(key_path));
  // Parse both now so a bad file is reported here, not at the first handshake.
  KINETIC_TRY(auto crt, import_first_cert(cert));
  (void)crt;
  gnutls_x509_privkey_t raw_key = nullptr;
  if (gnutls_x509_privkey_init(&raw_key) != 0) return Error{Errc::kInvalidValue, "privkey init failed"};
  Key k(raw_key);
  auto d = datum(key);
  if (gnutls_x509_privkey_import2(k.get(), &d, GNUTLS_X509_FMT_PEM, nullptr, GNUTLS_PKCS_PLAIN) != 0)
    return Error{Errc::kInvalidValue, "private key PEM does not parse"};
  return CertificateKeyPair{std::move(cert), std::move(key)};
}

Status CertificateKeyPair::write(const std::string& dir) const {
  ::mkdir(dir.c_str(), 0755);
  KINETIC_CHECK(write_file(dir + "/cert.pem", cert_pem, 0644));
  return write_file(dir + "/key.pem", key_pem, 0600);
}

Result<Sha256> CertificateKeyPair::sha256() const {
  KINETIC_TRY(auto crt, import_first_cert(cert_pem));
  gnutls_datum_t der{};
  if (gnutls_x509_crt_export2(crt.get(), GNUTLS_X509_FMT_DER, &der) != 0)
    return Error{Errc::kInvalidValue, "DER export failed"};
  auto digest = sha256_of(der.data, der.size);
  gnutls_free(der.data);
  return digest;
}

Result<CertificateInfo> inspect_certificate(std::string_view cert_pem) {
  KINETIC_TRY(auto crt, import_first_cert(cert_pem));
  CertificateInfo info;
  unsigned bits = 0;
  info.pk_algorithm = gnutls_x509_crt_get_pk_algorithm(crt.get(), &bits);
  if (info.pk_algorithm == GNUTLS_PK_ECDSA) {
    gnutls_ecc_curve_t curve{};
    gnutls_datum_t x{}, y{};
    if (gnutls_x509_crt_get_pk_ecc_raw(crt.get(), &curve, &x, &y) == 0) {
      info.curve = curve;
      gnutls_free(x.data);
      gnutls_free(y.data);
    }
  }
  info.not_before = std::chrono::system_clock::from_time_t(gnutls_x509_crt_get_activation_time(crt.get()));
  info.not_after = std::chrono::system_clock::from_time_t(gnutls_x509_crt_get_expiration_time(crt.get()));
  for (unsigned i = 0;; ++i) {
    char buf[256];
    size_t len = sizeof buf;
    int type = gnutls_x509_crt_get_subject_alt_name(crt.get(), i, buf, &len, nullptr);
    if (type < 0) break;
    if (type == GNUTLS_SAN_DNSNAME) {
      info.dns_names.emplace_back(buf, len);
    } else if (type == GNUTLS_SAN_IPADDRESS) {
      char text[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(len == 4 ? AF_INET : AF_INET6, buf, text, sizeof text);
      info.ip_addresses.emplace_back(text);
    }
  }
  return info;
}

Sha256 sha256_of(const std::uint8_t* data, std::size_t size) {
  Sha256 out{};
  gnutls_hash_fast(GNUTLS_DIG_SHA256, data, size, out.data());
  return out;
}

std::string to_hex(const Sha256& digest) {
  gnutls_datum_t in{const_cast<unsigned char*>(digest.data()), static_cast<unsigned>(digest.size())};
  gnutls_datum_t out{};
  if (gnutls_hex_encode2(&in, &out) != 0) return {};
  return take(out);
}

std::string to_base64(const Sha256& digest) {
  gnutls_datum_t in{const_cast<unsigned char*>(digest.data()), static_cast<unsigned>(digest.size())};
  gnutls_datum_t out{};
  if (gnutls_base64_encode2(&in, &out) != 0) return {};
  return take(out);
}

}  // namespace kinetic::transport
