#include "kinetic/wire/data_errors.hpp"

#include <gtest/gtest.h>

namespace kinetic::wire {
namespace {

TEST(DataErrors, DecodingErrorsMapToSessionCloseCodes) {
  EXPECT_FALSE(data_error_close_code(need_more()).has_value());
  EXPECT_EQ(data_error_close_code({Errc::kProtocolViolation, ""}), 0x3u);
  EXPECT_EQ(data_error_close_code({Errc::kLimitExceeded, ""}), 0x3u);
  EXPECT_EQ(data_error_close_code({Errc::kUnknownMessage, ""}), 0x3u);
  EXPECT_EQ(data_error_close_code({Errc::kKeyValueFormatting, ""}), 0x6u);
  EXPECT_EQ(data_error_close_code({Errc::kBufferTooSmall, ""}), 0x1u);
}

}  // namespace
}  // namespace kinetic::wire
