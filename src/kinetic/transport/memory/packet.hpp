// What travels over a simulated link: one QUIC-like frame per packet, carrying its
// payload as shared slices of what the application wrote (never a copy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kinetic/transport/transport.hpp"
#include "kinetic/base/shared_bytes.hpp"

namespace kinetic::transport::memory {

struct Packet {
  enum class Kind : std::uint8_t {
    kStream,       // stream bytes at `offset`, maybe with fin
    kDatagram,
    kResetStream,  // `code`, `offset` = final size
    kStopSending,  // `code`
    kMaxStreams,   // new cumulative limits `max_bidi` / `max_uni`
    kClose,        // `code`, `reason`
  };

  Kind kind = Kind::kStream;
  StreamId stream = 0;
  std::uint64_t offset = 0;
  std::vector<SharedBytes> data;
  bool fin = false;
  ErrorCode code = 0;
  std::uint64_t max_bidi = 0;
  std::uint64_t max_uni = 0;
  std::string reason;

  [[nodiscard]] std::size_t payload_size() const {
    std::size_t n = 0;
    for (const auto& d : data) n += d.size();
    return n;
  }
  // Bytes a frame occupies on the wire beyond its payload (type, ids, offsets).
  [[nodiscard]] std::size_t wire_size() const { return payload_size() + 8 + reason.size(); }
};

}  // namespace kinetic::transport::memory
