// MOCK for the browser player: a small C ABI over the same timeline, arrival kinetics, deadline
// policy and CPU video conjecturer that `kinetic play` drives, compiled to WebAssembly with
// emscripten (web/wasm/CMakeLists.txt). One handle is one video track of one Timeline.
//
// Times cross the boundary as doubles holding whole microseconds (exact below 2^53), since
// emscripten 3.1.6 splits 64-bit integers into two 32-bit halves without WASM_BIGINT.
// Decoded pictures go in through a scratch buffer the page fills (I420, tightly packed);
// what display() chose comes out as plane pointers into the module's memory, valid until the
// next display() on that handle.
#include <emscripten/emscripten.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "kinetic/mock/timeline.hpp"
#include "kinetic/mock/video_conjecture_cpu.hpp"

namespace {

using kinetic::mock::DisplayKind;

struct Player {
  kinetic::mock::CpuVideoConjecturer engine{kinetic::mock::VideoConjectureConfig{}};
  kinetic::mock::Timeline timeline;
  std::vector<std::uint8_t> scratch;
  kinetic::mock::DisplayOutput shown;
  double last_predict_us = 0;
  double predict_total_us = 0;
  std::uint64_t predictions = 0;
};

std::int64_t to_us(double t) { return static_cast<std::int64_t>(std::llround(t)); }

}  // namespace

extern "C" {

// policy: 0 conjecture (MOCK), 1 freeze, 2 stall. budget_us > 0: fixed latency budget;
// 0: adaptive (the timeline's kinetics choose it). Null when the track is refused.
EMSCRIPTEN_KEEPALIVE Player* kmock_create(double interval_us, int policy, double budget_us, int max_conjecture_run) {
  auto p = std::make_unique<Player>();
  kinetic::mock::TrackConfig c;
  c.kind = kinetic::mock::TrackKind::kVideo;
  c.frame_interval_us = to_us(interval_us);
  c.late_policy = policy == 1   ? kinetic::mock::LatePolicy::kFreeze
                  : policy == 2 ? kinetic::mock::LatePolicy::kStall
                                : kinetic::mock::LatePolicy::kConjecture;
  if (max_conjecture_run > 0) c.max_conjecture_run = max_conjecture_run;
  if (budget_us > 0) {
    c.deadline.mode = kinetic::mock::DeadlineMode::kFixed;
    c.deadline.latency_us = to_us(budget_us);
  } else {
    c.deadline.mode = kinetic::mock::DeadlineMode::kAdaptive;
  }
  if (!p->timeline.add_video_track(0, c, p->engine)) return nullptr;
  return p.release();
}

EMSCRIPTEN_KEEPALIVE void kmock_destroy(Player* p) { delete p; }

// The sender's media time → receiver clock offset (receiver µs − media µs) for deadlines.
EMSCRIPTEN_KEEPALIVE int kmock_set_clock_offset(Player* p, double offset_us) {
  return p->timeline.set_clock_offset_us(0, to_us(offset_us)) ? 0 : -1;
}

// A buffer of w*h*3/2 bytes for the next push, I420 planes back to back.
EMSCRIPTEN_KEEPALIVE std::uint8_t* kmock_input(Player* p, int width, int height) {
  if (width <= 0 || height <= 0) return nullptr;
  p->scratch.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3 / 2);
  return p->scratch.data();
}

// Queues the picture in the scratch buffer as object (group, object) stamped timestamp_us,
// arrived at arrival_us. 0, or -1 when the timeline refused it (slot already held, bad size).
EMSCRIPTEN_KEEPALIVE int kmock_push(Player* p, std::uint32_t group, std::uint32_t object, double timestamp_us,
                                    double arrival_us, int width, int height) {
  if (width <= 0 || height <= 0 || (width % 2) != 0 || (height % 2) != 0) return -1;
  const auto luma = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  if (p->scratch.size() < luma * 3 / 2) return -1;
  kinetic::mock::Frame f(width, height);
  f.pts_us = to_us(timestamp_us);
  std::memcpy(f.y.data(), p->scratch.data(), luma);
  std::memcpy(f.u.data(), p->scratch.data() + luma, luma / 4);
  std::memcpy(f.v.data(), p->scratch.data() + luma + luma / 4, luma / 4);
  const std::uint64_t id = static_cast<std::uint64_t>(group) << 32 | object;
  return p->timeline.push_object(0, id, f.pts_us, to_us(arrival_us), std::move(f)) ? 0 : -1;
}

