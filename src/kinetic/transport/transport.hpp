// One transport interface for MoQT: sessions with bidirectional and unidirectional
// streams, datagrams and close codes. Raw QUIC, WebTransport over HTTP/3 and the in-memory
// transport implement it; nothing here knows about MoQT.
//
// Threading and lifetime: every call and callback happens on the session's EventLoop.
// A Stream stays valid until its handler's on_closed() returned, or until its Session is
// destroyed, whichever comes first. A Session is owned by whoever holds its shared_ptr.
// When a session closes, its open streams get no on_closed(): they stay valid but inert until
// the Session is destroyed, so SessionHandler::on_closed is the one place to drop stream state.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "kinetic/base/latency_histogram.hpp"
#include "kinetic/base/shared_bytes.hpp"
#include "kinetic/transport/event_loop.hpp"

namespace kinetic::transport {

using StreamId = std::uint64_t;
using ErrorCode = std::uint64_t;

class Stream;
class Session;

class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  // Bytes in order; `fin` marks the end of the peer's direction.
  virtual void on_data(Stream& stream, std::span<const std::uint8_t> data, bool fin) = 0;
  // The same, from a transport that holds what it received as the sender's buffer (inproc): a
  // handler that keeps bytes may keep a reference instead of a copy. By default, on_data.
  virtual void on_shared_data(Stream& stream, const SharedBytes& data, bool fin) { on_data(stream, data.span(), fin); }
  // The peer abandoned its direction (RESET_STREAM) with `code`.
  virtual void on_reset(Stream& stream, ErrorCode code) { (void)stream; (void)code; }
  // The peer asked us to stop sending (STOP_SENDING) with `code`.
  virtual void on_stop_sending(Stream& stream, ErrorCode code) { (void)stream; (void)code; }
  // Queued bytes fell below the low-water mark after having been above it.
  virtual void on_writable(Stream& stream) { (void)stream; }
  // Both directions are finished; the Stream is released after this returns.
  virtual void on_closed(Stream& stream) { (void)stream; }
};

class Stream {
 public:
  virtual ~Stream() = default;

  [[nodiscard]] virtual StreamId id() const = 0;
  [[nodiscard]] virtual bool bidirectional() const = 0;
  [[nodiscard]] virtual bool locally_opened() const = 0;
  virtual void set_handler(StreamHandler* handler) = 0;

  // Queues bytes for sending; the transport never drops queued bytes on its own, so
  // callers watch queued_bytes() to apply their own policy (a relay drops whole groups).
  virtual void write(std::span<const std::uint8_t> data, bool fin = false) = 0;
  // Same, without a copy: the transport holds a reference until the bytes are acknowledged.
  virtual void write(SharedBytes data, bool fin = false) = 0;
  virtual void finish() = 0;
  [[nodiscard]] virtual std::size_t queued_bytes() const = 0;

  // Streams with a lower send order are sent first; equal orders share the link
  // round-robin. MoQT folds its priorities and group order into this one key.
  virtual void set_send_order(std::uint64_t order) = 0;

  // Once every byte written so far has been handed to the network (the kernel's socket, not
  // the peer), records how long after `since` that was into `into`, which must outlive the
  // stream's session. Bytes the stream never sends (reset, closed session) record nothing.
  // Raw QUIC and WebTransport over it can tell; the in-memory and in-process ones ignore it.
  virtual void measure_send_delay(TimePoint since, LatencyHistogram& into) {
    (void)since;
    (void)into;
  }

  virtual void reset(ErrorCode code) = 0;          // RESET_STREAM our direction
  virtual void stop_sending(ErrorCode code) = 0;   // ask the peer to stop
};

struct SessionStats {
  std::chrono::microseconds smoothed_rtt{0};
  std::chrono::microseconds min_rtt{0};
  std::uint64_t congestion_window = 0;
  std::uint64_t bytes_in_flight = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t packets_lost = 0;
  // Largest UDP payload the path takes now (QUIC: 1,200 until Path MTU discovery proves more; 0: no packets).
  std::size_t max_udp_payload = 0;
  // Times the connection's timer fired and nothing was sent (QUIC: ngtcp2 had nothing due, or
  // only bookkeeping). A connection that is quiet between bursts should have next to none.
  std::uint64_t idle_timer_wakeups = 0;
};

struct CloseInfo {
  ErrorCode code = 0;
  std::string reason;
  bool by_peer = false;   // false: closed locally or by idle timeout
  bool idle_timeout = false;
};

class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  // Handshake done (and for WebTransport, the CONNECT accepted): streams may be opened.
  virtual void on_ready(Session& session) { (void)session; }
  virtual void on_incoming_stream(Session& session, Stream& stream) = 0;
  virtual void on_datagram(Session& session, std::span<const std::uint8_t> data) { (void)session; (void)data; }
  // More streams may be opened after open_*() returned nullptr.
  virtual void on_streams_available(Session& session) { (void)session; }
  virtual void on_closed(Session& session, const CloseInfo& info) = 0;
};

class Session {
 public:
  virtual ~Session() = default;

  virtual void set_handler(SessionHandler* handler) = 0;
  // nullptr when the peer's stream limit is reached (on_streams_available follows).
  virtual Stream* open_bidi() = 0;
  virtual Stream* open_uni() = 0;
  // False when the datagram is larger than max_datagram_size() or datagrams are off.
  virtual bool send_datagram(std::span<const std::uint8_t> data) = 0;
  [[nodiscard]] virtual std::size_t max_datagram_size() const = 0;
  virtual void close(ErrorCode code, std::string_view reason) = 0;

  // ALPN for raw QUIC, the negotiated WT-Protocol for WebTransport.
  [[nodiscard]] virtual std::string_view protocol() const = 0;
  // The request path for WebTransport (and empty for raw QUIC).
  [[nodiscard]] virtual std::string_view path() const = 0;
  [[nodiscard]] virtual std::string peer_address() const = 0;
  [[nodiscard]] virtual SessionStats stats() const = 0;
  [[nodiscard]] virtual EventLoop& loop() = 0;
};

using SessionPtr = std::shared_ptr<Session>;
// Servers hand each accepted session to this callback, which sets a handler on it.
using AcceptCallback = std::function<void(SessionPtr)>;

}  // namespace kinetic::transport
