#include "kinetic/wire/data_errors.hpp"

#include <gtest/gtest.h>

namespace kinetic::wire {
namespace {

TEST(DataErrors, DecodingErrorsMapToSessionCloseCodes) {
  EXPECT_FALSE(data_error_close_code(need_more()).has_value());
  EXPECT_EQ(data_error_close_code({Errc::kProtocolViolation, ""}), SessionError::kProtocolViolation);
  EXPECT_EQ(data_error_close_code({Errc::kLimitExceeded, ""}), SessionError::kProtocolViolation);
  EXPECT_EQ(data_error_close_code({Errc::kUnknownMessage, ""}), SessionError::kProtocolViolation);
  EXPECT_EQ(data_error_close_code({Errc::kKeyValueFormatting, ""}), SessionError::kKeyValueFormattingError);
  EXPECT_EQ(data_error_close_code({Errc::kBufferTooSmall, ""}), SessionError::kInternalError);
  // The wire values the session sends (draft-18 §15.10.1).
  EXPECT_EQ(static_cast<std::uint64_t>(*data_error_close_code({Errc::kProtocolViolation, ""})), 0x3u);
  EXPECT_EQ(static_cast<std::uint64_t>(*data_error_close_code({Errc::kKeyValueFormatting, ""})), 0x6u);
}

TEST(DataErrors, StreamResetCodesOfTheDataPlane) {
  // The codes a data stream is reset with (draft-18 §3.3.3), the same in both drafts.
  for (Version v : {Version::kDraft18, Version::kDraft20}) {
    EXPECT_EQ(stream_reset_from_wire(v, 0x2), StreamResetCode::kDeliveryTimeout);
    EXPECT_EQ(stream_reset_from_wire(v, 0x5), StreamResetCode::kTooFarBehind);
    EXPECT_EQ(stream_reset_from_wire(v, 0x6), StreamResetCode::kUnknownObjectStatus);
    EXPECT_EQ(stream_reset_from_wire(v, 0x12), StreamResetCode::kMalformedTrack);
    EXPECT_EQ(stream_reset_from_wire(v, 0x9D), StreamResetCode::kInternalError);  // grease
  }
}

}  // namespace
}  // namespace kinetic::wire
