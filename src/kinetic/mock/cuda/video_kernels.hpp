// Launchers of the video conjecture kernels. Each mirrors one step of the CPU path
// (video_pyramid, video_motion_estimation, video_motion_field, video_warp) using the shared
// arithmetic of video_algorithm.hpp; all are asynchronous on `stream` and return the launch
// error, if any.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "kinetic/mock/video_algorithm.hpp"

namespace kinetic::mock::cuda::kernels {

using video::MotionVector;

cudaError_t downsample(const std::uint8_t* src, int src_w, int src_h, std::uint8_t* dst, int dst_w, int dst_h,
                       cudaStream_t stream);

// One CTA per block of `cur`: candidates are the ±radius windows around the parent
// predictors (or around zero when `parent` is null) plus the zero vector, the winner is
// the least candidate_key.
cudaError_t search_level(const std::uint8_t* cur, const std::uint8_t* prev, int w, int h, int block,
                         const MotionVector* parent, int parent_x, int parent_y, int radius, MotionVector* mv,
                         std::uint32_t* cost, int blocks_x, int blocks_y, cudaStream_t stream);

// 3x3 vector median; counts the blocks left unchanged into *coherent.
cudaError_t smooth(const MotionVector* raw, MotionVector* out, int blocks_x, int blocks_y,
                   unsigned long long* coherent, cudaStream_t stream);

// Full-resolution SAD of each block at its vector; the total is added to *residual.
cudaError_t block_costs(const std::uint8_t* cur, const std::uint8_t* prev, int w, int h, int block,
                        const MotionVector* mv, std::uint32_t* cost, int blocks_x, int blocks_y,
                        unsigned long long* residual, cudaStream_t stream);

// Sum of horizontal and vertical neighbour differences into *sum.
cudaError_t texture(const std::uint8_t* plane, int w, int h, unsigned long long* sum, cudaStream_t stream);

// Splat of every luma pixel k intervals ahead; `keys` must hold kHoleKey everywhere before.
cudaError_t splat(const MotionVector* mv, const std::uint32_t* cost, int w, int h, int block, int blocks_x, int k,
                  std::uint32_t* keys, cudaStream_t stream);

// Output planes from the winning sources; holes keep the newest frame's value.
cudaError_t resolve(const std::uint8_t* y, const std::uint8_t* u, const std::uint8_t* v, const std::uint32_t* keys,
                    int w, int h, std::uint8_t* out_y, std::uint8_t* out_u, std::uint8_t* out_v,
                    cudaStream_t stream);

}  // namespace kinetic::mock::cuda::kernels
