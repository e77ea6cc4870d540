#include <gtest/gtest.h>

#include "kinetic/wire/error_codes.hpp"

namespace kinetic::wire {
namespace {

TEST(ErrorCodes, GreaseValues) {
  EXPECT_TRUE(is_grease(0x9D));
  EXPECT_TRUE(is_grease(0x11C));
  EXPECT_TRUE(is_grease(0x3fffffffffffffdeull));
  EXPECT_FALSE(is_grease(0x9C));
  EXPECT_FALSE(is_grease(0x0));
}

TEST(ErrorCodes, SessionCodesPerVersion) {
  EXPECT_EQ(session_error_name(Version::kDraft18, 0x3), "PROTOCOL_VIOLATION");
  EXPECT_EQ(session_error_name(Version::kDraft20, 0x1A), "MALFORMED_AUTHORITY");
  EXPECT_EQ(session_error_name(Version::kDraft20, 0x1B), "TOO_MANY_REQUEST_UPDATES");
  EXPECT_EQ(session_error_name(Version::kDraft18, 0x1B), "");
  EXPECT_EQ(session_error_from_wire(Version::kDraft18, 0x1B), SessionError::kInternalError);
  EXPECT_EQ(session_error_from_wire(Version::kDraft20, 0x1B), SessionError::kTooManyRequestUpdates);
  EXPECT_EQ(session_error_name(Version::kDraft20, 0x7), "");  // unassigned
}

TEST(ErrorCodes, RequestErrorCodesPerVersion) {
  EXPECT_EQ(request_error_name(Version::kDraft18, 0x19), "DUPLICATE_SUBSCRIPTION");
  EXPECT_EQ(request_error_name(Version::kDraft20, 0x19), "");
  EXPECT_EQ(request_error_name(Version::kDraft20, 0x36), "INVALID_FILTER");
  EXPECT_EQ(request_error_name(Version::kDraft20, 0x35), "CONFLICTING_FILTERS");
  EXPECT_EQ(request_error_name(Version::kDraft18, 0x36), "");
  EXPECT_EQ(request_error_name(Version::kDraft18, 0x34), "REDIRECT");
  // Unknown codes, grease included, mean INTERNAL_ERROR and never a failure.
  EXPECT_EQ(request_error_from_wire(Version::kDraft20, 0x9D), RequestErrorCode::kInternalError);
  EXPECT_EQ(request_error_from_wire(Version::kDraft20, 0x11), RequestErrorCode::kInvalidRange);
}

TEST(ErrorCodes, PublishDoneAndStreamReset) {
  EXPECT_EQ(publish_done_name(Version::kDraft20, 0x8), "UPDATE_FAILED");
  EXPECT_EQ(publish_done_name(Version::kDraft18, 0x7), "");
  EXPECT_EQ(publish_done_from_wire(Version::kDraft18, 0x12), PublishDoneCode::kMalformedTrack);
  EXPECT_EQ(stream_reset_name(Version::kDraft18, 0x6), "UNKNOWN_OBJECT_STATUS");
  EXPECT_EQ(stream_reset_from_wire(Version::kDraft20, 0x8), StreamResetCode::kInternalError);
}

TEST(ErrorCodes, WireFailuresMapToSessionCodes) {
  EXPECT_EQ(session_error_for(Errc::kKeyValueFormatting), SessionError::kKeyValueFormattingError);
  EXPECT_EQ(session_error_for(Errc::kProtocolViolation), SessionError::kProtocolViolation);
  EXPECT_EQ(session_error_for(Errc::kUnknownMessage), SessionError::kProtocolViolation);
  EXPECT_EQ(session_error_for(Errc::kLimitExceeded), SessionError::kProtocolViolation);
}

}  // namespace
}  // namespace kinetic::wire
