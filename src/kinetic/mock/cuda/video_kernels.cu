#include "kinetic/mock/cuda/video_kernels.hpp"

#include <cuda_runtime.h>

namespace kinetic::mock::cuda::kernels {
namespace {

using namespace kinetic::mock::video;

constexpr int kSearchThreads = 256;
constexpr int kSearchWarps = kSearchThreads / 32;
constexpr int kCostThreads = 128;
constexpr int kPixelThreads = 256;

__device__ __forceinline__ unsigned int warp_sum(unsigned int v) { return __reduce_add_sync(0xFFFFFFFFu, v); }

__device__ __forceinline__ unsigned long long block_sum(unsigned long long v, unsigned long long* shared_warps) {
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xFFFFFFFFu, v, o);
  if (lane == 0) shared_warps[warp] = v;
  __syncthreads();
  unsigned long long total = 0;
  if (threadIdx.x == 0) {
    for (int w = 0; w < static_cast<int>(blockDim.x >> 5); ++w) total += shared_warps[w];
  }
  return total;  // meaningful in thread 0 only
}

__global__ void downsample_kernel(const std::uint8_t* src, int sw, int sh, std::uint8_t* dst, int dw, int dh) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y;
  if (x >= dw || y >= dh) return;
  dst[y * dw + x] = downsample_pixel(src, sw, sh, x, y);
}

// Shared memory: the current block, then the reference window of the centre being searched.
__global__ void search_kernel(const std::uint8_t* __restrict__ cur, const std::uint8_t* __restrict__ prev, int w,
                              int h, int block, const MotionVector* __restrict__ parent, int parent_x, int parent_y,
                              int radius, MotionVector* mv, std::uint32_t* cost, int blocks_x) {
  extern __shared__ std::uint8_t smem[];
  __shared__ unsigned long long warp_best[kSearchWarps];
  std::uint8_t* cur_s = smem;
  std::uint8_t* ref_s = smem + block * block;

  const int bx = blockIdx.x;
  const int by = blockIdx.y;
  const int x0 = bx * block;
  const int y0 = by * block;
  const int bw = min(block, w - x0);
  const int bh = min(block, h - y0);
  const int n_px = bw * bh;
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;

  for (int i = threadIdx.x; i < n_px; i += blockDim.x) cur_s[i] = cur[(y0 + i / bw) * w + x0 + i % bw];

  unsigned long long best = ~0ull;
  const int side = 2 * radius + 1;
  const int ww = bw + 2 * radius;
  const int wh = bh + 2 * radius;
  const int centres = parent == nullptr ? 1 : kPredictors;
  for (int c = 0; c < centres; ++c) {
    MotionVector centre{};
    if (parent != nullptr) centre = predictor(parent, parent_x, parent_y, bx, by, c);
    __syncthreads();  // the previous window is no longer read
    const int ox0 = x0 + centre.dx - radius;
    const int oy0 = y0 + centre.dy - radius;
    for (int i = threadIdx.x; i < ww * wh; i += blockDim.x) {
      const int gx = clamp_int(ox0 + i % ww, 0, w - 1);
      const int gy = clamp_int(oy0 + i / ww, 0, h - 1);
      ref_s[i] = prev[gy * w + gx];
    }
    __syncthreads();
    for (int cand = warp; cand < side * side; cand += kSearchWarps) {
      const int ox = cand % side;
      const int oy = cand / side;
      const int dx = centre.dx + ox - radius;
      const int dy = centre.dy + oy - radius;
      // Outside ±kMaxVector the CPU clamps the candidate onto one that this window also holds.
      if (dx < -kMaxVector || dx > kMaxVector || dy < -kMaxVector || dy > kMaxVector) continue;
      unsigned int sum = 0;
      for (int p = lane; p < n_px; p += 32) {
        const int i = p % bw;
        const int j = p / bw;
        sum += static_cast<unsigned int>(abs(static_cast<int>(cur_s[p]) - static_cast<int>(ref_s[(j + oy) * ww + i + ox])));
      }
      sum = warp_sum(sum);
      const unsigned long long key = candidate_key(sum, dx, dy);
      if (key < best) best = key;
    }
  }
  if (parent != nullptr) {
    // The zero vector, read straight from global memory (it is rarely inside a window).
    unsigned int sum = 0;
    if (warp == 0) {
      for (int p = lane; p < n_px; p += 32) {
        const int i = p % bw;
        const int j = p / bw;
        sum += static_cast<unsigned int>(abs(static_cast<int>(cur_s[p]) - static_cast<int>(prev[(y0 + j) * w + x0 + i])));
      }
      sum = warp_sum(sum);
      const unsigned long long key = candidate_key(sum, 0, 0);
      if (key < best) best = key;
    }
  }
  if (lane == 0) warp_best[warp] = best;
  __syncthreads();
  if (threadIdx.x == 0) {
    unsigned long long b = warp_best[0];
    for (int i = 1; i < kSearchWarps; ++i) b = warp_best[i] < b ? warp_best[i] : b;
    const int idx = by * blocks_x + bx;
    mv[idx] = MotionVector{static_cast<std::int16_t>(candidate_key_dx(b)), static_cast<std::int16_t>(candidate_key_dy(b))};
    cost[idx] = candidate_key_cost(b);
  }
}

