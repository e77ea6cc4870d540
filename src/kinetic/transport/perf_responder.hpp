// The goodput exchange of `kinetic quic-perf` and the transport benchmarks, on any transport:
// a stream's first 8 bytes (the sender's byte order: both ends are this program) ask for N
// bytes, which are answered from one shared buffer without copies, at most 4 MiB queued at a
// time so memory stays flat however much is asked for.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kinetic/base/shared_bytes.hpp"
#include "kinetic/transport/transport.hpp"

namespace kinetic::transport {

class PerfResponder : public SessionHandler {
 public:
  PerfResponder();
  ~PerfResponder() override;
  PerfResponder(const PerfResponder&) = delete;
  PerfResponder& operator=(const PerfResponder&) = delete;

  // Answers requests on `session` and holds it until it closes.
  void serve(SessionPtr session);

  void on_incoming_stream(Session& session, Stream& stream) override;
  void on_closed(Session& session, const CloseInfo& info) override;

  [[nodiscard]] std::size_t sessions() const noexcept { return sessions_.size(); }

 private:
  struct Request;

  SharedBytes chunk_{std::vector<std::uint8_t>(1 << 20, 0)};
  // A measuring server lives for one run: finished requests are kept until it goes.
  std::vector<std::unique_ptr<Request>> requests_;
  std::vector<SessionPtr> sessions_;
};

// The request for `bytes` bytes that PerfResponder answers.
std::vector<std::uint8_t> perf_request(std::uint64_t bytes);

}  // namespace kinetic::transport