// What to present at receiver instant t_us: 0 real, 1 conjecture, 2 freeze, 3 stall; -1 error.
// The time a conjecture took is measured here, inside the module.
EMSCRIPTEN_KEEPALIVE int kmock_display(Player* p, double t_us) {
  const auto started = std::chrono::steady_clock::now();
  auto shown = p->timeline.display_at(0, to_us(t_us));
  const double cost = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count();
  if (!shown) return -1;
  p->shown = std::move(*shown);
  if (p->shown.kind == DisplayKind::kConjecture && p->shown.new_slot) {
    p->last_predict_us = cost;
    p->predict_total_us += cost;
    ++p->predictions;
  }
  switch (p->shown.kind) {
    case DisplayKind::kReal: return 0;
    case DisplayKind::kConjecture: return 1;
    case DisplayKind::kFreeze: return 2;
    case DisplayKind::kStall: return 3;
  }
  return -1;
}

EMSCRIPTEN_KEEPALIVE int kmock_new_slot(Player* p) { return p->shown.new_slot ? 1 : 0; }
EMSCRIPTEN_KEEPALIVE double kmock_slot_us(Player* p) { return static_cast<double>(p->shown.timestamp_us); }
EMSCRIPTEN_KEEPALIVE double kmock_latency_us(Player* p) { return static_cast<double>(p->shown.latency_us); }
EMSCRIPTEN_KEEPALIVE std::uint32_t kmock_object(Player* p) { return static_cast<std::uint32_t>(p->shown.object_id & 0xffffffffu); }
EMSCRIPTEN_KEEPALIVE std::uint32_t kmock_group(Player* p) { return static_cast<std::uint32_t>(p->shown.object_id >> 32); }
EMSCRIPTEN_KEEPALIVE double kmock_confidence(Player* p) { return p->shown.conjecture_confidence; }
EMSCRIPTEN_KEEPALIVE int kmock_width(Player* p) { return p->shown.frame ? p->shown.frame->width : 0; }
EMSCRIPTEN_KEEPALIVE int kmock_height(Player* p) { return p->shown.frame ? p->shown.frame->height : 0; }
EMSCRIPTEN_KEEPALIVE const std::uint8_t* kmock_plane(Player* p, int plane) {
  if (!p->shown.frame) return nullptr;
  const auto& f = *p->shown.frame;
  return plane == 0 ? f.y.data() : plane == 1 ? f.u.data() : f.v.data();
}
// The deadline policy's latency budget now.
EMSCRIPTEN_KEEPALIVE double kmock_budget_us(Player* p) {
  const auto* d = p->timeline.deadline(0);
  return d != nullptr ? static_cast<double>(d->latency_us()) : 0.0;
}
EMSCRIPTEN_KEEPALIVE double kmock_last_predict_us(Player* p) { return p->last_predict_us; }
EMSCRIPTEN_KEEPALIVE double kmock_mean_predict_us(Player* p) {
  return p->predictions == 0 ? 0.0 : p->predict_total_us / static_cast<double>(p->predictions);
}

// The conjecturer alone, as bench/mock/video_conjecture_bench measures it natively: for
// `iterations` rounds, push_real of the next of `count` I420 frames (w×h, back to back at
// `frames`) then predict(1). Mean microseconds per round; -1 for bad arguments.
EMSCRIPTEN_KEEPALIVE double kmock_bench_conjecture(const std::uint8_t* frames, int count, int width, int height,
                                                   int iterations) {
  if (frames == nullptr || count < 2 || width <= 0 || height <= 0 || iterations <= 0) return -1;
  const auto luma = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  std::vector<kinetic::mock::Frame> clip;
  for (int i = 0; i < count; ++i) {
    kinetic::mock::Frame f(width, height);
    f.pts_us = i * 100'000;
    const std::uint8_t* src = frames + static_cast<std::size_t>(i) * luma * 3 / 2;
    std::memcpy(f.y.data(), src, luma);
    std::memcpy(f.u.data(), src + luma, luma / 4);
    std::memcpy(f.v.data(), src + luma + luma / 4, luma / 4);
    clip.push_back(std::move(f));
  }
  kinetic::mock::CpuVideoConjecturer engine{kinetic::mock::VideoConjectureConfig{}};
  engine.push_real(clip[0]);
  const auto started = std::chrono::steady_clock::now();
  std::size_t checksum = 0;
  for (int i = 0; i < iterations; ++i) {
    engine.push_real(clip[static_cast<std::size_t>(i + 1) % clip.size()]);
    auto c = engine.predict(1);
    checksum += c.frame.y.empty() ? 0 : c.frame.y[0];
  }
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count();
  return checksum == static_cast<std::size_t>(-1) ? -1 : us / iterations;
}

}  // extern "C"
