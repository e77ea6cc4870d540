// TLS 1.3 for QUIC with GnuTLS: credentials built once per endpoint, and one GnuTLS
// session per connection wired to ngtcp2's crypto callbacks, with ALPN, SNI, peer
// verification (CA or pinned SHA-256) and an optional SSLKEYLOGFILE-style key log.
#pragma once

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "kinetic/transport/quic/quic_config.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::transport::quic {

class TlsContext;

// What a GnuTLS session points at: ngtcp2's conn_ref first (ngtcp2's callbacks read it
// through gnutls_session_get_ptr), then the context that made the session.
struct TlsAnchor {
  ngtcp2_crypto_conn_ref conn_ref{};
  const TlsContext* tls = nullptr;
};

class TlsContext {
 public:
  static Result<std::shared_ptr<TlsContext>> server(const CertificateKeyPair& cert, const QuicSettings& settings);
  static Result<std::shared_ptr<TlsContext>> client(const QuicClientConfig& config);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A GnuTLS session for one connection; `anchor` must outlive it (ngtcp2 reaches the
  // connection through it). The caller owns the result (gnutls_deinit).
  Result<gnutls_session_t> new_session(TlsAnchor* anchor) const;

  // Client side: does the peer's certificate pass this context's policy?
  bool verify_peer(gnutls_session_t session) const;

  [[nodiscard]] bool is_server() const { return server_; }

 private:
  TlsContext() = default;
  static int write_keylog(gnutls_session_t session, const char* label, const gnutls_datum_t* secret);

  bool server_ = false;
  gnutls_certificate_credentials_t creds_ = nullptr;
  std::vector<std::string> alpn_;
  std::string server_name_;
  std::vector<Sha256> pins_;
  bool verify_ = true;
  std::FILE* keylog_ = nullptr;
};

// The ALPN the handshake settled on; empty if none.
std::string negotiated_alpn(gnutls_session_t session);

}  // namespace kinetic::transport::quic
