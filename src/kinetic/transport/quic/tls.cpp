#include "kinetic/transport/quic/tls.hpp"

#include <gnutls/x509.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <type_traits>

namespace kinetic::transport::quic {

namespace {


// TLS 1.3 only (QUIC requires it), the AEADs QUIC defines, and no middlebox compatibility
// mode (QUIC forbids its fake ChangeCipherSpec).
constexpr const char* kPriority =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
    "%DISABLE_TLS13_COMPAT_MODE";

int verify_callback(gnutls_session_t session) {
  auto* anchor = static_cast<TlsAnchor*>(gnutls_session_get_ptr(session));
  const TlsContext* ctx = anchor != nullptr ? anchor->tls : nullptr;
  if (ctx == nullptr) return GNUTLS_E_CERTIFICATE_ERROR;
  return ctx->verify_peer(session) ? 0 : GNUTLS_E_CERTIFICATE_ERROR;
}

std::mutex& keylog_mutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

TlsContext::~TlsContext() {
  if (creds_ != nullptr) gnutls_certificate_free_credentials(creds_);
  if (keylog_ != nullptr) std::fclose(keylog_);
}

Result<std::shared_ptr<TlsContext>> TlsContext::server(const CertificateKeyPair& cert,
                                                             const QuicSettings& settings) {
  std::shared_ptr<TlsContext> ctx(new TlsContext());
  ctx->server_ = true;
  ctx->alpn_ = settings.alpn;
  if (ctx->alpn_.empty()) return Error{Errc::kInvalidValue, "server needs at least one ALPN"};
  if (gnutls_certificate_allocate_credentials(&ctx->creds_) != 0)
    return Error{Errc::kInvalidValue, "gnutls credentials allocation failed"};
  gnutls_datum_t c{reinterpret_cast<unsigned char*>(const_cast<char*>(cert.cert_pem.data())),
                   static_cast<unsigned>(cert.cert_pem.size())};
  gnutls_datum_t k{reinterpret_cast<unsigned char*>(const_cast<char*>(cert.key_pem.data())),
                   static_cast<unsigned>(cert.key_pem.size())};
  if (gnutls_certificate_set_x509_key_mem2(ctx->creds_, &c, &k, GNUTLS_X509_FMT_PEM, nullptr, 0) < 0)
    return Error{Errc::kInvalidValue, "certificate or key rejected by GnuTLS"};
  if (!settings.keylog_file.empty()) ctx->keylog_ = std::fopen(settings.keylog_file.c_str(), "a");
  return ctx;
}

Result<std::shared_ptr<TlsContext>> TlsContext::client(const QuicClientConfig& config) {
  std::shared_ptr<TlsContext> ctx(new TlsContext());
  ctx->alpn_ = config.settings.alpn;
  if (ctx->alpn_.empty()) return Error{Errc::kInvalidValue, "client needs at least one ALPN"};
  ctx->server_name_ = config.server_name;
  ctx->pins_ = config.pinned_sha256;
  ctx->verify_ = config.verify_peer;
  if (gnutls_certificate_allocate_credentials(&ctx->creds_) != 0)
    return Error{Errc::kInvalidValue, "gnutls credentials allocation failed"};
  if (ctx->verify_ && ctx->pins_.empty()) {
    int n = config.ca_file.empty()
                ? gnutls_certificate_set_x509_system_trust(ctx->creds_)
                : gnutls_certificate_set_x509_trust_file(ctx->creds_, config.ca_file.c_str(), GNUTLS_X509_FMT_PEM);
    if (n < 0) return Error{Errc::kInvalidValue, "trust anchors could not be loaded"};
  }
  gnutls_certificate_set_verify_function(ctx->creds_, verify_callback);
  if (!config.settings.keylog_file.empty()) ctx->keylog_ = std::fopen(config.settings.keylog_file.c_str(), "a");
  return ctx;
}

Result<gnutls_session_t> TlsContext::new_session(TlsAnchor* anchor) const {
  gnutls_session_t s = nullptr;
  unsigned flags = (server_ ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NO_END_OF_EARLY_DATA;
  if (gnutls_init(&s, flags) != 0) return Error{Errc::kInvalidValue, "gnutls_init failed"};
  auto fail = [&](const char* what) -> Result<gnutls_session_t> {
    gnutls_deinit(s);
    return Error{Errc::kInvalidValue, what};
  };
  if (gnutls_priority_set_direct(s, kPriority, nullptr) != 0) return fail("TLS priority rejected");
  int rc = server_ ? ngtcp2_crypto_gnutls_configure_server_session(s) : ngtcp2_crypto_gnutls_configure_client_session(s);
  if (rc != 0) return fail("ngtcp2 could not configure the TLS session");
  anchor->tls = this;
  static_assert(std::is_standard_layout_v<TlsAnchor>);
  gnutls_session_set_ptr(s, anchor);
  if (gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, creds_) != 0) return fail("credentials rejected");

  std::vector<gnutls_datum_t> protos;
  for (const auto& p : alpn_)
    protos.push_back({reinterpret_cast<unsigned char*>(const_cast<char*>(p.data())), static_cast<unsigned>(p.size())});
  unsigned alpn_flags = GNUTLS_ALPN_MANDATORY | (server_ ? GNUTLS_ALPN_SERVER_PRECEDENCE : 0);
  if (gnutls_alpn_set_protocols(s, protos.data(), static_cast<unsigned>(protos.size()), alpn_flags) != 0)
    return fail("ALPN rejected");

  if (!server_ && !server_name_.empty()) {
    // SNI carries names only, never IP literals (RFC 6066 §3).
    bool ip_literal = SocketAddress::parse(server_name_, 0).ok();
    if (!ip_literal) gnutls_server_name_set(s, GNUTLS_NAME_DNS, server_name_.data(), server_name_.size());
  }
  if (keylog_ != nullptr) gnutls_session_set_keylog_function(s, &write_keylog);
  return s;
}

int TlsContext::write_keylog(gnutls_session_t session, const char* label, const gnutls_datum_t* secret) {
  auto* anchor = static_cast<TlsAnchor*>(gnutls_session_get_ptr(session));
  const TlsContext* ctx = anchor != nullptr ? anchor->tls : nullptr;
  if (ctx == nullptr || ctx->keylog_ == nullptr) return 0;
  gnutls_datum_t client_random{}, server_random{};
  gnutls_session_get_random(session, &client_random, &server_random);
  std::string line = label;
  line += ' ';
  auto hex = [&line](const unsigned char* p, unsigned n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; ++i) {
      line += kDigits[p[i] >> 4];
      line += kDigits[p[i] & 0xf];
    }
  };
  hex(client_random.data, client_random.size);
  line += ' ';
  hex(secret->data, secret->size);
  line += '\n';
  std::lock_guard lock(keylog_mutex());
  std::fputs(line.c_str(), ctx->keylog_);
  std::fflush(ctx->keylog_);
  return 0;
}

bool TlsContext::verify_peer(gnutls_session_t session) const {
  unsigned count = 0;
  const gnutls_datum_t* certs = gnutls_certificate_get_peers(session, &count);
  if (certs == nullptr || count == 0) return false;
  if (!pins_.empty()) {
    auto digest = sha256_of(certs[0].data, certs[0].size);
    bool ok = std::find(pins_.begin(), pins_.end(), digest) != pins_.end();
    if (!ok) spdlog::debug("quic: peer certificate {} is not pinned", to_hex(digest));
    return ok;
  }
  if (!verify_) return true;
  unsigned status = 0;
  const char* host = server_name_.empty() ? nullptr : server_name_.c_str();
  if (gnutls_certificate_verify_peers3(session, host, &status) != 0 || status != 0) {
    gnutls_datum_t text{};
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0) {
      spdlog::debug("quic: peer certificate rejected: {}", reinterpret_cast<const char*>(text.data));
      gnutls_free(text.data);
    }
    return false;
  }
  return true;
}

std::string negotiated_alpn(gnutls_session_t session) {
  gnutls_datum_t proto{};
  if (gnutls_alpn_get_selected_protocol(session, &proto) != 0) return {};
  return std::string(reinterpret_cast<const char*>(proto.data), proto.size);
}

}  // namespace kinetic::transport::quic
