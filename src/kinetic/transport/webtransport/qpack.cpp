#include "kinetic/transport/webtransport/qpack.hpp"

#include <nghttp3/nghttp3.h>

#include <memory>
#include <new>

namespace kinetic::transport::webtransport {

namespace {

struct BufGuard {
  nghttp3_buf buf{};
  BufGuard() { nghttp3_buf_init(&buf); }
  ~BufGuard() { nghttp3_buf_free(&buf, nghttp3_mem_default()); }
  BufGuard(const BufGuard&) = delete;
  BufGuard& operator=(const BufGuard&) = delete;
  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return {buf.pos, nghttp3_buf_len(&buf)}; }
};

std::uint8_t* as_bytes(const std::string& s) {
  // nghttp3 takes non-const pointers but copies unless told not to; it never writes them.
  return reinterpret_cast<std::uint8_t*>(const_cast<char*>(s.data()));
}

}  // namespace

QpackEncoder::QpackEncoder() {
  if (nghttp3_qpack_encoder_new(&enc_, 0, nghttp3_mem_default()) != 0) throw std::bad_alloc();
}

QpackEncoder::~QpackEncoder() { nghttp3_qpack_encoder_del(enc_); }

H3Status QpackEncoder::encode(std::int64_t stream_id, const HeaderList& headers, std::vector<std::uint8_t>& out) {
  std::vector<nghttp3_nv> nva;
  nva.reserve(headers.size());
  for (const auto& [name, value] : headers)
    nva.push_back(nghttp3_nv{as_bytes(name), as_bytes(value), name.size(), value.size(), NGHTTP3_NV_FLAG_NONE});
  BufGuard prefix, rest, encoder_stream;
  if (nghttp3_qpack_encoder_encode(enc_, &prefix.buf, &rest.buf, &encoder_stream.buf, stream_id, nva.data(),
                                   nva.size()) != 0)
    return H3Error{h3::kInternalError, "QPACK encoding failed"};
  // With a zero-capacity table the encoder never emits encoder-stream instructions.
  if (!encoder_stream.bytes().empty()) return H3Error{h3::kInternalError, "QPACK encoder used the dynamic table"};
  out.insert(out.end(), prefix.bytes().begin(), prefix.bytes().end());
  out.insert(out.end(), rest.bytes().begin(), rest.bytes().end());
  return std::nullopt;
}

H3Status QpackEncoder::on_decoder_stream(std::span<const std::uint8_t> data) {
  const auto n = nghttp3_qpack_encoder_read_decoder(enc_, data.data(), data.size());
  if (n < 0 || static_cast<std::size_t>(n) != data.size())
    return H3Error{h3::kQpackDecoderStreamError, "bad QPACK decoder stream"};
  return std::nullopt;
}

QpackDecoder::QpackDecoder(std::size_t max_field_section_size) : max_field_section_size_(max_field_section_size) {
  if (nghttp3_qpack_decoder_new(&dec_, 0, 0, nghttp3_mem_default()) != 0) throw std::bad_alloc();
}

QpackDecoder::~QpackDecoder() { nghttp3_qpack_decoder_del(dec_); }

H3Status QpackDecoder::decode(std::int64_t stream_id, std::span<const std::uint8_t> block, HeaderList& out) {
  nghttp3_qpack_stream_context* raw = nullptr;
  if (nghttp3_qpack_stream_context_new(&raw, stream_id, nghttp3_mem_default()) != 0)
    return H3Error{h3::kInternalError, "out of memory"};
  std::unique_ptr<nghttp3_qpack_stream_context, void (*)(nghttp3_qpack_stream_context*)> ctx(
      raw, nghttp3_qpack_stream_context_del);
  std::size_t total = 0;
  const std::uint8_t* p = block.data();
  std::size_t left = block.size();
  for (;;) {
    nghttp3_qpack_nv nv{};
    std::uint8_t flags = NGHTTP3_QPACK_DECODE_FLAG_NONE;
    const auto n = nghttp3_qpack_decoder_read_request(dec_, ctx.get(), &nv, &flags, p, left, 1);
    if (n < 0) return H3Error{h3::kQpackDecompressionFailed, "QPACK decompression failed"};
    p += n;
    left -= static_cast<std::size_t>(n);
    if (flags & NGHTTP3_QPACK_DECODE_FLAG_EMIT) {
      const auto name = nghttp3_rcbuf_get_buf(nv.name);
      const auto value = nghttp3_rcbuf_get_buf(nv.value);
      // RFC 9114 §4.2.2: each field counts its name, value and 32 bytes of overhead.
      total += name.len + value.len + 32;
      if (total <= max_field_section_size_)
        out.emplace_back(std::string(reinterpret_cast<const char*>(name.base), name.len),
                         std::string(reinterpret_cast<const char*>(value.base), value.len));
      nghttp3_rcbuf_decref(nv.name);
      nghttp3_rcbuf_decref(nv.value);
      if (total > max_field_section_size_) return H3Error{h3::kExcessiveLoad, "field section too large"};
    }
    if (flags & NGHTTP3_QPACK_DECODE_FLAG_FINAL) break;
    if (n == 0 && flags == NGHTTP3_QPACK_DECODE_FLAG_NONE)
      return H3Error{h3::kQpackDecompressionFailed, "QPACK decoder made no progress"};
    if (flags & NGHTTP3_QPACK_DECODE_FLAG_BLOCKED)
      return H3Error{h3::kQpackDecompressionFailed, "field section references the dynamic table"};
    if (left == 0 && !(flags & NGHTTP3_QPACK_DECODE_FLAG_EMIT))
      return H3Error{h3::kQpackDecompressionFailed, "truncated field section"};
  }
  if (left != 0) return H3Error{h3::kQpackDecompressionFailed, "bytes after field section"};
  return std::nullopt;
}

H3Status QpackDecoder::on_encoder_stream(std::span<const std::uint8_t> data) {
  const auto n = nghttp3_qpack_decoder_read_encoder(dec_, data.data(), data.size());
  if (n < 0 || static_cast<std::size_t>(n) != data.size())
    return H3Error{h3::kQpackEncoderStreamError, "bad QPACK encoder stream"};
  return std::nullopt;
}

std::vector<std::uint8_t> QpackDecoder::take_decoder_stream() {
  std::vector<std::uint8_t> out(nghttp3_qpack_decoder_get_decoder_streamlen(dec_));
  if (out.empty()) return out;
  nghttp3_buf buf;
  buf.begin = buf.pos = buf.last = out.data();
  buf.end = out.data() + out.size();
  nghttp3_qpack_decoder_write_decoder(dec_, &buf);
  out.resize(static_cast<std::size_t>(buf.last - buf.begin));
  return out;
}

}  // namespace kinetic::transport::webtransport
