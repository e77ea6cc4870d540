// Shared pieces of the QUIC tests: one loop running a server and its clients on loopback,
// an application protocol small enough to check every transport feature (echo, sink with
// SHA-256, download of N deterministic bytes), and handlers that record what they saw.
#pragma once

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kinetic/transport/certificate.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/quic/quic_client.hpp"
#include "kinetic/transport/quic/quic_server.hpp"

namespace kinetic::transport::quic::testing {

using namespace std::chrono_literals;

inline const CertificateKeyPair& test_certificate() {
  static const CertificateKeyPair cert = *CertificateKeyPair::generate();
  return cert;
}

// Deterministic content: byte i of a download is a function of i alone.
inline void fill_pattern(std::uint64_t offset, std::uint8_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t x = (offset + i) / 8 * 0x9E3779B97F4A7C15ull;
    x ^= x >> 29;
    out[i] = static_cast<std::uint8_t>(x >> (((offset + i) % 8) * 8));
  }
}

class Sha256Hasher {
 public:
  Sha256Hasher() { gnutls_hash_init(&h_, GNUTLS_DIG_SHA256); }
  ~Sha256Hasher() {
    if (h_ != nullptr) gnutls_hash_deinit(h_, nullptr);
  }
  void update(std::span<const std::uint8_t> d) { gnutls_hash(h_, d.data(), d.size()); }
  Sha256 finish() {
    Sha256 out{};
    gnutls_hash_deinit(h_, out.data());
    h_ = nullptr;
    return out;
  }

 private:
  gnutls_hash_hd_t h_ = nullptr;
};

inline Sha256 pattern_sha256(std::uint64_t size) {
  Sha256Hasher h;
  std::vector<std::uint8_t> buf(1 << 16);
  for (std::uint64_t off = 0; off < size; off += buf.size()) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - off));
    fill_pattern(off, buf.data(), n);
    h.update({buf.data(), n});
  }
  return h.finish();
}

// Server side of the test protocol, chosen by the first byte of a bidi stream:
//   'E' echo everything back; 'S' hash everything, answer the SHA-256 at fin;
//   'D' + 8-byte size: send that many pattern bytes, then fin.
// Uni streams are echoed on a new uni stream; datagrams are echoed.
class ServerApp : public SessionHandler {
 public:
  struct StreamState : StreamHandler {
    ServerApp* app;
    Session* session;
    char mode = 0;
    std::vector<std::uint8_t> header;
    Sha256Hasher hasher;
    Stream* reply = nullptr;  // uni echo target
    std::uint64_t download_left = 0;
    std::uint64_t download_off = 0;

    void on_data(Stream& s, std::span<const std::uint8_t> data, bool fin) override {
      if (!s.bidirectional()) {
        if (reply == nullptr) reply = session->open_uni();
        if (reply != nullptr) reply->write(data, fin);
        return;
      }
      if (mode == 0 && !data.empty()) {
        mode = static_cast<char>(data[0]);
        data = data.subspan(1);
      }
      if (mode == 'E') {
        s.write(data, fin);
      } else if (mode == 'S') {
        hasher.update(data);
        if (fin) {
          auto d = hasher.finish();
          s.write(std::span<const std::uint8_t>(d.data(), d.size()), true);
        }
      } else if (mode == 'D') {
        header.insert(header.end(), data.begin(), data.end());
        if (header.size() >= 8 && download_left == 0 && download_off == 0) {
          std::memcpy(&download_left, header.data(), 8);
          pump(s);
        }
      }
    }
    void on_writable(Stream& s) override { pump(s); }
    void pump(Stream& s) {
      constexpr std::size_t kChunk = 64 * 1024;
      // Fill past the low-water mark so on_writable calls back for more.
      while (download_left > 0 && s.queued_bytes() < (2u << 20)) {
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, download_left));
        std::vector<std::uint8_t> buf(n);
        fill_pattern(download_off, buf.data(), n);
        download_off += n;
        download_left -= n;
        s.write(kinetic::SharedBytes(std::move(buf)), download_left == 0);
      }
    }
    void on_reset(Stream& s, ErrorCode code) override {
      (void)s;
      app->resets.push_back(code);
    }
    void on_stop_sending(Stream& s, ErrorCode code) override {
      (void)s;
      app->stop_sendings.push_back(code);
    }
  };

  void on_ready(Session& s) override {
    (void)s;
    ++ready;
  }
  void on_incoming_stream(Session& session, Stream& stream) override {
    auto st = std::make_unique<StreamState>();
    st->app = this;
    st->session = &session;
    stream.set_handler(st.get());
    states.push_back(std::move(st));
  }
  void on_datagram(Session& session, std::span<const std::uint8_t> data) override {
    session.send_datagram(data);
  }
  void on_closed(Session& s, const CloseInfo& info) override {
    (void)s;
    closes.push_back(info);
  }

  int ready = 0;
  std::vector<CloseInfo> closes;
  std::vector<ErrorCode> resets;
  std::vector<ErrorCode> stop_sendings;
  std::vector<std::unique_ptr<StreamState>> states;
};

