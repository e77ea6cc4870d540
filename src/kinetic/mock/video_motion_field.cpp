#include "kinetic/mock/video_motion_field.hpp"

#include "kinetic/mock/video_sad.hpp"

namespace kinetic::mock::video {

void MotionField::resize(int block, int bx, int by) {
  block_size = block;
  blocks_x = bx;
  blocks_y = by;
  const auto n = static_cast<std::size_t>(bx) * static_cast<std::size_t>(by);
  mv.resize(n);
  cost.resize(n);
}

int smooth_motion_field(const MotionField& in, MotionField& out) {
  out.resize(in.block_size, in.blocks_x, in.blocks_y);
  int kept = 0;
  for (int by = 0; by < in.blocks_y; ++by) {
    for (int bx = 0; bx < in.blocks_x; ++bx) {
      const auto i = static_cast<std::size_t>(by) * static_cast<std::size_t>(in.blocks_x) + static_cast<std::size_t>(bx);
      const MotionVector m = vector_median(in.mv.data(), in.blocks_x, in.blocks_y, bx, by);
      out.mv[i] = m;
      if (m == in.mv[i]) {
        out.cost[i] = in.cost[i];
        ++kept;
      }
    }
  }
  return kept;
}

float motion_confidence(const MotionStats& s) noexcept {
  if (s.pixels == 0 || s.blocks == 0) return 0.0f;
  const double residual = static_cast<double>(s.residual_sum) / static_cast<double>(s.pixels);
  double texture = s.texture_terms ? static_cast<double>(s.texture_sum) / static_cast<double>(s.texture_terms) : 0.0;
  // A flat picture has nothing to mis-predict; one grey level keeps the ratio finite.
  if (texture < 1.0) texture = 1.0;
  const double r = residual / texture;
  const double fit = 1.0 / (1.0 + r * r);
  const double coherence = static_cast<double>(s.coherent_blocks) / static_cast<double>(s.blocks);
  return static_cast<float>(fit * (0.5 + 0.5 * coherence));
}

void add_texture(const std::uint8_t* plane, int width, int height, MotionStats& s) noexcept {
  const auto w = static_cast<std::size_t>(width);
  std::uint64_t sum = 0;
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* r = plane + static_cast<std::size_t>(y) * w;
    sum += row_sad(r, r + 1, width - 1);
    if (y + 1 < height) sum += row_sad(r, r + w, width);
  }
  s.texture_sum += sum;
  s.texture_terms += static_cast<std::uint64_t>(width - 1) * static_cast<std::uint64_t>(height) +
                     static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height - 1);
}

}  // namespace kinetic::mock::video
