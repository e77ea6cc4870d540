#include "kinetic/wire/key_value.hpp"

#include <algorithm>
#include <numeric>

namespace kinetic::wire {
namespace {

Status read_one(ByteReader& r, std::uint64_t& previous_type, KeyValueList& out) {
  KINETIC_TRY(const std::uint64_t delta, r.varint());
  if (delta > ~0ull - previous_type) return Error{Errc::kProtocolViolation, "key-value delta type overflows"};
  KeyValuePair kv;
  kv.type = previous_type + delta;
  if (kv.is_varint()) {
    KINETIC_TRY(kv.value, r.varint());
  } else {
    KINETIC_TRY(const std::uint64_t len, r.varint());
    if (len > kMaxKeyValueBytes) return Error{Errc::kProtocolViolation, "key-value length over 65535"};
    KINETIC_TRY(auto bytes, r.bytes(static_cast<std::size_t>(len)));
    kv.bytes.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  previous_type = kv.type;
  out.push_back(std::move(kv));
  return ok_status();
}

std::vector<std::size_t> ascending_order(const KeyValueList& list) {
  std::vector<std::size_t> order(list.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return list[a].type < list[b].type; });
  return order;
}

}  // namespace

Status read_key_values(ByteReader& r, std::uint64_t count, KeyValueList& out, std::size_t max_count) {
  if (count > max_count) return Error{Errc::kLimitExceeded, "too many key-value pairs"};
  out.clear();
  out.reserve(static_cast<std::size_t>(count));
  std::uint64_t previous = 0;
  for (std::uint64_t i = 0; i < count; ++i) KINETIC_CHECK(read_one(r, previous, out));
  return ok_status();
}

Status read_key_values_block(std::span<const std::uint8_t> block, KeyValueList& out, std::size_t max_count) {
  out.clear();
  ByteReader r(block);
  std::uint64_t previous = 0;
  while (!r.empty()) {
    if (out.size() >= max_count) return Error{Errc::kLimitExceeded, "too many key-value pairs"};
    auto s = read_one(r, previous, out);
    if (!s) {
      if (s.error().need_more()) return Error{Errc::kProtocolViolation, "key-value pair overruns its block"};
      return s.error();
    }
  }
  return ok_status();
}

Status check_value_lengths(const KeyValueList& list, const char* error) {
  for (const auto& kv : list) {
    if (!kv.is_varint() && kv.bytes.size() > kMaxKeyValueBytes) {
      return Error{Errc::kLimitExceeded, error};
    }
  }
  return ok_status();
}

void write_key_values(ByteWriter& w, const KeyValueList& list) {
  std::uint64_t previous = 0;
  for (std::size_t i : ascending_order(list)) {
    const auto& kv = list[i];
    w.varint(kv.type - previous);
    previous = kv.type;
    if (kv.is_varint()) {
      w.varint(kv.value);
    } else {
      w.length_prefixed(std::string_view(kv.bytes));
    }
  }
}

std::size_t key_values_size(const KeyValueList& list) {
  std::size_t n = 0;
  std::uint64_t previous = 0;
  for (std::size_t i : ascending_order(list)) {
    const auto& kv = list[i];
    n += varint_size(kv.type - previous);
    previous = kv.type;
    n += kv.is_varint() ? varint_size(kv.value) : varint_size(kv.bytes.size()) + kv.bytes.size();
  }
  return n;
}

const KeyValuePair* find_key_value(const KeyValueList& list, std::uint64_t type) noexcept {
  for (const auto& kv : list) {
    if (kv.type == type) return &kv;
  }
  return nullptr;
}

}  // namespace kinetic::wire
