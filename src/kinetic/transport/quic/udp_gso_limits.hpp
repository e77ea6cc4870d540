// What the kernel takes in one UDP GSO send, shared by the socket's own sends and the
// cross-connection batch.
#pragma once

#include <cstddef>

namespace kinetic::transport::quic {

inline constexpr std::size_t kMaxGsoSegments = 64;  // the kernel's UDP_MAX_SEGMENTS
inline constexpr std::size_t kMaxGsoBytes = 65000;  // below the 64 KiB IP datagram limit

}  // namespace kinetic::transport::quic
