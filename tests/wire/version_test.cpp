#include <gtest/gtest.h>

#include "kinetic/wire/version.hpp"

namespace kinetic::wire {
namespace {

TEST(Version, AlpnTokens) {
  EXPECT_EQ(alpn(Version::kDraft18), "moqt-18");
  EXPECT_EQ(alpn(Version::kDraft20), "moqt-20");
  EXPECT_EQ(version_from_alpn("moqt-20"), Version::kDraft20);
  EXPECT_EQ(version_from_alpn("moqt-18"), Version::kDraft18);
  EXPECT_EQ(version_from_alpn("moqt-21"), Version::kDraft21);
  EXPECT_EQ(version_from_alpn("moqt-22"), Version::kDraft22);
  EXPECT_FALSE(version_from_alpn("moqt-19"));
  EXPECT_FALSE(version_from_alpn("moqt-23"));
  EXPECT_FALSE(version_from_alpn("h3"));
}

TEST(Version, FeaturesFollowTheChangelog) {
  const auto& d18 = features(Version::kDraft18);
  const auto& d20 = features(Version::kDraft20);
  // "Remove Request ID from GOAWAY (#1623)"
  EXPECT_TRUE(d18.goaway_request_id);
  EXPECT_FALSE(d20.goaway_request_id);
  // "Rename PUBLISH_BLOCKED to PUBLISH_SKIPPED (#1779)"
  EXPECT_EQ(d18.type_0f_name, "PUBLISH_BLOCKED");
  EXPECT_EQ(d20.type_0f_name, "PUBLISH_SKIPPED");
  // "Move GROUP_ORDER from PUBLISH_OK to SUBSCRIBE_TRACKS (#1777)"
  EXPECT_FALSE(d18.group_order_in_subscribe_tracks);
  EXPECT_TRUE(d20.group_order_in_subscribe_tracks);
  // "Add Range Filters (#1765)", "Add MAX_REQUEST_UPDATES Setup Option (#1613)"
  EXPECT_TRUE(d20.range_filters && d20.setup_max_filter_ranges && d20.setup_max_request_updates);
  EXPECT_FALSE(d18.range_filters || d18.setup_max_filter_ranges || d18.setup_max_request_updates);
  EXPECT_EQ(d18.stream_count_unknown, (1ull << 62) - 1);
  EXPECT_EQ(d20.stream_count_unknown, ~0ull);
  EXPECT_TRUE(d18.publish_ok_message && !d20.publish_ok_message);
  EXPECT_TRUE(d20.publish_state_notify && !d18.publish_state_notify);
}

// Drafts 21 and 22 changed no wire format: they negotiate as their own ALPN tokens and
// encode exactly as draft 20.
TEST(Version, Drafts21And22AreWireIdenticalTo20) {
  const auto& d20 = features(Version::kDraft20);
  for (Version v : {Version::kDraft21, Version::kDraft22}) {
    EXPECT_EQ(&features(v), &d20) << alpn(v);
  }
  EXPECT_EQ(supported_alpns(), (std::vector<std::string>{"moqt-22", "moqt-21", "moqt-20", "moqt-18"}));
}

}  // namespace
}  // namespace kinetic::wire
