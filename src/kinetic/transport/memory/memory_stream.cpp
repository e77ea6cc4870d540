#include "kinetic/transport/memory/memory_stream.hpp"

#include <algorithm>

#include "kinetic/transport/memory/memory_session.hpp"

namespace kinetic::transport::memory {

MemoryStream::MemoryStream(MemorySession& session, StreamId id, bool is_server)
    : session_(session), id_(id), locally_opened_(((id & 0x1) != 0) == is_server) {}

void MemoryStream::write(std::span<const std::uint8_t> data, bool fin) {
  write(data.empty() ? SharedBytes() : SharedBytes::copy(data), fin);
}

void MemoryStream::write(SharedBytes data, bool fin) {
  if (!can_send() || fin_queued_ || reset_sent_ || session_.closed()) return;
  if (!data.empty()) {
    queued_ += data.size();
    send_buffer_.push_back(std::move(data));
    if (queued_ > session_.link().config().write_low_water) above_low_water_ = true;
  }
  if (fin) fin_queued_ = true;
  if (has_pending()) session_.stream_ready(*this);
}

void MemoryStream::finish() { write(SharedBytes(), true); }

void MemoryStream::set_send_order(std::uint64_t order) {
  if (order == order_) return;
  const std::uint64_t old = order_;
  order_ = order;
  if (scheduled_) session_.stream_reorder(*this, old);
}

void MemoryStream::reset(ErrorCode code) {
  if (!can_send() || send_done_ || reset_sent_ || session_.closed()) return;
  send_buffer_.clear();
  queued_ = 0;
  reset_sent_ = true;
  send_done_ = true;
  Packet p;
  p.kind = Packet::Kind::kResetStream;
  p.stream = id_;
  p.code = code;
  p.offset = send_offset_;
  session_.send_control(std::move(p));
  session_.maybe_release(*this);
}

void MemoryStream::stop_sending(ErrorCode code) {
  if (!can_receive() || receive_done_ || stop_sent_ || session_.closed()) return;
  stop_sent_ = true;
  // Whatever was waiting for a gap to fill will never be read.
  out_of_order_.clear();
  Packet p;
  p.kind = Packet::Kind::kStopSending;
  p.stream = id_;
  p.code = code;
  session_.send_control(std::move(p));
}

Packet MemoryStream::next_packet(std::size_t mtu) {
  Packet p;
  p.kind = Packet::Kind::kStream;
  p.stream = id_;
  p.offset = send_offset_;
  std::size_t room = mtu;
  while (room > 0 && !send_buffer_.empty()) {
    SharedBytes& front = send_buffer_.front();
    const std::size_t n = std::min(room, front.size());
    p.data.push_back(front.slice(0, n));
    room -= n;
    send_offset_ += n;
    queued_ -= n;
    if (n == front.size()) {
      send_buffer_.pop_front();
    } else {
      front = front.slice(n, front.size() - n);
    }
  }
  if (send_buffer_.empty() && fin_queued_) {
    p.fin = true;
    fin_sent_ = true;
  }
  return p;
}

void MemoryStream::deliver(const SharedBytes& bytes, bool fin) {
  if (fin) receive_done_ = true;
  if (handler_ != nullptr) handler_->on_data(*this, bytes.span(), fin);
}

void MemoryStream::receive_data(const std::shared_ptr<const Packet>& packet) {
  if (receive_done_) return;
  const Packet& p = *packet;
  if (stop_sent_) {
    // Bytes after STOP_SENDING are discarded; the fin still ends the direction.
    if (p.fin) receive_done_ = true;
    return;
  }
  if (p.offset != receive_offset_) {
    if (p.offset > receive_offset_) out_of_order_.emplace(p.offset, packet);
    return;
  }
  // Deliver this packet and whatever it unblocks. The handler may reset or stop the
  // stream meanwhile, which the state checks below notice.
  std::shared_ptr<const Packet> next = packet;
  while (next != nullptr && !receive_done_ && !stop_sent_) {
    const std::size_t n = next->payload_size();
    receive_offset_ += n;
    const bool fin = next->fin;
    if (next->data.empty()) {
      deliver(SharedBytes(), fin);
    } else {
      for (std::size_t i = 0; i < next->data.size() && !receive_done_ && !stop_sent_; ++i) {
        deliver(next->data[i], fin && i + 1 == next->data.size());
      }
    }
    next = nullptr;
    auto it = out_of_order_.find(receive_offset_);
    if (it != out_of_order_.end()) {
      next = std::move(it->second);
      out_of_order_.erase(it);
    }
  }
}

void MemoryStream::receive_reset(ErrorCode code) {
  if (!can_receive() || receive_done_) return;
  receive_done_ = true;
  out_of_order_.clear();
  if (handler_ != nullptr) handler_->on_reset(*this, code);
}

void MemoryStream::receive_stop_sending(ErrorCode code) {
  if (!can_send() || send_done_ || reset_sent_) return;
  if (handler_ != nullptr) handler_->on_stop_sending(*this, code);
  // As QUIC stacks do, answer with RESET_STREAM when the application did not.
  if (!reset_sent_ && !send_done_ && !session_.closed()) reset(code);
}

}  // namespace kinetic::transport::memory
