// Objective quality of what a player showed against what it should have shown: PSNR and
// SSIM for pictures, SNR for audio. Reconciliation and the evaluation harness score every
// conjecture with these, so they must be cheap enough to run on every 1080p frame.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "kinetic/mock/frame.hpp"
#include "kinetic/base/result.hpp"

namespace kinetic::mock {

// PSNR of two identical planes is infinite; every PSNR here is clamped to this value so that
// averages over a run stay finite and "perfect" is still the largest number.
inline constexpr double kPsnrCapDb = 100.0;
// The same convention for audio SNR (reference equal to test, or silent reference and test).
inline constexpr double kSnrCapDb = 100.0;

// Mean squared error of two equally long 8-bit planes (0 for empty planes).
double mse(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

// 10·log10(255² / MSE), capped at kPsnrCapDb. Planes of different size: an error.
Result<double> psnr_plane(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

struct FramePsnr {
  double y = 0.0;
  double u = 0.0;
  double v = 0.0;
  // PSNR of the luma-weighted MSE (6·Y + U + V) / 8, the 6:1:1 weighting common in codec
  // evaluation because the eye is most sensitive to luma. Weighting the MSEs rather than the
  // capped per-plane dB values keeps a perfect chroma plane from hiding a ruined luma one.
  double combined = 0.0;
};

// Frames must have the same, non-zero size and planes of the lengths Frame(w, h) gives.
Result<FramePsnr> psnr(const Frame& a, const Frame& b);

// SSIM (Wang et al. 2004, constants C1 = (0.01·255)², C2 = (0.03·255)²) of one 8-bit plane
// with stride == width, over 8x8 windows placed every 4 pixels, averaged. 1.0 for identical
// planes. Planes smaller than 8x8 in either dimension: an error.
Result<double> ssim_plane(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
                                int width, int height);

// SSIM of the luma planes of two frames of the same size.
Result<double> ssim(const Frame& a, const Frame& b);

// Luma PSNR over the moving parts of the picture only: the `block`×`block` blocks where
// `reference` differs from `previous` (the source frame before it) by a mean absolute
// difference above `threshold`. A static background scores the same for every player and
// dilutes the difference between a conjecture and a freeze; this measure leaves it out.
// nullopt when no block moves. Frames of one size.
Result<std::optional<double>> psnr_moving(const Frame& shown, const Frame& reference, const Frame& previous,
                                                int block = 16, double threshold = 3.0);

// Signal-to-noise ratio of `test` against `reference` in dB: 10·log10(Σref² / Σ(ref − test)²),
// capped at kSnrCapDb. Sequences of different length: an error.
Result<double> snr_db(std::span<const std::int16_t> reference, std::span<const std::int16_t> test);

// snr_db over the samples whose `mask` entry is non-zero only (kSnrCapDb when there are none,
// as nothing is then in error).
Result<double> masked_snr_db(std::span<const std::int16_t> reference, std::span<const std::int16_t> test,
                                   std::span<const std::uint8_t> mask);

}  // namespace kinetic::mock
