// Whether an object passes a request's draft-20 Range Filters: the AND of the filters within a
// SetID, then the OR over SetIDs. SUBSCRIBE and FETCH apply the same test to what they send.
#pragma once

#include <vector>

#include "kinetic/moqt/types.hpp"

namespace kinetic::moqt {

// True when `filters` is empty. A TRACK_PROPERTY_FILTER selects tracks (SUBSCRIBE_TRACKS), not
// objects, so it passes every object of a track already chosen.
[[nodiscard]] bool passes_range_filters(const std::vector<RangeFilter>& filters,
                                        const Object& object) noexcept;

}  // namespace kinetic::moqt
