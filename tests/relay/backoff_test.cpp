#include "kinetic/relay/backoff.hpp"

#include <gtest/gtest.h>

namespace kinetic::relay {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, DoublesUpToTheMaximumAndStartsOverAfterASuccess) {
  Backoff b{100ms, 1s};
  EXPECT_EQ(b.next(), 100ms);
  EXPECT_EQ(b.next(), 200ms);
  EXPECT_EQ(b.next(), 400ms);
  EXPECT_EQ(b.next(), 800ms);
  EXPECT_EQ(b.next(), 1000ms);
  EXPECT_EQ(b.next(), 1000ms);
  b.reset();
  EXPECT_EQ(b.peek(), 100ms);
  EXPECT_EQ(b.next(), 100ms);
}

TEST(Backoff, NonsenseBoundsStillGivePositiveDelays) {
  Backoff zero{0ms, 0ms};
  EXPECT_EQ(zero.next(), 1ms);
  Backoff inverted{500ms, 100ms};
  EXPECT_EQ(inverted.next(), 500ms);
  EXPECT_EQ(inverted.next(), 500ms);
}

}  // namespace
}  // namespace kinetic::relay
