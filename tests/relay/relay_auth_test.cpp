// Authorization at the relay over the memory transport on simulated time: token sources
// (URL query, SETUP, the request itself), each checked action allowed and refused per grant,
// a sibling namespace, forged signatures, unknown key ids, malformed tokens, expiry in the middle
// of a live session, and a relay presenting its token to its parent.
#include "kinetic/relay/relay_auth.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "../moqt/moqt_fixture.hpp"
#include "kinetic/auth/cat.hpp"
#include "kinetic/auth/cwt.hpp"
#include "kinetic/auth/jwt.hpp"
#include "kinetic/auth/scope_spec.hpp"
#include "kinetic/relay/relay.hpp"

namespace kinetic::relay {
namespace {

using namespace moqt::testing;
using auth::Action;
using wire::RequestErrorCode;
using wire::SessionError;

std::int64_t wall_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

constexpr std::uint64_t code(RequestErrorCode c) { return static_cast<std::uint64_t>(c); }
constexpr std::uint64_t code(SessionError c) { return static_cast<std::uint64_t>(c); }

struct Client {
  std::shared_ptr<moqt::Session> session;
  std::unique_ptr<RecordingSessionHandler> handler = std::make_unique<RecordingSessionHandler>();
};

struct RecordingPublish : moqt::ServedSubscriptionHandler {
  void on_accepted(moqt::ServedSubscription&) override { accepted = true; }
  void on_error(moqt::ServedSubscription&, const moqt::RequestErrorInfo& e) override { error = e; }
  bool accepted = false;
  std::optional<moqt::RequestErrorInfo> error;
};

class RelayAuthTest : public ::testing::Test {
 protected:
  RelayAuthTest() {
    config.track_linger_ms = 0;
    key = *auth::generate_jwk(auth::KeyAlg::kEs256, "relay-key");
    hmac = *auth::generate_jwk(auth::KeyAlg::kHs256, "cat-key");
    verifier = std::make_shared<auth::TokenVerifier>(std::vector<auth::Jwk>{key.public_part(), hmac});
    relay.set_auth(verifier);
  }

  std::string jwt(std::optional<std::vector<std::string>> put, std::optional<std::vector<std::string>> get,
                  std::int64_t lifetime = 3600, const auth::Jwk* signer = nullptr) {
    auth::JwtClaims c;
    c.root = "demo";
    c.publish = std::move(put);
    c.subscribe = std::move(get);
    c.exp = wall_now() + lifetime;
    return *auth::mint_jwt(c, signer ? *signer : key);
  }

  Client connect_to(Relay& r, std::vector<moqt::AuthToken> setup_tokens, std::string path = "/moq",
                    std::string webtransport_path = {}) {
    transport::memory::LinkConfig link;
    link.protocol = "moqt-20";
    link.path = std::move(webtransport_path);
    auto pair = network.pair(link);
    Client c;
    moqt::SessionOptions o;
    o.perspective = moqt::Perspective::kClient;
    o.path = std::move(path);
    o.setup_tokens = std::move(setup_tokens);
    c.session = moqt::Session::create(pair.client, o, c.handler.get());
    EXPECT_TRUE(r.accept(pair.server));
    loop.run_until([&] { return c.handler->ready || c.handler->closed; }, 1s);
    loop.run_for(50ms);
    return c;
  }
  Client connect(std::vector<moqt::AuthToken> setup_tokens, std::string path = "/moq") {
    return connect_to(relay, std::move(setup_tokens), std::move(path));
  }

  // A publisher for demo/alice that accepts every SUBSCRIBE.
  Client alice_publisher() {
    auto p = connect({auth_token_param(jwt(std::vector<std::string>{"alice"}, std::nullopt))});
    p.handler->on_sub = [this](moqt::ServedSubscription& s) {
      s.accept({});
      served.push_back(s.shared_from_this());
    };
    announce = p.session->publish_namespace({{"demo", "alice"}}, &announced);
    EXPECT_TRUE(loop.run_until([&] { return announced.ok; }, 1s));
    return p;
  }

  std::optional<moqt::RequestErrorInfo> subscribe(Client& c, moqt::FullTrackName name,
                                                  std::vector<moqt::AuthToken> tokens = {}) {
    recs.push_back(std::make_unique<RecordingSubscription>());
    auto* rec = recs.back().get();
    moqt::SubscribeOptions o;
    o.tokens = std::move(tokens);
    subs.push_back(c.session->subscribe(name, o, rec));
    EXPECT_TRUE(loop.run_until([&] { return rec->ok || rec->error.has_value(); }, 1s));
    return rec->error;
  }

