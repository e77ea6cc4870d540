// One stream of an InprocSession. Writes cross to the other half's loop as posted tasks that
// carry the caller's SharedBytes (no copy); queued_bytes() counts what was posted and not yet
// handed to the other half's handler, so a relay's slow-subscriber policy still sees a backlog
// when the other thread falls behind.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "kinetic/transport/transport.hpp"

namespace kinetic::transport::inproc {

class InprocSession;

class InprocStream final : public Stream {
 public:
  InprocStream(InprocSession& session, StreamId id, bool locally_opened);

  [[nodiscard]] StreamId id() const override { return id_; }
  [[nodiscard]] bool bidirectional() const override { return (id_ & 0x2) == 0; }
  [[nodiscard]] bool locally_opened() const override { return locally_opened_; }
  void set_handler(StreamHandler* handler) override { handler_ = handler; }

  void write(std::span<const std::uint8_t> data, bool fin) override;
  void write(SharedBytes data, bool fin) override;
  void finish() override;
  [[nodiscard]] std::size_t queued_bytes() const override { return queued_->load(std::memory_order_relaxed); }
  // Bytes cross in the order written and no link is shared, so there is nothing to arbitrate.
  void set_send_order(std::uint64_t order) override { (void)order; }
  void reset(ErrorCode code) override;
  void stop_sending(ErrorCode code) override;

  [[nodiscard]] bool can_send() const { return bidirectional() || locally_opened_; }
  [[nodiscard]] bool can_receive() const { return bidirectional() || !locally_opened_; }

 private:
  friend class InprocSession;

  [[nodiscard]] bool send_done() const { return !can_send() || fin_sent_ || reset_sent_; }
  [[nodiscard]] bool receive_done() const { return !can_receive() || fin_received_ || reset_received_; }
  // The other half's posts, run on this stream's loop.
  void receive_data(const SharedBytes& data, bool fin);
  void receive_reset(ErrorCode code);
  void receive_stop_sending(ErrorCode code);
  void drained();  // the other half consumed enough of our backlog

  InprocSession& session_;
  StreamId id_;
  bool locally_opened_;
  StreamHandler* handler_ = nullptr;

  // Shared with the tasks in flight, which take their bytes off when delivered.
  std::shared_ptr<std::atomic<std::size_t>> queued_ = std::make_shared<std::atomic<std::size_t>>(0);
  bool above_low_water_ = false;
  bool fin_sent_ = false;
  bool reset_sent_ = false;
  bool fin_received_ = false;
  bool reset_received_ = false;
  bool stop_sent_ = false;
  bool releasing_ = false;  // on_closed is posted
};

}  // namespace kinetic::transport::inproc
