#include "kinetic/base/shared_bytes.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

namespace kinetic {
namespace {

TEST(SharedBytes, SlicesShareTheOwnerWithoutCopying) {
  SharedBytes whole = SharedBytes::copy(std::string_view("0123456789"));
  SharedBytes mid = whole.slice(3, 4);
  EXPECT_EQ(mid.size(), 4u);
  EXPECT_EQ(mid.data(), whole.data() + 3);
  EXPECT_EQ(whole.use_count(), 2);
  EXPECT_EQ(mid, SharedBytes::copy(std::string_view("3456")));
}

TEST(SharedBytes, OnlyAdjacentViewsOfOneOwnerAreOneRun) {
  SharedBytes whole = SharedBytes::copy(std::string_view("0123456789"));
  EXPECT_TRUE(whole.slice(0, 4).followed_by(whole.slice(4, 3)));
  EXPECT_FALSE(whole.slice(0, 4).followed_by(whole.slice(5, 3)));
  SharedBytes other = SharedBytes::copy(std::string_view("456"));
  EXPECT_FALSE(whole.slice(0, 4).followed_by(other));
  EXPECT_FALSE(SharedBytes().followed_by(whole));
  EXPECT_EQ(whole.slice(2, 2).joined(whole.slice(4, 3)), SharedBytes::copy(std::string_view("23456")));
}

TEST(SharedBytes, EqualityComparesContentNotIdentity) {
  EXPECT_EQ(SharedBytes::copy(std::string_view("abc")), SharedBytes::copy(std::string_view("abc")));
  EXPECT_NE(SharedBytes::copy(std::string_view("abc")), SharedBytes::copy(std::string_view("abd")));
  EXPECT_NE(SharedBytes::copy(std::string_view("abc")), SharedBytes::copy(std::string_view("ab")));
  EXPECT_TRUE(SharedBytes().empty());
}

// Relay workers hand the same payload to each other's threads: the owner must be released
// exactly once however the references are dropped.
TEST(SharedBytes, ReferencesMayBeDroppedOnOtherThreads) {
  SharedBytes payload(std::vector<std::uint8_t>(1000, 7));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([copy = payload] {
      for (int i = 0; i < 1000; ++i) {
        SharedBytes s = copy.slice(static_cast<std::size_t>(i % 10), 10);
        ASSERT_EQ(s.data()[0], 7);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(payload.use_count(), 1);
}

}  // namespace
}  // namespace kinetic
