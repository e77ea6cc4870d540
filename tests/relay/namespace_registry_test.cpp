#include "kinetic/relay/namespace_registry.hpp"

#include <gtest/gtest.h>

namespace kinetic::relay {
namespace {

using Kind = NamespaceNotice::Kind;

wire::TrackNamespace ns(std::initializer_list<const char*> fields) {
  wire::TrackNamespace out;
  for (const char* f : fields) out.fields.emplace_back(f);
  return out;
}

TEST(NamespaceRegistry, PublishNotifiesEveryCoveringPrefixWithItsSuffix) {
  NamespaceRegistry reg;
  ASSERT_TRUE(reg.subscribe(10, ns({})));
  ASSERT_TRUE(reg.subscribe(11, ns({"live"})));
  ASSERT_TRUE(reg.subscribe(12, ns({"live", "sports"})));
  ASSERT_TRUE(reg.subscribe(13, ns({"vod"})));

  auto notices = reg.publish(1, ns({"live", "sports", "match1"}));
  ASSERT_TRUE(notices);
  ASSERT_EQ(notices->size(), 3u);
  EXPECT_EQ((*notices)[0], (NamespaceNotice{Kind::kNamespace, 10, ns({}), ns({"live", "sports", "match1"})}));
  EXPECT_EQ((*notices)[1], (NamespaceNotice{Kind::kNamespace, 11, ns({"live"}), ns({"sports", "match1"})}));
  EXPECT_EQ((*notices)[2], (NamespaceNotice{Kind::kNamespace, 12, ns({"live", "sports"}), ns({"match1"})}));
}

TEST(NamespaceRegistry, SecondPublisherOfANamespaceIsNotAnnouncedAgain) {
  NamespaceRegistry reg;
  ASSERT_TRUE(reg.subscribe(10, ns({"live"})));
  EXPECT_EQ(reg.publish(1, ns({"live", "a"}))->size(), 1u);
  EXPECT_TRUE(reg.publish(2, ns({"live", "a"}))->empty());
  // NAMESPACE_DONE only when the last publisher leaves.
  EXPECT_TRUE(reg.withdraw(1, ns({"live", "a"})).empty());
  auto done = reg.withdraw(2, ns({"live", "a"}));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], (NamespaceNotice{Kind::kNamespaceDone, 10, ns({"live"}), ns({"a"})}));
  EXPECT_EQ(reg.published_count(), 0u);
}

TEST(NamespaceRegistry, PublisherIsNotEchoedItsOwnNamespace) {
  NamespaceRegistry reg;
  ASSERT_TRUE(reg.subscribe(1, ns({"live"})));
  EXPECT_TRUE(reg.publish(1, ns({"live", "a"}))->empty());
}

TEST(NamespaceRegistry, SubscribeListsExistingNamespacesAndPublishersToForwardTo) {
  NamespaceRegistry reg;
  ASSERT_TRUE(reg.publish(1, ns({"live"})));
  ASSERT_TRUE(reg.publish(2, ns({"live", "sports", "m1"})));
  ASSERT_TRUE(reg.publish(3, ns({"live", "sports", "m2"})));
  ASSERT_TRUE(reg.publish(4, ns({"vod", "x"})));

  auto sub = reg.subscribe(20, ns({"live", "sports"}));
  ASSERT_TRUE(sub);
  ASSERT_EQ(sub->existing.size(), 2u);
  EXPECT_EQ(sub->existing[0], ns({"m1"}));
  EXPECT_EQ(sub->existing[1], ns({"m2"}));
  // The publisher of the ancestor "live" may own tracks under the prefix too.
  EXPECT_EQ(sub->forward_to, (std::vector<SessionId>{1, 2, 3}));
}

TEST(NamespaceRegistry, OverlappingPrefixesOfOneSessionArePrefixOverlap) {
  NamespaceRegistry reg;
  ASSERT_TRUE(reg.subscribe(1, ns({"live"})));
  auto inner = reg.subscribe(1, ns({"live", "sports"}));
  ASSERT_FALSE(inner);
  EXPECT_EQ(inner.error().code, wire::RequestErrorCode::kPrefixOverlap);
  auto outer = reg.subscribe(1, ns({}));
  ASSERT_FALSE(outer);
  EXPECT_EQ(outer.error().code, wire::RequestErrorCode::kPrefixOverlap);
  // Disjoint prefixes and other sessions are fine.
  EXPECT_TRUE(reg.subscribe(1, ns({"vod"})));
  EXPECT_TRUE(reg.subscribe(2, ns({"live", "sports"})));
}

