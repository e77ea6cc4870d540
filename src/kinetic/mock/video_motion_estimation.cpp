#include "kinetic/mock/video_motion_estimation.hpp"

#include <algorithm>
#include <limits>

#include "kinetic/mock/video_sad.hpp"

namespace kinetic::mock::video {

std::uint32_t block_sad(const Plane& cur, const Plane& ref, int x0, int y0, int bw, int bh, int dx, int dy,
                        std::uint32_t limit, std::uint8_t* scratch) noexcept {
  const int rx = x0 + dx;
  const bool inside_x = rx >= 0 && rx + bw <= ref.width;
  const int ry = y0 + dy;
  if (bw == 16 && inside_x && ry >= 0 && ry + bh <= ref.height) {
    // The common case, a whole block inside the picture: no clamping, whole-block SIMD.
    return sad_16xn(cur.row(y0) + x0, static_cast<std::size_t>(cur.width), ref.row(ry) + rx,
                    static_cast<std::size_t>(ref.width), bh, limit);
  }
  std::uint32_t sum = 0;
  for (int j = 0; j < bh; ++j) {
    const int yc = y0 + j;
    const std::uint8_t* a = cur.row(yc) + x0;
    const std::uint8_t* rrow = ref.row(clamp_int(yc + dy, 0, ref.height - 1));
    const std::uint8_t* b = nullptr;
    if (inside_x) {
      b = rrow + rx;
    } else {
      for (int i = 0; i < bw; ++i) scratch[i] = rrow[clamp_int(rx + i, 0, ref.width - 1)];
      b = scratch;
    }
    sum += row_sad(a, b, bw);
    if (sum > limit) return sum;
  }
  return sum;
}

void MotionEstimator::search_level(const Plane& cur, const Plane& prev, const MotionField* parent, int radius,
                                   MotionField& out) {
  const int block = params_.block_size;
  out.resize(block, blocks_along(cur.width, block), blocks_along(cur.height, block));
  scratch_.resize(static_cast<std::size_t>(block));
  std::uint8_t* scratch = scratch_.data();
  for (int by = 0; by < out.blocks_y; ++by) {
    const int y0 = by * block;
    const int bh = std::min(block, cur.height - y0);
    for (int bx = 0; bx < out.blocks_x; ++bx) {
      const int x0 = bx * block;
      const int bw = std::min(block, cur.width - x0);
      std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
      std::uint32_t best_cost = std::numeric_limits<std::uint32_t>::max();
      auto consider = [&](int dx, int dy) {
        const std::uint32_t c = block_sad(cur, prev, x0, y0, bw, bh, dx, dy, best_cost, scratch);
        if (c > best_cost) return;
        const std::uint64_t key = candidate_key(c, dx, dy);
        if (key < best) {
          best = key;
          best_cost = c;
        }
      };
      auto window = [&](MotionVector centre, int r) {
        // The centre first: it is usually best, and a low bound early makes the early
        // termination of the rest effective.
        consider(centre.dx, centre.dy);
        for (int oy = -r; oy <= r; ++oy)
          for (int ox = -r; ox <= r; ++ox)
            consider(clamp_int(centre.dx + ox, -kMaxVector, kMaxVector), clamp_int(centre.dy + oy, -kMaxVector, kMaxVector));
      };
      if (parent == nullptr) {
        window(MotionVector{}, radius);
      } else {
        // Centres repeat often (a smooth parent field); a repeated window cannot change the
        // minimum, so it is searched once.
        MotionVector seen[kPredictors];
        int n_seen = 0;
        for (int p = 0; p < kPredictors; ++p) {
          const MotionVector c = predictor(parent->mv.data(), parent->blocks_x, parent->blocks_y, bx, by, p);
          bool repeated = false;
          for (int s = 0; s < n_seen; ++s) repeated = repeated || seen[s] == c;
          if (repeated) continue;
          seen[n_seen++] = c;
          window(c, radius);
        }
        // A still background next to a moving object inherits the object's coarse vector;
        // the zero vector lets it return to rest.
        consider(0, 0);
      }
      const auto i = static_cast<std::size_t>(by) * static_cast<std::size_t>(out.blocks_x) + static_cast<std::size_t>(bx);
      out.mv[i] = MotionVector{static_cast<std::int16_t>(candidate_key_dx(best)),
                               static_cast<std::int16_t>(candidate_key_dy(best))};
      out.cost[i] = candidate_key_cost(best);
    }
  }
}

void MotionEstimator::estimate(const Pyramid& cur, const Pyramid& prev, MotionField& out) {
  const std::size_t n = std::min(cur.levels.size(), prev.levels.size());
  levels_.resize(n);
  for (std::size_t l = n; l-- > 0;) {
    const bool coarsest = l + 1 == n;
    search_level(cur.levels[l], prev.levels[l], coarsest ? nullptr : &levels_[l + 1],
                 coarsest ? params_.search_radius : kRefineRadius, levels_[l]);
  }
  out = levels_[0];
}

void MotionEstimator::compute_costs(const Plane& cur, const Plane& prev, MotionField& field) {
  const int block = field.block_size;
  scratch_.resize(static_cast<std::size_t>(block));
  for (int by = 0; by < field.blocks_y; ++by) {
    const int y0 = by * block;
    const int bh = std::min(block, cur.height - y0);
    for (int bx = 0; bx < field.blocks_x; ++bx) {
      const int x0 = bx * block;
      const int bw = std::min(block, cur.width - x0);
      const auto i = static_cast<std::size_t>(by) * static_cast<std::size_t>(field.blocks_x) + static_cast<std::size_t>(bx);
      field.cost[i] = block_sad(cur, prev, x0, y0, bw, bh, field.mv[i].dx, field.mv[i].dy,
                                std::numeric_limits<std::uint32_t>::max(), scratch_.data());
    }
  }
}

}  // namespace kinetic::mock::video
