// One HTTP/3 connection over a raw transport::Session whose ALPN is "h3", as client or
// server. It owns the control and QPACK streams, serves plain GETs from a callback,
// accepts or opens WebTransport sessions (extended CONNECT), and routes WebTransport
// streams and datagrams to the WtSession they name. nghttp3's connection object is not
// used: Debian's nghttp3 cannot announce WebTransport, so only its QPACK coder is.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kinetic/transport/transport.hpp"
#include "kinetic/wire/version.hpp"
#include "kinetic/transport/webtransport/headers.hpp"
#include "kinetic/transport/webtransport/qpack.hpp"
#include "kinetic/transport/webtransport/settings.hpp"
#include "kinetic/transport/webtransport/tlv_reader.hpp"

namespace kinetic::transport::webtransport {

class WtSession;

struct StaticResponse {
  int status = 200;
  std::string content_type = "application/octet-stream";
  SharedBytes body;
};
// Answers a GET for `path`, or nullopt for 404.
using StaticHandler = std::function<std::optional<StaticResponse>(std::string_view path)>;

struct ServerOptions {
  // Subprotocols we speak, most preferred first; matched against wt-available-protocols.
  std::vector<std::string> protocols = wire::supported_alpns();
  // Receives each accepted WebTransport session; set its handler here. Required for
  // WebTransport: without it every CONNECT is refused with 501.
  AcceptCallback on_session;
  // Decides whether a CONNECT for this request is accepted (default: any path).
  std::function<bool(const Request&)> accept;
  StaticHandler static_content;
  std::uint64_t max_sessions = 16;
  std::size_t max_field_section_size = 16 * 1024;
};

struct ClientOptions {
  std::string authority;  // host:port for :authority
  std::string path = "/";
  std::vector<std::string> protocols = wire::supported_alpns();
  std::size_t max_field_section_size = 16 * 1024;
};

struct FetchResult {
  int status = 0;  // 0 when the request failed before a response
  HeaderList headers;
  std::vector<std::uint8_t> body;
};
using FetchCallback = std::function<void(FetchResult)>;

class H3Connection final : public SessionHandler, public std::enable_shared_from_this<H3Connection> {
 public:
  enum class Role { kClient, kServer };

  // Takes over `quic` (sets itself as its handler) and keeps itself alive until the
  // QUIC connection closes.
  static std::shared_ptr<H3Connection> server(SessionPtr quic, ServerOptions options);
  // A client is made before its QUIC session, because QUIC clients take their handler
  // when they start connecting: pass the result as the handler, then attach() the session.
  static std::shared_ptr<H3Connection> client(std::size_t max_field_section_size = 16 * 1024);
  void attach(SessionPtr quic);

  // Client: starts an extended CONNECT once the server's SETTINGS arrive. The session's
  // handler gets on_ready when the server answers 2xx, or on_closed when it refuses.
  SessionPtr connect(const ClientOptions& options);
  // Client: plain GET; the callback runs once, with status 0 on failure.
  void fetch(const std::string& authority, const std::string& path, FetchCallback done);

  // Server: announces GOAWAY; requests already received go on, later ones are rejected
  // (H3_REQUEST_REJECTED) so the client retries them elsewhere. Sessions keep running.
  void goaway();
  // Closes the whole HTTP/3 connection.
  void close(std::uint64_t code, std::string_view reason);
  // Client: close the QUIC connection once no WebTransport session or request is left,
  // for a connection made for one session (a short grace lets the close capsule leave).
  void close_when_idle(bool on) { close_when_idle_ = on; }

  [[nodiscard]] Role role() const noexcept { return role_; }
  [[nodiscard]] const std::optional<Settings>& peer_settings() const noexcept { return peer_settings_; }
  [[nodiscard]] Session& quic() noexcept { return *quic_; }

  ~H3Connection() override;

  // SessionHandler (the QUIC session's events).
  void on_ready(Session& session) override;
  void on_incoming_stream(Session& session, Stream& stream) override;
  void on_datagram(Session& session, std::span<const std::uint8_t> data) override;
  void on_streams_available(Session& session) override;
  void on_closed(Session& session, const CloseInfo& info) override;

 private:
  friend class WtSession;
  struct StreamState;
  struct PendingConnect;

  H3Connection(Role role, ServerOptions options, std::size_t max_field_section_size);
  bool open_local_streams();
  void fail(const H3Error& err);
  void terminate_all(const CloseInfo& info);

  // Stream events, routed from StreamState.
  void on_stream_data(StreamState& s, std::span<const std::uint8_t> data, bool fin);
  void on_stream_reset(StreamState& s, ErrorCode code);
  void on_stream_closed(StreamState& s);
  H3Status classify(StreamState& s, bool fin);
  H3Status on_control_frame(StreamState& s, std::uint64_t type, std::span<const std::uint8_t> payload);
  H3Status on_request_frame(StreamState& s, std::uint64_t type, std::span<const std::uint8_t> payload);
  H3Status on_request_data(StreamState& s, std::span<const std::uint8_t> chunk);
  H3Status on_request_fin(StreamState& s);
  H3Status handle_request(StreamState& s, const HeaderList& headers);
  void respond(StreamState& s, int status, const HeaderList& extra, SharedBytes body, bool fin);
  void send_headers(Stream& stream, const HeaderList& headers, bool fin);
  void hand_off_webtransport(StreamState& s, std::uint64_t session_id);
  void adopt_buffered_streams(WtSession& session);
  void flush_pending_connects();
  void schedule_flush();
  void maybe_close_idle();
  void flush_decoder_stream();

  // From WtSession.
  void send_on_connect_stream(std::uint64_t session_id, const WtSession* session, std::vector<std::uint8_t> capsules,
                              bool fin);
  void forget_session(std::uint64_t session_id, const WtSession* session);
  bool send_datagram(std::uint64_t session_id, std::span<const std::uint8_t> payload);
  [[nodiscard]] std::size_t max_datagram_size(std::uint64_t session_id) const;

  SessionPtr quic_;
  Role role_;
  ServerOptions options_;
  std::size_t max_field_section_size_;
  std::shared_ptr<H3Connection> self_;  // alive while the QUIC connection is
  bool closed_ = false;
  bool close_when_idle_ = false;

  Stream* control_ = nullptr;
  Stream* qpack_encoder_stream_ = nullptr;
  Stream* qpack_decoder_stream_ = nullptr;
  bool peer_control_seen_ = false;
  bool peer_encoder_seen_ = false;
  bool peer_decoder_seen_ = false;
  std::optional<std::uint64_t> goaway_sent_;      // first request id we no longer process
  std::optional<std::uint64_t> goaway_received_;  // client: no new requests after this
  std::uint64_t next_request_id_ = 0;             // server: one past the highest request seen
  std::optional<Settings> peer_settings_;

  QpackEncoder encoder_;
  QpackDecoder decoder_;

  std::map<StreamId, std::unique_ptr<StreamState>> streams_;
  std::map<std::uint64_t, WtSession*> sessions_;  // by session id (CONNECT stream id)
  std::vector<std::unique_ptr<PendingConnect>> pending_connects_;
};

}  // namespace kinetic::transport::webtransport
