#include "kinetic/transport/quic/peer_stream_records.hpp"

#if defined(KINETIC_NGTCP2_RELEASES_PEER_STREAMS)
// ngtcp2 0.12.1's internal functions (lib/ngtcp2_conn.h), hidden in libngtcp2.so and linked from
// libngtcp2.a. The build enables this only for 0.12.x, whose signatures these are.
extern "C" {
struct ngtcp2_strm;
ngtcp2_strm* ngtcp2_conn_find_stream(ngtcp2_conn* conn, std::int64_t stream_id);
int ngtcp2_conn_close_stream(ngtcp2_conn* conn, ngtcp2_strm* strm);
}
#endif

namespace kinetic::transport::quic {

bool release_peer_stream_record(ngtcp2_conn* conn, std::int64_t id) {
#if defined(KINETIC_NGTCP2_RELEASES_PEER_STREAMS)
  if (conn == nullptr || (id & 0x2) == 0 || ngtcp2_conn_is_local_stream(conn, id)) return false;
  ngtcp2_strm* strm = ngtcp2_conn_find_stream(conn, id);
  // It calls stream_close, which finds the stream already released on our side.
  return strm != nullptr && ngtcp2_conn_close_stream(conn, strm) == 0;
#else
  (void)conn;
  (void)id;
  return false;
#endif
}

}  // namespace kinetic::transport::quic
