#include "kinetic/auth/cbor_bounds.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace kinetic::auth {
namespace {

bool ok(std::vector<std::uint8_t> b) { return cbor_within_bounds(b); }

TEST(CborBounds, AcceptsWellFormedDefiniteItems) {
  EXPECT_TRUE(ok({0x00}));
  EXPECT_TRUE(ok({0xa0}));                                // {}
  EXPECT_TRUE(ok({0x82, 0x01, 0x41, 0x61}));              // [1, h'61']
  EXPECT_TRUE(ok({0xa1, 0x19, 0x01, 0x48, 0xf9, 0x5c, 0xb0}));  // {328: 300.0 (half float)}
  EXPECT_TRUE(ok({0xc1, 0x1a, 0x65, 0x55, 0x42, 0x80}));  // tag 1
  EXPECT_TRUE(ok({0x81, 0xf6}));                          // [nil]
}

TEST(CborBounds, RefusesSizesTheBytesCannotHold) {
  EXPECT_FALSE(ok({0x9b, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00}));  // array of 2^35
  EXPECT_FALSE(ok({0xbb, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00}));  // map of 2^35
  EXPECT_FALSE(ok({0x5a, 0xff, 0xff, 0xff, 0xff}));                          // 4 GiB byte string
  EXPECT_FALSE(ok({0x83, 0x01, 0x02}));                                      // array short of items
  EXPECT_FALSE(ok({0xa1, 0x01}));                                            // map short of a value
}

TEST(CborBounds, RefusesIndefiniteReservedTrailingAndDeepItems) {
  EXPECT_FALSE(ok({0x9f, 0x01, 0xff}));  // indefinite array
  EXPECT_FALSE(ok({0x1c}));              // reserved additional info
  EXPECT_FALSE(ok({0xff}));              // lone break
  EXPECT_FALSE(ok({0x01, 0x02}));        // trailing bytes
  EXPECT_FALSE(ok({}));
  std::vector<std::uint8_t> deep(40, 0x81);
  deep.push_back(0x00);
  EXPECT_FALSE(cbor_within_bounds(deep));
  EXPECT_TRUE(cbor_within_bounds(deep, 64));
}

}  // namespace
}  // namespace kinetic::auth
