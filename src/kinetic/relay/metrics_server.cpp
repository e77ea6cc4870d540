#include "kinetic/relay/metrics_server.hpp"

#include <httplib.h>

#include <chrono>

namespace kinetic::relay {

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const RelayMetrics& metrics,
                                                                  const std::string& host, std::uint16_t port) {
  std::unique_ptr<MetricsServer> self(new MetricsServer());
  self->server_ = std::make_unique<httplib::Server>();
  self->server_->Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(render_prometheus(metrics), "text/plain; version=0.0.4; charset=utf-8");
  });
  // Bind before the thread starts, so a bad address is an error here and port() is known.
  int bound = port == 0 ? self->server_->bind_to_any_port(host) : (self->server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) return Error{Errc::kInvalidValue, "metrics: cannot bind the listen address"};
  self->port_ = static_cast<std::uint16_t>(bound);
  self->thread_ = std::thread([server = self->server_.get()] { server->listen_after_bind(); });
  // stop() before the accept loop has begun would be lost and the join would never return.
  for (int waited = 0; !self->server_->is_running(); ++waited) {
    if (waited == 5000) {
      self->server_->stop();
      self->thread_.join();
      return Error{Errc::kInvalidValue, "metrics: the HTTP server did not start"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return self;
}

MetricsServer::~MetricsServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace kinetic::relay
