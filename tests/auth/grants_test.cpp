#include "kinetic/auth/grants.hpp"

#include <gtest/gtest.h>

namespace kinetic::auth {
namespace {

wire::TrackNamespace ns(std::vector<std::string> f) { return {std::move(f)}; }

Scope scope(std::initializer_list<Action> actions, std::optional<std::vector<Match>> ns_match, bool exact_length,
            std::optional<Match> track) {
  Scope s;
  for (auto a : actions) s.add(a);
  s.namespace_match = std::move(ns_match);
  s.exact_length = exact_length;
  s.track_match = std::move(track);
  return s;
}

const Match kExample{MatchType::kExact, "example"};
const Match kCom{MatchType::kExact, "com"};

// draft-ietf-moq-c4m §"Text examples": exact namespace with nil, exact track.
TEST(Grants, ExactMatchExample) {
  Grants g;
  g.scopes.push_back(scope({Action::kPublishNamespace, Action::kSubscribeNamespace, Action::kPublish, Action::kFetch},
                           std::vector<Match>{kExample, kCom}, true, Match{MatchType::kExact, "/bob"}));
  EXPECT_TRUE(g.allows(Action::kPublish, ns({"example", "com"}), "/bob"));
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"example", "com"}), ""));
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"example", "com"}), "/bob/123"));
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"alternate", "example", "com"}), "/bob"));
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"example"}), "com/bob"));
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"example", "com", ""}), "/bob"));
  EXPECT_FALSE(g.allows(Action::kSubscribe, ns({"example", "com"}), "/bob"));  // action not listed
}

TEST(Grants, PrefixOnAFieldAndOpenLength) {
  Grants g;
  g.scopes.push_back(scope({Action::kPublish}, std::vector<Match>{kExample, {MatchType::kPrefix, "user-"}}, true,
                           Match{MatchType::kExact, "/data"}));
  EXPECT_TRUE(g.allows(Action::kPublish, ns({"example", "user-alice"}), "/data"));
  EXPECT_TRUE(g.allows(Action::kPublish, ns({"example", "user-"}), "/data"));
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"example", "USER-alice"}), "/data"));
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"example", "user-alice", "extra"}), "/data"));
  Grants open;
  open.scopes.push_back(scope({Action::kFetch}, std::vector<Match>{kExample, kCom}, false, std::nullopt));
  EXPECT_TRUE(open.allows(Action::kFetch, ns({"example", "com", "bob"}), "anything"));
  EXPECT_FALSE(open.allows(Action::kFetch, ns({"12345"}), ""));
}

TEST(Grants, SuffixTrackMatchAndNamespaceOnlyActions) {
  Grants g;
  g.scopes.push_back(scope({Action::kPublish, Action::kPublishNamespace}, std::vector<Match>{kExample, kCom}, true,
                           Match{MatchType::kSuffix, ".json"}));
  EXPECT_TRUE(g.allows(Action::kPublish, ns({"example", "com"}), "/api/response.json"));
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"example", "com"}), "data.json.bak"));
  EXPECT_FALSE(g.allows(Action::kPublish, ns({"example", "com"}), "json"));
  // PUBLISH_NAMESPACE names no track: the track match does not apply.
  EXPECT_TRUE(g.allows(Action::kPublishNamespace, ns({"example", "com"})));
}

TEST(Grants, NoScopeAllowsNothing) {
  Grants g;
  EXPECT_FALSE(g.allows(Action::kSubscribe, ns({"demo"}), "video"));
}

TEST(Grants, ActionNamesAndPaths) {
  EXPECT_EQ(action_from_name("subscribe-namespace"), Action::kSubscribeNamespace);
  EXPECT_EQ(action_from_name("TRACK_STATUS"), Action::kTrackStatus);
  EXPECT_EQ(action_from_name("6"), Action::kPublish);
  EXPECT_FALSE(action_from_name("9"));
  EXPECT_FALSE(action_from_name("announce"));
  EXPECT_STREQ(action_name(Action::kFetch), "FETCH");
  EXPECT_EQ(path_fields("/demo//alice/"), (std::vector<std::string>{"demo", "alice"}));
  EXPECT_TRUE(path_fields("").empty());
}

}  // namespace
}  // namespace kinetic::auth
