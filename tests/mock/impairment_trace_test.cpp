#include "kinetic/mock/impairment_trace.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kinetic::mock {
namespace {

std::string error_of(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_impairment_trace(text, error).has_value()) << text;
  return error;
}

TEST(ImpairmentTrace, ParsesStepsCommentsAndBlankLines) {
  std::string error;
  const auto steps = parse_impairment_trace(
      "# at_ms delay_ms jitter_ms loss_pct rate_kbps\n"
      "\n"
      "0 20 5 0 0\n"
      "   10000\t80  30 2.5 1500   # a handover\r\n"
      "12000 20 5 0 0",
      error);
  ASSERT_TRUE(steps.has_value()) << error;
  ASSERT_EQ(steps->size(), 3u);
  EXPECT_EQ((*steps)[0], (TraceStep{0, 20, 5, 0, 0}));
  EXPECT_EQ((*steps)[1], (TraceStep{10000, 80, 30, 2.5, 1500}));
  EXPECT_EQ((*steps)[2], (TraceStep{12000, 20, 5, 0, 0}));
}

TEST(ImpairmentTrace, BadLinesNameTheirLineAndProblem) {
  EXPECT_EQ(error_of("0 20 5 0\n"), "line 1: expected 5 numbers (at_ms delay_ms jitter_ms loss_pct rate_kbps), found 4");
  EXPECT_EQ(error_of("# header\n0 20 5 0 0 7\n"),
            "line 2: expected 5 numbers (at_ms delay_ms jitter_ms loss_pct rate_kbps), found 6");
  EXPECT_EQ(error_of("0 20ms 5 0 0\n"), "line 1: delay_ms '20ms' is not a number");
  EXPECT_EQ(error_of("0 20 5 nan 0\n"), "line 1: loss_pct 'nan' is not a number");
  EXPECT_EQ(error_of("0 20 5 0 inf\n"), "line 1: rate_kbps 'inf' is not a number");
  EXPECT_EQ(error_of("0 -1 5 0 0\n"), "line 1: delay_ms must not be negative");
  EXPECT_EQ(error_of("0 20 5 101 0\n"), "line 1: loss_pct must be at most 100");
  EXPECT_EQ(error_of("0.5 20 5 0 0\n"), "line 1: at_ms must be a whole number of ms up to one day");
  EXPECT_EQ(error_of("0 70000 5 0 0\n"), "line 1: delay_ms and jitter_ms must be at most 60000");
  EXPECT_EQ(error_of("0 20 5 0 0.5\n"), "line 1: rate_kbps must be 0 (unlimited) or 1..100000000");
  EXPECT_EQ(error_of("1000 20 5 0 0\n1000 30 5 0 0\n"), "line 2: at_ms 1000 does not come after the previous line's 1000");
  EXPECT_EQ(error_of("\n\n500 20 5 0 0\n100 30 5 0 0\n"), "line 4: at_ms 100 does not come after the previous line's 500");
}

TEST(ImpairmentTrace, EmptyScheduleIsAnError) {
  EXPECT_EQ(error_of(""), "no steps: expected lines of 'at_ms delay_ms jitter_ms loss_pct rate_kbps'");
  EXPECT_FALSE(error_of("# only a comment\n\n").empty());
}

TEST(ImpairmentTrace, BinaryGarbageIsRejectedNotCrashed) {
  const std::string garbage("\x01\x02\xff 3 4 5 6\n\0\0", 16);
  EXPECT_NE(error_of(garbage).find("line 1"), std::string::npos);
}

}  // namespace
}  // namespace kinetic::mock
