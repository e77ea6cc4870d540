// A decoded picture as MOCK sees it: 8-bit YUV 4:2:0, planes stored tightly (stride ==
// width), so the CPU path and the CUDA kernels index them the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace kinetic::mock {

struct Frame {
  int width = 0;   // luma width, even
  int height = 0;  // luma height, even
  std::int64_t pts_us = 0;  // presentation time of the real frame this stands for
  std::vector<std::uint8_t> y, u, v;

  Frame() = default;
  Frame(int w, int h)
      : width(w), height(h),
        y(static_cast<std::size_t>(w) * static_cast<std::size_t>(h)),
        u(static_cast<std::size_t>(w / 2) * static_cast<std::size_t>(h / 2)),
        v(static_cast<std::size_t>(w / 2) * static_cast<std::size_t>(h / 2)) {}

  [[nodiscard]] int chroma_width() const noexcept { return width / 2; }
  [[nodiscard]] int chroma_height() const noexcept { return height / 2; }
  [[nodiscard]] bool empty() const noexcept { return width == 0 || height == 0; }
  [[nodiscard]] bool same_size(const Frame& o) const noexcept { return width == o.width && height == o.height; }

  std::uint8_t& luma(int x, int yy) noexcept { return y[static_cast<std::size_t>(yy) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)]; }
  [[nodiscard]] std::uint8_t luma(int x, int yy) const noexcept { return y[static_cast<std::size_t>(yy) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)]; }
};

}  // namespace kinetic::mock
