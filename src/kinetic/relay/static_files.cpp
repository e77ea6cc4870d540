#include "kinetic/relay/static_files.hpp"

#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

namespace kinetic::relay {

namespace fs = std::filesystem;
using transport::webtransport::StaticResponse;

namespace {

StaticResponse forbidden() {
  StaticResponse r;
  r.status = 403;
  r.content_type = "text/plain; charset=utf-8";
  r.body = SharedBytes::copy(std::string_view("forbidden\n"));
  return r;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; nullopt for a malformed escape or a NUL byte.
std::optional<std::string> decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string StaticFiles::open(const std::string& root, std::optional<StaticFiles>& out, std::size_t max_file_bytes) {
  std::error_code ec;
  const auto canonical = fs::canonical(root, ec);
  if (ec) return "web_root: " + root + ": " + ec.message();
  if (!fs::is_directory(canonical, ec)) return "web_root: " + root + " is not a directory";
  out.emplace(StaticFiles(canonical, max_file_bytes));
  return {};
}

std::string StaticFiles::content_type(const fs::path& file) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},  {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript"},             {".mjs", "text/javascript"},
      {".css", "text/css"},                   {".json", "application/json"},
      {".map", "application/json"},           {".wasm", "application/wasm"},
      {".svg", "image/svg+xml"},              {".png", "image/png"},
      {".jpg", "image/jpeg"},                 {".jpeg", "image/jpeg"},
      {".ico", "image/x-icon"},               {".txt", "text/plain; charset=utf-8"},
      {".mp4", "video/mp4"},                  {".m4s", "video/iso.segment"},
      {".webm", "video/webm"},
  };
  const auto ext = file.extension().string();
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return type;
  }
  return "application/octet-stream";
}

std::optional<StaticResponse> StaticFiles::get(std::string_view target) const {
  const auto query = target.find_first_of("?#");
  auto path = decode(target.substr(0, query));
  if (!path || path->empty() || path->front() != '/' || path->find('\\') != std::string::npos) return forbidden();
  // No segment may climb: checked on the decoded text, before the file system sees it.
  fs::path relative;
  std::size_t start = 1;
  while (start <= path->size()) {
    const auto slash = path->find('/', start);
    const auto segment = path->substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (segment == "..") return forbidden();
    if (!segment.empty() && segment != ".") relative /= segment;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (path->back() == '/' || relative.empty()) relative /= "index.html";

  std::error_code ec;
  const auto resolved = fs::canonical(root_ / relative, ec);
  if (ec) return std::nullopt;
  // A symbolic link may still lead out of the root.
  const auto rel = resolved.lexically_relative(root_);
  if (rel.empty() || *rel.begin() == "..") return forbidden();
  if (fs::is_directory(resolved, ec)) return std::nullopt;
  if (!fs::is_regular_file(resolved, ec)) return forbidden();
  const auto size = fs::file_size(resolved, ec);
  if (ec) return std::nullopt;
  if (size > max_file_bytes_) return forbidden();
  std::ifstream in(resolved, std::ios::binary);
  if (!in) return forbidden();
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  StaticResponse r;
  r.status = 200;
  r.content_type = content_type(resolved);
  r.body = SharedBytes::copy(std::string_view(data.data(), data.size()));
  return r;
}

}  // namespace kinetic::relay
