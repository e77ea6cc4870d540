#include "kinetic/mock/cuda/video_conjecture_cuda.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "kinetic/mock/cuda/video_kernels.hpp"
#include "kinetic/mock/video_frame_check.hpp"

namespace kinetic::mock::cuda {

namespace {

using video::MotionVector;

// Device memory owned by one engine; grows only, so steady-state frames never allocate.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    return *this;
  }
  ~DeviceBuffer() {
    if (p_ != nullptr) cudaFree(p_);
  }
  cudaError_t reserve(std::size_t n) {
    if (n <= n_) return cudaSuccess;
    if (p_ != nullptr) cudaFree(p_);
    p_ = nullptr;
    n_ = 0;
    void* p = nullptr;
    const cudaError_t e = cudaMalloc(&p, n * sizeof(T));
    if (e != cudaSuccess) return e;
    p_ = static_cast<T*>(p);
    n_ = n;
    return cudaSuccess;
  }
  [[nodiscard]] T* get() const noexcept { return p_; }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

struct DeviceFrame {
  DeviceBuffer<std::uint8_t> y, u, v;
  std::vector<DeviceBuffer<std::uint8_t>> levels;  // pyramid levels 1..n-1
};

struct Dims {
  int w = 0;
  int h = 0;
};

}  // namespace

struct CudaVideoConjecturer::Impl {
  VideoConjectureConfig config;
  video::VideoParams params;
  cudaStream_t stream = nullptr;
  cudaError_t error = cudaSuccess;

  Frame newest;
  std::int64_t previous_pts = 0;
  bool has_previous = false;
  std::uint64_t rejected = 0;

  std::vector<Dims> dims;  // per pyramid level
  DeviceFrame frames[2];
  int newest_slot = 0;
  std::vector<DeviceBuffer<MotionVector>> level_mv;
  std::vector<DeviceBuffer<std::uint32_t>> level_cost;
  DeviceBuffer<MotionVector> smooth_mv;
  DeviceBuffer<std::uint32_t> smooth_cost;
  DeviceBuffer<unsigned long long> stats;  // residual, texture, coherent
  DeviceBuffer<std::uint32_t> keys;
  DeviceBuffer<std::uint8_t> out_y, out_u, out_v;

  video::MotionField raw, smooth;
  float confidence = 0.0f;
  bool field_ready = false;

  ~Impl() {
    if (stream != nullptr) cudaStreamDestroy(stream);
  }

  bool check(cudaError_t e) {
    if (e != cudaSuccess && error == cudaSuccess) error = e;
    return error == cudaSuccess;
  }

  [[nodiscard]] const std::uint8_t* level(int slot, std::size_t l) const {
    return l == 0 ? frames[slot].y.get() : frames[slot].levels[l - 1].get();
  }

  bool allocate(int w, int h) {
    const int n = video::pyramid_level_count(w, h, params.pyramid_levels);
    dims.assign(static_cast<std::size_t>(n), Dims{});
    dims[0] = {w, h};
    for (std::size_t l = 1; l < dims.size(); ++l)
      dims[l] = {video::next_level_side(dims[l - 1].w), video::next_level_side(dims[l - 1].h)};
    const auto luma = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
    const auto chroma = luma / 4;
    for (auto& f : frames) {
      check(f.y.reserve(luma));
      check(f.u.reserve(chroma));
      check(f.v.reserve(chroma));
      f.levels.resize(dims.size() - 1);
      for (std::size_t l = 1; l < dims.size(); ++l)
        check(f.levels[l - 1].reserve(static_cast<std::size_t>(dims[l].w) * static_cast<std::size_t>(dims[l].h)));
    }
    level_mv.resize(dims.size());
    level_cost.resize(dims.size());
    for (std::size_t l = 0; l < dims.size(); ++l) {
      const auto blocks = static_cast<std::size_t>(video::blocks_along(dims[l].w, params.block_size)) *
                          static_cast<std::size_t>(video::blocks_along(dims[l].h, params.block_size));
      check(level_mv[l].reserve(blocks));
      check(level_cost[l].reserve(blocks));
    }
    const auto blocks0 = static_cast<std::size_t>(video::blocks_along(w, params.block_size)) *
                         static_cast<std::size_t>(video::blocks_along(h, params.block_size));
    check(smooth_mv.reserve(blocks0));
    check(smooth_cost.reserve(blocks0));
    check(stats.reserve(3));
    check(keys.reserve(luma));
    check(out_y.reserve(luma));
    check(out_u.reserve(chroma));
    return check(out_v.reserve(chroma));
  }

