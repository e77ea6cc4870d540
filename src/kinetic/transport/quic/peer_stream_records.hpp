// ngtcp2 0.12 frees a stream once both directions are over, and for a peer's unidirectional
// stream it waits for an acknowledged FIN on a send side that does not exist, so it keeps the
// stream's record (~175 bytes) until the connection ends: ~15 MiB over a day of one group per
// second on one track (BENCHMARKS.md, "Memory per closed stream"). ngtcp2 0.13 frees it itself.
// With 0.12 linked from its static archive (KINETIC_NGTCP2_RELEASES_PEER_STREAMS, set by the
// build), the session frees the record with ngtcp2's own function once the peer's direction is
// over, which is what 0.13 does at that point.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <cstdint>

namespace kinetic::transport::quic {

#if defined(KINETIC_NGTCP2_RELEASES_PEER_STREAMS)
inline constexpr bool kReleasesPeerStreamRecords = true;
#else
inline constexpr bool kReleasesPeerStreamRecords = false;
#endif

// Frees ngtcp2's record of the peer's unidirectional stream `id`, whose data ended (FIN delivered
// or RESET_STREAM received). Not from inside an ngtcp2 callback: ngtcp2 may still use the record
// until the call that reported the end returns. Returns whether a record was freed.
bool release_peer_stream_record(ngtcp2_conn* conn, std::int64_t id);

}  // namespace kinetic::transport::quic
