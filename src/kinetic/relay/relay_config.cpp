#include "kinetic/relay/relay_config.hpp"

#include <sched.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <map>
#include <sstream>
#include <thread>

namespace kinetic::relay {

std::optional<HostPort> parse_host_port(std::string_view text) {
  HostPort out;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    out.host = std::string(text.substr(0, colon));
    // A bare IPv6 address has several colons; it must be bracketed to carry a port.
    if (out.host.find(':') != std::string::npos) return std::nullopt;
    port = text.substr(colon + 1);
  }
  if (out.host.empty() || port.empty()) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value > 65535) return std::nullopt;
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

std::vector<std::string> upstream_urls(std::string_view upstream) {
  std::vector<std::string> out;
  while (!upstream.empty()) {
    const auto comma = upstream.find(',');
    auto part = upstream.substr(0, comma);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    upstream.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<UpstreamUrl> parse_upstream_url(std::string_view text) {
  UpstreamUrl out;
  std::string_view rest;
  if (text.starts_with("moqt://")) {
    out.scheme = UpstreamUrl::Scheme::kMoqt;
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    out.scheme = UpstreamUrl::Scheme::kHttps;
    rest = text.substr(8);
  } else {
    return std::nullopt;
  }
  const auto slash = rest.find('/');
  auto authority = parse_host_port(rest.substr(0, slash));
  if (!authority) return std::nullopt;
  out.authority = *authority;
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash));
  return out;
}

std::optional<std::array<std::uint8_t, 32>> parse_sha256_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, v, 16);
    if (ec != std::errc{} || end != hex.data() + 2 * i + 2) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(v);
  }
  return out;
}

namespace {

template <typename T>
std::string read_key(const toml::table& t, const char* key, T& out) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return {};
  if constexpr (std::is_same_v<T, bool>) {
    // value<bool>() would also take an integer; only a TOML boolean is one.
    if (const auto* b = node->as_boolean()) {
      out = b->get();
      return {};
    }
    return std::string("relay config: '") + key + "' must be true or false";
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (auto v = node->value<std::string>()) {
      out = *v;
      return {};
    }
    return std::string("relay config: '") + key + "' must be a string";
  } else {
    if (auto v = node->value<std::int64_t>(); v && *v >= 0) {
      out = static_cast<T>(*v);
      return {};
    }
    return std::string("relay config: '") + key + "' must be a non-negative integer";
  }
}

// A string or an array of strings; the key absent leaves `out` alone.
std::string read_strings(const toml::table& t, const char* key, std::vector<std::string>& out) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return {};
  const std::string wrong =
      std::string("relay config: '") + key + "' must be a string or an array of strings";
  std::vector<std::string> values;
  if (auto one = node->value<std::string>()) {
    values.push_back(*one);
  } else if (const auto* arr = node->as_array()) {
    for (const auto& item : *arr) {
      auto v = item.value<std::string>();
      if (!v) return wrong;
      values.push_back(*v);
    }
  } else {
    return wrong;
  }
  out = std::move(values);
  return {};
}

