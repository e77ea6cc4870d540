#include "kinetic/relay/relay_config.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace kinetic::relay {
namespace {

RelayConfig valid() {
  RelayConfig c;
  c.listen = "127.0.0.1:4443";
  c.cert = "cert.pem";
  c.key = "key.pem";
  return c;
}

TEST(RelayConfig, HostPort) {
  EXPECT_EQ(parse_host_port("127.0.0.1:4443"), (HostPort{"127.0.0.1", 4443}));
  EXPECT_EQ(parse_host_port("[::1]:443"), (HostPort{"::1", 443}));
  EXPECT_EQ(parse_host_port("relay.example:0"), (HostPort{"relay.example", 0}));
  EXPECT_FALSE(parse_host_port("::1:443"));  // IPv6 needs brackets
  EXPECT_FALSE(parse_host_port("host"));
  EXPECT_FALSE(parse_host_port("host:"));
  EXPECT_FALSE(parse_host_port(":443"));
  EXPECT_FALSE(parse_host_port("host:65536"));
  EXPECT_FALSE(parse_host_port("host:44x"));
  EXPECT_FALSE(parse_host_port("[::1]443"));
}

TEST(RelayConfig, UpstreamUrl) {
  auto moqt = parse_upstream_url("moqt://origin.example:4443");
  ASSERT_TRUE(moqt);
  EXPECT_EQ(moqt->scheme, UpstreamUrl::Scheme::kMoqt);
  EXPECT_EQ(moqt->authority, (HostPort{"origin.example", 4443}));
  EXPECT_EQ(moqt->path, "/");
  auto wt = parse_upstream_url("https://[::1]:4443/moq");
  ASSERT_TRUE(wt);
  EXPECT_EQ(wt->scheme, UpstreamUrl::Scheme::kHttps);
  EXPECT_EQ(wt->authority, (HostPort{"::1", 4443}));
  EXPECT_EQ(wt->path, "/moq");
  EXPECT_FALSE(parse_upstream_url("http://host:80"));
  EXPECT_FALSE(parse_upstream_url("moqt://host"));
}

TEST(RelayConfig, SeveralUpstreamsCommaSeparated) {
  EXPECT_EQ(upstream_urls("moqt://a:1/moq, moqt://b:2/moq,,https://c:3/x "),
            (std::vector<std::string>{"moqt://a:1/moq", "moqt://b:2/moq", "https://c:3/x"}));
  EXPECT_TRUE(upstream_urls("").empty());
  auto c = valid();
  c.upstream = "moqt://127.0.0.1:4443/moq,moqt://127.0.0.1:4444/moq";
  EXPECT_EQ(validate(c), "");
  c.upstream = "moqt://127.0.0.1:4443/moq,ftp://nowhere";
  EXPECT_NE(validate(c).find("ftp://nowhere"), std::string::npos);
  c.upstream = " , ";
  EXPECT_NE(validate(c), "");
  c = valid();
  c.upstream_timeout_ms = 10;
  EXPECT_NE(validate(c), "");
  c = valid();
  c.relay_id = "a,b";
  EXPECT_NE(validate(c), "");
  c = valid();
  EXPECT_EQ(apply_toml("upstream = \"moqt://a:1/moq,moqt://b:2/moq\"\nupstream_timeout_ms = 800\nrelay_id = \"edge-7\"\n", c),
            "");
  EXPECT_EQ(upstream_urls(c.upstream).size(), 2u);
  EXPECT_EQ(c.upstream_timeout_ms, 800u);
  EXPECT_EQ(c.relay_id, "edge-7");
}

TEST(RelayConfig, TomlKeysAtTopLevelOrUnderRelay) {
  RelayConfig c;
  ASSERT_EQ(apply_toml("listen = \"127.0.0.1:5000\"\ncache_bytes = 1000000\n", c), "");
  EXPECT_EQ(c.listen, "127.0.0.1:5000");
  EXPECT_EQ(c.cache_bytes, 1000000u);
  ASSERT_EQ(apply_toml("[relay]\nupstream = \"moqt://o:1\"\nmax_tracks = 7\n", c), "");
  EXPECT_EQ(c.upstream, "moqt://o:1");
  EXPECT_EQ(c.max_tracks, 7u);
  EXPECT_EQ(c.listen, "127.0.0.1:5000");  // untouched keys keep their value
}

TEST(RelayConfig, TomlErrorsNameTheProblem) {
  RelayConfig c;
  EXPECT_NE(apply_toml("listen = 5\n", c).find("'listen' must be a string"), std::string::npos);
  EXPECT_NE(apply_toml("cache_bytes = -1\n", c).find("non-negative"), std::string::npos);
  EXPECT_NE(apply_toml("cache_byte = 1\n", c).find("unknown key 'cache_byte'"), std::string::npos);
  EXPECT_NE(apply_toml("listen = \n", c).find("line 1"), std::string::npos);
  EXPECT_NE(apply_toml_file("/nonexistent/relay.toml", c), "");
}

TEST(RelayConfig, ValidateChecksEveryRule) {
  EXPECT_EQ(validate(valid()), "");
  auto c = valid();
  c.cert.clear();
  EXPECT_NE(validate(c), "");
  c = valid();
  c.listen = "nowhere";
  EXPECT_NE(validate(c), "");
  c = valid();
  c.metrics_listen = "bad";
  EXPECT_NE(validate(c), "");
  c = valid();
  c.upstream = "ftp://x:1";
  EXPECT_NE(validate(c), "");
  c = valid();
  c.track_cache_bytes = c.cache_bytes + 1;
  EXPECT_NE(validate(c), "");
  c = valid();
  c.max_sessions = 0;
  EXPECT_NE(validate(c), "");
  c = valid();
  c.log_level = "loud";
  EXPECT_NE(validate(c), "");
  c.log_level = "off";
  EXPECT_EQ(validate(c), "");
}

// A relay without auth starts on loopback only, unless told --public.
TEST(RelayConfig, NoAuthOnlyOnLoopbackUnlessPublic) {
  for (const char* host : {"127.0.0.1:4443", "127.1.2.3:1", "[::1]:4443", "localhost:4443"}) {
    auto c = valid();
    c.listen = host;
    EXPECT_EQ(validate(c), "") << host;
  }
  for (const char* host : {"[::]:4443", "0.0.0.0:4443", "192.168.1.5:4443", "relay.example:4443", "127.0.0.1.example:1"}) {
    auto c = valid();
    c.listen = host;
    const auto err = validate(c);
    EXPECT_NE(err.find("--public"), std::string::npos) << host << ": " << err;
    c.public_access = true;
    EXPECT_EQ(validate(c), "") << host;
    c.public_access = false;
    c.auth_keys = {"keys.jwk"};
    EXPECT_EQ(validate(c), "") << host;
  }
}

TEST(RelayConfig, AuthKeysPublicAndUpstreamTokenFromTomlAndFlags) {
  RelayConfig c;
  ASSERT_EQ(apply_toml("auth_keys = [\"a.jwk\", \"b.jwk\"]\npublic = true\nupstream_token = \"@t.jwt\"\n", c), "");
  EXPECT_EQ(c.auth_keys, (std::vector<std::string>{"a.jwk", "b.jwk"}));
  EXPECT_TRUE(c.public_access);
  EXPECT_EQ(c.upstream_token, "@t.jwt");
  ASSERT_EQ(apply_toml("auth_keys = \"c.jwk\"\n", c), "");
  EXPECT_EQ(c.auth_keys, (std::vector<std::string>{"c.jwk"}));
  EXPECT_NE(apply_toml("auth_keys = 5\n", c).find("auth_keys"), std::string::npos);
  EXPECT_NE(apply_toml("public = \"yes\"\n", c).find("true or false"), std::string::npos);

  CLI::App app;
  RelayFlags flags;
  add_relay_flags(app, flags);
  std::vector<const char*> argv{"relay", "--auth-key", "d.jwk", "--auth-key", "e.jwk", "--public", "--upstream-token", "tok"};
  app.parse(static_cast<int>(argv.size()), argv.data());
  apply_flags(flags, c);
  EXPECT_EQ(c.auth_keys, (std::vector<std::string>{"c.jwk", "d.jwk", "e.jwk"}));
  EXPECT_EQ(c.upstream_token, "tok");
}

TEST(RelayConfig, AuthIssuersAndAudiencesFromTomlAndFlags) {
  RelayConfig c;
  EXPECT_TRUE(c.auth_issuers.empty());
  EXPECT_TRUE(c.auth_audiences.empty());
  ASSERT_EQ(apply_toml("auth_issuers = \"a\"\nauth_audiences = [\"x\", \"y\"]\n", c), "");
  EXPECT_EQ(c.auth_issuers, (std::vector<std::string>{"a"}));
  EXPECT_EQ(c.auth_audiences, (std::vector<std::string>{"x", "y"}));
  ASSERT_EQ(apply_toml("[relay]\nauth_audiences = \"z\"\n", c), "");
  EXPECT_EQ(c.auth_audiences, (std::vector<std::string>{"z"}));
  EXPECT_NE(apply_toml("auth_issuers = 5\n", c).find("'auth_issuers'"), std::string::npos);
  EXPECT_NE(apply_toml("auth_audiences = 5\n", c).find("'auth_audiences'"), std::string::npos);
  EXPECT_NE(apply_toml("auth_audiences = [\"x\", 5]\n", c).find("'auth_audiences'"), std::string::npos);
  EXPECT_EQ(c.auth_issuers, (std::vector<std::string>{"a"})) << "a refused value leaves the old one";
  EXPECT_EQ(c.auth_audiences, (std::vector<std::string>{"z"}));

  CLI::App app;
  RelayFlags flags;
  add_relay_flags(app, flags);
  std::vector<const char*> argv{"relay", "--auth-issuer", "b", "--auth-audience", "w", "--auth-audience",
                                "v",     "--auth-issuer", "c"};
  app.parse(static_cast<int>(argv.size()), argv.data());
  apply_flags(flags, c);
  EXPECT_EQ(c.auth_issuers, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(c.auth_audiences, (std::vector<std::string>{"z", "w", "v"}));
}

TEST(RelayConfig, AuthIssuersAndAudiencesNeedAuthKeys) {
  auto c = valid();
  c.auth_audiences = {"relay.example"};
  EXPECT_NE(validate(c).find("auth_keys"), std::string::npos) << validate(c);
  c.auth_keys = {"keys.jwk"};
  EXPECT_EQ(validate(c), "");
  c = valid();
  c.auth_issuers = {"issuer-a"};
  EXPECT_NE(validate(c).find("auth_keys"), std::string::npos) << validate(c);
  c.auth_keys = {"keys.jwk"};
  EXPECT_EQ(validate(c), "");
  // An empty name would match a token without iss, or never match at all.
  c.auth_issuers = {"issuer-a", ""};
  EXPECT_NE(validate(c), "");
  c = valid();
  c.auth_keys = {"keys.jwk"};
  c.auth_audiences = {""};
  EXPECT_NE(validate(c), "");
}

TEST(RelayConfig, FlagsOverrideTheFile) {
  const auto path = std::filesystem::temp_directory_path() / "kinetic_relay_config_test.toml";
  {
    std::ofstream f(path);
    f << "listen = \"127.0.0.1:1\"\ncert = \"c.pem\"\nkey = \"k.pem\"\nmax_sessions = 5\n";
  }
  CLI::App app;
  RelayFlags flags;
  add_relay_flags(app, flags);
  const std::string file = path.string();
  std::vector<const char*> argv{"relay", "--config", file.c_str(), "--listen", "[::1]:2", "--cache-bytes", "999999999"};
  app.parse(static_cast<int>(argv.size()), argv.data());
  RelayConfig c;
  ASSERT_EQ(load_relay_config(flags, c), "");
  EXPECT_EQ(c.listen, "[::1]:2");
  EXPECT_EQ(c.cache_bytes, 999999999u);
  EXPECT_EQ(c.max_sessions, 5u);  // from the file, no flag
  EXPECT_EQ(c.cert, "c.pem");
  std::filesystem::remove(path);
}

TEST(RelayConfig, UpstreamTrustAndLingerFromTomlAndFlags) {
  RelayConfig c;
  EXPECT_EQ(c.track_linger_ms, 5'000u) << "a few seconds by default";
  const std::string pin(64, 'a');
  ASSERT_EQ(apply_toml("upstream = \"moqt://127.0.0.1:4443\"\nupstream_pin = \"" + pin +
                           "\"\nupstream_insecure = true\ntrack_linger_ms = 750\n",
                       c),
            "");
  EXPECT_EQ(c.upstream_pin, pin);
  EXPECT_TRUE(c.upstream_insecure);
  EXPECT_EQ(c.track_linger_ms, 750u);
  EXPECT_NE(apply_toml("upstream_insecure = 1\n", c).find("true or false"), std::string::npos);

  CLI::App app;
  RelayFlags flags;
  add_relay_flags(app, flags);
  std::vector<const char*> argv{"relay", "--track-linger-ms", "0", "--upstream-insecure"};
  app.parse(static_cast<int>(argv.size()), argv.data());
  RelayConfig f = valid();
  apply_flags(flags, f);
  EXPECT_EQ(f.track_linger_ms, 0u);
  EXPECT_TRUE(f.upstream_insecure);
}

TEST(RelayConfig, HeapTrimFromTomlAndFlagsNeverOrOneSecondToAnHour) {
  RelayConfig c = valid();
  EXPECT_EQ(c.heap_trim_ms, 30'000u);
  ASSERT_EQ(apply_toml("heap_trim_ms = 0\n", c), "");
  EXPECT_EQ(c.heap_trim_ms, 0u);
  EXPECT_EQ(validate(c), "") << "0 turns it off";
  for (std::uint64_t bad : {999ull, 3'600'001ull}) {
    c.heap_trim_ms = bad;
    EXPECT_NE(validate(c).find("heap_trim_ms"), std::string::npos) << bad;
  }
  CLI::App app;
  RelayFlags flags;
  add_relay_flags(app, flags);
  std::vector<const char*> argv{"relay", "--heap-trim-ms", "5000"};
  app.parse(static_cast<int>(argv.size()), argv.data());
  RelayConfig from_flags = valid();
  apply_flags(flags, from_flags);
  EXPECT_EQ(from_flags.heap_trim_ms, 5'000u);
  EXPECT_EQ(validate(from_flags), "");
}

TEST(RelayConfig, WorkersFromTomlAndFlagsWithinOneTo255) {
  RelayConfig c = valid();
  EXPECT_EQ(c.workers, 1u);  // the single-threaded relay unless asked
  ASSERT_EQ(apply_toml("workers = 4\n", c), "");
  EXPECT_EQ(c.workers, 4u);
  EXPECT_EQ(validate(c), "");
  c.workers = 256;  // the worker index is one byte of a connection ID
  EXPECT_NE(validate(c).find("workers"), std::string::npos);
  CLI::App app;
  RelayFlags flags;
  add_relay_flags(app, flags);
  std::vector<const char*> argv{"relay", "--workers", "2"};
  app.parse(static_cast<int>(argv.size()), argv.data());
  RelayConfig from_flags = valid();
  apply_flags(flags, from_flags);
  EXPECT_EQ(from_flags.workers, 2u);
}

// "auto" is one worker per CPU the relay may run on: the affinity mask, not the host's count.
TEST(RelayConfig, WorkersAutoIsOnePerCpuOfTheAffinityMask) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
  const auto cpus = static_cast<std::size_t>(CPU_COUNT(&set));
  RelayConfig c = valid();
  EXPECT_EQ(worker_threads(c), 1u);
  ASSERT_EQ(apply_toml("workers = \"auto\"\n", c), "");
  EXPECT_EQ(c.workers, 0u);
  EXPECT_EQ(validate(c), "");
  EXPECT_EQ(worker_threads(c), std::min<std::size_t>(cpus, 255));
  EXPECT_NE(apply_toml("workers = \"many\"\n", c).find("workers"), std::string::npos);
  for (const char* value : {"auto", "0"}) {
    CLI::App app;
    RelayFlags flags;
    add_relay_flags(app, flags);
    std::vector<const char*> argv{"relay", "--workers", value};
    app.parse(static_cast<int>(argv.size()), argv.data());
    RelayConfig from_flags = valid();
    apply_flags(flags, from_flags);
    EXPECT_EQ(worker_threads(from_flags), std::min<std::size_t>(cpus, 255)) << value;
  }
  CLI::App app;
  RelayFlags flags;
  add_relay_flags(app, flags);
  std::vector<const char*> argv{"relay", "--workers", "lots"};
  EXPECT_THROW(app.parse(static_cast<int>(argv.size()), argv.data()), CLI::ParseError);
}

TEST(RelayConfig, UpstreamPinMustBeASha256) {
  auto c = valid();
  c.upstream_pin = std::string(64, 'f');
  EXPECT_EQ(validate(c), "");
  c.upstream_pin = "abc";
  EXPECT_NE(validate(c).find("upstream_pin"), std::string::npos);
  c.upstream_pin = std::string(63, '0') + "g";
  EXPECT_NE(validate(c), "");
  const auto bytes = parse_sha256_hex("00ff" + std::string(60, '1'));
  ASSERT_TRUE(bytes);
  EXPECT_EQ((*bytes)[0], 0x00);
  EXPECT_EQ((*bytes)[1], 0xff);
  EXPECT_EQ((*bytes)[2], 0x11);
}

TEST(RelayConfig, ExampleConfigLoads) {
  RelayConfig c;
  ASSERT_EQ(apply_toml_file(KINETIC_SOURCE_DIR "/config/relay.toml", c), "");
  EXPECT_EQ(validate(c), "");
}

}  // namespace
}  // namespace kinetic::relay