// Records everything a client stream receives.
struct Collector : StreamHandler {
  std::vector<std::uint8_t> data;
  bool keep = true;  // false: hash only (large transfers)
  Sha256Hasher hasher;
  std::uint64_t received = 0;
  bool fin = false;
  bool closed = false;
  std::optional<ErrorCode> reset_code;
  int writable = 0;

  void on_data(Stream& s, std::span<const std::uint8_t> d, bool f) override {
    (void)s;
    if (keep) data.insert(data.end(), d.begin(), d.end());
    hasher.update(d);
    received += d.size();
    fin = fin || f;
  }
  void on_reset(Stream& s, ErrorCode code) override {
    (void)s;
    reset_code = code;
  }
  void on_writable(Stream& s) override {
    (void)s;
    ++writable;
  }
  void on_closed(Stream& s) override {
    (void)s;
    closed = true;
  }
};

struct ClientApp : SessionHandler {
  bool ready = false;
  std::optional<CloseInfo> closed;
  std::vector<std::vector<std::uint8_t>> datagrams;
  // Not to be dereferenced later: a peer's uni stream is released once its fin has been
  // delivered, and its address may then be reused by the next stream.
  std::vector<Stream*> incoming;
  struct Kind {
    bool bidirectional;
    bool locally_opened;
  };
  std::vector<Kind> incoming_kinds;
  std::vector<std::unique_ptr<Collector>> collectors;  // one per incoming stream, same order

  void on_ready(Session& s) override {
    (void)s;
    ready = true;
  }
  void on_incoming_stream(Session& s, Stream& stream) override {
    (void)s;
    incoming.push_back(&stream);
    incoming_kinds.push_back({stream.bidirectional(), stream.locally_opened()});
    auto c = std::make_unique<Collector>();
    stream.set_handler(c.get());
    collectors.push_back(std::move(c));
  }
  void on_datagram(Session& s, std::span<const std::uint8_t> data) override {
    (void)s;
    datagrams.emplace_back(data.begin(), data.end());
  }
  void on_closed(Session& s, const CloseInfo& info) override {
    (void)s;
    closed = info;
  }
};

class QuicFixture : public ::testing::Test {
 protected:
  void start_server(QuicServerConfig config = {}) {
    if (config.listen.len == 0) config.listen = *SocketAddress::parse(host_, 0);
    config.certificate = test_certificate();
    auto server = QuicServer::start(loop_, std::move(config), [this](SessionPtr s) {
      s->set_handler(&server_app_);
      server_sessions_.push_back(std::move(s));
    });
    ASSERT_TRUE(server.ok()) << server.error().what;
    server_ = std::move(*server);
  }

  QuicClientConfig client_config() {
    QuicClientConfig c;
    c.remote = server_->local_address();
    c.server_name = "localhost";
    c.pinned_sha256.push_back(*test_certificate().sha256());
    return c;
  }

  SessionPtr connect(ClientApp& app, QuicClientConfig config) {
    auto s = QuicClient::connect(loop_, config, &app);
    EXPECT_TRUE(s.ok());
    if (!s.ok()) return nullptr;
    auto session = std::move(*s);
    EXPECT_TRUE(loop_.run_until([&] { return app.ready || app.closed.has_value(); }, 10s));
    return session;
  }
  SessionPtr connect(ClientApp& app) { return connect(app, client_config()); }

  bool run_until(const std::function<bool()>& done, Duration timeout = 20s) {
    return loop_.run_until(done, timeout);
  }

  std::string host_ = "127.0.0.1";
  EpollLoop loop_;
  ServerApp server_app_;
  std::vector<SessionPtr> server_sessions_;
  std::unique_ptr<QuicServer> server_;
};

}  // namespace kinetic::transport::quic::testing
