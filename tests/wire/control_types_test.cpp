#include <gtest/gtest.h>

#include "kinetic/wire/control_types.hpp"

namespace kinetic::wire {
namespace {

TEST(ControlTypes, MessageTablesOfBothDrafts) {
  // draft-18 defines 19 message ids, draft-20 drops PUBLISH_OK and adds PUBLISH_STATE_NOTIFY.
  for (Version v : kSupportedVersions) {
    int defined = 0;
    for (std::uint64_t id = 0; id < 0x4000; ++id) defined += message_type_from_wire(v, id).has_value();
    EXPECT_EQ(defined, 19) << alpn(v);
  }
  EXPECT_EQ(message_type_from_wire(Version::kDraft18, 0x1E), MessageType::kPublishOk);
  EXPECT_FALSE(message_type_from_wire(Version::kDraft20, 0x1E));
  EXPECT_EQ(message_type_from_wire(Version::kDraft20, 0x22), MessageType::kPublishStateNotify);
  EXPECT_FALSE(message_type_from_wire(Version::kDraft18, 0x22));
  // Reserved ids of older drafts.
  for (std::uint64_t reserved : {0x01, 0x20, 0x21, 0x40, 0x41}) {
    EXPECT_FALSE(message_type_from_wire(Version::kDraft20, reserved));
  }
}

TEST(ControlTypes, NamesAndRequestStreams) {
  EXPECT_EQ(message_name(Version::kDraft18, MessageType::kPublishBlocked), "PUBLISH_BLOCKED");
  EXPECT_EQ(message_name(Version::kDraft20, MessageType::kPublishBlocked), "PUBLISH_SKIPPED");
  EXPECT_EQ(message_name(Version::kDraft20, MessageType::kSetup), "SETUP");
  int openers = 0;
  for (std::uint64_t id = 0; id < 0x4000; ++id) {
    if (auto t = message_type_from_wire(Version::kDraft20, id)) openers += opens_request_stream(*t);
  }
  EXPECT_EQ(openers, 7);  // TRACK_STATUS, SUBSCRIBE, PUBLISH, FETCH, PUBLISH_NAMESPACE, SUBSCRIBE_NAMESPACE/_TRACKS
}

}  // namespace
}  // namespace kinetic::wire
