// Test peers for WebTransport sessions: an echo server and a recording client, shared by
// the memory-transport and real-QUIC tests so both exercise the same behaviour.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kinetic/transport/transport.hpp"

namespace kinetic::transport::webtransport::testing {

// Echoes bidi streams on the same stream, uni streams on a new uni stream once the peer
// finishes, and datagrams as datagrams; a bidi stream whose first byte is 'X' makes the
// server close the session with code 77 instead.
class EchoServer final : public SessionHandler, public StreamHandler {
 public:
  void on_ready(Session&) override { ++ready; }
  void on_incoming_stream(Session& session, Stream& stream) override {
    session_ = &session;
    stream.set_handler(this);
  }
  void on_datagram(Session& session, std::span<const std::uint8_t> data) override {
    ++datagrams;
    session.send_datagram(data);
  }
  void on_closed(Session&, const CloseInfo& info) override {
    closed = true;
    close_info = info;
  }

  void on_data(Stream& stream, std::span<const std::uint8_t> data, bool fin) override {
    if (stream.bidirectional()) {
      if (!data.empty() && data[0] == 'X') {
        session_->close(77, "asked to close");
        return;
      }
      stream.write(data, fin);
      return;
    }
    auto& buf = uni_[stream.id()];
    buf.insert(buf.end(), data.begin(), data.end());
    if (fin) {
      if (Stream* out = session_->open_uni()) out->write(buf, true);
      uni_.erase(stream.id());
    }
  }
  void on_reset(Stream&, ErrorCode code) override { resets.push_back(code); }

  int ready = 0;
  int datagrams = 0;
  bool closed = false;
  CloseInfo close_info;
  std::vector<ErrorCode> resets;

 private:
  Session* session_ = nullptr;
  std::map<StreamId, std::vector<std::uint8_t>> uni_;
};

// Records everything a client session sees.
class Recorder final : public SessionHandler, public StreamHandler {
 public:
  void on_ready(Session&) override { ready = true; }
  void on_incoming_stream(Session&, Stream& stream) override { stream.set_handler(this); }
  void on_datagram(Session&, std::span<const std::uint8_t> data) override {
    datagrams.emplace_back(data.begin(), data.end());
  }
  void on_closed(Session&, const CloseInfo& info) override {
    closed = true;
    close_info = info;
  }
  void on_data(Stream& stream, std::span<const std::uint8_t> data, bool fin) override {
    auto& buf = received[stream.id()];
    buf.append(reinterpret_cast<const char*>(data.data()), data.size());
    if (fin) finished[stream.id()] = stream.bidirectional();
  }

  // The text of the first finished stream of the given direction, or "".
  std::string finished_text(bool bidi) const {
    for (const auto& [id, is_bidi] : finished)
      if (is_bidi == bidi) return received.at(id);
    return "";
  }

  bool ready = false;
  bool closed = false;
  CloseInfo close_info;
  std::map<StreamId, std::string> received;
  std::map<StreamId, bool> finished;
  std::vector<std::vector<std::uint8_t>> datagrams;
};

inline std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace kinetic::transport::webtransport::testing
