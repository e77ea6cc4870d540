// Reading a play log's arrivals back, and mapping them onto the clip's frames.
#include "play_arrivals.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kinetic/mock/impairment.hpp"

namespace kinetic::app {
namespace {

TEST(PlayArrivals, ReadsTheTracksArrivalLinesOnly) {
  const auto path = std::filesystem::temp_directory_path() / ("kinetic-arrivals-" + std::to_string(getpid()) + ".jsonl");
  {
    std::ofstream f(path);
    f << R"({"type":"slot","track":"video0","shown":"real"})" << "\n"
      << R"({"type":"arrival","track":"video0","pts_us":100000,"capture_us":5000000,"arrival_us":5040000})" << "\n"
      << R"({"type":"arrival","track":"audio0","pts_us":100000,"capture_us":5000000,"arrival_us":5090000})" << "\n"
      << R"({"type":"arrival","track":"video0","pts_us":200000,"capture_us":-1,"arrival_us":5140000})" << "\n";
  }
  auto r = read_arrivals(path.string(), "video0");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].arrival_us - (*r)[0].capture_us, 40'000);
  {
    std::ofstream f(path, std::ios::app);
    f << "not json\n";
  }
  EXPECT_FALSE(read_arrivals(path.string(), "video0"));
  EXPECT_FALSE(read_arrivals("/nonexistent/log.jsonl", "video0"));
  std::filesystem::remove(path);
}

TEST(PlayArrivals, MapsLoopedTimestampsOntoClipFramesFirstRecordWins) {
  // A 4-frame clip at 100 ms; the log starts mid-clip and wraps into the next loop.
  const std::vector<RecordedArrival> records{{200'000, 0, 30'000},
                                             {300'000, 0, 40'000},
                                             {400'000, 0, 50'000},   // loop 2, frame 0
                                             {600'000, 0, 70'000},   // loop 2, frame 2 again: ignored
                                             {500'000, 0, 60'000}};  // loop 2, frame 1
  std::size_t matched = 0;
  const auto d = delays_for_clip(records, 4, 100'000, matched);
  EXPECT_EQ(matched, 4u);
  EXPECT_EQ(d, (std::vector<std::int64_t>{50'000, 60'000, 30'000, 40'000}));
  const auto sparse = delays_for_clip({{0, 0, 10}}, 3, 100'000, matched);
  EXPECT_EQ(matched, 1u);
  EXPECT_EQ(sparse[1], mock::kNeverArrives);
}

}  // namespace
}  // namespace kinetic::app
