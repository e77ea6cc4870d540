// The files `--web-root` serves over HTTP/3 GET on the relay's port (the web player), so a demo
// needs no other web server. Only regular files inside the root are served: a path that climbs
// out of it (.., percent-encoded or not, or a symbolic link leading elsewhere) is 403, a file
// that is not there is 404.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "kinetic/transport/webtransport/h3_connection.hpp"

namespace kinetic::relay {

class StaticFiles {
 public:
  // Files above `max_file_bytes` are refused (403) rather than read whole into memory.
  static constexpr std::size_t kDefaultMaxFileBytes = 64u << 20;

  // Empty string and `out` set, or what is wrong with `root` (missing, not a directory).
  static std::string open(const std::string& root, std::optional<StaticFiles>& out,
                          std::size_t max_file_bytes = kDefaultMaxFileBytes);

  // The answer to GET `target` (path with an optional query); nullopt for 404.
  [[nodiscard]] std::optional<transport::webtransport::StaticResponse> get(std::string_view target) const;

  // "text/html; charset=utf-8" for index.html, and so on; octet-stream when unknown.
  static std::string content_type(const std::filesystem::path& file);

 private:
  StaticFiles(std::filesystem::path root, std::size_t max_file_bytes)
      : root_(std::move(root)), max_file_bytes_(max_file_bytes) {}

  std::filesystem::path root_;  // canonical
  std::size_t max_file_bytes_;
};

}  // namespace kinetic::relay
