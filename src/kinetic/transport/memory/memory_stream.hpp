// One stream of a MemorySession: the send buffer (shared slices waiting for the wire),
// the receive side's reassembly (packets that overtook a lost one wait for it, so a
// stream's bytes always come out in order), and the two directions' states.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>

#include "kinetic/transport/memory/packet.hpp"
#include "kinetic/transport/transport.hpp"

namespace kinetic::transport::memory {

class MemorySession;

class MemoryStream final : public Stream {
 public:
  MemoryStream(MemorySession& session, StreamId id, bool is_server);

  [[nodiscard]] StreamId id() const override { return id_; }
  [[nodiscard]] bool bidirectional() const override { return (id_ & 0x2) == 0; }
  [[nodiscard]] bool locally_opened() const override { return locally_opened_; }
  void set_handler(StreamHandler* handler) override { handler_ = handler; }

  void write(std::span<const std::uint8_t> data, bool fin) override;
  void write(SharedBytes data, bool fin) override;
  void finish() override;
  [[nodiscard]] std::size_t queued_bytes() const override { return queued_; }
  void set_send_order(std::uint64_t order) override;
  void reset(ErrorCode code) override;
  void stop_sending(ErrorCode code) override;

  [[nodiscard]] std::uint64_t send_order() const { return order_; }
  [[nodiscard]] bool can_send() const { return bidirectional() || locally_opened_; }
  [[nodiscard]] bool can_receive() const { return bidirectional() || !locally_opened_; }

 private:
  friend class MemorySession;

  // Something to put on the wire: bytes or a bare fin.
  [[nodiscard]] bool has_pending() const { return !send_buffer_.empty() || (fin_queued_ && !fin_sent_); }
  // Cuts the next packet of at most `mtu` payload bytes from the send buffer.
  Packet next_packet(std::size_t mtu);
  // Feeds one arrived stream packet; calls the handler with whatever became contiguous.
  void receive_data(const std::shared_ptr<const Packet>& packet);
  void receive_reset(ErrorCode code);
  void receive_stop_sending(ErrorCode code);
  [[nodiscard]] bool send_done() const { return !can_send() || send_done_; }
  [[nodiscard]] bool receive_done() const { return !can_receive() || receive_done_; }
  void deliver(const SharedBytes& bytes, bool fin);

  MemorySession& session_;
  StreamId id_;
  bool locally_opened_;
  StreamHandler* handler_ = nullptr;

  // Send side.
  std::deque<SharedBytes> send_buffer_;
  std::size_t queued_ = 0;
  std::uint64_t send_offset_ = 0;
  bool fin_queued_ = false;
  bool fin_sent_ = false;
  bool reset_sent_ = false;
  bool send_done_ = false;      // fin acknowledged or reset sent
  bool above_low_water_ = false;
  bool scheduled_ = false;      // in the session's send-order queue
  std::uint64_t order_ = 0;
  TimePoint last_arrival_{};    // latest arrival of any packet of ours, for the fin's ack

  // Receive side.
  std::uint64_t receive_offset_ = 0;
  std::map<std::uint64_t, std::shared_ptr<const Packet>> out_of_order_;
  bool receive_done_ = false;
  bool stop_sent_ = false;

  bool closing_ = false;        // on_closed is posted
};

}  // namespace kinetic::transport::memory