__global__ void smooth_kernel(const MotionVector* raw, MotionVector* out, int blocks_x, int blocks_y,
                              unsigned long long* coherent) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  int kept = 0;
  if (i < blocks_x * blocks_y) {
    const MotionVector m = vector_median(raw, blocks_x, blocks_y, i % blocks_x, i / blocks_x);
    out[i] = m;
    kept = m == raw[i] ? 1 : 0;
  }
  const int n = __syncthreads_count(kept);
  if (threadIdx.x == 0 && n > 0) atomicAdd(coherent, static_cast<unsigned long long>(n));
}

__global__ void cost_kernel(const std::uint8_t* __restrict__ cur, const std::uint8_t* __restrict__ prev, int w, int h,
                            int block, const MotionVector* mv, std::uint32_t* cost, int blocks_x,
                            unsigned long long* residual) {
  __shared__ unsigned long long warps[kCostThreads / 32];
  const int bx = blockIdx.x;
  const int by = blockIdx.y;
  const int x0 = bx * block;
  const int y0 = by * block;
  const int bw = min(block, w - x0);
  const int bh = min(block, h - y0);
  const MotionVector v = mv[by * blocks_x + bx];
  unsigned long long sum = 0;
  for (int p = threadIdx.x; p < bw * bh; p += blockDim.x) {
    const int x = x0 + p % bw;
    const int y = y0 + p / bw;
    const int rx = clamp_int(x + v.dx, 0, w - 1);
    const int ry = clamp_int(y + v.dy, 0, h - 1);
    sum += static_cast<unsigned long long>(abs(static_cast<int>(cur[y * w + x]) - static_cast<int>(prev[ry * w + rx])));
  }
  const unsigned long long total = block_sum(sum, warps);
  if (threadIdx.x == 0) {
    cost[by * blocks_x + bx] = static_cast<std::uint32_t>(total);
    atomicAdd(residual, total);
  }
}

__global__ void texture_kernel(const std::uint8_t* __restrict__ p, int w, int h, unsigned long long* out) {
  __shared__ unsigned long long warps[kPixelThreads / 32];
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y;
  unsigned long long t = 0;
  if (x < w) {
    const int c = p[y * w + x];
    if (x + 1 < w) t += static_cast<unsigned long long>(abs(p[y * w + x + 1] - c));
    if (y + 1 < h) t += static_cast<unsigned long long>(abs(p[(y + 1) * w + x] - c));
  }
  const unsigned long long total = block_sum(t, warps);
  if (threadIdx.x == 0 && total > 0) atomicAdd(out, total);
}

__global__ void splat_kernel(const MotionVector* mv, const std::uint32_t* cost, int w, int h, int block,
                             int blocks_x, int k, std::uint32_t* keys) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y;
  if (x >= w) return;
  const int bx = x / block;
  const int by = y / block;
  const MotionVector v = mv[by * blocks_x + bx];
  const int xd = x + extrapolate(v.dx, k);
  const int yd = y + extrapolate(v.dy, k);
  if (xd < 0 || yd < 0 || xd >= w || yd >= h) return;
  const int bw = min(block, w - bx * block);
  const int bh = min(block, h - by * block);
  const std::uint32_t key = splat_key(cost[by * blocks_x + bx], bw * bh, static_cast<std::uint32_t>(y * w + x));
  atomicMin(&keys[yd * w + xd], key);
}

__global__ void resolve_luma_kernel(const std::uint8_t* y, const std::uint32_t* keys, int w, int h, std::uint8_t* out) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int row = blockIdx.y;
  if (x >= w || row >= h) return;
  const int i = row * w + x;
  const std::uint32_t key = keys[i];
  out[i] = key == kHoleKey ? y[i] : y[key & kSplatIndexMask];
}

