#include "kinetic/transport/perf_responder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace kinetic::transport {

struct PerfResponder::Request : StreamHandler {
  explicit Request(const SharedBytes& c) : chunk(c) {}

  void on_data(Stream& s, std::span<const std::uint8_t> data, bool fin) override {
    (void)fin;
    if (started) return;
    header.insert(header.end(), data.begin(), data.end());
    if (header.size() < 8) return;
    std::memcpy(&left, header.data(), 8);
    started = true;
    if (left == 0) s.finish();
    pump(s);
  }
  void on_writable(Stream& s) override { pump(s); }
  void pump(Stream& s) {
    while (left > 0 && s.queued_bytes() < (4u << 20)) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), left));
      left -= n;
      s.write(chunk.slice(0, n), left == 0);
    }
  }

  const SharedBytes& chunk;
  std::vector<std::uint8_t> header;
  std::uint64_t left = 0;
  bool started = false;
};

PerfResponder::PerfResponder() = default;
PerfResponder::~PerfResponder() = default;

void PerfResponder::serve(SessionPtr session) {
  session->set_handler(this);
  sessions_.push_back(std::move(session));
}

void PerfResponder::on_incoming_stream(Session& session, Stream& stream) {
  (void)session;
  requests_.push_back(std::make_unique<Request>(chunk_));
  stream.set_handler(requests_.back().get());
}

void PerfResponder::on_closed(Session& session, const CloseInfo& info) {
  spdlog::debug("perf: {} closed ({}: {})", session.peer_address(), info.code, info.reason);
  std::erase_if(sessions_, [&](const SessionPtr& p) { return p.get() == &session; });
}

std::vector<std::uint8_t> perf_request(std::uint64_t bytes) {
  std::vector<std::uint8_t> req(8);
  std::memcpy(req.data(), &bytes, 8);
  return req;
}

}  // namespace kinetic::transport
