#include "kinetic/mock/quality.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace kinetic::mock {

namespace {

double psnr_from_mse(double m) noexcept {
  if (m <= 0.0) return kPsnrCapDb;
  return std::min(kPsnrCapDb, 10.0 * std::log10(255.0 * 255.0 / m));
}

bool planes_match(const Frame& f) noexcept {
  const auto luma = static_cast<std::size_t>(f.width) * static_cast<std::size_t>(f.height);
  const auto chroma = static_cast<std::size_t>(f.chroma_width()) * static_cast<std::size_t>(f.chroma_height());
  return f.y.size() == luma && f.u.size() == chroma && f.v.size() == chroma;
}

Status check_pair(const Frame& a, const Frame& b) {
  if (a.empty() || !a.same_size(b)) return Error{Errc::kInvalidValue, "frames differ in size or are empty"};
  if (!planes_match(a) || !planes_match(b)) return Error{Errc::kInvalidValue, "frame planes do not match its size"};
  return ok_status();
}

}  // namespace

double mse(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  if (n == 0) return 0.0;
  // 64-bit integer sums are exact and let the compiler vectorise; rows of 1080p stay far
  // below overflow (255² · 2^32 < 2^63).
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const int d = static_cast<int>(a[i]) - static_cast<int>(b[i]);
    sum += static_cast<std::uint64_t>(d * d);
  }
  return static_cast<double>(sum) / static_cast<double>(n);
}

Result<double> psnr_plane(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return Error{Errc::kInvalidValue, "planes differ in size"};
  return psnr_from_mse(mse(a, b));
}

Result<FramePsnr> psnr(const Frame& a, const Frame& b) {
  KINETIC_CHECK(check_pair(a, b));
  FramePsnr r;
  const double my = mse(a.y, b.y);
  const double mu = mse(a.u, b.u);
  const double mv = mse(a.v, b.v);
  r.y = psnr_from_mse(my);
  r.u = psnr_from_mse(mu);
  r.v = psnr_from_mse(mv);
  r.combined = psnr_from_mse((6.0 * my + mu + mv) / 8.0);
  return r;
}

Result<std::optional<double>> psnr_moving(const Frame& shown, const Frame& reference, const Frame& previous,
                                                int block, double threshold) {
  KINETIC_CHECK(check_pair(shown, reference));
  KINETIC_CHECK(check_pair(reference, previous));
  if (block < 1) return Error{Errc::kInvalidValue, "block size must be positive"};
  const int w = reference.width;
  const int h = reference.height;
  double squared = 0;
  std::size_t pixels = 0;
  for (int by = 0; by < h; by += block) {
    for (int bx = 0; bx < w; bx += block) {
      const int ey = std::min(h, by + block);
      const int ex = std::min(w, bx + block);
      double moved = 0;
      for (int y = by; y < ey; ++y) {
        for (int x = bx; x < ex; ++x) moved += std::abs(int{reference.luma(x, y)} - int{previous.luma(x, y)});
      }
      const auto n = static_cast<std::size_t>(ey - by) * static_cast<std::size_t>(ex - bx);
      if (moved / static_cast<double>(n) <= threshold) continue;
      for (int y = by; y < ey; ++y) {
        for (int x = bx; x < ex; ++x) {
          const double d = int{shown.luma(x, y)} - int{reference.luma(x, y)};
          squared += d * d;
        }
      }
      pixels += n;
    }
  }
  if (pixels == 0) return std::optional<double>{};
  return std::optional<double>{psnr_from_mse(squared / static_cast<double>(pixels))};
}

