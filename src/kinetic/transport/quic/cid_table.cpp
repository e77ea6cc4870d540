#include "kinetic/transport/quic/cid_table.hpp"

#include <cstring>
#include <random>

namespace kinetic::transport::quic {

namespace {

constexpr std::size_t kInitialCapacity = 64;  // a power of two; grown at half full

std::uint64_t load64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

CidTable::CidTable() : slots_(kInitialCapacity) {
  std::random_device rd;
  seed_ = (std::uint64_t{rd()} << 32) | rd();
}

std::size_t CidTable::home(const std::uint8_t* bytes, std::size_t len) const noexcept {
  // Slots hold the bytes zero-padded to 20, so all of them can be read whatever the length.
  std::uint64_t h = mix(seed_ ^ load64(bytes) ^ len);
  h = mix(h ^ load64(bytes + 8));
  h = mix(h ^ (load64(bytes + 12) >> 32));
  return static_cast<std::size_t>(h) & (slots_.size() - 1);
}

std::size_t CidTable::locate(std::string_view cid) const noexcept {
  if (cid.empty() || cid.size() > kMaxCidLength) return slots_.size();
  std::array<std::uint8_t, kMaxCidLength> key{};
  std::memcpy(key.data(), cid.data(), cid.size());
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(key.data(), cid.size());; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.session == nullptr) return slots_.size();  // at most half full: an empty slot ends every probe
    if (s.len == cid.size() && s.bytes == key) return i;
  }
}

QuicSession* CidTable::find(std::string_view cid) const noexcept {
  const std::size_t i = locate(cid);
  return i == slots_.size() ? nullptr : slots_[i].session;
}

void CidTable::set(std::string_view cid, QuicSession* session) {
  if (cid.empty() || cid.size() > kMaxCidLength || session == nullptr) return;
  if (const std::size_t i = locate(cid); i != slots_.size()) {
    slots_[i].session = session;
    return;
  }
  if ((size_ + 1) * 2 > slots_.size()) grow();
  Slot slot;
  std::memcpy(slot.bytes.data(), cid.data(), cid.size());
  slot.len = static_cast<std::uint8_t>(cid.size());
  slot.session = session;
  place(slot);
}

void CidTable::place(const Slot& slot) noexcept {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(slot.bytes.data(), slot.len);
  while (slots_[i].session != nullptr) i = (i + 1) & mask;
  slots_[i] = slot;
  ++size_;
}

void CidTable::erase(std::string_view cid, const QuicSession* only_for) noexcept {
  std::size_t hole = locate(cid);
  if (hole == slots_.size() || (only_for != nullptr && slots_[hole].session != only_for)) return;
  // Backward shift: move later entries of the run into the hole where their home allows, so
  // probes never need tombstones.
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t j = (hole + 1) & mask; slots_[j].session != nullptr; j = (j + 1) & mask) {
    const std::size_t want = home(slots_[j].bytes.data(), slots_[j].len);
    // j may move to the hole when its home is not cyclically inside (hole, j].
    if (((j - want) & mask) >= ((j - hole) & mask)) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{};
  --size_;
}

void CidTable::clear() noexcept {
  for (auto& s : slots_) s = Slot{};
  size_ = 0;
}

void CidTable::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  size_ = 0;
  for (const Slot& s : old) {
    if (s.session != nullptr) place(s);  // distinct and valid already: no lookup first
  }
}

}  // namespace kinetic::transport::quic
