#include "kinetic/transport/webtransport/headers.hpp"

#include <algorithm>
#include <charconv>

namespace kinetic::transport::webtransport {

namespace {

Error malformed(const char* what) { return {Errc::kProtocolViolation, what}; }

bool has_uppercase(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// RFC 8941 §3.2 OWS and SP handling.
void skip_ows(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}
void skip_sp(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
}

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~:/").find(c) != std::string_view::npos;
}

// Parses an sf-string at the front of `s`; nullopt on a syntax error.
std::optional<std::string> take_string(std::string_view& s) {
  if (s.empty() || s.front() != '"') return std::nullopt;
  s.remove_prefix(1);
  std::string out;
  while (!s.empty()) {
    const char c = s.front();
    s.remove_prefix(1);
    if (c == '\\') {
      if (s.empty() || (s.front() != '"' && s.front() != '\\')) return std::nullopt;
      out.push_back(s.front());
      s.remove_prefix(1);
    } else if (c == '"') {
      return out;
    } else if (c < 0x20 || c > 0x7e) {
      return std::nullopt;
    } else {
      out.push_back(c);
    }
  }
  return std::nullopt;
}

// Skips any bare item other than a string (token, number, boolean, byte sequence).
bool skip_bare_item(std::string_view& s) {
  if (s.empty()) return false;
  const char c = s.front();
  if (c == '"') return take_string(s).has_value();
  if (c == ':') {  // byte sequence
    const auto end = s.find(':', 1);
    if (end == std::string_view::npos) return false;
    s.remove_prefix(end + 1);
    return true;
  }
  if (c == '?') {
    if (s.size() < 2 || (s[1] != '0' && s[1] != '1')) return false;
    s.remove_prefix(2);
    return true;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    s.remove_prefix(1);
    while (!s.empty() && ((s.front() >= '0' && s.front() <= '9') || s.front() == '.')) s.remove_prefix(1);
    return true;
  }
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*') {
    while (!s.empty() && is_tchar(s.front())) s.remove_prefix(1);
    return true;
  }
  return false;
}

bool skip_parameters(std::string_view& s) {
  while (!s.empty() && s.front() == ';') {
    s.remove_prefix(1);
    skip_sp(s);
    if (s.empty() || !((s.front() >= 'a' && s.front() <= 'z') || s.front() == '*')) return false;
    while (!s.empty() && ((s.front() >= 'a' && s.front() <= 'z') || (s.front() >= '0' && s.front() <= '9') ||
                          s.front() == '_' || s.front() == '-' || s.front() == '.' || s.front() == '*'))
      s.remove_prefix(1);
    if (!s.empty() && s.front() == '=') {
      s.remove_prefix(1);
      if (!skip_bare_item(s)) return false;
    }
  }
  return true;
}

}  // namespace

const std::string* find_field(const HeaderList& headers, std::string_view name) noexcept {
  for (const auto& [k, v] : headers)
    if (k == name) return &v;
  return nullptr;
}

const std::string* Request::field(std::string_view name) const noexcept { return find_field(fields, name); }

Result<Request> parse_request(const HeaderList& headers) {
  Request req;
  bool seen_regular = false;
  bool has_method = false, has_scheme = false, has_path = false, has_authority = false, has_protocol = false;
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in the lambda below.
  for (const auto& field : headers) {
    const std::string& name = field.first;
    const std::string& value = field.second;
    if (name.empty()) return malformed("empty field name");
    if (has_uppercase(name)) return malformed("uppercase field name");
    if (name.front() != ':') {
      seen_regular = true;
      req.fields.emplace_back(name, value);
      continue;
    }
    if (seen_regular) return malformed("pseudo-header after regular field");
    auto assign = [&](bool& seen, std::string& dst) -> bool {
      if (seen) return false;
      seen = true;
      dst = value;
      return true;
    };
    bool ok = false;
    if (name == ":method") ok = assign(has_method, req.method);
    else if (name == ":scheme") ok = assign(has_scheme, req.scheme);
    else if (name == ":path") ok = assign(has_path, req.path);
    else if (name == ":authority") ok = assign(has_authority, req.authority);
    else if (name == ":protocol") ok = assign(has_protocol, req.protocol);
    if (!ok) return malformed("unknown or repeated pseudo-header");
  }
  if (!has_method) return malformed("missing :method");
  if (req.method == "CONNECT" && !has_protocol) {
    // Classic CONNECT (RFC 9114 §4.4): only :authority.
    if (has_scheme || has_path || !has_authority) return malformed("malformed CONNECT");
    return req;
  }
  if (has_protocol && req.method != "CONNECT") return malformed(":protocol outside CONNECT");
  if (!has_scheme || !has_path || req.path.empty()) return malformed("missing :scheme or :path");
  if (has_protocol && !has_authority) return malformed("extended CONNECT without :authority");
  return req;
}

Result<int> parse_status(const HeaderList& headers) {
  const std::string* s = find_field(headers, ":status");
  if (!s || s->size() != 3) return malformed("missing or malformed :status");
  int status = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), status);
  if (ec != std::errc() || p != s->data() + s->size() || status < 100) return malformed("malformed :status");
  return status;
}

Result<std::vector<std::string>> parse_sf_string_list(std::string_view field) {
  std::vector<std::string> out;
  std::string_view s = field;
  skip_sp(s);
  while (!s.empty()) {
    if (s.front() == '(') {  // inner list: skipped whole
      s.remove_prefix(1);
      for (;;) {
        skip_sp(s);
        if (s.empty()) return malformed("unterminated inner list");
        if (s.front() == ')') { s.remove_prefix(1); break; }
        if (!skip_bare_item(s) || !skip_parameters(s)) return malformed("bad inner list item");
      }
    } else if (s.front() == '"') {
      auto str = take_string(s);
      if (!str) return malformed("bad sf-string");
      out.push_back(std::move(*str));
    } else if (!skip_bare_item(s)) {
      return malformed("bad list member");
    }
    if (!skip_parameters(s)) return malformed("bad parameters");
    skip_ows(s);
    if (s.empty()) break;
    if (s.front() != ',') return malformed("expected comma");
    s.remove_prefix(1);
    skip_ows(s);
    if (s.empty()) return malformed("trailing comma");
  }
  return out;
}

Result<std::string> parse_sf_string(std::string_view field) {
  std::string_view s = field;
  skip_sp(s);
  auto str = take_string(s);
  if (!str || !skip_parameters(s)) return malformed("bad sf-string item");
  skip_sp(s);
  if (!s.empty()) return malformed("trailing bytes after sf-string");
  return std::move(*str);
}

std::string format_sf_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string format_sf_string_list(std::span<const std::string> items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += format_sf_string(item);
  }
  return out;
}

std::optional<std::string> select_protocol(std::span<const std::string> offered,
                                           std::span<const std::string> supported) {
  for (const auto& ours : supported)
    if (std::find(offered.begin(), offered.end(), ours) != offered.end()) return ours;
  return std::nullopt;
}

}  // namespace kinetic::transport::webtransport