  std::optional<moqt::RequestErrorInfo> request(Client& c, Action a, moqt::FullTrackName name) {
    reqs.push_back(std::make_unique<RecordingRequest>());
    auto* rec = reqs.back().get();
    switch (a) {
      case Action::kPublishNamespace: outgoing.push_back(c.session->publish_namespace(name.track_namespace, rec)); break;
      case Action::kSubscribeNamespace:
        outgoing.push_back(c.session->subscribe_namespace(name.track_namespace, rec));
        break;
      case Action::kTrackStatus: outgoing.push_back(c.session->track_status(name, rec)); break;
      default: ADD_FAILURE() << "not a plain request";
    }
    EXPECT_TRUE(loop.run_until([&] { return rec->ok || rec->error.has_value(); }, 1s));
    return rec->error;
  }

  std::optional<moqt::RequestErrorInfo> fetch(Client& c, moqt::FullTrackName name) {
    fetches.push_back(std::make_unique<RecordingFetch>());
    auto* rec = fetches.back().get();
    moqt::FetchRange range{std::move(name), {0, 0}, 5, std::nullopt};
    fetch_handles.push_back(c.session->fetch(range, rec));
    EXPECT_TRUE(loop.run_until([&] { return rec->ok.has_value() || rec->error.has_value(); }, 1s));
    return rec->error;
  }

  std::optional<moqt::RequestErrorInfo> publish(Client& c, moqt::FullTrackName name) {
    pubs.push_back(std::make_unique<RecordingPublish>());
    auto* rec = pubs.back().get();
    published.push_back(c.session->publish(name, {}, rec));
    EXPECT_TRUE(loop.run_until([&] { return rec->accepted || rec->error.has_value(); }, 1s));
    return rec->error;
  }

  transport::memory::SimulatedLoop loop;
  transport::memory::MemoryNetwork network{loop, 5};
  RelayConfig config;
  RelayMetrics metrics;
  Relay relay{loop, config, metrics};
  auth::Jwk key, hmac;
  std::shared_ptr<auth::TokenVerifier> verifier;
  RecordingRequest announced;
  std::shared_ptr<moqt::OutgoingRequest> announce;
  std::vector<std::shared_ptr<moqt::ServedSubscription>> served;
  std::vector<std::unique_ptr<RecordingSubscription>> recs;
  std::vector<std::shared_ptr<moqt::Subscription>> subs;
  std::vector<std::unique_ptr<RecordingRequest>> reqs;
  std::vector<std::shared_ptr<moqt::OutgoingRequest>> outgoing;
  std::vector<std::unique_ptr<RecordingFetch>> fetches;
  std::vector<std::shared_ptr<moqt::Fetch>> fetch_handles;
  std::vector<std::unique_ptr<RecordingPublish>> pubs;
  std::vector<std::shared_ptr<moqt::ServedSubscription>> published;
};

TEST_F(RelayAuthTest, PublishActionsFollowThePutGrant) {
  auto pub = connect({auth_token_param(jwt(std::vector<std::string>{"alice"}, std::nullopt))});
  ASSERT_TRUE(pub.handler->ready);
  auto ok = request(pub, Action::kPublishNamespace, {{{"demo", "alice"}}, ""});
  EXPECT_FALSE(ok) << ok->reason;
  auto sibling = request(pub, Action::kPublishNamespace, {{{"demo", "alicia"}}, ""});
  ASSERT_TRUE(sibling);
  EXPECT_EQ(sibling->code, code(RequestErrorCode::kUnauthorized));
  EXPECT_NE(sibling->reason.find("PUBLISH_NAMESPACE"), std::string::npos);
  EXPECT_FALSE(publish(pub, {{{"demo", "alice", "cam"}}, "video"}));
  auto denied = publish(pub, {{{"demo", "bob"}}, "video"});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->code, code(RequestErrorCode::kUnauthorized));
  // A publish-only token subscribes to nothing.
  auto sub = subscribe(pub, {{{"demo", "alice"}}, "video"});
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->code, code(RequestErrorCode::kUnauthorized));
  EXPECT_TRUE(pub.handler->ready && !pub.handler->closed) << "refusals leave the session up";
}

