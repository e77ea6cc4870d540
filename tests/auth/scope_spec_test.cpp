#include "kinetic/auth/scope_spec.hpp"

#include <gtest/gtest.h>

namespace kinetic::auth {
namespace {

TEST(ScopeSpec, ParsesActionsNamespaceAndTrack) {
  auto s = parse_scope_spec("publish-namespace,PUBLISH:demo/room-*/$:*-audio");
  ASSERT_TRUE(s) << s.error().what;
  EXPECT_TRUE(s->has(Action::kPublishNamespace) && s->has(Action::kPublish));
  EXPECT_FALSE(s->has(Action::kSubscribe));
  ASSERT_TRUE(s->namespace_match);
  EXPECT_EQ(*s->namespace_match,
            (std::vector<Match>{{MatchType::kExact, "demo"}, {MatchType::kPrefix, "room-"}}));
  EXPECT_TRUE(s->exact_length);
  EXPECT_EQ(s->track_match, (Match{MatchType::kSuffix, "-audio"}));
  EXPECT_TRUE(s->allows(Action::kPublish, {{"demo", "room-1"}}, "mic-audio"));
  EXPECT_FALSE(s->allows(Action::kPublish, {{"demo", "room-1", "x"}}, "mic-audio"));
  EXPECT_EQ(scope_to_spec(*s), "publish-namespace,publish:demo/room-*/$:*-audio");
}

TEST(ScopeSpec, AbsentPartsMeanEverything) {
  auto s = parse_scope_spec("subscribe,4,fetch");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->namespace_match);
  EXPECT_FALSE(s->track_match);
  EXPECT_TRUE(s->allows(Action::kFetch, {{"anything"}}, "at-all"));
  EXPECT_EQ(scope_to_spec(*s), "subscribe,fetch");
  auto all = parse_scope_spec("all::video");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->has(Action::kTrackStatus));
  EXPECT_FALSE(all->namespace_match);
  EXPECT_TRUE(all->allows(Action::kSubscribe, {{"x"}}, "video"));
  EXPECT_FALSE(all->allows(Action::kSubscribe, {{"x"}}, "audio"));
}

TEST(ScopeSpec, RefusesWhatItCannotRead) {
  for (const char* bad : {"", "watch:demo", "subscribe:a/$/b", "subscribe:a//b", "subscribe:a:b:c"}) {
    auto s = parse_scope_spec(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().code, TokenErrc::kMalformed);
  }
}

}  // namespace
}  // namespace kinetic::auth
