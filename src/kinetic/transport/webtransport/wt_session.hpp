// A WebTransport session (draft-ietf-webtrans-http3) presented as a transport::Session,
// so MoQT runs over it exactly as over raw QUIC. Its streams are QUIC streams of the
// HTTP/3 connection carrying a preamble (0x41 or 0x54 + session id) that this class
// writes and strips; its datagrams carry the quarter stream id (RFC 9297); closing sends
// CLOSE_WEBTRANSPORT_SESSION on the CONNECT stream. Stream error codes are mapped into
// and out of the WebTransport range, so callers see their own 32-bit codes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/transport/transport.hpp"
#include "kinetic/transport/webtransport/capsule.hpp"
#include "kinetic/transport/webtransport/tlv_reader.hpp"

namespace kinetic::transport::webtransport {

class H3Connection;
class WtSession;

// A no-op handler for QUIC streams whose owner is gone, so that late events land safely.
StreamHandler& discarding_handler();

class WtStream final : public Stream, public StreamHandler {
 public:
  WtStream(WtSession& session, Stream& quic, bool local);

  [[nodiscard]] StreamId id() const override { return id_; }
  [[nodiscard]] bool bidirectional() const override { return bidi_; }
  [[nodiscard]] bool locally_opened() const override { return local_; }
  void set_handler(StreamHandler* handler) override { handler_ = handler; }
  void write(std::span<const std::uint8_t> data, bool fin) override;
  void write(SharedBytes data, bool fin) override;
  void finish() override;
  [[nodiscard]] std::size_t queued_bytes() const override;
  void set_send_order(std::uint64_t order) override;
  void reset(ErrorCode code) override;
  void stop_sending(ErrorCode code) override;
  // The QUIC stream's: its bytes are this stream's preamble and then its own, unframed.
  void measure_send_delay(TimePoint since, LatencyHistogram& into) override;

  // Events from the QUIC stream.
  void on_data(Stream& stream, std::span<const std::uint8_t> data, bool fin) override;
  void on_reset(Stream& stream, ErrorCode code) override;
  void on_stop_sending(Stream& stream, ErrorCode code) override;
  void on_writable(Stream& stream) override;
  void on_closed(Stream& stream) override;

 private:
  friend class WtSession;
  void deliver_buffered();
  void abandon();  // session over: reset what is open, stop listening

  WtSession& session_;
  Stream* quic_;  // nullptr once the QUIC stream is gone or abandoned
  StreamId id_;
  bool bidi_;
  bool local_;
  StreamHandler* handler_ = nullptr;
  // Data that arrived with the preamble, before the application set a handler.
  std::vector<std::uint8_t> early_;
  bool early_fin_ = false;
};

class WtSession final : public Session, public TlvReader::Visitor, public std::enable_shared_from_this<WtSession> {
 public:
  WtSession(std::shared_ptr<H3Connection> conn, std::string path);
  ~WtSession() override;

  void set_handler(SessionHandler* handler) override { handler_ = handler; }
  Stream* open_bidi() override;
  Stream* open_uni() override;
  bool send_datagram(std::span<const std::uint8_t> data) override;
  [[nodiscard]] std::size_t max_datagram_size() const override;
  // `code` is a WebTransport application code; values above 32 bits are clamped.
  void close(ErrorCode code, std::string_view reason) override;
  [[nodiscard]] std::string_view protocol() const override { return protocol_; }
  [[nodiscard]] std::string_view path() const override { return path_; }
  [[nodiscard]] std::string peer_address() const override;
  [[nodiscard]] SessionStats stats() const override;
  [[nodiscard]] EventLoop& loop() override;

  // Asks the peer to wrap up (DRAIN_WEBTRANSPORT_SESSION); the session stays usable.
  void drain();
  // Runs when the peer sends DRAIN_WEBTRANSPORT_SESSION.
  void set_on_drain(std::function<void()> fn) { on_drain_ = std::move(fn); }
  [[nodiscard]] std::uint64_t session_id() const noexcept { return id_; }
  [[nodiscard]] bool ready() const noexcept { return ready_; }
  [[nodiscard]] bool terminated() const noexcept { return terminated_; }

  // TlvReader::Visitor over the capsules of the CONNECT stream.
  bool streamed(std::uint64_t type) const override;
  H3Status on_element(std::uint64_t type, std::span<const std::uint8_t> payload) override;
  H3Status on_chunk(std::uint64_t type, std::span<const std::uint8_t> chunk, bool end) override;

 private:
  friend class H3Connection;
  friend class WtStream;

  // From H3Connection.
  void bind(std::uint64_t session_id) { id_ = session_id; }
  void become_ready(std::string protocol);
  void adopt(Stream& quic, std::span<const std::uint8_t> leftover, bool fin);
  H3Status on_connect_data(std::span<const std::uint8_t> chunk);
  void on_connect_fin();
  void on_datagram(std::span<const std::uint8_t> payload);
  void terminate(const CloseInfo& info);
  void forget_stream(StreamId id);
  WtStream* track(Stream& quic, bool local);

  std::shared_ptr<H3Connection> conn_;
  std::string path_;
  std::string protocol_;
  std::uint64_t id_ = 0;
  SessionHandler* handler_ = nullptr;
  bool ready_ = false;
  bool terminated_ = false;
  bool close_sent_ = false;
  std::optional<CloseSession> close_received_;
  std::function<void()> on_drain_;
  TlvReader capsules_;
  std::map<StreamId, std::unique_ptr<WtStream>> streams_;
};

}  // namespace kinetic::transport::webtransport
