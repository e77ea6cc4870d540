#include "kinetic/wire/track_name.hpp"

#include <algorithm>

namespace kinetic::wire {
namespace {

constexpr bool is_literal(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

constexpr int lower_hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void append_escaped(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_literal(c)) {
      out.push_back(ch);
    } else {
      out.push_back('.');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
}

// One field or a track name: no '-' may appear (it is always escaped by the serializer).
Result<std::string> unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (is_literal(c)) {
      out.push_back(text[i]);
      continue;
    }
    if (c != '.') return Error{Errc::kInvalidValue, "serialized name has a byte that must be escaped"};
    if (text.size() - i < 3) return Error{Errc::kInvalidValue, "serialized name has a short escape"};
    const int hi = lower_hex_value(text[i + 1]);
    const int lo = lower_hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return Error{Errc::kInvalidValue, "escape needs two lower-case hex digits"};
    const auto byte = static_cast<unsigned char>(hi * 16 + lo);
    if (is_literal(byte)) return Error{Errc::kInvalidValue, "escape of a byte that must be literal"};
    out.push_back(static_cast<char>(byte));
    i += 2;
  }
  return out;
}

}  // namespace

std::size_t TrackNamespace::byte_length() const noexcept {
  std::size_t n = 0;
  for (const auto& f : fields) n += f.size();
  return n;
}

bool TrackNamespace::is_prefix_of(const TrackNamespace& other) const noexcept {
  return fields.size() <= other.fields.size() && std::equal(fields.begin(), fields.end(), other.fields.begin());
}

Status validate_namespace(const TrackNamespace& ns) {
  if (ns.fields.size() > kMaxNamespaceFields) return Error{Errc::kLimitExceeded, "more than 32 namespace fields"};
  for (const auto& f : ns.fields) {
    if (f.empty()) return Error{Errc::kProtocolViolation, "empty namespace field"};
  }
  if (ns.byte_length() > kMaxFullTrackNameLength) return Error{Errc::kLimitExceeded, "namespace over 4096 bytes"};
  return ok_status();
}

Status validate_full_track_name(const FullTrackName& name) {
  KINETIC_CHECK(validate_namespace(name.track_namespace));
  if (name.track_namespace.byte_length() + name.name.size() > kMaxFullTrackNameLength) {
    return Error{Errc::kLimitExceeded, "full track name over 4096 bytes"};
  }
  return ok_status();
}

Status read_namespace(ByteReader& r, TrackNamespace& out) {
  KINETIC_TRY(const std::uint64_t count, r.varint());
  if (count > kMaxNamespaceFields) return Error{Errc::kProtocolViolation, "more than 32 namespace fields"};
  out.fields.clear();
  out.fields.reserve(static_cast<std::size_t>(count));
  std::size_t total = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    KINETIC_TRY(const std::uint64_t len, r.varint());
    if (len == 0) return Error{Errc::kProtocolViolation, "empty namespace field"};
    if (len > kMaxFullTrackNameLength - total) return Error{Errc::kProtocolViolation, "namespace over 4096 bytes"};
    KINETIC_TRY(auto bytes, r.bytes(static_cast<std::size_t>(len)));
    total += bytes.size();
    out.fields.emplace_back(as_string_view(bytes));
  }
  return ok_status();
}

Status write_namespace(ByteWriter& w, const TrackNamespace& ns) {
  KINETIC_CHECK(validate_namespace(ns));
  w.varint(ns.fields.size());
  for (const auto& f : ns.fields) w.length_prefixed(std::string_view(f));
  return ok_status();
}

Status read_full_track_name(ByteReader& r, FullTrackName& out) {
  KINETIC_CHECK(read_namespace(r, out.track_namespace));
  const std::size_t used = out.track_namespace.byte_length();
  KINETIC_TRY(const std::uint64_t len, r.varint());
  if (len > kMaxFullTrackNameLength - used) return Error{Errc::kProtocolViolation, "full track name over 4096 bytes"};
  KINETIC_TRY(auto bytes, r.bytes(static_cast<std::size_t>(len)));
  out.name.assign(as_string_view(bytes));
  return ok_status();
}

Status write_full_track_name(ByteWriter& w, const FullTrackName& name) {
  KINETIC_CHECK(validate_full_track_name(name));
  KINETIC_CHECK(write_namespace(w, name.track_namespace));
  w.length_prefixed(std::string_view(name.name));
  return ok_status();
}

std::size_t namespace_wire_size(const TrackNamespace& ns) {
  std::size_t n = varint_size(ns.fields.size());
  for (const auto& f : ns.fields) n += varint_size(f.size()) + f.size();
  return n;
}

std::string serialize_namespace(const TrackNamespace& ns) {
  std::string out;
  for (std::size_t i = 0; i < ns.fields.size(); ++i) {
    if (i != 0) out.push_back('-');
    append_escaped(out, ns.fields[i]);
  }
  return out;
}

std::string serialize_full_track_name(const FullTrackName& name) {
  std::string out = serialize_namespace(name.track_namespace);
  out += "--";
  append_escaped(out, name.name);
  return out;
}

Result<TrackNamespace> parse_serialized_namespace(std::string_view text) {
  TrackNamespace ns;
  if (text.empty()) return ns;
  std::size_t start = 0;
  while (true) {
    const std::size_t dash = text.find('-', start);
    const std::string_view piece = text.substr(start, dash == std::string_view::npos ? text.npos : dash - start);
    if (piece.empty()) return Error{Errc::kInvalidValue, "empty namespace field in serialized name"};
    if (ns.fields.size() == kMaxNamespaceFields) return Error{Errc::kLimitExceeded, "more than 32 namespace fields"};
    KINETIC_TRY(auto field, unescape(piece));
    ns.fields.push_back(std::move(field));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  KINETIC_CHECK(validate_namespace(ns));
  return ns;
}

Result<FullTrackName> parse_serialized_full_track_name(std::string_view text) {
  const std::size_t sep = text.find("--");
  if (sep == std::string_view::npos) return Error{Errc::kInvalidValue, "serialized track name lacks \"--\""};
  FullTrackName name;
  KINETIC_TRY(name.track_namespace, parse_serialized_namespace(text.substr(0, sep)));
  KINETIC_TRY(name.name, unescape(text.substr(sep + 2)));
  KINETIC_CHECK(validate_full_track_name(name));
  return name;
}

}  // namespace kinetic::wire
