// Forward warp of the newest frame along the extrapolated motion: every luma pixel is
// splatted to where its block's content will be `k` intervals later; collisions go to the
// smaller splat_key (better matched block, then raster index); pixels nothing lands on
// (disocclusions, entering borders) keep the newest frame's value at the same place.
// Chroma follows luma: a chroma sample takes the chroma of the luma source that won its
// top-left luma position, so the two planes never disagree about which content is shown.
#pragma once

#include <cstdint>
#include <vector>

#include "kinetic/mock/frame.hpp"
#include "kinetic/mock/video_motion_field.hpp"

namespace kinetic::mock::video {

struct WarpStats {
  std::uint64_t holes = 0;  // luma pixels filled from the same place
};

// `keys` is scratch of width*height entries, reused between calls. Requires
// width*height <= kMaxPixels and `field` covering the frame with field.block_size blocks.
WarpStats forward_warp(const Frame& newest, const MotionField& field, int k, std::vector<std::uint32_t>& keys,
                       Frame& out);

}  // namespace kinetic::mock::video
