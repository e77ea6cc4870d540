// What a relay is told at start: a TOML file (config/relay.toml shows every key) overridden by
// command-line flags. Parsing and checking live here so that `kinetic relay` stays a thin shell
// and every rule is testable without a process.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace kinetic::relay {

struct HostPort {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 0;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// "127.0.0.1:4443", "[::1]:4443", "localhost:4443". The port is required.
std::optional<HostPort> parse_host_port(std::string_view text);

struct UpstreamUrl {
  enum class Scheme { kMoqt, kHttps };  // raw QUIC (ALPN moqt-*) or WebTransport over HTTP/3
  Scheme scheme = Scheme::kMoqt;
  HostPort authority;
  std::string path = "/";
  friend bool operator==(const UpstreamUrl&, const UpstreamUrl&) = default;
};

// "moqt://host:port" or "https://host:port/path".
std::optional<UpstreamUrl> parse_upstream_url(std::string_view text);

// The parent URLs in `upstream` (split at commas, blanks trimmed, empties dropped).
std::vector<std::string> upstream_urls(std::string_view upstream);

// 64 hex digits → the 32 bytes of a SHA-256; nullopt otherwise.
std::optional<std::array<std::uint8_t, 32>> parse_sha256_hex(std::string_view hex);

struct RelayConfig {
  std::string listen = "[::]:4443";
  std::string cert;  // PEM certificate chain
  std::string key;   // PEM private key
  std::size_t cache_bytes = 256u << 20;
  std::size_t track_cache_bytes = 32u << 20;
  std::size_t max_sessions = 10'000;
  std::size_t max_requests = 1'000;  // request IDs a peer may have open per session
  std::size_t max_tracks = 10'000;
  // A subscriber with more unsent bytes than this loses its oldest groups.
  std::size_t subscriber_queue_bytes = 4u << 20;
  std::string metrics_listen;  // empty: no metrics endpoint
  // Worker threads on the one port, each with its own connections (relay_workers.hpp); 1 to 255,
  // or 0 ("auto"): one per CPU this process may run on (worker_threads()).
  std::size_t workers = 1;
  // Parent relays, comma-separated ("moqt://a:4443/moq,moqt://b:4443/moq"); empty: this relay
  // is an origin. With several, the relay keeps a session to each and routes through the best.
  std::string upstream;
  // A parent that sends nothing (not even an ACK of our keep-alive PINGs, sent every quarter
  // of this) for this long is taken for dead and its tracks move to another parent.
  std::uint64_t upstream_timeout_ms = 1'000;
  // This relay's id in hop lists (loop refusal); empty: a random one at start.
  std::string relay_id;
  // Trust for the upstream relay's certificate: its SHA-256 (hex), or no check at all.
  std::string upstream_pin;
  bool upstream_insecure = false;
  // How long a track nobody subscribes to any more keeps its upstream subscription and cache,
  // so that a subscriber coming back soon starts from the cached group without a new upstream
  // round trip.
  std::uint64_t track_linger_ms = 5'000;
  // How often the process hands its heap's free pages back to the kernel (heap_trimmer.hpp), so
  // that RSS follows the memory in use instead of the arenas' fragments; 0: never.
  std::uint64_t heap_trim_ms = 30'000;
  std::string log_level = "info";
  std::string web_root;        // empty: no static files over HTTP/3
  // Authorization: JWK files (one key or a key set each) whose keys verify JWT and CAT tokens.
  // Empty: no tokens are asked for, which is allowed on a loopback address or with `public_access`.
  std::vector<std::string> auth_keys;
  // Beyond a valid signature (auth::TokenPolicy): the issuers whose tokens are taken (empty: any)
  // and the names this relay answers to in a token's aud (empty: only tokens without aud).
  std::vector<std::string> auth_issuers;
  std::vector<std::string> auth_audiences;
  bool public_access = false;  // --public: no auth on a non-loopback address, on purpose
  // The token this relay presents to its upstream in SETUP ("@path" reads it from a file).
  std::string upstream_token;
};

// Loopback listen addresses (127.0.0.0/8, ::1, localhost): the only place a relay without
// auth_keys starts unless told public_access.
bool is_loopback_host(std::string_view host);

// Applies the keys present in a TOML document to `config`. Returns an error message (with the
// key and the TOML source position) or an empty string.
std::string apply_toml(std::string_view toml_text, RelayConfig& config);
std::string apply_toml_file(const std::string& path, RelayConfig& config);

// Checks values that TOML and CLI11 cannot: addresses, URLs, budgets, log level.
std::string validate(const RelayConfig& config);

// How many workers to start: `workers`, or for "auto" the CPUs in this process's affinity mask
// (a container or taskset limit counts, not the host's total), at most 255.
std::size_t worker_threads(const RelayConfig& config);

// Flags override the file; every flag is optional so that unset flags leave the file's value.
struct RelayFlags {
  std::string config_file;
  std::optional<std::string> listen, cert, key, metrics_listen, upstream, upstream_pin, log_level, web_root;
  std::optional<std::size_t> cache_bytes, track_cache_bytes, max_sessions, max_requests, max_tracks,
      subscriber_queue_bytes, workers;
  std::optional<std::uint64_t> track_linger_ms, upstream_timeout_ms, heap_trim_ms;
  std::optional<std::string> relay_id;
  bool upstream_insecure = false;
  std::vector<std::string> auth_keys;  // appended to the file's
  std::vector<std::string> auth_issuers, auth_audiences;  // appended to the file's
  bool public_access = false;
  std::optional<std::string> upstream_token;
};

void add_relay_flags(CLI::App& app, RelayFlags& flags);
void apply_flags(const RelayFlags& flags, RelayConfig& config);

// The flags' file (if any), then the flags, then validation; an error message or empty.
std::string load_relay_config(const RelayFlags& flags, RelayConfig& config);

}  // namespace kinetic::relay
