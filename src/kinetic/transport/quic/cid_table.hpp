// The server's connection-ID → session map, looked up once per received packet. An open-addressing
// table with the key inline in its slot: one cache line per lookup, where std::unordered_map took
// a bucket, then a node (its walk was 2.4–3.1% of a 500-subscriber relay's profile). The hash is
// keyed with a per-table random seed, since peers choose the IDs looked up (and a client its
// first Destination Connection ID, which is stored).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace kinetic::transport::quic {

class QuicSession;

class CidTable {
 public:
  static constexpr std::size_t kMaxCidLength = 20;  // RFC 9000 §17.2

  CidTable();

  // Null when no session has `cid`.
  [[nodiscard]] QuicSession* find(std::string_view cid) const noexcept;
  // Adds `cid`, or points it at `session` if present. IDs longer than kMaxCidLength are refused.
  void set(std::string_view cid, QuicSession* session);
  // Removes `cid` if it maps to `only_for` (any session when null).
  void erase(std::string_view cid, const QuicSession* only_for = nullptr) noexcept;
  void clear() noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }

 private:
  struct Slot {
    std::array<std::uint8_t, kMaxCidLength> bytes{};
    std::uint8_t len = 0;
    QuicSession* session = nullptr;  // null: empty
  };

  [[nodiscard]] std::size_t home(const std::uint8_t* bytes, std::size_t len) const noexcept;
  [[nodiscard]] std::size_t locate(std::string_view cid) const noexcept;  // its slot or capacity()
  void place(const Slot& slot) noexcept;  // a key not present, with room for it
  void grow();

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  std::uint64_t seed_ = 0;
};

}  // namespace kinetic::transport::quic
