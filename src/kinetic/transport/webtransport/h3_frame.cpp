#include "kinetic/transport/webtransport/h3_frame.hpp"

#include "kinetic/transport/webtransport/quic_varint.hpp"

namespace kinetic::transport::webtransport {

void put_frame_header(std::vector<std::uint8_t>& out, std::uint64_t type, std::uint64_t length) {
  put_quic_varint(out, type);
  put_quic_varint(out, length);
}

void put_frame(std::vector<std::uint8_t>& out, std::uint64_t type, std::span<const std::uint8_t> payload) {
  put_frame_header(out, type, payload.size());
  put_bytes(out, payload);
}

void put_goaway_frame(std::vector<std::uint8_t>& out, std::uint64_t id) {
  put_frame_header(out, frame::kGoaway, quic_varint_size(id));
  put_quic_varint(out, id);
}

void put_webtransport_uni_preamble(std::vector<std::uint8_t>& out, std::uint64_t session_id) {
  put_quic_varint(out, stream_type::kWebTransport);
  put_quic_varint(out, session_id);
}

void put_webtransport_bidi_preamble(std::vector<std::uint8_t>& out, std::uint64_t session_id) {
  put_quic_varint(out, frame::kWebTransportStream);
  put_quic_varint(out, session_id);
}

}  // namespace kinetic::transport::webtransport
