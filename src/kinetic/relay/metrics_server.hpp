// GET /metrics over plain HTTP/1.1 (cpp-httplib) on its own thread. It only reads the
// relay's atomics, so a slow or hostile scraper never touches the event loop.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "kinetic/relay/relay_metrics.hpp"
#include "kinetic/base/result.hpp"

namespace httplib {
class Server;
}

namespace kinetic::relay {

class MetricsServer {
 public:
  // Binds host:port (port 0: any free one) and starts serving; kInvalidValue when the
  // address cannot be bound.
  static Result<std::unique_ptr<MetricsServer>> start(const RelayMetrics& metrics, const std::string& host,
                                                            std::uint16_t port);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  MetricsServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

}  // namespace kinetic::relay
