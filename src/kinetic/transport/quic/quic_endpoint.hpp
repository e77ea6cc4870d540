// What a QuicSession needs from whoever owns its UDP socket: a server (many sessions on
// one socket, routed by connection ID) or a client (one session, one socket).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "kinetic/transport/quic/send_mark.hpp"
#include "kinetic/transport/quic/udp_socket.hpp"

namespace kinetic::transport::quic {

class QuicSession;

class QuicEndpoint {
 public:
  virtual ~QuicEndpoint() = default;
  // Same contract as UdpSocket::send: returns the bytes the kernel took (whole packets).
  virtual std::size_t send(const SocketAddress& remote, const std::uint8_t* data, std::size_t len,
                           std::size_t segment, std::uint8_t ecn) = 0;
  // The socket is full: call session->on_socket_writable() when it drains.
  virtual void wait_writable(std::shared_ptr<QuicSession> session) = 0;
  // Records `marks` once every packet given to send() so far has been handed to the kernel.
  virtual void mark_sent(std::span<const SendMark> marks) = 0;
  // Packets whose destination connection ID is `cid` belong to `session`.
  virtual void add_cid(std::string_view cid, QuicSession* session) = 0;
  virtual void remove_cid(std::string_view cid) = 0;
  // Handshake done (server: hand it to the accept callback).
  virtual void on_session_ready(QuicSession& session) = 0;
  // The session will never send or receive again; forget it (not from inside its call).
  virtual void on_session_finished(QuicSession& session) = 0;
  // Key for stateless reset tokens of the connection IDs this endpoint hands out.
  [[nodiscard]] virtual const std::array<std::uint8_t, 32>& static_secret() const = 0;
};

}  // namespace kinetic::transport::quic
