// The gateway's HTTP side on libsoup 3: each request is handed whole (method, path, the headers
// WHIP and WHEP use, body) to one handler on the GLib thread, whose answer is sent back with the
// CORS headers a browser page on another origin needs to POST an offer and read Location.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kinetic/webrtc/gst_support.hpp"
#include "kinetic/webrtc/outcome.hpp"

namespace kinetic::webrtc {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string content_type;   // without parameters, lower case
  std::string authorization;
  std::string body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Bodies above this are refused (413) without reaching the handler: an SDP offer is a few KiB.
inline constexpr std::size_t kMaxRequestBody = 64 * 1024;

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Listens on HOST:PORT (port 0: the kernel picks) with the server's sources on `glib`.
  static Outcome<std::unique_ptr<HttpServer>> listen(GlibThread& glib, const std::string& host, std::uint16_t port,
                                                          Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  struct Impl;

 private:
  HttpServer() = default;
  GlibThread* glib_ = nullptr;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace kinetic::webrtc