TEST_F(RelayAuthTest, SubscribeActionsFollowTheGetGrant) {
  auto pub = alice_publisher();
  auto viewer = connect({auth_token_param(jwt(std::nullopt, std::vector<std::string>{"alice"}))});
  ASSERT_TRUE(viewer.handler->ready);
  const moqt::FullTrackName alice{{{"demo", "alice"}}, "video"};
  const moqt::FullTrackName bob{{{"demo", "bob"}}, "video"};
  EXPECT_FALSE(subscribe(viewer, alice));
  EXPECT_EQ(subscribe(viewer, bob)->code, code(RequestErrorCode::kUnauthorized));
  // Allowed FETCH / TRACK_STATUS reach the track (nothing cached yet is not an auth refusal).
  auto f = fetch(viewer, alice);
  EXPECT_TRUE(!f || f->code != code(RequestErrorCode::kUnauthorized));
  EXPECT_EQ(fetch(viewer, bob)->code, code(RequestErrorCode::kUnauthorized));
  auto status = request(viewer, Action::kTrackStatus, alice);
  EXPECT_TRUE(!status || status->code != code(RequestErrorCode::kUnauthorized));
  EXPECT_EQ(request(viewer, Action::kTrackStatus, bob)->code, code(RequestErrorCode::kUnauthorized));
  EXPECT_FALSE(request(viewer, Action::kSubscribeNamespace, alice));
  EXPECT_EQ(request(viewer, Action::kSubscribeNamespace, bob)->code, code(RequestErrorCode::kUnauthorized));
  // A subscribe-only token publishes nothing.
  EXPECT_EQ(request(viewer, Action::kPublishNamespace, bob)->code, code(RequestErrorCode::kUnauthorized));
  EXPECT_EQ(publish(viewer, alice)->code, code(RequestErrorCode::kUnauthorized));
}

TEST_F(RelayAuthTest, TokenInTheUrlQueryAdmitsTheSession) {
  auto pub = alice_publisher();
  auto viewer = connect({}, "/moq?jwt=" + jwt(std::nullopt, std::vector<std::string>{""}));
  ASSERT_TRUE(viewer.handler->ready);
  EXPECT_FALSE(subscribe(viewer, {{{"demo", "alice"}}, "video"}));
  EXPECT_EQ(subscribe(viewer, {{{"other"}}, "video"})->code, code(RequestErrorCode::kUnauthorized));
}

TEST_F(RelayAuthTest, TokenInTheWebTransportUrlAdmitsTheSession) {
  auto pub = alice_publisher();
  auto viewer = connect_to(relay, {}, "/moq", "/moq?jwt=" + jwt(std::nullopt, std::vector<std::string>{"alice"}));
  ASSERT_TRUE(viewer.handler->ready);
  EXPECT_FALSE(subscribe(viewer, {{{"demo", "alice"}}, "video"}));
  EXPECT_EQ(subscribe(viewer, {{{"demo", "bob"}}, "video"})->code, code(RequestErrorCode::kUnauthorized));
  auto forged = connect_to(relay, {}, "/moq", "/moq?cat=not-a-token");
  EXPECT_TRUE(forged.handler->closed);
  EXPECT_EQ(forged.handler->code, code(SessionError::kMalformedAuthToken));
}

