// A Stream::measure_send_delay whose bytes are all in packets, waiting for those packets to
// leave for the kernel (the session's send batch may hold them until the loop turn ends).
#pragma once

#include <span>

#include "kinetic/base/latency_histogram.hpp"
#include "kinetic/transport/event_loop.hpp"

namespace kinetic::transport::quic {

struct SendMark {
  TimePoint since;
  LatencyHistogram* into = nullptr;
};

inline void record_sent(std::span<const SendMark> marks, TimePoint now) {
  for (const auto& m : marks) m.into->record(now - m.since);
}

}  // namespace kinetic::transport::quic
