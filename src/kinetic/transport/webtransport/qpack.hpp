// Header blocks through nghttp3's QPACK encoder and decoder. Kinetic advertises a zero
// dynamic table (SETTINGS_QPACK_MAX_TABLE_CAPACITY 0) and never inserts into the peer's,
// so every header block decodes on its own and no stream ever blocks on QPACK.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kinetic/transport/webtransport/h3_errors.hpp"

struct nghttp3_qpack_encoder;
struct nghttp3_qpack_decoder;

namespace kinetic::transport::webtransport {

using HeaderField = std::pair<std::string, std::string>;
using HeaderList = std::vector<HeaderField>;

class QpackEncoder {
 public:
  QpackEncoder();
  ~QpackEncoder();
  QpackEncoder(const QpackEncoder&) = delete;
  QpackEncoder& operator=(const QpackEncoder&) = delete;

  // Appends the encoded field section (prefix + representations) to `out`.
  H3Status encode(std::int64_t stream_id, const HeaderList& headers, std::vector<std::uint8_t>& out);
  // Bytes from the peer's QPACK decoder stream.
  H3Status on_decoder_stream(std::span<const std::uint8_t> data);

 private:
  nghttp3_qpack_encoder* enc_ = nullptr;
};

class QpackDecoder {
 public:
  explicit QpackDecoder(std::size_t max_field_section_size);
  ~QpackDecoder();
  QpackDecoder(const QpackDecoder&) = delete;
  QpackDecoder& operator=(const QpackDecoder&) = delete;

  // Decodes one complete field section (the payload of a HEADERS frame).
  H3Status decode(std::int64_t stream_id, std::span<const std::uint8_t> block, HeaderList& out);
  // Bytes from the peer's QPACK encoder stream.
  H3Status on_encoder_stream(std::span<const std::uint8_t> data);
  // Instructions for our decoder stream produced since the last call (often none).
  std::vector<std::uint8_t> take_decoder_stream();

 private:
  nghttp3_qpack_decoder* dec_ = nullptr;
  std::size_t max_field_section_size_;
};

}  // namespace kinetic::transport::webtransport