TEST_F(RelayAuthTest, WithoutATokenEveryRequestNeedsItsOwn) {
  auto pub = alice_publisher();
  auto anon = connect({});
  ASSERT_TRUE(anon.handler->ready) << "no token is not a refusal at SETUP";
  auto refused = subscribe(anon, {{{"demo", "alice"}}, "video"});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, code(RequestErrorCode::kUnauthorized));
  // A CAT on the request itself (draft-ietf-moq-c4m): SUBSCRIBE on demo/alice, track "video" only.
  auth::CatClaims claims;
  claims.exp = wall_now() + 3600;
  auth::Scope s;
  s.add(Action::kSubscribe);
  s.namespace_match = std::vector<auth::Match>{{auth::MatchType::kExact, "demo"}, {auth::MatchType::kExact, "alice"}};
  s.exact_length = true;
  s.track_match = auth::Match{auth::MatchType::kExact, "video"};
  claims.moqt.push_back(s);
  const auto cat = auth_token_param(*auth::mint_cat(claims, hmac));
  EXPECT_EQ(cat.type, auth::kTokenTypeCat);
  EXPECT_FALSE(subscribe(anon, {{{"demo", "alice"}}, "video"}, {cat}));
  EXPECT_EQ(subscribe(anon, {{{"demo", "alice"}}, "audio"}, {cat})->code, code(RequestErrorCode::kUnauthorized));
  // The same claims as a binary COSE CWT (the draft's token type 1 value).
  const auto cwt_bytes = *auth::mint_cwt(claims, hmac);
  const auto cwt = auth_token_param(std::string(cwt_bytes.begin(), cwt_bytes.end()));
  EXPECT_EQ(cwt.type, auth::kTokenTypeCat);
  EXPECT_FALSE(subscribe(anon, {{{"demo", "alice"}}, "video"}, {cwt}));
  EXPECT_EQ(subscribe(anon, {{{"demo", "bob"}}, "video"}, {cwt})->code, code(RequestErrorCode::kUnauthorized));
  // An expired request token says so.
  claims.exp = wall_now() - 10;
  auto stale = subscribe(anon, {{{"demo", "alice"}}, "video"}, {auth_token_param(*auth::mint_cat(claims, hmac))});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->code, code(RequestErrorCode::kExpiredAuthToken));
  // A malformed one too.
  auto junk = subscribe(anon, {{{"demo", "alice"}}, "video"}, {{auth::kTokenTypeCat, "not.a.token"}});
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->code, code(RequestErrorCode::kMalformedAuthToken));
}

// SUBSCRIBE_TRACKS is authorized for its prefix, where a scope's track match does not apply; the
// tracks it then carries are each checked, so a token for "video" alone is never PUBLISHed "audio".
TEST_F(RelayAuthTest, SubscribeTracksCarriesOnlyTheTracksTheScopeNames) {
  auto pub = alice_publisher();
  pub.handler->on_req = [](moqt::IncomingRequest& r) { r.accept(); };
  EXPECT_FALSE(publish(pub, {{{"demo", "alice"}}, "video"}));
  EXPECT_FALSE(publish(pub, {{{"demo", "alice"}}, "audio"}));

  auth::CatClaims claims;
  claims.exp = wall_now() + 3600;
  claims.moqt.push_back(*auth::parse_scope_spec("subscribe,subscribe-namespace:demo/alice:video"));
  auto viewer = connect({auth_token_param(*auth::mint_cat(claims, hmac))});
  ASSERT_TRUE(viewer.handler->ready);
  viewer.handler->on_pub = [this](moqt::Subscription& s) {
    recs.push_back(std::make_unique<RecordingSubscription>());
    s.accept(recs.back().get());
  };
  RecordingRequest tracks;
  auto st = viewer.session->subscribe_tracks({{"demo", "alice"}}, &tracks);
  ASSERT_TRUE(loop.run_until([&] { return tracks.ok || tracks.error.has_value(); }, 1s));
  ASSERT_TRUE(tracks.ok) << tracks.error->reason;
  // A track that starts later is checked the same way.
  EXPECT_FALSE(publish(pub, {{{"demo", "alice"}}, "audio-hd"}));
  EXPECT_FALSE(publish(pub, {{{"demo", "alice", "cam2"}}, "video"}));
  loop.run_for(200ms);
  ASSERT_EQ(viewer.handler->published.size(), 2u);
  EXPECT_EQ(viewer.handler->published[0]->track(), (moqt::FullTrackName{{{"demo", "alice"}}, "video"}));
  EXPECT_EQ(viewer.handler->published[1]->track(),
            (moqt::FullTrackName{{{"demo", "alice", "cam2"}}, "video"}));
}