Result<double> ssim_plane(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
                                int width, int height) {
  if (width < 8 || height < 8) return Error{Errc::kInvalidValue, "plane smaller than the 8x8 SSIM window"};
  const auto w = static_cast<std::size_t>(width);
  const auto h = static_cast<std::size_t>(height);
  if (a.size() != w * h || b.size() != w * h) return Error{Errc::kInvalidValue, "plane length does not match its size"};

  // Sums over 4x4 cells; every 8x8 window is four neighbouring cells, so each pixel is read
  // once however much the windows overlap.
  const std::size_t cw = w / 4;
  const std::size_t ch = h / 4;
  struct Cell {
    std::uint32_t sa, sb, saa, sbb, sab;
  };
  std::vector<Cell> cells(cw * ch);
  for (std::size_t cy = 0; cy < ch; ++cy) {
    for (std::size_t cx = 0; cx < cw; ++cx) {
      Cell c{0, 0, 0, 0, 0};
      for (std::size_t y = cy * 4; y < cy * 4 + 4; ++y) {
        const std::uint8_t* pa = a.data() + y * w + cx * 4;
        const std::uint8_t* pb = b.data() + y * w + cx * 4;
        for (int x = 0; x < 4; ++x) {
          const std::uint32_t va = pa[x];
          const std::uint32_t vb = pb[x];
          c.sa += va;
          c.sb += vb;
          c.saa += va * va;
          c.sbb += vb * vb;
          c.sab += va * vb;
        }
      }
      cells[cy * cw + cx] = c;
    }
  }

  constexpr double kC1 = (0.01 * 255.0) * (0.01 * 255.0);
  constexpr double kC2 = (0.03 * 255.0) * (0.03 * 255.0);
  constexpr double kN = 64.0;
  double total = 0.0;
  std::size_t windows = 0;
  for (std::size_t cy = 0; cy + 1 < ch; ++cy) {
    for (std::size_t cx = 0; cx + 1 < cw; ++cx) {
      const Cell& c00 = cells[cy * cw + cx];
      const Cell& c01 = cells[cy * cw + cx + 1];
      const Cell& c10 = cells[(cy + 1) * cw + cx];
      const Cell& c11 = cells[(cy + 1) * cw + cx + 1];
      const double sa = c00.sa + c01.sa + c10.sa + c11.sa;
      const double sb = c00.sb + c01.sb + c10.sb + c11.sb;
      const double saa = c00.saa + c01.saa + c10.saa + c11.saa;
      const double sbb = c00.sbb + c01.sbb + c10.sbb + c11.sbb;
      const double sab = c00.sab + c01.sab + c10.sab + c11.sab;
      const double ma = sa / kN;
      const double mb = sb / kN;
      const double va = saa / kN - ma * ma;
      const double vb = sbb / kN - mb * mb;
      const double cov = sab / kN - ma * mb;
      total += ((2.0 * ma * mb + kC1) * (2.0 * cov + kC2)) /
               ((ma * ma + mb * mb + kC1) * (va + vb + kC2));
      ++windows;
    }
  }
  return total / static_cast<double>(windows);
}

Result<double> ssim(const Frame& a, const Frame& b) {
  KINETIC_CHECK(check_pair(a, b));
  return ssim_plane(a.y, b.y, a.width, a.height);
}

namespace {

// Σref² / Σ(ref − test)² over the samples `counts` admits, in dB and capped.
template <typename Counts>
double snr_over(std::span<const std::int16_t> reference, std::span<const std::int16_t> test, Counts counts) {
  double signal = 0.0;
  double noise = 0.0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    if (!counts(i)) continue;
    const double r = reference[i];
    const double d = r - static_cast<double>(test[i]);
    signal += r * r;
    noise += d * d;
  }
  if (noise <= 0.0) return kSnrCapDb;
  if (signal <= 0.0) return -kSnrCapDb;
  return std::clamp(10.0 * std::log10(signal / noise), -kSnrCapDb, kSnrCapDb);
}

}  // namespace

Result<double> snr_db(std::span<const std::int16_t> reference, std::span<const std::int16_t> test) {
  if (reference.size() != test.size()) return Error{Errc::kInvalidValue, "sequences differ in length"};
  return snr_over(reference, test, [](std::size_t) { return true; });
}

Result<double> masked_snr_db(std::span<const std::int16_t> reference, std::span<const std::int16_t> test,
                                   std::span<const std::uint8_t> mask) {
  if (reference.size() != test.size() || mask.size() != reference.size())
    return Error{Errc::kInvalidValue, "sequences differ in length"};
  return snr_over(reference, test, [&](std::size_t i) { return mask[i] != 0; });
}

}  // namespace kinetic::mock
