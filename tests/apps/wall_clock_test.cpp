#include "wall_clock.hpp"

#include <gtest/gtest.h>

namespace kinetic::app {
namespace {

TEST(WallClock, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_utc_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc_ms(1764035226123), "2025-11-25T01:47:06.123Z");
  EXPECT_EQ(format_utc_ms(-1), "1969-12-31T23:59:59.999Z");
}

TEST(WallClock, ParsesWhatItFormats) {
  for (std::int64_t ms : {std::int64_t{0}, std::int64_t{1764035226123}, std::int64_t{951782400007}}) {
    EXPECT_EQ(parse_utc_ms(format_utc_ms(ms)), ms) << ms;
  }
  // Leading zeros in the milliseconds are decimal, not octal.
  EXPECT_EQ(parse_utc_ms("2025-11-25T01:47:06.089Z"), 1764035226089);
}

TEST(WallClock, RefusesAnythingElse) {
  EXPECT_FALSE(parse_utc_ms(""));
  EXPECT_FALSE(parse_utc_ms("2025-11-25T01:47:06Z"));
  EXPECT_FALSE(parse_utc_ms("2025-11-25T01:47:06.12Z"));
  EXPECT_FALSE(parse_utc_ms("2025-11-25 01:47:06.123Z"));
  EXPECT_FALSE(parse_utc_ms("2025-13-25T01:47:06.123Z"));
  EXPECT_FALSE(parse_utc_ms("2025-11-25T24:47:06.123Z"));
  EXPECT_FALSE(parse_utc_ms("2025-11-25T01:47:06.1a3Z"));
  EXPECT_FALSE(parse_utc_ms("2025-11-25T01:47:06.123Zjunk"));
}

TEST(WallClock, NowIsTheSystemClock) {
  const auto before = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const auto now = unix_us();
  EXPECT_GE(now, before);
  EXPECT_LT(now - before, 1'000'000);
  EXPECT_NEAR(static_cast<double>(unix_ms()), static_cast<double>(now / 1000), 1000.0);
}

}  // namespace
}  // namespace kinetic::app
