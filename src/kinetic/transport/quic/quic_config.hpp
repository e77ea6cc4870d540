// What a QUIC endpoint can be told: the transport knobs shared by both sides, and what
// only a server or only a client needs. Defaults suit live media (wide windows, datagrams on).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/quic/udp_socket.hpp"

namespace kinetic::transport::quic {

// moqt-22, moqt-21, moqt-20, moqt-18 (newest first) and h3, the ALPNs a Kinetic server answers on one port.
std::vector<std::string> default_alpn();

enum class CongestionControl { kCubic, kReno, kBbr };

struct QuicSettings {
  std::vector<std::string> alpn = default_alpn();  // client: offered in order; server: accepted, ours first
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds keep_alive{0};  // 0: no PINGs to keep an idle connection up

  // Flow control: initial windows, and the ceilings auto-tuning may grow them to.
  std::uint64_t max_data = 16ull << 20;
  std::uint64_t max_stream_data = 4ull << 20;
  std::uint64_t max_window = 64ull << 20;
  std::uint64_t max_stream_window = 16ull << 20;
  std::uint64_t max_streams_bidi = 1000;
  std::uint64_t max_streams_uni = 1000;
  // RFC 9221 max_datagram_frame_size; 0 turns datagrams off.
  std::uint64_t max_datagram_frame_size = 65535;
  // on_writable fires once a stream's unsent bytes drop to this after exceeding it.
  std::size_t stream_low_water = 1 << 20;

  CongestionControl congestion_control = CongestionControl::kCubic;
  std::string keylog_file;  // SSLKEYLOGFILE format, appended; empty: off
  bool trace = false;       // ngtcp2's own frame log at spdlog trace level
  // Server: the worker byte of every connection ID issued (set from QuicServerConfig::worker).
  std::optional<std::uint8_t> cid_worker;
};

struct QuicServerConfig {
  SocketAddress listen;  // required; port 0 picks a free one (see QuicServer::local_address)
  CertificateKeyPair certificate;
  QuicSettings settings;
  // Secret for stateless reset and Retry tokens. Keep it across restarts so peers of a
  // crashed server get a stateless reset instead of waiting for their idle timeout.
  // All zero: a random one per server.
  std::array<std::uint8_t, 32> static_secret{};
  bool retry = false;  // validate every client address with a Retry round trip first
  std::size_t max_connections = 10'000;
  std::size_t max_handshakes_per_ip = 1'000;  // bounds what one source can make us do
  std::size_t stateless_resets_per_second = 1'000;
  // One of several servers on the same port (SO_REUSEPORT), one per worker thread: `worker` goes
  // into every connection ID this server issues (cid_steering.hpp). With `steer_workers` >= 2
  // this server also attaches the steering program to the port's group; the first worker does,
  // and worker i must be the i-th to bind. Give every worker the same static_secret.
  std::optional<std::uint8_t> worker;
  std::size_t steer_workers = 0;
};

struct QuicClientConfig {
  SocketAddress remote;     // the server
  std::string server_name;  // SNI and the name the certificate must carry
  QuicSettings settings;
  // Accept exactly these certificates by the SHA-256 of their DER (like WebTransport's
  // serverCertificateHashes); when set, no CA check is done.
  std::vector<Sha256> pinned_sha256;
  std::string ca_file;  // trust anchors (PEM); empty: the system store
  bool verify_peer = true;
  SocketAddress local;  // empty (family 0): the wildcard of the remote's family, any port
};

}  // namespace kinetic::transport::quic
