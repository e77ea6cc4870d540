// Cost of scoring one picture: PSNR and SSIM of a conjecture against the real frame, at the
// sizes the evaluation and the reconciler meet (720x528 test clip, 1080p).
#include <benchmark/benchmark.h>

#include <random>

#include "kinetic/mock/quality.hpp"

namespace {

using kinetic::mock::Frame;

Frame noisy(int w, int h, unsigned seed) {
  Frame f(w, h);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(0, 255);
  for (auto& v : f.y) v = static_cast<std::uint8_t>(d(rng));
  for (auto& v : f.u) v = static_cast<std::uint8_t>(d(rng));
  for (auto& v : f.v) v = static_cast<std::uint8_t>(d(rng));
  return f;
}

void BM_Psnr(benchmark::State& state) {
  const int w = static_cast<int>(state.range(0));
  const int h = static_cast<int>(state.range(1));
  const Frame a = noisy(w, h, 1);
  const Frame b = noisy(w, h, 2);
  for (auto _ : state) {
    auto r = kinetic::mock::psnr(a, b);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(a.y.size() + a.u.size() + a.v.size()) * 2);
}

void BM_Ssim(benchmark::State& state) {
  const int w = static_cast<int>(state.range(0));
  const int h = static_cast<int>(state.range(1));
  const Frame a = noisy(w, h, 1);
  const Frame b = noisy(w, h, 2);
  for (auto _ : state) {
    auto r = kinetic::mock::ssim(a, b);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(a.y.size()) * 2);
}

void BM_SnrAudioFrame(benchmark::State& state) {
  std::vector<std::int16_t> a(960), b(960);
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> d(-20000, 20000);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<std::int16_t>(d(rng));
    b[i] = static_cast<std::int16_t>(d(rng));
  }
  for (auto _ : state) {
    auto r = kinetic::mock::snr_db(a, b);
    benchmark::DoNotOptimize(r);
  }
}

}  // namespace

BENCHMARK(BM_Psnr)->Args({720, 528})->Args({1920, 1080})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ssim)->Args({720, 528})->Args({1920, 1080})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SnrAudioFrame)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
