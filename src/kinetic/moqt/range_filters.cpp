#include "kinetic/moqt/range_filters.hpp"

#include <array>

namespace kinetic::moqt {

namespace {

bool in_ranges(const std::vector<ValueRange>& ranges, std::uint64_t value) {
  for (const auto& r : ranges) {
    if (value >= r.first && (!r.last || value <= *r.last)) return true;
  }
  return false;
}

bool passes_one(const RangeFilter& f, const Object& o) {
  switch (f.field) {
    case RangeField::kSubgroup:
      return in_ranges(f.ranges, o.subgroup_id);
    case RangeField::kObjectId:
      return in_ranges(f.ranges, o.object_id);
    case RangeField::kPriority:
      return in_ranges(f.ranges, o.publisher_priority);
    case RangeField::kObjectProperty:
      for (const auto& kv : o.properties) {
        if (kv.type == f.property_type && kv.is_varint() && in_ranges(f.ranges, kv.value)) return true;
      }
      return false;
    case RangeField::kTrackProperty:
      return true;
  }
  return false;
}

}  // namespace

bool passes_range_filters(const std::vector<RangeFilter>& filters, const Object& object) noexcept {
  if (filters.empty()) return true;
  // SetIDs are 8 bits: one slot each, no allocation per object and subscriber.
  std::array<std::uint8_t, 256> state{};  // 0 unseen, 1 passing so far, 2 failed
  for (const auto& f : filters) {
    auto& s = state[f.set_id];
    if (s == 2) continue;
    s = passes_one(f, object) ? 1 : 2;
  }
  for (const auto s : state) {
    if (s == 1) return true;
  }
  return false;
}

}  // namespace kinetic::moqt