TEST(NamespaceRegistry, DuplicatePublishIsRefused) {
  NamespaceRegistry reg;
  ASSERT_TRUE(reg.publish(1, ns({"a"})));
  auto again = reg.publish(1, ns({"a"}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, wire::RequestErrorCode::kDuplicateSubscription);
}

TEST(NamespaceRegistry, InvalidNamespaceIsRefused) {
  NamespaceRegistry reg;
  wire::TrackNamespace bad;
  bad.fields.assign(33, "x");  // the draft allows at most 32 fields
  EXPECT_FALSE(reg.publish(1, bad));
  EXPECT_FALSE(reg.subscribe(1, bad));
  EXPECT_FALSE(reg.publish(1, ns({""})));  // empty field
}

TEST(NamespaceRegistry, LimitsPerSession) {
  NamespaceRegistry reg({.max_published_per_session = 2, .max_interests_per_session = 1});
  ASSERT_TRUE(reg.publish(1, ns({"a"})));
  ASSERT_TRUE(reg.publish(1, ns({"b"})));
  auto third = reg.publish(1, ns({"c"}));
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, wire::RequestErrorCode::kExcessiveLoad);
  EXPECT_TRUE(reg.publish(2, ns({"c"})));
  ASSERT_TRUE(reg.subscribe(1, ns({"x"})));
  EXPECT_EQ(reg.subscribe(1, ns({"y"})).error().code, wire::RequestErrorCode::kExcessiveLoad);
}

TEST(NamespaceRegistry, RouteTakesLongestPublishedPrefixAndSkipsTheAsker) {
  NamespaceRegistry reg;
  ASSERT_TRUE(reg.publish(1, ns({"live"})));
  ASSERT_TRUE(reg.publish(2, ns({"live", "sports"})));
  EXPECT_EQ(reg.route(ns({"live", "sports", "m1"})), 2u);
  EXPECT_EQ(reg.route(ns({"live", "news"})), 1u);
  EXPECT_EQ(reg.route(ns({"live", "sports"}), 2u), 1u);
  EXPECT_EQ(reg.route(ns({"vod"})), std::nullopt);
  // match() says how long the chosen prefix is.
  auto m = reg.match(ns({"live", "sports", "m1"}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->session, 2u);
  EXPECT_EQ(m->fields, 2u);
  m = reg.match(ns({"live", "sports"}), 2u);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->session, 1u);
  EXPECT_EQ(m->fields, 1u);
}

TEST(NamespaceRegistry, RemoveSessionWithdrawsAndForgetsInterests) {
  NamespaceRegistry reg;
  ASSERT_TRUE(reg.subscribe(10, ns({"live"})));
  ASSERT_TRUE(reg.subscribe(11, ns({})));
  ASSERT_TRUE(reg.publish(1, ns({"live", "a"})));
  ASSERT_TRUE(reg.publish(1, ns({"live", "b"})));

  auto done = reg.remove_session(1);
  EXPECT_EQ(done.size(), 4u);  // two namespaces, two interested sessions
  for (const auto& n : done) EXPECT_EQ(n.kind, Kind::kNamespaceDone);
  EXPECT_EQ(reg.route(ns({"live", "a"})), std::nullopt);

  EXPECT_TRUE(reg.remove_session(10).empty());
  EXPECT_EQ(reg.interested_in(ns({"live", "c"})), (std::vector<SessionId>{11}));
  // A removed session's prefix no longer overlaps anything.
  EXPECT_TRUE(reg.subscribe(10, ns({"live", "x"})));
}

TEST(NamespaceRegistry, UnsubscribeStopsNotices) {
  NamespaceRegistry reg;
  ASSERT_TRUE(reg.subscribe(10, ns({"live"})));
  EXPECT_TRUE(reg.unsubscribe(10, ns({"live"})));
  EXPECT_FALSE(reg.unsubscribe(10, ns({"live"})));
  EXPECT_TRUE(reg.publish(1, ns({"live", "a"}))->empty());
}

}  // namespace
}  // namespace kinetic::relay
