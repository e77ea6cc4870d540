#include "kinetic/relay/relay_worker.hpp"

#include <fmt/format.h>

#include <utility>

namespace kinetic::relay {

RelayWorker::RelayWorker(std::size_t index, const RelayWorkerSetup& setup, RelayMetrics& metrics)
    : index_(index), metrics_(metrics), loop_(std::make_unique<transport::EpollLoop>()) {
  relay_ = std::make_unique<Relay>(*loop_, setup.config, metrics);
  if (setup.verifier) relay_->set_auth(setup.verifier);
  relay_->set_relay_id(index == 0 ? setup.relay_id : fmt::format("{}.w{}", setup.relay_id, index));
}

Result<std::unique_ptr<RelayWorker>> RelayWorker::make(std::size_t index, std::size_t count,
                                                       const RelayWorkerSetup& setup, RelayMetrics& metrics) {
  std::unique_ptr<RelayWorker> w(new RelayWorker(index, setup, metrics));
  w->h3_.on_session = [relay = w->relay_.get()](transport::SessionPtr s) { relay->accept(std::move(s)); };
  w->h3_.max_sessions = setup.config.max_sessions;
  w->h3_.static_content = setup.static_content;
  transport::quic::QuicServerConfig sc = setup.server;
  if (count > 1) {
    w->relay_->set_log_tag(fmt::format("w{}", index));
    sc.worker = static_cast<std::uint8_t>(index);
    sc.steer_workers = index == 0 ? count : 0;
  }
  auto* raw = w.get();
  auto accept = [raw](transport::SessionPtr s) {
    if (s->protocol() == "h3") {
      std::erase_if(raw->h3_connections_, [](const auto& c) { return c.expired(); });
      raw->h3_connections_.push_back(transport::webtransport::H3Connection::server(std::move(s), raw->h3_));
    } else {
      raw->relay_->accept(std::move(s));
    }
  };
  KINETIC_TRY(w->server_, transport::quic::QuicServer::start(*w->loop_, sc, std::move(accept)));
  w->counters_timer_ = std::make_unique<transport::EpollLoop::Timer>(*w->loop_, [raw] {
    raw->publish_transport_counters();
    raw->counters_timer_->arm_at(raw->loop_->now() + kCountersInterval);
  });
  w->counters_timer_->arm_at(w->loop_->now() + kCountersInterval);
  return w;
}

void RelayWorker::publish_transport_counters() {
  const auto& c = server_->counters();
  const auto& sent = server_->send_stats();
  const auto store = [](std::atomic<std::uint64_t>& to, std::uint64_t v) {
    to.store(v, std::memory_order_relaxed);
  };
  store(metrics_.udp_datagrams_in, c.packets);
  store(metrics_.udp_datagrams_dropped, c.dropped);
  store(metrics_.udp_packets_out, sent.packets);
  store(metrics_.udp_bytes_out, sent.bytes);
  store(metrics_.udp_send_calls, sent.calls);
  store(metrics_.udp_socket_full, sent.blocked);
  store(metrics_.quic_handshakes, c.handshakes_started);
  store(metrics_.quic_version_negotiations, c.version_negotiations);
  store(metrics_.quic_retries, c.retries);
  store(metrics_.quic_stateless_resets, c.stateless_resets);
}

RelayWorker::~RelayWorker() {
  counters_timer_.reset();
  relay_->close_all("relay stopped");
  relay_.reset();
  for (auto& c : h3_connections_) {
    if (auto conn = c.lock()) conn->close(0, "relay stopped");
  }
}

}  // namespace kinetic::relay