std::string apply_table(const toml::table& root, RelayConfig& c) {
  // Keys may sit at the top level or under [relay]; unknown keys are an error so that a typo
  // never silently falls back to a default.
  const toml::table* t = &root;
  if (const auto* relay = root.get_as<toml::table>("relay")) t = relay;
  static constexpr const char* kKnown[] = {"listen",
                                           "cert",
                                           "key",
                                           "cache_bytes",
                                           "track_cache_bytes",
                                           "max_sessions",
                                           "max_requests",
                                           "max_tracks",
                                           "subscriber_queue_bytes",
                                           "metrics_listen",
                                           "upstream",
                                           "log_level",
                                           "web_root",
                                           "upstream_pin",
                                           "upstream_insecure",
                                           "track_linger_ms",
                                           "heap_trim_ms",
                                           "auth_keys",
                                           "auth_issuers",
                                           "auth_audiences",
                                           "public",
                                           "upstream_token",
                                           "upstream_timeout_ms",
                                           "relay_id",
                                           "workers"};
  for (const auto& [k, v] : *t) {
    bool known = false;
    for (const char* name : kKnown) known = known || k.str() == name;
    if (!known) return "relay config: unknown key '" + std::string(k.str()) + "'";
  }
  std::string err;
  if (!(err = read_key(*t, "listen", c.listen)).empty()) return err;
  if (!(err = read_key(*t, "cert", c.cert)).empty()) return err;
  if (!(err = read_key(*t, "key", c.key)).empty()) return err;
  if (!(err = read_key(*t, "cache_bytes", c.cache_bytes)).empty()) return err;
  if (!(err = read_key(*t, "track_cache_bytes", c.track_cache_bytes)).empty()) return err;
  if (!(err = read_key(*t, "max_sessions", c.max_sessions)).empty()) return err;
  if (!(err = read_key(*t, "max_requests", c.max_requests)).empty()) return err;
  if (!(err = read_key(*t, "max_tracks", c.max_tracks)).empty()) return err;
  if (!(err = read_key(*t, "subscriber_queue_bytes", c.subscriber_queue_bytes)).empty()) return err;
  if (!(err = read_key(*t, "metrics_listen", c.metrics_listen)).empty()) return err;
  if (const auto* w = t->get("workers"); w != nullptr && w->is_string()) {
    if (w->value<std::string>() != "auto") return "relay config: 'workers' must be a number or \"auto\"";
    c.workers = 0;
  } else if (!(err = read_key(*t, "workers", c.workers)).empty()) {
    return err;
  }
  if (!(err = read_key(*t, "upstream", c.upstream)).empty()) return err;
  if (!(err = read_key(*t, "upstream_pin", c.upstream_pin)).empty()) return err;
  if (!(err = read_key(*t, "upstream_insecure", c.upstream_insecure)).empty()) return err;
  if (!(err = read_key(*t, "track_linger_ms", c.track_linger_ms)).empty()) return err;
  if (!(err = read_key(*t, "heap_trim_ms", c.heap_trim_ms)).empty()) return err;
  if (!(err = read_key(*t, "log_level", c.log_level)).empty()) return err;
  if (!(err = read_key(*t, "web_root", c.web_root)).empty()) return err;
  if (!(err = read_key(*t, "public", c.public_access)).empty()) return err;
  if (!(err = read_key(*t, "upstream_token", c.upstream_token)).empty()) return err;
  if (!(err = read_key(*t, "upstream_timeout_ms", c.upstream_timeout_ms)).empty()) return err;
  if (!(err = read_key(*t, "relay_id", c.relay_id)).empty()) return err;
  if (!(err = read_strings(*t, "auth_keys", c.auth_keys)).empty()) return err;
  if (!(err = read_strings(*t, "auth_issuers", c.auth_issuers)).empty()) return err;
  if (!(err = read_strings(*t, "auth_audiences", c.auth_audiences)).empty()) return err;
  return {};
}

std::string describe(const toml::parse_error& e) {
  std::ostringstream os;
  os << "relay config: " << e.description() << " at line " << e.source().begin.line << ", column "
     << e.source().begin.column;
  return os.str();
}

}  // namespace

std::string apply_toml(std::string_view toml_text, RelayConfig& config) {
  try {
    return apply_table(toml::parse(toml_text), config);
  } catch (const toml::parse_error& e) {
    return describe(e);
  }
}

std::string apply_toml_file(const std::string& path, RelayConfig& config) {
  try {
    return apply_table(toml::parse_file(path), config);
  } catch (const toml::parse_error& e) {
    return describe(e) + " of " + path;
  }
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1") return true;
  // 127.0.0.0/8 in dotted quad.
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (char ch : host) {
    if (ch == '.') ++dots;
    else if (ch < '0' || ch > '9') return false;
  }
  return dots == 3;
}

