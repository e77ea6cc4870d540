#include "kinetic/relay/relay_metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace kinetic::relay {
namespace {

TEST(RelayMetrics, RendersPrometheusTextWithCurrentValues) {
  RelayMetrics m;
  RelayMetrics::add(m.sessions, 3);
  RelayMetrics::add(m.bytes_out, 123456);
  RelayMetrics::set(m.cache_bytes, 42);
  const auto text = render_prometheus(m);
  EXPECT_NE(text.find("# TYPE kinetic_relay_sessions gauge\nkinetic_relay_sessions 3\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE kinetic_relay_bytes_out_total counter\nkinetic_relay_bytes_out_total 123456\n"),
            std::string::npos);
  EXPECT_NE(text.find("kinetic_relay_cache_bytes 42\n"), std::string::npos);
  EXPECT_NE(text.find("kinetic_relay_dropped_groups_total 0\n"), std::string::npos);
  RelayMetrics::add(m.new_group_requests, 2);
  EXPECT_NE(render_prometheus(m).find("# TYPE kinetic_relay_new_group_requests_total counter\n"
                                      "kinetic_relay_new_group_requests_total 2\n"),
            std::string::npos);
  RelayMetrics::set(m.upstream_link, 2);
  RelayMetrics::set(m.forwarded_interests, 5);
  const auto chained = render_prometheus(m);
  EXPECT_NE(chained.find("# TYPE kinetic_relay_upstream_link gauge\nkinetic_relay_upstream_link 2\n"),
            std::string::npos);
  EXPECT_NE(chained.find("kinetic_relay_forwarded_interests 5\n"), std::string::npos);
  EXPECT_NE(chained.find("kinetic_relay_lingering_tracks 0\n"), std::string::npos);
  RelayMetrics::add(m.udp_datagrams_in, 7);
  EXPECT_NE(render_prometheus(m).find("# TYPE kinetic_relay_udp_datagrams_received_total "
                                      "counter\nkinetic_relay_udp_datagrams_received_total 7\n"),
            std::string::npos);
  RelayMetrics::add(m.upstream_switches);
  EXPECT_NE(render_prometheus(m).find("kinetic_relay_upstream_switches_total 1\n"), std::string::npos);
  // Every sample line is preceded by its HELP and TYPE; the one histogram has many samples.
  std::size_t samples = 0, types = 0, histogram_samples = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto end = text.find('\n', pos);
    auto line = text.substr(pos, end - pos);
    if (line.starts_with("# TYPE")) ++types;
    else if (line.starts_with("kinetic_relay_send_delay_seconds"))
      ++histogram_samples;
    else if (!line.starts_with("#")) ++samples;
    pos = end + 1;
  }
  EXPECT_EQ(samples + 1, types);
  EXPECT_EQ(samples, 33u);
  EXPECT_EQ(histogram_samples, LatencyHistogram::kBuckets + 2);  // the buckets, _sum, _count
}

TEST(RelayMetrics, SendDelayIsAPrometheusHistogramInSeconds) {
  RelayMetrics m;
  m.send_delay.record(std::chrono::microseconds(300));   // le 0.0005
  m.send_delay.record(std::chrono::microseconds(2500));  // le 0.003
  m.send_delay.record(std::chrono::seconds(2));          // +Inf only
  const auto text = render_prometheus(m);
  EXPECT_NE(text.find("# TYPE kinetic_relay_send_delay_seconds histogram\n"), std::string::npos);
  // Cumulative counts, bounds in seconds.
  EXPECT_NE(text.find("kinetic_relay_send_delay_seconds_bucket{le=\"0.00025\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("kinetic_relay_send_delay_seconds_bucket{le=\"0.0005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("kinetic_relay_send_delay_seconds_bucket{le=\"0.002\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("kinetic_relay_send_delay_seconds_bucket{le=\"0.003\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("kinetic_relay_send_delay_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("kinetic_relay_send_delay_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("kinetic_relay_send_delay_seconds_sum 2.0028\n"), std::string::npos);
  EXPECT_NE(text.find("kinetic_relay_send_delay_seconds_count 3\n"), std::string::npos);
}

}  // namespace
}  // namespace kinetic::relay
