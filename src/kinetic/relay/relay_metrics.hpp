// The relay's counters, as atomics the event loop bumps (relaxed: each is independent) and a
// reader on another thread renders in the Prometheus text exposition format. Nothing here
// locks, so serving /metrics can never stall the loop.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "kinetic/base/latency_histogram.hpp"

namespace kinetic::relay {

struct RelayMetrics {
  std::atomic<std::int64_t> sessions{0};          // gauge
  std::atomic<std::uint64_t> sessions_total{0};   // accepted since start
  std::atomic<std::uint64_t> sessions_refused{0};
  std::atomic<std::int64_t> subscriptions{0};     // gauge: downstream subscriptions
  std::atomic<std::int64_t> upstream_subscriptions{0};  // gauge
  std::atomic<std::int64_t> tracks{0};            // gauge
  std::atomic<std::uint64_t> objects_in{0};
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> objects_out{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::int64_t> cache_bytes{0};       // gauge
  std::atomic<std::uint64_t> cache_evicted_groups{0};
  std::atomic<std::uint64_t> dropped_groups{0};   // groups reset on slow subscribers
  std::atomic<std::uint64_t> new_group_requests{0};  // NEW_GROUP_REQUESTs sent upstream
  std::atomic<std::uint64_t> requests_refused{0};
  // Relay chaining: 0 no upstream, 1 connecting, 2 up, 3 down (waiting to reconnect).
  std::atomic<std::int64_t> upstream_link{0};         // gauge
  std::atomic<std::uint64_t> upstream_connects{0};    // attempts
  std::atomic<std::uint64_t> upstream_switches{0};    // route moved to another parent
  std::atomic<std::int64_t> upstream_announcements{0};  // gauge: namespaces announced upstream
  std::atomic<std::int64_t> forwarded_interests{0};   // gauge: namespace interests held with others
  std::atomic<std::uint64_t> interests_forwarded{0};  // counter
  std::atomic<std::uint64_t> tracks_offered{0};       // PUBLISH sent for SUBSCRIBE_TRACKS
  std::atomic<std::int64_t> lingering_tracks{0};      // gauge: unwatched tracks kept warm
  // The relay's UDP port and QUIC endpoint, copied from each worker's QUIC server a few times a
  // second (RelayWorker): what the sessions cost in packets and syscalls, and what the endpoint
  // answered on its own. Datagrams in include every subscriber's ACKs, which is most of them on a
  // fan-out.
  std::atomic<std::uint64_t> udp_datagrams_in{0};
  std::atomic<std::uint64_t> udp_datagrams_dropped{0};  // undecodable, unknown or refused
  std::atomic<std::uint64_t> udp_packets_out{0};
  std::atomic<std::uint64_t> udp_bytes_out{0};
  std::atomic<std::uint64_t> udp_send_calls{0};   // sendmmsg calls
  std::atomic<std::uint64_t> udp_socket_full{0};  // times the socket buffer was full
  std::atomic<std::uint64_t> quic_handshakes{0};  // connections started
  std::atomic<std::uint64_t> quic_version_negotiations{0};
  std::atomic<std::uint64_t> quic_retries{0};
  std::atomic<std::uint64_t> quic_stateless_resets{0};
  // From an object's arrival (at the worker whose subscriber it is) to its last byte leaving for
  // each subscriber (raw QUIC or WebTransport): the relay's own share of the latency, fan-out
  // order included.
  LatencyHistogram send_delay;

  static void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    c.fetch_add(n, std::memory_order_relaxed);
  }
  static void add(std::atomic<std::int64_t>& g, std::int64_t n) noexcept { g.fetch_add(n, std::memory_order_relaxed); }
  static void set(std::atomic<std::int64_t>& g, std::int64_t v) noexcept { g.store(v, std::memory_order_relaxed); }
};

// The counters of the relay's UDP port and QUIC endpoint, for code that copies or sums them all.
inline constexpr std::array<std::atomic<std::uint64_t> RelayMetrics::*, 10> kTransportCounters = {
    &RelayMetrics::udp_datagrams_in, &RelayMetrics::udp_datagrams_dropped,
    &RelayMetrics::udp_packets_out,  &RelayMetrics::udp_bytes_out,
    &RelayMetrics::udp_send_calls,   &RelayMetrics::udp_socket_full,
    &RelayMetrics::quic_handshakes,  &RelayMetrics::quic_version_negotiations,
    &RelayMetrics::quic_retries,     &RelayMetrics::quic_stateless_resets};

// Prometheus text format 0.0.4: HELP and TYPE lines, then one sample per metric.
std::string render_prometheus(const RelayMetrics& m);

}  // namespace kinetic::relay
