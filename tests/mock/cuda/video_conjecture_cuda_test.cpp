// The CUDA engine against the CPU engine on the same real frames: motion fields (raw and
// smoothed), costs and confidence exactly equal, pixels within ±1. Without a GPU (or
// without nvcc at build time) every test skips and says why.
#include <gtest/gtest.h>

#include <cstdlib>

#include "../video_test_frames.hpp"
#include "kinetic/mock/video_conjecture_cpu.hpp"

#if defined(KINETIC_HAVE_CUDA)
#include "kinetic/mock/cuda/video_conjecture_cuda.hpp"
#endif

namespace kinetic::mock {
namespace {

#if defined(KINETIC_HAVE_CUDA)

#define KINETIC_REQUIRE_GPU()                                                              \
  do {                                                                                     \
    if (!cuda::video_device_available())                                                   \
      GTEST_SKIP() << "SKIPPED: no CUDA device visible (cudaGetDeviceCount reports none); " \
                      "GPU kernels not checked against the CPU path";                       \
  } while (0)

struct Case {
  const char* name;
  Frame a, b;
};

std::vector<Case> cases() {
  const Frame vt = testing::load_data_frame("vtest_400x300.yuv");
  const Frame vt_next = testing::load_data_frame("vtest_400x300_next.yuv");
  const Frame mm = testing::load_data_frame("megamind_400x300.yuv");
  std::vector<Case> c;
  c.push_back({"shift 320x240", testing::window(vt, 40, 30, 320, 240), testing::window(vt, 36, 32, 320, 240)});
  c.push_back({"large shift 320x240", testing::window(vt, 60, 20, 320, 240), testing::window(vt, 39, 33, 320, 240)});
  c.push_back({"partial blocks 328x246", testing::window(vt, 30, 20, 328, 246), testing::window(vt, 33, 15, 328, 246)});
  c.push_back({"real motion 400x300", vt, vt_next});
  c.push_back({"scene cut 320x240", testing::window(vt, 0, 0, 320, 240), testing::window(mm, 0, 0, 320, 240)});
  const Frame big = testing::upscale(vt, 5, 1, 2000, 1500);
  c.push_back({"1920x1080", testing::window(big, 40, 210, 1920, 1080), testing::window(big, 30, 216, 1920, 1080)});
  const Frame huge = testing::upscale(vt, 10, 1, 3900, 2200);
  c.push_back({"3840x2160", testing::window(huge, 40, 20, 3840, 2160), testing::window(huge, 34, 24, 3840, 2160)});
  return c;
}

void expect_fields_equal(const video::MotionField& cpu, const video::MotionField& gpu, const char* what) {
  ASSERT_EQ(cpu.blocks_x, gpu.blocks_x) << what;
  ASSERT_EQ(cpu.blocks_y, gpu.blocks_y) << what;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    ASSERT_EQ(cpu.mv[i], gpu.mv[i]) << what << " block " << i << ": cpu (" << cpu.mv[i].dx << "," << cpu.mv[i].dy
                                    << ") gpu (" << gpu.mv[i].dx << "," << gpu.mv[i].dy << ")";
    ASSERT_EQ(cpu.cost[i], gpu.cost[i]) << what << " block " << i;
  }
}

std::size_t planes_off_by_more_than_one(const Frame& a, const Frame& b) {
  std::size_t bad = 0;
  auto cmp = [&](const std::vector<std::uint8_t>& x, const std::vector<std::uint8_t>& y) {
    for (std::size_t i = 0; i < x.size(); ++i) bad += std::abs(static_cast<int>(x[i]) - static_cast<int>(y[i])) > 1;
  };
  cmp(a.y, b.y);
  cmp(a.u, b.u);
  cmp(a.v, b.v);
  return bad;
}

TEST(CudaVideoConjecture, MatchesTheCpuPathExactly) {
  KINETIC_REQUIRE_GPU();
  for (const Case& c : cases()) {
    ASSERT_FALSE(c.a.empty()) << c.name;
    CpuVideoConjecturer cpu({});
    auto gpu = cuda::make_cuda_video_conjecturer({});
    ASSERT_NE(gpu, nullptr);
    for (const Frame* f : {&c.a, &c.b}) {
      cpu.push_real(*f);
      gpu->push_real(*f);
    }
    const auto* cr = cpu.raw_motion_field();
    const auto* gr = gpu->raw_motion_field();
    ASSERT_NE(cr, nullptr);
    ASSERT_NE(gr, nullptr) << c.name << ": " << gpu->last_error();
    expect_fields_equal(*cr, *gr, c.name);
    expect_fields_equal(*cpu.motion_field(), *gpu->motion_field(), c.name);
    EXPECT_EQ(cpu.confidence(), gpu->confidence()) << c.name;
    for (int k : {1, 2}) {
      const Conjecture pc = cpu.predict(k);
      const Conjecture pg = gpu->predict(k);
      EXPECT_EQ(pc.fell_back, pg.fell_back) << c.name;
      EXPECT_EQ(pc.frame.pts_us, pg.frame.pts_us) << c.name;
      ASSERT_TRUE(pc.frame.same_size(pg.frame)) << c.name;
      EXPECT_EQ(planes_off_by_more_than_one(pc.frame, pg.frame), 0u) << c.name << " k=" << k;
    }
    EXPECT_STREQ(gpu->last_error(), "cudaSuccess");
  }
}

TEST(CudaVideoConjecture, FactoryPrefersTheGpu) {
  KINETIC_REQUIRE_GPU();
  EXPECT_EQ(make_video_conjecturer({}, true)->backend(), "cuda");
  EXPECT_EQ(make_video_conjecturer({}, false)->backend(), "cpu");
}

TEST(CudaVideoConjecture, RefusesMalformedFramesAndSurvivesSizeChanges) {
  KINETIC_REQUIRE_GPU();
  auto gpu = cuda::make_cuda_video_conjecturer({});
  ASSERT_NE(gpu, nullptr);
  Frame odd(322, 240);
  odd.width = 321;
  gpu->push_real(odd);
  gpu->push_real(Frame{});
  EXPECT_EQ(gpu->rejected_frames(), 2u);
  EXPECT_TRUE(gpu->predict(1).frame.empty());
  const Frame vt = testing::load_data_frame("vtest_400x300.yuv");
  gpu->push_real(testing::window(vt, 0, 0, 160, 120));
  gpu->push_real(testing::window(vt, 2, 0, 160, 120));
  EXPECT_NE(gpu->motion_field(), nullptr);
  gpu->push_real(testing::window(vt, 0, 0, 400, 300));  // larger: buffers grow
  EXPECT_EQ(gpu->motion_field(), nullptr);
  gpu->push_real(testing::window(vt, 0, 2, 400, 300));
  EXPECT_FALSE(gpu->predict(1).frame.empty());
  EXPECT_STREQ(gpu->last_error(), "cudaSuccess");
}

#else

TEST(CudaVideoConjecture, MatchesTheCpuPathExactly) {
  GTEST_SKIP() << "SKIPPED: built without CUDA (nvcc not found or KINETIC_CUDA=OFF); GPU path not checked";
}

#endif

}  // namespace
}  // namespace kinetic::mock