std::string validate(const RelayConfig& c) {
  const auto listen = parse_host_port(c.listen);
  if (!listen) return "listen: expected host:port or [v6]:port, got '" + c.listen + "'";
  if (c.auth_keys.empty() && !c.public_access && !is_loopback_host(listen->host))
    return "listen: " + c.listen +
           " is reachable from other machines and no auth is configured; give --auth-key <jwk file> "
           "(auth_keys) to require tokens, or --public (public = true) to serve anyone on purpose";
  if (c.auth_keys.empty() && !(c.auth_issuers.empty() && c.auth_audiences.empty()))
    return "auth_issuers / auth_audiences check tokens, and no auth_keys (--auth-key) are given to verify "
           "them";
  for (const auto* names : {&c.auth_issuers, &c.auth_audiences}) {
    for (const auto& n : *names) {
      if (n.empty()) return "auth_issuers / auth_audiences: an empty name";
    }
  }
  if (c.cert.empty() || c.key.empty()) return "cert and key are required (make them with `kinetic cert`)";
  if (!c.metrics_listen.empty() && !parse_host_port(c.metrics_listen))
    return "metrics_listen: expected host:port, got '" + c.metrics_listen + "'";
  for (const auto& url : upstream_urls(c.upstream)) {
    if (!parse_upstream_url(url))
      return "upstream: expected moqt://host:port or https://host:port/path (comma-separated for several), got '" +
             url + "'";
  }
  if (!c.upstream.empty() && upstream_urls(c.upstream).empty()) return "upstream: no URL in '" + c.upstream + "'";
  if (c.upstream_timeout_ms < 100 || c.upstream_timeout_ms > 600'000)
    return "upstream_timeout_ms must be between 100 and 600000";
  if (c.relay_id.size() > 64 || c.relay_id.find_first_of(", \t") != std::string::npos)
    return "relay_id: at most 64 characters, without commas or blanks";
  if (!c.upstream_pin.empty() && !parse_sha256_hex(c.upstream_pin))
    return "upstream_pin: expected 64 hex digits (a certificate's SHA-256)";
  if (c.track_linger_ms > 3'600'000) return "track_linger_ms must be at most one hour";
  if (c.heap_trim_ms != 0 && (c.heap_trim_ms < 1'000 || c.heap_trim_ms > 3'600'000))
    return "heap_trim_ms must be 0 (never) or between 1000 and 3600000";
  if (c.cache_bytes == 0) return "cache_bytes must be positive";
  if (c.track_cache_bytes == 0 || c.track_cache_bytes > c.cache_bytes)
    return "track_cache_bytes must be positive and at most cache_bytes";
  if (c.max_sessions == 0 || c.max_requests == 0 || c.max_tracks == 0)
    return "max_sessions, max_requests and max_tracks must be positive";
  if (c.subscriber_queue_bytes == 0) return "subscriber_queue_bytes must be positive";
  if (c.workers > 255) return "workers must be auto (0) or 1 to 255";
  if (spdlog::level::from_str(c.log_level) == spdlog::level::off && c.log_level != "off")
    return "log_level: one of trace, debug, info, warn, error, critical, off";
  return {};
}

std::size_t worker_threads(const RelayConfig& c) {
  if (c.workers != 0) return c.workers;
  std::size_t cpus = std::thread::hardware_concurrency();
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) cpus = static_cast<std::size_t>(CPU_COUNT(&set));
  return std::clamp<std::size_t>(cpus, 1, 255);
}

void add_relay_flags(CLI::App& app, RelayFlags& f) {
  app.add_option("-c,--config", f.config_file, "TOML config file (flags override it)");
  app.add_option("--listen", f.listen, "UDP address for QUIC and WebTransport, host:port");
  app.add_option("--cert", f.cert, "PEM certificate chain");
  app.add_option("--key", f.key, "PEM private key");
  app.add_option("--cache-bytes", f.cache_bytes, "Cache budget for all tracks, bytes");
  app.add_option("--track-cache-bytes", f.track_cache_bytes, "Cache budget per track, bytes");
  app.add_option("--max-sessions", f.max_sessions, "Sessions at once");
  app.add_option("--max-requests", f.max_requests, "Open requests per session");
  app.add_option("--max-tracks", f.max_tracks, "Tracks the relay serves at once");
  app.add_option("--subscriber-queue-bytes", f.subscriber_queue_bytes,
                 "Unsent bytes per subscriber before its oldest groups are dropped");
  app.add_option("--metrics-listen", f.metrics_listen, "TCP host:port for Prometheus GET /metrics");
  app.add_option("--workers", f.workers,
                 "Worker threads serving the port, each its own connections (default 1; up to 255; auto: one "
                 "per CPU this process may use)")
      ->transform(CLI::Transformer(std::map<std::string, std::string>{{"auto", "0"}}));
  app.add_option("--upstream", f.upstream,
                 "Parent relay(s): moqt://host:port or https://host:port/path; several comma-separated "
                 "(a session to each; the best by RTT and loss carries the route, failover on loss)");
  app.add_option("--upstream-timeout-ms", f.upstream_timeout_ms,
                 "A silent parent is taken for dead after this long (keep-alive PINGs every quarter of it)");
  app.add_option("--relay-id", f.relay_id, "This relay's id in hop lists (default: random)");
  app.add_option("--upstream-pin", f.upstream_pin, "SHA-256 (hex) of the upstream relay's certificate");
  app.add_flag("--upstream-insecure", f.upstream_insecure, "Do not verify the upstream relay's certificate");
  app.add_option("--track-linger-ms", f.track_linger_ms,
                 "Keep an unwatched track's upstream subscription and cache this long, ms");
  app.add_option("--heap-trim-ms", f.heap_trim_ms,
                 "Hand the heap's free pages back to the kernel this often, ms (0: never; default 30000)");
  app.add_option("--log-level", f.log_level, "trace, debug, info, warn, error, critical or off");
  app.add_option("--web-root", f.web_root, "Directory served over HTTP/3 GET (the web player)");
  app.add_option("--auth-key", f.auth_keys,
                 "JWK file (a key or a key set) verifying JWT/CAT tokens; repeatable. Sessions and requests "
                 "then need a token");
  app.add_option("--auth-issuer", f.auth_issuers,
                 "Accept only tokens whose iss is this (repeatable; default: any issuer)");
  app.add_option("--auth-audience", f.auth_audiences,
                 "A name this relay answers to in a token's aud (repeatable). With one, tokens must name it; "
                 "without, tokens that carry aud are refused");
  app.add_flag("--public", f.public_access, "Serve without tokens on a non-loopback address, on purpose");
  app.add_option("--upstream-token", f.upstream_token,
                 "Token presented to the upstream relay in SETUP (@file reads it from a file)");
}

void apply_flags(const RelayFlags& f, RelayConfig& c) {
  auto set = [](const auto& flag, auto& field) {
    if (flag) field = *flag;
  };
  set(f.listen, c.listen);
  set(f.cert, c.cert);
  set(f.key, c.key);
  set(f.cache_bytes, c.cache_bytes);
  set(f.track_cache_bytes, c.track_cache_bytes);
  set(f.max_sessions, c.max_sessions);
  set(f.max_requests, c.max_requests);
  set(f.max_tracks, c.max_tracks);
  set(f.subscriber_queue_bytes, c.subscriber_queue_bytes);
  set(f.metrics_listen, c.metrics_listen);
  set(f.workers, c.workers);
  set(f.upstream, c.upstream);
  set(f.upstream_pin, c.upstream_pin);
  if (f.upstream_insecure) c.upstream_insecure = true;
  set(f.track_linger_ms, c.track_linger_ms);
  set(f.upstream_timeout_ms, c.upstream_timeout_ms);
  set(f.heap_trim_ms, c.heap_trim_ms);
  set(f.relay_id, c.relay_id);
  set(f.log_level, c.log_level);
  set(f.web_root, c.web_root);
  c.auth_keys.insert(c.auth_keys.end(), f.auth_keys.begin(), f.auth_keys.end());
  c.auth_issuers.insert(c.auth_issuers.end(), f.auth_issuers.begin(), f.auth_issuers.end());
  c.auth_audiences.insert(c.auth_audiences.end(), f.auth_audiences.begin(), f.auth_audiences.end());
  if (f.public_access) c.public_access = true;
  set(f.upstream_token, c.upstream_token);
}

std::string load_relay_config(const RelayFlags& flags, RelayConfig& config) {
  if (!flags.config_file.empty()) {
    if (auto err = apply_toml_file(flags.config_file, config); !err.empty()) return err;
  }
  apply_flags(flags, config);
  return validate(config);
}

}  // namespace kinetic::relay
