// A plain HTTP/1.1 client over a TCP socket to 127.0.0.1, for the tests of the gateway's HTTP
// side: the bytes sent are exactly the test's (so malformed requests can be sent too), and every
// read is bounded by a deadline, so a server that never answers fails the test instead of
// hanging it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kinetic::test {

struct HttpReply {
  int status = 0;                                            // 0: no reply, see `error`
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case, in order
  std::string body;
  std::string error;

  // The first header of that name (any case), or "" when there is none.
  [[nodiscard]] std::string header(std::string_view name) const {
    const auto* h = find(name);
    return h != nullptr ? h->second : std::string();
  }
  [[nodiscard]] bool has_header(std::string_view name) const { return find(name) != nullptr; }

 private:
  [[nodiscard]] const std::pair<std::string, std::string>* find(std::string_view name) const {
    for (const auto& h : headers) {
      if (std::equal(h.first.begin(), h.first.end(), name.begin(), name.end(),
                     [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
        return &h;
      }
    }
    return nullptr;
  }
};

namespace http_detail {

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

// Parses what has arrived; true once a whole reply is there (by Content-Length, or by the
// server closing the connection when `closed`).
inline bool parse(const std::string& in, bool closed, HttpReply& out) {
  const auto end = in.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  HttpReply r;
  std::size_t pos = in.find("\r\n");
  const std::string status_line = in.substr(0, pos);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
    out.error = "not an HTTP status line: " + status_line;
    return true;
  }
  r.status = std::atoi(status_line.c_str() + 9);
  while (pos < end) {
    const std::size_t next = in.find("\r\n", pos + 2);
    const std::string line = in.substr(pos + 2, next - pos - 2);
    const auto colon = line.find(':');
    if (colon != std::string::npos)
      r.headers.emplace_back(lower(line.substr(0, colon)), trim(line.substr(colon + 1)));
    pos = next;
  }
  const std::string rest = in.substr(end + 4);
  if (r.has_header("content-length")) {
    const auto length =
        static_cast<std::size_t>(std::strtoul(r.header("content-length").c_str(), nullptr, 10));
    if (rest.size() < length) return false;
    r.body = rest.substr(0, length);
  } else if (r.status == 204 || r.status == 304) {
    r.body.clear();
  } else {
    if (!closed) return false;
    r.body = rest;
  }
  out = std::move(r);
  return true;
}

}  // namespace http_detail

// A connected socket to 127.0.0.1:port, or -1.
inline int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends all of `data`; false when the server stops taking it (it may answer and close first).
inline bool send_all(int fd, std::string_view data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one reply from `fd`, waiting at most `limit` in all.
inline HttpReply read_reply(int fd, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  HttpReply reply;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string in;
  bool closed = false;
  while (true) {
    if (http_detail::parse(in, closed, reply)) break;
    if (closed) {
      reply.error = in.empty() ? "connection closed without a reply" : "truncated reply: " + in;
      break;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
            .count();
    if (left <= 0) {
      reply.error = "no whole reply within " + std::to_string(limit.count()) + " ms; got: " + in;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[16384];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      closed = true;
      continue;
    }
    in.append(buf, static_cast<std::size_t>(n));
  }
  return reply;
}

// Sends `raw` as it is to 127.0.0.1:port and reads one reply, waiting at most `limit` for it.
inline HttpReply http_exchange(std::uint16_t port, std::string_view raw,
                               std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const int fd = connect_loopback(port);
  if (fd < 0) {
    HttpReply reply;
    reply.error = "cannot connect to 127.0.0.1:" + std::to_string(port);
    return reply;
  }
  (void)send_all(fd, raw);
  HttpReply reply = read_reply(fd, limit);
  ::close(fd);
  return reply;
}

// A request with Host, Content-Length (when there is a body) and Connection: close, plus `headers`.
inline std::string request_text(std::string_view method, std::string_view target,
                                const std::vector<std::pair<std::string, std::string>>& headers = {},
                                std::string_view body = {}) {
  std::string r = std::string(method) + " " + std::string(target) +
                  " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) r += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += "\r\n";
  r += body;
  return r;
}

}  // namespace kinetic::test
