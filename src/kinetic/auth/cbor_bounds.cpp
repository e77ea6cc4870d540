#include "kinetic/auth/cbor_bounds.hpp"

#include <optional>

namespace kinetic::auth {
namespace {

struct Walker {
  std::span<const std::uint8_t> in;
  std::size_t pos = 0;

  std::size_t left() const { return in.size() - pos; }

  // The argument of the head at `pos` (after the initial byte); nullopt when truncated,
  // reserved (28..30) or indefinite (31).
  std::optional<std::uint64_t> argument(std::uint8_t info) {
    if (info < 24) return info;
    std::size_t n = 0;
    switch (info) {
      case 24: n = 1; break;
      case 25: n = 2; break;
      case 26: n = 4; break;
      case 27: n = 8; break;
      default: return std::nullopt;
    }
    if (left() < n) return std::nullopt;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | in[pos++];
    return v;
  }

  bool item(int depth) {
    if (depth < 0 || left() == 0) return false;
    const std::uint8_t initial = in[pos++];
    const int major = initial >> 5;
    const std::uint8_t info = initial & 0x1F;
    if (major == 7) {
      // Simple values and floats: a fixed number of bytes follow; no break outside indefinite items.
      if (info < 24) return true;
      const std::size_t n = info == 24 ? 1 : info == 25 ? 2 : info == 26 ? 4 : info == 27 ? 8 : SIZE_MAX;
      if (n == SIZE_MAX || left() < n) return false;
      pos += n;
      return true;
    }
    const auto arg = argument(info);
    if (!arg) return false;
    switch (major) {
      case 0:
      case 1: return true;
      case 2:
      case 3:
        if (*arg > left()) return false;
        pos += static_cast<std::size_t>(*arg);
        return true;
      case 4:
      case 5: {
        // Every element takes at least one byte.
        const std::uint64_t count = major == 5 ? *arg * 2 : *arg;
        if (*arg > left() || count > left()) return false;
        for (std::uint64_t i = 0; i < count; ++i) {
          if (!item(depth - 1)) return false;
        }
        return true;
      }
      case 6: return item(depth - 1);
      default: return false;
    }
  }
};

}  // namespace

bool cbor_within_bounds(std::span<const std::uint8_t> bytes, int max_depth) {
  Walker w{bytes};
  return w.item(max_depth) && w.left() == 0;
}

}  // namespace kinetic::auth
