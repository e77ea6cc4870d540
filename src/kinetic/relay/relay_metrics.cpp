#include "kinetic/relay/relay_metrics.hpp"

#include <fmt/format.h>

namespace kinetic::relay {

namespace {

template <typename T>
void sample(std::string& out, const char* name, const char* type, const char* help, const std::atomic<T>& v) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type,
                 v.load(std::memory_order_relaxed));
}

void histogram(std::string& out, const char* name, const char* help, const LatencyHistogram& h) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} histogram\n", name, help);
  // Read once, so the buckets, the +Inf bucket and the count agree with each other.
  const auto counts = LatencyCounts::of(h);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < LatencyHistogram::kBoundsMs.size(); ++i) {
    cumulative += counts.buckets[i];
    fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"{}\"}} {}\n", name,
                   LatencyHistogram::kBoundsMs[i] / 1000.0, cumulative);
  }
  cumulative += counts.buckets.back();
  fmt::format_to(std::back_inserter(out), "{0}_bucket{{le=\"+Inf\"}} {1}\n{0}_sum {2}\n{0}_count {1}\n", name,
                 cumulative, static_cast<double>(h.sum_ns()) / 1e9);
}

}  // namespace

std::string render_prometheus(const RelayMetrics& m) {
  std::string out;
  out.reserve(4096);
  sample(out, "kinetic_relay_sessions", "gauge", "MoQT sessions open.", m.sessions);
  sample(out, "kinetic_relay_sessions_total", "counter", "MoQT sessions accepted.", m.sessions_total);
  sample(out, "kinetic_relay_sessions_refused_total", "counter", "Sessions refused by max_sessions.",
         m.sessions_refused);
  sample(out, "kinetic_relay_subscriptions", "gauge", "Downstream subscriptions active.", m.subscriptions);
  sample(out, "kinetic_relay_upstream_subscriptions", "gauge", "Upstream subscriptions active (one per track).",
         m.upstream_subscriptions);
  sample(out, "kinetic_relay_tracks", "gauge", "Tracks the relay holds state for.", m.tracks);
  sample(out, "kinetic_relay_objects_in_total", "counter", "Objects received from publishers.", m.objects_in);
  sample(out, "kinetic_relay_bytes_in_total", "counter", "Payload bytes received from publishers.", m.bytes_in);
  sample(out, "kinetic_relay_objects_out_total", "counter", "Objects written to subscribers.", m.objects_out);
  sample(out, "kinetic_relay_bytes_out_total", "counter", "Payload bytes written to subscribers.", m.bytes_out);
  sample(out, "kinetic_relay_cache_bytes", "gauge", "Bytes held by the track cache.", m.cache_bytes);
  sample(out, "kinetic_relay_cache_evicted_groups_total", "counter", "Groups evicted from the cache.",
         m.cache_evicted_groups);
  sample(out, "kinetic_relay_dropped_groups_total", "counter", "Groups dropped on slow subscribers.",
         m.dropped_groups);
  sample(out, "kinetic_relay_new_group_requests_total", "counter",
         "NEW_GROUP_REQUESTs the relay sent upstream (subscribers asking for a new group).",
         m.new_group_requests);
  sample(out, "kinetic_relay_requests_refused_total", "counter", "Requests refused (limits, unknown tracks).",
         m.requests_refused);
  sample(out, "kinetic_relay_upstream_link", "gauge",
         "Upstream relay link: 0 none, 1 connecting, 2 up, 3 down.", m.upstream_link);
  sample(out, "kinetic_relay_upstream_connects_total", "counter", "Connection attempts to the upstream relay.",
         m.upstream_connects);
  sample(out, "kinetic_relay_upstream_switches_total", "counter",
         "Times the route moved to another parent relay (failure or a better path).", m.upstream_switches);
  sample(out, "kinetic_relay_upstream_announcements", "gauge", "Local namespaces announced to the upstream relay.",
         m.upstream_announcements);
  sample(out, "kinetic_relay_forwarded_interests", "gauge",
         "SUBSCRIBE_NAMESPACE / SUBSCRIBE_TRACKS held with publishers and the upstream.", m.forwarded_interests);
  sample(out, "kinetic_relay_interests_forwarded_total", "counter", "Namespace interests passed on.",
         m.interests_forwarded);
  sample(out, "kinetic_relay_tracks_offered_total", "counter", "PUBLISH sent to SUBSCRIBE_TRACKS subscribers.",
         m.tracks_offered);
  sample(out, "kinetic_relay_lingering_tracks", "gauge", "Unwatched tracks kept with their cache for track_linger.",
         m.lingering_tracks);
  sample(out, "kinetic_relay_udp_datagrams_received_total", "counter",
         "UDP datagrams received on the relay's port (subscribers' ACKs included).", m.udp_datagrams_in);
  sample(out, "kinetic_relay_udp_datagrams_dropped_total", "counter",
         "Datagrams dropped before any connection: undecodable, unknown or refused.",
         m.udp_datagrams_dropped);
  sample(out, "kinetic_relay_udp_packets_sent_total", "counter",
         "QUIC packets sent by the relay's connections.", m.udp_packets_out);
  sample(out, "kinetic_relay_udp_bytes_sent_total", "counter",
         "UDP payload bytes sent by the relay's connections.", m.udp_bytes_out);
  sample(out, "kinetic_relay_udp_send_calls_total", "counter",
         "sendmmsg calls (each carries many connections' packets).", m.udp_send_calls);
  sample(out, "kinetic_relay_udp_socket_full_total", "counter",
         "Times the socket's send buffer was full with packets still queued.", m.udp_socket_full);
  sample(out, "kinetic_relay_quic_handshakes_total", "counter", "QUIC connections started by clients.",
         m.quic_handshakes);
  sample(out, "kinetic_relay_quic_version_negotiations_total", "counter",
         "Version Negotiation packets sent for unsupported QUIC versions.", m.quic_version_negotiations);
  sample(out, "kinetic_relay_quic_retries_total", "counter", "Retry packets sent.", m.quic_retries);
  sample(out, "kinetic_relay_quic_stateless_resets_total", "counter",
         "Stateless resets sent for packets of unknown connections.", m.quic_stateless_resets);
  histogram(out, "kinetic_relay_send_delay_seconds",
            "From an object's arrival to its last byte leaving for each subscriber.", m.send_delay);
  return out;
}

}  // namespace kinetic::relay
