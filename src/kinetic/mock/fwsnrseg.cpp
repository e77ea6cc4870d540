#include "kinetic/mock/fwsnrseg.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

extern "C" {
#include <libavutil/mem.h>
#include <libavutil/tx.h>
}

namespace kinetic::mock {

namespace {

double bark(double hz) noexcept { return 13.0 * std::atan(0.00076 * hz) + 3.5 * std::atan((hz / 7500.0) * (hz / 7500.0)); }

constexpr double kGamma = 0.2;             // the paper's weight exponent
constexpr double kSilentRms = 32768.0 * 3.1622776601683795e-4;  // -70 dBFS

}  // namespace

void FwSnrSeg::TxFree::operator()(AVTXContext* c) const noexcept { av_tx_uninit(&c); }
void FwSnrSeg::AvFree::operator()(float* p) const noexcept { av_free(p); }

FwSnrSeg::FwSnrSeg(FwSnrSeg&&) noexcept = default;
FwSnrSeg& FwSnrSeg::operator=(FwSnrSeg&&) noexcept = default;
FwSnrSeg::~FwSnrSeg() = default;

Result<FwSnrSeg> FwSnrSeg::create(int sample_rate) {
  if (sample_rate < 8000 || sample_rate > 192000) return Error{Errc::kInvalidValue, "fwSNRseg: sample rate out of range"};
  FwSnrSeg s;
  s.frame_ = static_cast<std::size_t>(sample_rate) * 30 / 1000;
  s.fft_ = 1;
  while (s.fft_ < s.frame_) s.fft_ *= 2;
  AVTXContext* ctx = nullptr;
  av_tx_fn fn = nullptr;
  const float scale = 1.0f;
  if (av_tx_init(&ctx, &fn, AV_TX_FLOAT_RDFT, 0, static_cast<int>(s.fft_), &scale, 0) < 0 || ctx == nullptr)
    return Error{Errc::kInvalidValue, "fwSNRseg: av_tx_init failed"};
  s.tx_.reset(ctx);
  s.fn_ = fn;
  s.window_.resize(s.frame_);
  for (std::size_t i = 0; i < s.frame_; ++i)
    s.window_[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) /
                                                           static_cast<double>(s.frame_ - 1)));
  s.in_.reset(static_cast<float*>(av_mallocz((s.fft_ + 2) * sizeof(float))));
  s.spectrum_.reset(static_cast<float*>(av_mallocz((s.fft_ + 2) * sizeof(float))));
  if (!s.in_ || !s.spectrum_) return Error{Errc::kInvalidValue, "fwSNRseg: out of memory"};
  // Band edges at whole Barks; bin 0 (DC) is left out, as no listener hears it.
  const double top = std::min(20000.0, sample_rate / 2.0);
  const double bin_hz = static_cast<double>(sample_rate) / static_cast<double>(s.fft_);
  const auto last_bin = static_cast<std::size_t>(top / bin_hz);
  s.band_first_bin_.push_back(1);
  for (std::size_t k = 2; k <= last_bin; ++k) {
    const double prev = bark(static_cast<double>(k - 1) * bin_hz);
    if (std::floor(bark(static_cast<double>(k) * bin_hz)) > std::floor(prev)) s.band_first_bin_.push_back(k);
  }
  if (s.band_first_bin_.back() != last_bin + 1) s.band_first_bin_.push_back(last_bin + 1);
  return s;
}

void FwSnrSeg::band_magnitudes(std::span<const std::int16_t> samples, std::vector<double>& out) {
  float* in = in_.get();
  const float* spectrum = spectrum_.get();
  for (std::size_t i = 0; i < frame_; ++i) in[i] = static_cast<float>(samples[i]) * window_[i];
  std::fill(in + frame_, in + fft_ + 2, 0.0f);
  fn_(tx_.get(), spectrum_.get(), in, sizeof(float));
  out.assign(bands(), 0.0);
  for (std::size_t b = 0; b < bands(); ++b) {
    double energy = 0.0;
    for (std::size_t k = band_first_bin_[b]; k < band_first_bin_[b + 1]; ++k) {
      const double re = spectrum[2 * k];
      const double im = spectrum[2 * k + 1];
      energy += re * re + im * im;
    }
    out[b] = std::sqrt(energy);
  }
}

Result<std::vector<std::optional<double>>> FwSnrSeg::frames(std::span<const std::int16_t> reference,
                                                                   std::span<const std::int16_t> test) {
  if (reference.size() != test.size()) return Error{Errc::kInvalidValue, "fwSNRseg: lengths differ"};
  std::vector<std::optional<double>> scores;
  std::vector<double> x;
  std::vector<double> y;
  for (std::size_t at = 0; at + frame_ <= reference.size(); at += hop()) {
    const auto ref = reference.subspan(at, frame_);
    double power = 0.0;
    for (const std::int16_t v : ref) power += static_cast<double>(v) * v;
    if (std::sqrt(power / static_cast<double>(frame_)) < kSilentRms) {
      scores.emplace_back();
      continue;
    }
    band_magnitudes(ref, x);
    band_magnitudes(test.subspan(at, frame_), y);
    double num = 0.0;
    double den = 0.0;
    for (std::size_t b = 0; b < x.size(); ++b) {
      if (x[b] <= 0.0) continue;
      const double w = std::pow(x[b], kGamma);
      const double err = (x[b] - y[b]) * (x[b] - y[b]);
      // An exact band is capped like the frame, so one perfect band cannot outvote the rest.
      const double db = err > 0.0 ? std::min(10.0 * std::log10(x[b] * x[b] / err), kFwSnrSegMaxDb) : kFwSnrSegMaxDb;
      num += w * db;
      den += w;
    }
    scores.emplace_back(den > 0.0 ? std::clamp(num / den, kFwSnrSegMinDb, kFwSnrSegMaxDb) : kFwSnrSegMaxDb);
  }
  return scores;
}

std::optional<double> mean_fwsnrseg(std::span<const std::optional<double>> scores, std::size_t frame_length,
                                    std::size_t hop, std::span<const std::uint8_t> in_range) {
  double sum = 0.0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const std::size_t centre = i * hop + frame_length / 2;
    if (!scores[i] || centre >= in_range.size() || !in_range[centre]) continue;
    sum += *scores[i];
    ++n;
  }
  if (n == 0) return std::nullopt;
  return sum / static_cast<double>(n);
}

}  // namespace kinetic::mock
