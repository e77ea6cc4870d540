// Conjecture cost per frame (push_real of the next real frame + predict(1)) on real footage
// scaled to common sizes, against a plain frame copy (what freezing costs) at the same size.
// Frames are decoded once with the ffmpeg CLI from ../shared/media/vtest.avi; where that CLI or
// the media is absent (a GPU host with neither), KINETIC_VIDEO_CLIP_DIR names a folder of the
// same frames already decoded, vtest_<w>x<h>.yuv (yuv420p, frame after frame).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kinetic/mock/video_conjecture.hpp"
#include "kinetic/mock/video_conjecture_cpu.hpp"

namespace {

using kinetic::mock::Frame;

constexpr int kClipFrames = 16;

std::vector<Frame> decode_clip(int w, int h) {
  const char* dir = std::getenv("KINETIC_VIDEO_CLIP_DIR");
  const std::string cmd =
      dir != nullptr && *dir != '\0'
          ? "cat '" + std::string(dir) + "/vtest_" + std::to_string(w) + "x" + std::to_string(h) + ".yuv'"
          : "ffmpeg -v error -i '" + std::string(KINETIC_SHARED_DIR) +
                "/media/vtest.avi' -vf scale=" + std::to_string(w) + ":" + std::to_string(h) + " -frames:v " +
                std::to_string(kClipFrames) + " -pix_fmt yuv420p -f rawvideo -";
  std::vector<Frame> frames;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return frames;
  for (int i = 0; i < kClipFrames; ++i) {
    Frame f(w, h);
    f.pts_us = i * 100'000;
    bool ok = true;
    for (auto* plane : {&f.y, &f.u, &f.v})
      ok = ok && std::fread(plane->data(), 1, plane->size(), pipe) == plane->size();
    if (!ok) break;
    frames.push_back(std::move(f));
  }
  pclose(pipe);
  return frames;
}

const std::vector<Frame>& clip(int w, int h) {
  static std::map<std::pair<int, int>, std::vector<Frame>> cache;
  auto it = cache.find({w, h});
  if (it == cache.end()) it = cache.emplace(std::pair{w, h}, decode_clip(w, h)).first;
  return it->second;
}

void run_engine(benchmark::State& state, kinetic::mock::VideoConjecturer& engine) {
  const int w = static_cast<int>(state.range(0));
  const int h = static_cast<int>(state.range(1));
  const auto& frames = clip(w, h);
  if (frames.size() < 2) {
    state.SkipWithError("could not decode ../shared/media/vtest.avi with the ffmpeg CLI");
    return;
  }
  std::size_t i = 0;
  std::size_t fell_back = 0;
  for (auto _ : state) {
    engine.push_real(frames[i % frames.size()]);
    auto c = engine.predict(1);
    fell_back += c.fell_back;
    benchmark::DoNotOptimize(c.frame.y.data());
    ++i;
  }
  const double bytes = static_cast<double>(frames[0].y.size() + frames[0].u.size() + frames[0].v.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(static_cast<double>(state.iterations()) * bytes));
  state.counters["fell_back"] =
      benchmark::Counter(static_cast<double>(fell_back), benchmark::Counter::kAvgIterations);
  state.SetLabel(std::string(engine.backend()));
}

void BM_ConjectureCpu(benchmark::State& state) {
  kinetic::mock::CpuVideoConjecturer engine({});
  run_engine(state, engine);
}

void BM_ConjectureGpu(benchmark::State& state) {
  auto engine = kinetic::mock::make_video_conjecturer({}, true);
  if (engine->backend() != "cuda") {
    state.SkipWithError("no CUDA device (or built without CUDA): GPU path not measured");
    return;
  }
  run_engine(state, *engine);
}

// What repeating the last frame costs: one copy of the picture.
void BM_FreezeCopy(benchmark::State& state) {
  const int w = static_cast<int>(state.range(0));
  const int h = static_cast<int>(state.range(1));
  const auto& frames = clip(w, h);
  if (frames.empty()) {
    state.SkipWithError("could not decode ../shared/media/vtest.avi with the ffmpeg CLI");
    return;
  }
  std::size_t i = 0;
  for (auto _ : state) {
    Frame copy = frames[i++ % frames.size()];
    benchmark::DoNotOptimize(copy.y.data());
  }
  const double bytes = static_cast<double>(frames[0].y.size() + frames[0].u.size() + frames[0].v.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(static_cast<double>(state.iterations()) * bytes));
}

#define KINETIC_VIDEO_SIZES \
  Args({640, 480})->Args({1280, 720})->Args({1920, 1080})->Unit(benchmark::kMillisecond)
BENCHMARK(BM_FreezeCopy)->KINETIC_VIDEO_SIZES;
BENCHMARK(BM_ConjectureCpu)->KINETIC_VIDEO_SIZES;
BENCHMARK(BM_ConjectureGpu)->KINETIC_VIDEO_SIZES->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