// A scope that ends at an exact namespace length grants SUBSCRIBE_NAMESPACE on that prefix, but
// the longer namespaces published under it are outside the scope: their names are not sent.
TEST_F(RelayAuthTest, SubscribeNamespaceCarriesOnlyTheNamespacesTheScopeCovers) {
  auto pub = alice_publisher();  // demo/alice
  auto bob = connect({auth_token_param(jwt(std::vector<std::string>{"bob"}, std::nullopt))});
  RecordingRequest bob_announced;
  auto bob_announce = bob.session->publish_namespace({{"demo", "bob"}}, &bob_announced);
  ASSERT_TRUE(loop.run_until([&] { return bob_announced.ok; }, 1s));

  auth::CatClaims claims;
  claims.exp = wall_now() + 3600;
  claims.moqt.push_back(*auth::parse_scope_spec("subscribe-namespace:demo/bob/$"));
  claims.moqt.push_back(*auth::parse_scope_spec("subscribe-namespace:demo/$"));
  auto viewer = connect({auth_token_param(*auth::mint_cat(claims, hmac))});
  ASSERT_TRUE(viewer.handler->ready);
  RecordingRequest names;
  auto sn = viewer.session->subscribe_namespace({{"demo"}}, &names);
  ASSERT_TRUE(loop.run_until([&] { return names.ok || names.error.has_value(); }, 1s));
  ASSERT_TRUE(names.ok) << names.error->reason;
  // One published afterwards is checked too.
  auto carol = connect({auth_token_param(jwt(std::vector<std::string>{"carol"}, std::nullopt))});
  RecordingRequest carol_announced;
  auto carol_announce = carol.session->publish_namespace({{"demo", "carol"}}, &carol_announced);
  ASSERT_TRUE(loop.run_until([&] { return carol_announced.ok; }, 1s));
  loop.run_for(200ms);
  ASSERT_EQ(names.namespaces.size(), 1u);
  EXPECT_EQ(names.namespaces[0].fields.back(), "bob");
}

TEST_F(RelayAuthTest, BadSetupTokensCloseTheSession) {
  // Forged: the claims widened, the signature kept.
  const auto narrow = jwt(std::vector<std::string>{"alice"}, std::nullopt);
  const auto wide = jwt(std::vector<std::string>{""}, std::nullopt);
  const auto forged = wide.substr(0, wide.rfind('.')) + narrow.substr(narrow.rfind('.'));
  auto c1 = connect({auth_token_param(forged)});
  EXPECT_TRUE(c1.handler->closed);
  EXPECT_EQ(c1.handler->code, code(SessionError::kUnauthorized));
  // A key id the relay does not know.
  auto stranger = *auth::generate_jwk(auth::KeyAlg::kEdDsa, "stranger");
  auto c2 = connect({auth_token_param(jwt(std::vector<std::string>{""}, std::nullopt, 3600, &stranger))});
  EXPECT_TRUE(c2.handler->closed);
  EXPECT_EQ(c2.handler->code, code(SessionError::kUnauthorized));
  EXPECT_NE(c2.handler->reason.find("stranger"), std::string::npos);
  // Not a token at all, and one far too large.
  auto c3 = connect({{auth::kTokenTypeJwt, "garbage"}});
  EXPECT_TRUE(c3.handler->closed);
  EXPECT_EQ(c3.handler->code, code(SessionError::kMalformedAuthToken));
  auto c4 = connect({}, "/moq?jwt=" + std::string(20000, 'A'));
  EXPECT_TRUE(c4.handler->closed);
  EXPECT_EQ(c4.handler->code, code(SessionError::kMalformedAuthToken));
  // Already expired.
  auto c5 = connect({auth_token_param(jwt(std::vector<std::string>{""}, std::nullopt, -5))});
  EXPECT_TRUE(c5.handler->closed);
  EXPECT_EQ(c5.handler->code, code(SessionError::kExpiredAuthToken));
}

TEST_F(RelayAuthTest, TokenExpiringMidSessionClosesIt) {
  auto pub = alice_publisher();
  auto viewer = connect({auth_token_param(jwt(std::nullopt, std::vector<std::string>{""}, 5))});
  ASSERT_TRUE(viewer.handler->ready);
  EXPECT_FALSE(subscribe(viewer, {{{"demo", "alice"}}, "video"}));
  loop.run_for(3s);
  EXPECT_FALSE(viewer.handler->closed) << "still inside the token's lifetime";
  loop.run_for(4s);
  EXPECT_TRUE(viewer.handler->closed);
  EXPECT_EQ(viewer.handler->code, code(SessionError::kExpiredAuthToken));
  // The publisher's token (an hour) keeps it up.
  EXPECT_FALSE(pub.handler->closed);
}

