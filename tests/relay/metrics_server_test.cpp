#include "kinetic/relay/metrics_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

namespace kinetic::relay {
namespace {

TEST(MetricsServer, ServesLiveCountersOnLoopback) {
  RelayMetrics metrics;
  auto server = MetricsServer::start(metrics, "127.0.0.1", 0);
  ASSERT_TRUE(server);
  ASSERT_NE((*server)->port(), 0);

  httplib::Client client("127.0.0.1", (*server)->port());
  client.set_connection_timeout(2);
  client.set_read_timeout(2);
  RelayMetrics::add(metrics.objects_in, 7);
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("kinetic_relay_objects_in_total 7\n"), std::string::npos);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/plain"), std::string::npos);

  RelayMetrics::add(metrics.objects_in, 1);
  res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("kinetic_relay_objects_in_total 8\n"), std::string::npos);

  auto missing = client.Get("/other");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST(MetricsServer, UnresolvableAddressIsAnError) {
  RelayMetrics metrics;
  EXPECT_FALSE(MetricsServer::start(metrics, "127.0.0.1", 0) ? false : true);
  EXPECT_FALSE(MetricsServer::start(metrics, "not-an-address.invalid", 1));
}

}  // namespace
}  // namespace kinetic::relay
