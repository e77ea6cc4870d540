#include "kinetic/webrtc/namespace_path.hpp"

#include <gtest/gtest.h>

namespace kinetic::webrtc {
namespace {

TEST(NamespacePath, FieldsSplitOnSlash) {
  auto ns = namespace_from_path("live/cam-1/v2.0_x");
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->fields, (std::vector<std::string>{"live", "cam-1", "v2.0_x"}));
}

TEST(NamespacePath, RefusesWhatAUrlCouldSmuggle) {
  for (const char* bad : {"", "/a", "a/", "a//b", "a/../b", "..", ".", "a b", "a%2Fb", "a?b", "caf\xc3\xa9"}) {
    EXPECT_FALSE(namespace_from_path(bad)) << bad;
  }
  EXPECT_FALSE(namespace_from_path(std::string(257, 'a')));
  EXPECT_TRUE(namespace_from_path(std::string(256, 'a')));
}

}  // namespace
}  // namespace kinetic::webrtc
