// Real pictures for the video conjecture tests: the committed crops in data/, windows of
// them translated by known amounts, and a luma PSNR to judge predictions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kinetic/mock/frame.hpp"

namespace kinetic::mock::testing {

constexpr int kDataWidth = 400;
constexpr int kDataHeight = 300;

// One I420 frame from tests/mock/data; an empty frame when the file is missing or short.
inline Frame load_data_frame(const std::string& name, int w = kDataWidth, int h = kDataHeight) {
  std::ifstream in(std::string(KINETIC_SOURCE_DIR) + "/tests/mock/data/" + name, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Frame f(w, h);
  if (bytes.size() != f.y.size() + f.u.size() + f.v.size()) return Frame{};
  auto it = bytes.begin();
  for (auto* plane : {&f.y, &f.u, &f.v}) {
    const auto n = static_cast<std::ptrdiff_t>(plane->size());
    std::transform(it, it + n, plane->begin(), [](char c) { return static_cast<std::uint8_t>(c); });
    it += n;
  }
  return f;
}

// The w x h window of `src` whose top-left is (x, y); coordinates outside repeat the edge.
// Chroma is cut at (x/2, y/2), so even offsets move chroma exactly with luma.
inline Frame window(const Frame& src, int x, int y, int w, int h) {
  Frame f(w, h);
  auto clampi = [](int v, int hi) { return std::clamp(v, 0, hi - 1); };
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) f.luma(i, j) = src.luma(clampi(x + i, src.width), clampi(y + j, src.height));
  const int cw = w / 2;
  const int scw = src.chroma_width();
  for (int j = 0; j < h / 2; ++j) {
    for (int i = 0; i < cw; ++i) {
      const auto s = static_cast<std::size_t>(clampi(y / 2 + j, src.chroma_height())) * static_cast<std::size_t>(scw) +
                     static_cast<std::size_t>(clampi(x / 2 + i, scw));
      const auto d = static_cast<std::size_t>(j) * static_cast<std::size_t>(cw) + static_cast<std::size_t>(i);
      f.u[d] = src.u[s];
      f.v[d] = src.v[s];
    }
  }
  return f;
}

// A picture scaled by `factor` with nearest neighbour, to reach large sizes from real texture.
inline Frame upscale(const Frame& src, int factor_num, int factor_den, int w, int h) {
  Frame f(w, h);
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i)
      f.luma(i, j) = src.luma(std::min(i * factor_den / factor_num, src.width - 1),
                              std::min(j * factor_den / factor_num, src.height - 1));
  for (int j = 0; j < h / 2; ++j)
    for (int i = 0; i < w / 2; ++i) {
      const auto s = static_cast<std::size_t>(std::min(j * factor_den / factor_num, src.chroma_height() - 1)) *
                         static_cast<std::size_t>(src.chroma_width()) +
                     static_cast<std::size_t>(std::min(i * factor_den / factor_num, src.chroma_width() - 1));
      const auto d = static_cast<std::size_t>(j) * static_cast<std::size_t>(w / 2) + static_cast<std::size_t>(i);
      f.u[d] = src.u[s];
      f.v[d] = src.v[s];
    }
  return f;
}

// Luma PSNR in dB over the picture minus a `margin`-pixel border (99 when identical).
inline double luma_psnr(const Frame& a, const Frame& b, int margin) {
  double se = 0.0;
  std::size_t n = 0;
  for (int j = margin; j < a.height - margin; ++j)
    for (int i = margin; i < a.width - margin; ++i) {
      const double d = static_cast<double>(a.luma(i, j)) - static_cast<double>(b.luma(i, j));
      se += d * d;
      ++n;
    }
  if (n == 0) return 0.0;
  const double mse = se / static_cast<double>(n);
  return mse == 0.0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace kinetic::mock::testing
