#include "kinetic/transport/quic/quic_stream.hpp"

#include <spdlog/spdlog.h>

#include "kinetic/transport/quic/quic_session.hpp"

namespace kinetic::transport::quic {

QuicStream::QuicStream(QuicSession& session, std::int64_t id, bool locally_opened)
    : session_(session), id_(id), local_(locally_opened) {}

void QuicStream::write(std::span<const std::uint8_t> data, bool fin) {
  write(data.empty() ? SharedBytes{} : SharedBytes::copy(data), fin);
}

void QuicStream::write(SharedBytes data, bool fin) {
  if (!can_send() || write_closed_ || fin_queued_) {
    spdlog::debug("quic: write on stream {} whose send side is closed", id_);
    return;
  }
  if (!data.empty()) {
    unsent_bytes_ += data.size();
    unacked_bytes_ += data.size();
    chunks_.push_back(std::move(data));
    if (unsent_bytes_ > session_.settings().stream_low_water) above_low_water_ = true;
  }
  if (fin) fin_queued_ = true;
  session_.stream_wants_send(*this);
}

void QuicStream::finish() {
  if (!can_send() || write_closed_ || fin_queued_) return;
  fin_queued_ = true;
  session_.stream_wants_send(*this);
}

void QuicStream::set_send_order(std::uint64_t order) {
  send_order_ = order;
  session_.update_ready(*this);
}

void QuicStream::reset(ErrorCode code) {
  if (!can_send() || write_closed_) return;
  drop_send_data();
  session_.shutdown_stream_write(*this, code);
}

void QuicStream::stop_sending(ErrorCode code) {
  if (!bidirectional() && local_) return;  // nothing to receive
  session_.shutdown_stream_read(*this, code);
}

void QuicStream::measure_send_delay(TimePoint since, LatencyHistogram& into) {
  if (!can_send() || write_closed_) return;
  const SendMark mark{since, &into};
  if (unsent_bytes_ == 0) {
    session_.stream_mark_already_packetized(mark);
    return;
  }
  marks_.push_back({sent_ + unsent_bytes_, mark});
}

std::size_t QuicStream::fill_iov(ngtcp2_vec* iov, std::size_t max, std::size_t* bytes) const {
  std::size_t count = 0;
  *bytes = 0;
  std::size_t off = unsent_off_;
  for (std::size_t i = unsent_chunk_; i < chunks_.size() && count < max; ++i) {
    const auto& c = chunks_[i];
    iov[count].base = const_cast<std::uint8_t*>(c.data() + off);
    iov[count].len = c.size() - off;
    *bytes += iov[count].len;
    ++count;
    off = 0;
  }
  return count;
}

void QuicStream::advance(std::size_t n) {
  unsent_bytes_ -= n;
  sent_ += n;
  while (marks_head_ < marks_.size() && marks_[marks_head_].end <= sent_) {
    session_.stream_marks_packetized(marks_[marks_head_++].mark);
  }
  if (marks_head_ == marks_.size() && marks_head_ > 0) {
    marks_.clear();
    marks_head_ = 0;
  }
  while (n > 0) {
    std::size_t left = chunks_[unsent_chunk_].size() - unsent_off_;
    if (n < left) {
      unsent_off_ += n;
      return;
    }
    n -= left;
    ++unsent_chunk_;
    unsent_off_ = 0;
  }
}

void QuicStream::acknowledge(std::uint64_t n) {
  unacked_bytes_ -= std::min<std::uint64_t>(n, unacked_bytes_);
  while (n > 0 && !chunks_.empty()) {
    std::size_t left = chunks_.front().size() - front_acked_;
    if (n < left) {
      front_acked_ += n;
      return;
    }
    n -= left;
    chunks_.pop_front();
    front_acked_ = 0;
    if (unsent_chunk_ > 0) --unsent_chunk_;
  }
}

void QuicStream::drop_send_data() {
  marks_.clear();
  marks_head_ = 0;
  chunks_.clear();
  front_acked_ = unsent_chunk_ = unsent_off_ = unsent_bytes_ = unacked_bytes_ = 0;
  write_closed_ = true;
  session_.update_ready(*this);
}

}  // namespace kinetic::transport::quic