  void push(const Frame& frame) {
    if (!video::acceptable_frame(frame)) {
      ++rejected;
      return;
    }
    has_previous = !newest.empty() && newest.same_size(frame);
    if (has_previous) {
      previous_pts = newest.pts_us;
      newest_slot ^= 1;
    } else if (!allocate(frame.width, frame.height)) {
      return;
    }
    newest = frame;
    field_ready = false;
    DeviceFrame& d = frames[newest_slot];
    check(cudaMemcpyAsync(d.y.get(), newest.y.data(), newest.y.size(), cudaMemcpyHostToDevice, stream));
    check(cudaMemcpyAsync(d.u.get(), newest.u.data(), newest.u.size(), cudaMemcpyHostToDevice, stream));
    check(cudaMemcpyAsync(d.v.get(), newest.v.data(), newest.v.size(), cudaMemcpyHostToDevice, stream));
    for (std::size_t l = 1; l < dims.size(); ++l)
      check(kernels::downsample(level(newest_slot, l - 1), dims[l - 1].w, dims[l - 1].h, d.levels[l - 1].get(), dims[l].w,
                                dims[l].h, stream));
  }

  bool ensure_field() {
    if (error != cudaSuccess || !has_previous) return false;
    if (field_ready) return true;
    const int cur = newest_slot;
    const int prev = newest_slot ^ 1;
    const int block = params.block_size;
    for (std::size_t l = dims.size(); l-- > 0;) {
      const bool coarsest = l + 1 == dims.size();
      const int bx = video::blocks_along(dims[l].w, block);
      const int by = video::blocks_along(dims[l].h, block);
      const MotionVector* parent = coarsest ? nullptr : level_mv[l + 1].get();
      const int px = coarsest ? 0 : video::blocks_along(dims[l + 1].w, block);
      const int py = coarsest ? 0 : video::blocks_along(dims[l + 1].h, block);
      check(kernels::search_level(level(cur, l), level(prev, l), dims[l].w, dims[l].h, block, parent, px, py,
                                  coarsest ? params.search_radius : video::kRefineRadius, level_mv[l].get(),
                                  level_cost[l].get(), bx, by, stream));
    }
    const int w = dims[0].w;
    const int h = dims[0].h;
    const int bx = video::blocks_along(w, block);
    const int by = video::blocks_along(h, block);
    const auto blocks = static_cast<std::size_t>(bx) * static_cast<std::size_t>(by);
    check(cudaMemsetAsync(stats.get(), 0, 3 * sizeof(unsigned long long), stream));
    check(kernels::smooth(level_mv[0].get(), smooth_mv.get(), bx, by, stats.get() + 2, stream));
    check(kernels::block_costs(level(cur, 0), level(prev, 0), w, h, block, smooth_mv.get(), smooth_cost.get(), bx, by,
                               stats.get(), stream));
    check(kernels::texture(level(cur, 0), w, h, stats.get() + 1, stream));

    raw.resize(block, bx, by);
    smooth.resize(block, bx, by);
    unsigned long long host_stats[3] = {0, 0, 0};
    check(cudaMemcpyAsync(raw.mv.data(), level_mv[0].get(), blocks * sizeof(MotionVector), cudaMemcpyDeviceToHost, stream));
    check(cudaMemcpyAsync(raw.cost.data(), level_cost[0].get(), blocks * sizeof(std::uint32_t), cudaMemcpyDeviceToHost, stream));
    check(cudaMemcpyAsync(smooth.mv.data(), smooth_mv.get(), blocks * sizeof(MotionVector), cudaMemcpyDeviceToHost, stream));
    check(cudaMemcpyAsync(smooth.cost.data(), smooth_cost.get(), blocks * sizeof(std::uint32_t), cudaMemcpyDeviceToHost, stream));
    check(cudaMemcpyAsync(host_stats, stats.get(), sizeof(host_stats), cudaMemcpyDeviceToHost, stream));
    if (!check(cudaStreamSynchronize(stream))) return false;

    video::MotionStats s;
    s.residual_sum = host_stats[0];
    s.texture_sum = host_stats[1];
    s.coherent_blocks = host_stats[2];
    s.pixels = static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h);
    s.texture_terms = static_cast<std::uint64_t>(w - 1) * static_cast<std::uint64_t>(h) +
                      static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h - 1);
    s.blocks = blocks;
    confidence = video::motion_confidence(s);
    field_ready = true;
    return true;
  }

  Conjecture freeze(int k, float conf) const {
    Conjecture c;
    c.frame = newest;
    c.frame.pts_us = video::predicted_pts(newest.pts_us, previous_pts, has_previous, k);
    c.confidence = conf;
    c.fell_back = true;
    return c;
  }

  Conjecture predict(int k) {
    if (newest.empty()) return Conjecture{Frame{}, 0.0f, true};
    if (k < 1 || !ensure_field()) return freeze(std::max(k, 0), 0.0f);
    k = std::min(k, video::kMaxPredictAhead);
    if (confidence < config.min_confidence) return freeze(k, confidence);
    const int w = newest.width;
    const int h = newest.height;
    const int block = params.block_size;
    const DeviceFrame& d = frames[newest_slot];
    Conjecture c;
    c.frame = Frame(w, h);
    check(cudaMemsetAsync(keys.get(), 0xFF, newest.y.size() * sizeof(std::uint32_t), stream));
    check(kernels::splat(smooth_mv.get(), smooth_cost.get(), w, h, block, video::blocks_along(w, block), k, keys.get(),
                         stream));
    check(kernels::resolve(d.y.get(), d.u.get(), d.v.get(), keys.get(), w, h, out_y.get(), out_u.get(), out_v.get(),
                           stream));
    check(cudaMemcpyAsync(c.frame.y.data(), out_y.get(), c.frame.y.size(), cudaMemcpyDeviceToHost, stream));
    check(cudaMemcpyAsync(c.frame.u.data(), out_u.get(), c.frame.u.size(), cudaMemcpyDeviceToHost, stream));
    check(cudaMemcpyAsync(c.frame.v.data(), out_v.get(), c.frame.v.size(), cudaMemcpyDeviceToHost, stream));
    if (!check(cudaStreamSynchronize(stream))) return freeze(k, 0.0f);
    c.frame.pts_us = video::predicted_pts(newest.pts_us, previous_pts, has_previous, k);
    c.confidence = confidence;
    c.fell_back = false;
    return c;
  }
};

