// libcbor items as RAII values and the few conversions the token code needs, shared by the
// CAT claims, the compact form and COSE. Internal to auth/: decoding goes through
// cbor_within_bounds first, so libcbor never allocates what a hostile header declares.
#pragma once

#include <cbor.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kinetic/auth/cbor_bounds.hpp"

namespace kinetic::auth::cbor {

struct Decref {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using Item = std::unique_ptr<cbor_item_t, Decref>;

// One whole, bounded CBOR item, or nullptr.
inline Item load(std::span<const std::uint8_t> raw) {
  if (raw.empty() || !cbor_within_bounds(raw)) return nullptr;
  cbor_load_result result{};
  Item item(cbor_load(raw.data(), raw.size(), &result));
  if (!item || result.error.code != CBOR_ERR_NONE || result.read != raw.size()) return nullptr;
  return item;
}

// An integer (uint or negint) within int64.
inline std::optional<std::int64_t> as_int(const cbor_item_t* it) {
  if (cbor_isa_uint(it)) {
    const std::uint64_t v = cbor_get_int(it);
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  if (cbor_isa_negint(it)) {
    const std::uint64_t v = cbor_get_int(it);
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return -1 - static_cast<std::int64_t>(v);
  }
  return std::nullopt;
}

// A definite byte or text string's bytes.
inline std::optional<std::string> as_bytes(const cbor_item_t* it) {
  if (cbor_isa_bytestring(it) && cbor_bytestring_is_definite(it))
    return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(it)), cbor_bytestring_length(it));
  if (cbor_isa_string(it) && cbor_string_is_definite(it))
    return std::string(reinterpret_cast<const char*>(cbor_string_handle(it)), cbor_string_length(it));
  return std::nullopt;
}

// libcbor asserts when cbor_is_null is asked about a float: check the width first.
inline bool is_nil(const cbor_item_t* it) {
  return cbor_isa_float_ctrl(it) && cbor_float_get_width(it) == CBOR_FLOAT_0 && cbor_is_null(it);
}

inline bool is_definite_array(const cbor_item_t* it) { return cbor_isa_array(it) && cbor_array_is_definite(it); }
inline bool is_definite_map(const cbor_item_t* it) { return cbor_isa_map(it) && cbor_map_is_definite(it); }

// The shortest encoding (RFC 8949 §4.2.1), as the draft's vectors use.
inline Item int_item(std::int64_t v) {
  const bool negative = v < 0;
  const auto n = static_cast<std::uint64_t>(negative ? -1 - v : v);
  cbor_item_t* item = nullptr;
  if (n <= 0xFF) {
    item = negative ? cbor_build_negint8(static_cast<std::uint8_t>(n)) : cbor_build_uint8(static_cast<std::uint8_t>(n));
  } else if (n <= 0xFFFF) {
    item = negative ? cbor_build_negint16(static_cast<std::uint16_t>(n)) : cbor_build_uint16(static_cast<std::uint16_t>(n));
  } else if (n <= 0xFFFFFFFF) {
    item = negative ? cbor_build_negint32(static_cast<std::uint32_t>(n)) : cbor_build_uint32(static_cast<std::uint32_t>(n));
  } else {
    item = negative ? cbor_build_negint64(n) : cbor_build_uint64(n);
  }
  return Item(item);
}

inline Item bytes_item(std::span<const std::uint8_t> b) { return Item(cbor_build_bytestring(b.data(), b.size())); }
inline Item bytes_item(const std::string& s) {
  return Item(cbor_build_bytestring(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
}
inline Item string_item(const std::string& s) { return Item(cbor_build_stringn(s.data(), s.size())); }

// Containers take their own reference (libcbor's incref), so the Item may go.
inline void push(cbor_item_t* array, Item item) { cbor_array_push(array, item.get()); }
inline void put(cbor_item_t* map, std::int64_t key, Item value) {
  Item k = int_item(key);
  cbor_map_add(map, cbor_pair{k.get(), value.get()});
}

inline std::vector<std::uint8_t> serialize(const cbor_item_t* item) {
  unsigned char* buffer = nullptr;
  std::size_t size = 0;
  const std::size_t len = cbor_serialize_alloc(item, &buffer, &size);
  std::vector<std::uint8_t> out(buffer, buffer + len);
  free(buffer);  // NOLINT: libcbor allocates with malloc
  return out;
}

}  // namespace kinetic::auth::cbor