TEST_F(RelayAuthTest, RelayPresentsItsTokenToItsParent) {
  // The parent requires tokens; the child relay has none of its own checks.
  RelayMetrics child_metrics;
  Relay child{loop, config, child_metrics};
  UpstreamPolicy policy;
  policy.tokens.push_back(auth_token_param(jwt(std::vector<std::string>{""}, std::vector<std::string>{""})));
  child.set_upstream(
      [this](const moqt::SessionOptions& o, moqt::SessionHandler* h) {
        transport::memory::LinkConfig link;
        link.protocol = "moqt-20";
        auto pair = network.pair(link);
        auto s = moqt::Session::create(pair.client, o, h);
        relay.accept(pair.server);
        return s;
      },
      policy);
  ASSERT_TRUE(loop.run_until([&] { return child.upstream_state() == UpstreamState::kUp; }, 1s));
  // A publisher at the child; a viewer at the parent reaches it through the child's token.
  Client pub = connect_to(child, {});
  pub.handler->on_sub = [this](moqt::ServedSubscription& s) {
    s.accept({});
    served.push_back(s.shared_from_this());
  };
  announce = pub.session->publish_namespace({{"demo", "carol"}}, &announced);
  ASSERT_TRUE(loop.run_until([&] { return announced.ok; }, 1s));
  loop.run_for(100ms);
  ASSERT_EQ(child.upstream_announcement_count(), 1u);
  auto viewer = connect({auth_token_param(jwt(std::nullopt, std::vector<std::string>{"carol"}))});
  EXPECT_FALSE(subscribe(viewer, {{{"demo", "carol"}}, "video"}));
  EXPECT_EQ(served.size(), 1u);
}

TEST_F(RelayAuthTest, ParentRefusesAChildWithoutAToken) {
  RelayMetrics child_metrics;
  Relay child{loop, config, child_metrics};
  child.set_upstream([this](const moqt::SessionOptions& o, moqt::SessionHandler* h) {
    transport::memory::LinkConfig link;
    link.protocol = "moqt-20";
    auto pair = network.pair(link);
    auto s = moqt::Session::create(pair.client, o, h);
    relay.accept(pair.server);
    return s;
  });
  ASSERT_TRUE(loop.run_until([&] { return child.upstream_state() == UpstreamState::kUp; }, 1s));
  Client pub = connect_to(child, {});
  announce = pub.session->publish_namespace({{"demo", "carol"}}, &announced);
  ASSERT_TRUE(loop.run_until([&] { return announced.ok; }, 1s)) << "the child itself has no auth";
  loop.run_for(100ms);
  EXPECT_EQ(relay.registry().route({{"demo", "carol"}}), std::nullopt) << "the parent refused the announcement";
}

TEST(RelayAuthHelpers, TokenFromPath) {
  EXPECT_EQ(token_from_path("/moq?jwt=abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(token_from_path("/moq?x=1&cat=a%2Bb%3D"), "a+b=");
  EXPECT_EQ(token_from_path("/moq"), std::nullopt);
  EXPECT_EQ(token_from_path("/moq?jwtx=1"), std::nullopt);
}

TEST(RelayAuthHelpers, ErrorCodesFollowTheDraft) {
  EXPECT_EQ(request_error_for(auth::TokenErrc::kMalformed), RequestErrorCode::kMalformedAuthToken);
  EXPECT_EQ(request_error_for(auth::TokenErrc::kExpired), RequestErrorCode::kExpiredAuthToken);
  EXPECT_EQ(request_error_for(auth::TokenErrc::kBadSignature), RequestErrorCode::kUnauthorized);
  EXPECT_EQ(session_error_for(auth::TokenErrc::kUnknownKey), SessionError::kUnauthorized);
  EXPECT_EQ(session_error_for(auth::TokenErrc::kTooLarge), SessionError::kMalformedAuthToken);
  EXPECT_EQ(session_error_for(auth::TokenErrc::kExpired), SessionError::kExpiredAuthToken);
  // A well-formed token for another relay or from another issuer is not malformed: it is not ours.
  EXPECT_EQ(session_error_for(auth::TokenErrc::kWrongAudience), SessionError::kUnauthorized);
  EXPECT_EQ(session_error_for(auth::TokenErrc::kWrongIssuer), SessionError::kUnauthorized);
  EXPECT_EQ(request_error_for(auth::TokenErrc::kWrongAudience), RequestErrorCode::kUnauthorized);
  EXPECT_EQ(request_error_for(auth::TokenErrc::kWrongIssuer), RequestErrorCode::kUnauthorized);
}

}  // namespace
}  // namespace kinetic::relay