bool video_device_available() noexcept {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

CudaVideoConjecturer::CudaVideoConjecturer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaVideoConjecturer::~CudaVideoConjecturer() = default;

void CudaVideoConjecturer::push_real(const Frame& frame) { impl_->push(frame); }
Conjecture CudaVideoConjecturer::predict(int k) { return impl_->predict(k); }

void CudaVideoConjecturer::reset() {
  impl_->newest = Frame{};
  impl_->has_previous = false;
  impl_->field_ready = false;
  impl_->confidence = 0.0f;
}

const video::MotionField* CudaVideoConjecturer::motion_field() { return impl_->ensure_field() ? &impl_->smooth : nullptr; }
const video::MotionField* CudaVideoConjecturer::raw_motion_field() { return impl_->ensure_field() ? &impl_->raw : nullptr; }
float CudaVideoConjecturer::confidence() { return impl_->ensure_field() ? impl_->confidence : 0.0f; }
std::uint64_t CudaVideoConjecturer::rejected_frames() const noexcept { return impl_->rejected; }
const char* CudaVideoConjecturer::last_error() const noexcept { return cudaGetErrorName(impl_->error); }

std::unique_ptr<CudaVideoConjecturer> make_cuda_video_conjecturer(const VideoConjectureConfig& config) {
  if (!video_device_available()) return nullptr;
  auto impl = std::make_unique<CudaVideoConjecturer::Impl>();
  impl->config = config;
  impl->params = video::clamp_params(config.block_size, config.search_radius, config.pyramid_levels);
  if (cudaStreamCreateWithFlags(&impl->stream, cudaStreamNonBlocking) != cudaSuccess) return nullptr;
  return std::unique_ptr<CudaVideoConjecturer>(new CudaVideoConjecturer(std::move(impl)));
}

}  // namespace kinetic::mock::cuda
