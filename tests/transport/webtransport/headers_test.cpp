#include "kinetic/transport/webtransport/headers.hpp"

#include <gtest/gtest.h>

namespace kinetic::transport::webtransport {
namespace {

TEST(Headers, ExtendedConnectParses) {
  auto req = parse_request({{":method", "CONNECT"},
                            {":protocol", "webtransport"},
                            {":scheme", "https"},
                            {":authority", "example.com"},
                            {":path", "/moq?x=1"},
                            {"origin", "https://example.com"}});
  ASSERT_TRUE(req);
  EXPECT_TRUE(req->is_webtransport());
  EXPECT_EQ(req->path, "/moq?x=1");
  ASSERT_NE(req->field("origin"), nullptr);
  EXPECT_EQ(*req->field("origin"), "https://example.com");
}

TEST(Headers, MalformedRequestsAreRejected) {
  // Missing :path, pseudo after regular, uppercase name, duplicate, :protocol on GET.
  EXPECT_FALSE(parse_request({{":method", "GET"}, {":scheme", "https"}}));
  EXPECT_FALSE(parse_request({{":method", "GET"}, {"a", "b"}, {":scheme", "https"}, {":path", "/"}}));
  EXPECT_FALSE(parse_request({{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {"Bad", "x"}}));
  EXPECT_FALSE(parse_request({{":method", "GET"}, {":method", "GET"}, {":scheme", "https"}, {":path", "/"}}));
  EXPECT_FALSE(parse_request({{":method", "GET"}, {":protocol", "webtransport"}, {":scheme", "https"}, {":path", "/"}}));
  EXPECT_FALSE(parse_request({{":method", "CONNECT"}, {":protocol", "webtransport"}, {":scheme", "https"}, {":path", "/"}}));
  EXPECT_FALSE(parse_request({{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {":status", "200"}}));
  EXPECT_TRUE(parse_request({{":method", "CONNECT"}, {":authority", "host:443"}}));  // classic CONNECT
}

TEST(Headers, Status) {
  EXPECT_EQ(*parse_status({{":status", "200"}}), 200);
  EXPECT_FALSE(parse_status({{":status", "20"}}));
  EXPECT_FALSE(parse_status({{":status", "2x0"}}));
  EXPECT_FALSE(parse_status({}));
}

TEST(Headers, StructuredFieldStringLists) {
  auto list = parse_sf_string_list(R"("moqt-20", "moqt-18";q=1,  token, 12, ("a" "b"), "x\"y")");
  ASSERT_TRUE(list);
  EXPECT_EQ(*list, (std::vector<std::string>{"moqt-20", "moqt-18", "x\"y"}));
  EXPECT_TRUE(parse_sf_string_list("")->empty());
  EXPECT_FALSE(parse_sf_string_list(R"("unterminated)"));
  EXPECT_FALSE(parse_sf_string_list(R"("a",)"));
  EXPECT_FALSE(parse_sf_string_list(R"("a" "b")"));
  EXPECT_EQ(*parse_sf_string(R"("moqt-20")"), "moqt-20");
  EXPECT_FALSE(parse_sf_string("moqt-20"));
  const std::vector<std::string> items{"moqt-20", "a\"b"};
  EXPECT_EQ(format_sf_string_list(items), R"("moqt-20", "a\"b")");
  EXPECT_EQ(*parse_sf_string_list(format_sf_string_list(items)), items);
}

TEST(Headers, ServerPreferencePicksTheProtocol) {
  const std::vector<std::string> ours{"moqt-20", "moqt-18"};
  EXPECT_EQ(select_protocol(std::vector<std::string>{"moqt-18", "moqt-20"}, ours), "moqt-20");
  EXPECT_EQ(select_protocol(std::vector<std::string>{"moqt-18"}, ours), "moqt-18");
  EXPECT_FALSE(select_protocol(std::vector<std::string>{"moqt-17"}, ours));
  EXPECT_FALSE(select_protocol({}, ours));
}

}  // namespace
}  // namespace kinetic::transport::webtransport