__global__ void resolve_chroma_kernel(const std::uint8_t* u, const std::uint8_t* v, const std::uint32_t* keys, int w,
                                      int h, std::uint8_t* out_u, std::uint8_t* out_v) {
  const int cw = w / 2;
  const int cx = blockIdx.x * blockDim.x + threadIdx.x;
  const int cy = blockIdx.y;
  if (cx >= cw || cy >= h / 2) return;
  const int ci = cy * cw + cx;
  const std::uint32_t key = keys[(2 * cy) * w + 2 * cx];
  int src = ci;
  if (key != kHoleKey) {
    const std::uint32_t s = key & kSplatIndexMask;
    const int sx = static_cast<int>(s % static_cast<std::uint32_t>(w));
    const int sy = static_cast<int>(s / static_cast<std::uint32_t>(w));
    src = (sy / 2) * cw + sx / 2;
  }
  out_u[ci] = u[src];
  out_v[ci] = v[src];
}

dim3 rows_grid(int w, int h, int threads) { return dim3(static_cast<unsigned>((w + threads - 1) / threads), static_cast<unsigned>(h)); }

}  // namespace

cudaError_t downsample(const std::uint8_t* src, int src_w, int src_h, std::uint8_t* dst, int dst_w, int dst_h,
                       cudaStream_t stream) {
  downsample_kernel<<<rows_grid(dst_w, dst_h, kPixelThreads), kPixelThreads, 0, stream>>>(src, src_w, src_h, dst, dst_w, dst_h);
  return cudaGetLastError();
}

cudaError_t search_level(const std::uint8_t* cur, const std::uint8_t* prev, int w, int h, int block,
                         const MotionVector* parent, int parent_x, int parent_y, int radius, MotionVector* mv,
                         std::uint32_t* cost, int blocks_x, int blocks_y, cudaStream_t stream) {
  const int window = block + 2 * radius;
  const auto shared = static_cast<std::size_t>(block * block + window * window);
  search_kernel<<<dim3(static_cast<unsigned>(blocks_x), static_cast<unsigned>(blocks_y)), kSearchThreads, shared, stream>>>(
      cur, prev, w, h, block, parent, parent_x, parent_y, radius, mv, cost, blocks_x);
  return cudaGetLastError();
}

cudaError_t smooth(const MotionVector* raw, MotionVector* out, int blocks_x, int blocks_y,
                   unsigned long long* coherent, cudaStream_t stream) {
  const int n = blocks_x * blocks_y;
  smooth_kernel<<<static_cast<unsigned>((n + kPixelThreads - 1) / kPixelThreads), kPixelThreads, 0, stream>>>(
      raw, out, blocks_x, blocks_y, coherent);
  return cudaGetLastError();
}

cudaError_t block_costs(const std::uint8_t* cur, const std::uint8_t* prev, int w, int h, int block,
                        const MotionVector* mv, std::uint32_t* cost, int blocks_x, int blocks_y,
                        unsigned long long* residual, cudaStream_t stream) {
  cost_kernel<<<dim3(static_cast<unsigned>(blocks_x), static_cast<unsigned>(blocks_y)), kCostThreads, 0, stream>>>(
      cur, prev, w, h, block, mv, cost, blocks_x, residual);
  return cudaGetLastError();
}

cudaError_t texture(const std::uint8_t* plane, int w, int h, unsigned long long* sum, cudaStream_t stream) {
  texture_kernel<<<rows_grid(w, h, kPixelThreads), kPixelThreads, 0, stream>>>(plane, w, h, sum);
  return cudaGetLastError();
}

cudaError_t splat(const MotionVector* mv, const std::uint32_t* cost, int w, int h, int block, int blocks_x, int k,
                  std::uint32_t* keys, cudaStream_t stream) {
  splat_kernel<<<rows_grid(w, h, kPixelThreads), kPixelThreads, 0, stream>>>(mv, cost, w, h, block, blocks_x, k, keys);
  return cudaGetLastError();
}

cudaError_t resolve(const std::uint8_t* y, const std::uint8_t* u, const std::uint8_t* v, const std::uint32_t* keys,
                    int w, int h, std::uint8_t* out_y, std::uint8_t* out_u, std::uint8_t* out_v,
                    cudaStream_t stream) {
  resolve_luma_kernel<<<rows_grid(w, h, kPixelThreads), kPixelThreads, 0, stream>>>(y, keys, w, h, out_y);
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  resolve_chroma_kernel<<<rows_grid(w / 2, h / 2, kPixelThreads), kPixelThreads, 0, stream>>>(u, v, keys, w, h, out_u, out_v);
  return cudaGetLastError();
}

}  // namespace kinetic::mock::cuda::kernels
