// One QUIC stream of a QuicSession. The send side is a queue of shared buffers handed to
// ngtcp2 as iovecs, so bytes are never copied after write(SharedBytes); a buffer is
// released only when the peer has acknowledged every byte of it.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <cstdint>
#include <deque>
#include <vector>

#include "kinetic/transport/quic/send_mark.hpp"
#include "kinetic/transport/quic/send_order_queue.hpp"
#include "kinetic/transport/transport.hpp"

namespace kinetic::transport::quic {

class QuicSession;

class QuicStream final : public Stream {
 public:
  QuicStream(QuicSession& session, std::int64_t id, bool locally_opened);

  [[nodiscard]] StreamId id() const override { return static_cast<StreamId>(id_); }
  [[nodiscard]] bool bidirectional() const override { return (id_ & 0x2) == 0; }
  [[nodiscard]] bool locally_opened() const override { return local_; }
  void set_handler(StreamHandler* handler) override { handler_ = handler; }

  void write(std::span<const std::uint8_t> data, bool fin = false) override;
  void write(SharedBytes data, bool fin = false) override;
  void finish() override;
  [[nodiscard]] std::size_t queued_bytes() const override { return unsent_bytes_; }
  void set_send_order(std::uint64_t order) override;
  void reset(ErrorCode code) override;
  void stop_sending(ErrorCode code) override;
  void measure_send_delay(TimePoint since, LatencyHistogram& into) override;

  [[nodiscard]] std::uint64_t send_order() const { return send_order_; }
  // Bytes written but not yet acknowledged by the peer (sent or not).
  [[nodiscard]] std::size_t unacked_bytes() const { return unacked_bytes_; }

 private:
  friend class QuicSession;

  [[nodiscard]] bool can_send() const { return !(bidirectional() == false && !local_); }
  [[nodiscard]] bool wants_send() const {
    return !write_closed_ && !blocked_ && (unsent_bytes_ > 0 || (fin_queued_ && !fin_sent_));
  }
  // Fills up to `max` iovecs from the first unsent byte; returns the count.
  std::size_t fill_iov(ngtcp2_vec* iov, std::size_t max, std::size_t* bytes) const;
  void advance(std::size_t n);       // n more bytes went into packets
  void acknowledge(std::uint64_t n); // the oldest n unacknowledged bytes were acked
  void drop_send_data();             // reset or STOP_SENDING: nothing will be sent any more

  QuicSession& session_;
  std::int64_t id_;
  bool local_;
  StreamHandler* handler_ = nullptr;

  std::deque<SharedBytes> chunks_;
  std::size_t front_acked_ = 0;   // bytes of chunks_.front() already acknowledged
  std::size_t unsent_chunk_ = 0;  // index in chunks_ of the first unsent byte
  std::size_t unsent_off_ = 0;    // its offset inside that chunk
  std::size_t unsent_bytes_ = 0;
  std::size_t unacked_bytes_ = 0;
  std::uint64_t sent_ = 0;  // bytes ever put into packets; sent_ + unsent_bytes_ were ever written
  // measure_send_delay calls, oldest first from marks_head_: each waits for `sent_` to reach
  // its `end`.
  struct DelayMark {
    std::uint64_t end;
    SendMark mark;
  };
  std::vector<DelayMark> marks_;
  std::size_t marks_head_ = 0;
  bool fin_queued_ = false;
  bool fin_sent_ = false;
  bool write_closed_ = false;  // reset by us, or the peer asked us to stop
  bool blocked_ = false;       // waiting for the peer's MAX_STREAM_DATA
  bool above_low_water_ = false;

  std::uint64_t send_order_ = 0;
  SendOrderLink<QuicStream> ready_link_;  // in the session's scheduler while it has data to send
};

}  // namespace kinetic::transport::quic
