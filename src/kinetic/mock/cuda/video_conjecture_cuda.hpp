// The CUDA video conjecture engine: the CPU engine's algorithm step for step on the GPU, with
// motion fields equal to the CPU's and pixels within ±1 (in practice equal: every step is
// integer arithmetic shared through video_algorithm.hpp).
#pragma once

#include <memory>

#include "kinetic/mock/video_conjecture.hpp"
#include "kinetic/mock/video_motion_field.hpp"

namespace kinetic::mock::cuda {

// True when the CUDA runtime reports at least one device.
bool video_device_available() noexcept;

class CudaVideoConjecturer final : public VideoConjecturer {
 public:
  ~CudaVideoConjecturer() override;

  void push_real(const Frame& frame) override;
  Conjecture predict(int k) override;
  void reset() override;
  [[nodiscard]] std::string_view backend() const override { return "cuda"; }

  // Copies of the device fields for the newest pair (nullptr while there is none, or after a
  // CUDA error), comparable block for block with CpuVideoConjecturer's.
  const video::MotionField* motion_field();
  const video::MotionField* raw_motion_field();
  float confidence();
  [[nodiscard]] std::uint64_t rejected_frames() const noexcept;
  // The first CUDA error met (cudaSuccess's name while none); after one the engine freezes.
  [[nodiscard]] const char* last_error() const noexcept;

 private:
  struct Impl;
  explicit CudaVideoConjecturer(std::unique_ptr<Impl> impl);
  friend std::unique_ptr<CudaVideoConjecturer> make_cuda_video_conjecturer(const VideoConjectureConfig& config);
  std::unique_ptr<Impl> impl_;
};

// nullptr when no device is present or the stream cannot be made.
std::unique_ptr<CudaVideoConjecturer> make_cuda_video_conjecturer(const VideoConjectureConfig& config);

}  // namespace kinetic::mock::cuda
