#include "kinetic/media/cmaf_demux.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace kinetic::media {
namespace {

const std::string kClip = std::string(KINETIC_SOURCE_DIR) + "/assets/vtest_10s.mp4";

TEST(CmafDemux, ReadsEveryFrameOfTheClip) {
  auto d = CmafDemuxer::open_file(kClip);
  ASSERT_TRUE(d) << d.error().what;
  ASSERT_EQ((*d)->streams().size(), 1u);
  const StreamInfo& s = (*d)->streams()[0];
  EXPECT_EQ(s.kind, StreamKind::kVideo);
  EXPECT_EQ(s.codec_name, "h264");
  EXPECT_EQ(s.width, 768);
  EXPECT_EQ(s.height, 576);
  EXPECT_GT(s.timescale, 0u);
  EXPECT_FALSE(s.extradata.empty());
  int frames = 0;
  int keys = 0;
  std::int64_t last_pts = -1;
  for (;;) {
    auto p = (*d)->next();
    ASSERT_TRUE(p) << p.error().what;
    if (!*p) break;
    EXPECT_GT((*p)->pts, last_pts);  // no B-frames in the clip
    last_pts = (*p)->pts;
    EXPECT_FALSE((*p)->data.empty());
    if ((*p)->keyframe) ++keys;
    if (frames == 0) {
      EXPECT_TRUE((*p)->keyframe);
    }
    ++frames;
  }
  EXPECT_EQ(frames, 100);  // 10 s at 10 fps
  EXPECT_EQ(keys, 10);     // -g 10
}

TEST(CmafDemux, ReadsAPipeThroughItsOwnIo) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int in = open(kClip.c_str(), O_RDONLY);
    char buf[8192];
    ssize_t n;
    close(fds[0]);
    while (in >= 0 && (n = read(in, buf, sizeof buf)) > 0) {
      if (write(fds[1], buf, static_cast<std::size_t>(n)) != n) break;
    }
    _exit(0);
  }
  close(fds[1]);
  auto d = CmafDemuxer::open_fd(fds[0]);
  ASSERT_TRUE(d) << d.error().what;
  int frames = 0;
  for (;;) {
    auto p = (*d)->next();
    ASSERT_TRUE(p);
    if (!*p) break;
    ++frames;
  }
  EXPECT_EQ(frames, 100);
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
}

TEST(CmafDemux, RefusesWhatIsNotMedia) {
  EXPECT_FALSE(CmafDemuxer::open_file("/nonexistent/clip.mp4"));
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string junk(4096, 'x');
  ASSERT_EQ(write(fds[1], junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
  close(fds[1]);
  EXPECT_FALSE(CmafDemuxer::open_fd(fds[0]));
  close(fds[0]);
}

}  // namespace
}  // namespace kinetic::media
