#include "kinetic/media/cmaf_mux.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "../process_fixture.hpp"
#include "kinetic/media/cmaf_demux.hpp"

namespace kinetic::media {
namespace {

using test::video_frames_in;

const std::string kClip = std::string(KINETIC_SOURCE_DIR) + "/assets/vtest_10s.mp4";

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(getpid()) + ".mp4")).string();
}

TEST(CmafMux, RemuxedClipHasEveryFrame) {
  if (std::system("ffprobe -version >/dev/null 2>&1") != 0) GTEST_SKIP() << "ffprobe not installed";
  auto d = CmafDemuxer::open_file(kClip);
  ASSERT_TRUE(d);
  const std::string out = temp_path("kinetic-mux");
  {
    auto m = CmafMuxer::open(out, (*d)->streams());
    ASSERT_TRUE(m) << m.error().what;
    for (;;) {
      auto p = (*d)->next();
      ASSERT_TRUE(p);
      if (!*p) break;
      ASSERT_TRUE((*m)->write(0, **p));
    }
    ASSERT_TRUE((*m)->finish());
    EXPECT_EQ((*m)->packets_written(), 100u);
  }
  EXPECT_EQ(video_frames_in(out), 100);
  std::filesystem::remove(out);
}

TEST(CmafMux, RefusesBadInput) {
  EXPECT_FALSE(CmafMuxer::open("/tmp/x.mp4", {}));
  auto d = CmafDemuxer::open_file(kClip);
  ASSERT_TRUE(d);
  const std::string out = temp_path("kinetic-mux-bad");
  auto m = CmafMuxer::open(out, (*d)->streams());
  ASSERT_TRUE(m);
  auto first = (*d)->next();
  ASSERT_TRUE(first && *first);
  EXPECT_FALSE((*m)->write(1, **first));  // no such stream
  Packet empty = **first;
  empty.data.clear();
  EXPECT_FALSE((*m)->write(0, empty));
  ASSERT_TRUE((*m)->write(0, **first));
  EXPECT_FALSE((*m)->write(0, **first));  // same DTS again
  ASSERT_TRUE((*m)->finish());
  EXPECT_FALSE((*m)->write(0, **first));
  std::filesystem::remove(out);
}

}  // namespace
}  // namespace kinetic::media
