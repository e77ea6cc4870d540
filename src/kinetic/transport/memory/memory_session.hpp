// One endpoint of a simulated connection. It behaves as a QUIC connection does to its
// user: streams with per-peer limits and send orders, datagrams, close codes, an idle
// timeout. Packets go over the MemoryLink's path models, so delay, jitter, loss and
// bandwidth shape when bytes arrive; lost stream packets come late (recovered), lost
// datagrams never.
//
// Callbacks never run inside a call into the session: closes, on_writable and stream
// releases are posted, so a handler may close or drop the session from any callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "kinetic/transport/memory/memory_link.hpp"
#include "kinetic/transport/memory/memory_stream.hpp"
#include "kinetic/transport/memory/packet.hpp"
#include "kinetic/transport/transport.hpp"

namespace kinetic::transport::memory {

// QUIC's CONNECTION_REFUSED, sent when nobody listens at the address.
inline constexpr ErrorCode kConnectionRefused = 0x2;
// QUIC's CRYPTO_ERROR for TLS alert no_application_protocol: no common ALPN.
inline constexpr ErrorCode kNoApplicationProtocol = 0x178;

class MemorySession final : public Session, public std::enable_shared_from_this<MemorySession> {
 public:
  enum class Role : std::uint8_t { kClient, kServer };

  // Made by MemoryNetwork. The loop must outlive the session: even its destructor
  // schedules the close that tells the peer.
  MemorySession(EventLoop& loop, std::shared_ptr<MemoryLink> link, Role role, std::string peer_address);
  ~MemorySession() override;
  MemorySession(const MemorySession&) = delete;
  MemorySession& operator=(const MemorySession&) = delete;

  void set_handler(SessionHandler* handler) override { handler_ = handler; }
  Stream* open_bidi() override { return open(true); }
  Stream* open_uni() override { return open(false); }
  bool send_datagram(std::span<const std::uint8_t> data) override;
  [[nodiscard]] std::size_t max_datagram_size() const override;
  void close(ErrorCode code, std::string_view reason) override;

  [[nodiscard]] std::string_view protocol() const override { return link_->config().protocol; }
  [[nodiscard]] std::string_view path() const override { return link_->config().path; }
  [[nodiscard]] std::string peer_address() const override { return peer_address_; }
  [[nodiscard]] SessionStats stats() const override;
  [[nodiscard]] EventLoop& loop() override { return loop_; }

  [[nodiscard]] Role role() const { return role_; }
  [[nodiscard]] MemoryLink& link() { return *link_; }
  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] bool closed() const { return closed_; }
  // Streams not yet released (both directions done and on_closed returned).
  [[nodiscard]] std::size_t stream_count() const { return streams_.size(); }

  // Network side: wire the two ends together and say when the handshake completes.
  void attach(std::weak_ptr<MemorySession> peer) { peer_ = std::move(peer); }
  void become_ready_at(TimePoint when);
  // Network side: the handshake failed; the session closes as if the peer closed it.
  void refuse_at(TimePoint when, ErrorCode code, std::string reason);

 private:
  friend class MemoryStream;

  [[nodiscard]] Direction send_direction() const {
    return role_ == Role::kClient ? Direction::kToServer : Direction::kToClient;
  }
  [[nodiscard]] bool is_server() const { return role_ == Role::kServer; }

  Stream* open(bool bidi);
  // Stream side: the stream has bytes, a fin or a new send order.
  void stream_ready(MemoryStream& stream);
  void stream_reorder(MemoryStream& stream, std::uint64_t old_order);
  void stream_below_low_water(MemoryStream& stream);
  void send_control(Packet packet);
  void maybe_release(MemoryStream& stream);

  void schedule_pump(TimePoint when);
  void pump();
  bool take_packet(Packet& out);
  void transmit(Packet packet);
  void receive(const std::shared_ptr<const Packet>& packet);
  MemoryStream* incoming_stream(StreamId id);
  void release(StreamId id);
  void finish_close(const CloseInfo& info);
  void touch();
  void arm_idle_timer();
  void on_idle_timer();

  EventLoop& loop_;
  std::shared_ptr<MemoryLink> link_;
  Role role_;
  std::string peer_address_;
  std::weak_ptr<MemorySession> peer_;
  SessionHandler* handler_ = nullptr;

  bool ready_ = false;
  bool closed_ = false;
  TimerId pump_timer_ = 0;
  TimePoint pump_at_ = TimePoint::max();
  TimerId idle_timer_ = 0;
  TimePoint last_activity_{};

  std::map<StreamId, std::unique_ptr<MemoryStream>> streams_;
  // Streams with something to send, by send order; each order is served round-robin.
  std::map<std::uint64_t, std::deque<StreamId>> send_queue_;
  std::deque<Packet> control_queue_;
  std::deque<Packet> datagram_queue_;

  // Stream credit, cumulative as in QUIC: we may open ids below peer_max_*, the peer
  // below local_max_*.
  std::uint64_t opened_bidi_ = 0, opened_uni_ = 0;
  std::uint64_t peer_max_bidi_, peer_max_uni_;
  std::uint64_t local_max_bidi_, local_max_uni_;
  std::uint64_t next_incoming_bidi_ = 0, next_incoming_uni_ = 0;
  bool blocked_ = false;

  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
  std::uint64_t datagrams_dropped_ = 0;
};

}  // namespace kinetic::transport::memory
