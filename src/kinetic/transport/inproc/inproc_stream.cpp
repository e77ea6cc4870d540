#include "kinetic/transport/inproc/inproc_stream.hpp"

#include "kinetic/transport/inproc/inproc_session.hpp"

namespace kinetic::transport::inproc {

InprocStream::InprocStream(InprocSession& session, StreamId id, bool locally_opened)
    : session_(session), id_(id), locally_opened_(locally_opened) {}

void InprocStream::write(std::span<const std::uint8_t> data, bool fin) {
  write(SharedBytes::copy(data), fin);
}

void InprocStream::write(SharedBytes data, bool fin) {
  if (!can_send() || fin_sent_ || reset_sent_ || session_.closed_) return;
  if (data.empty() && !fin) return;
  if (fin) fin_sent_ = true;
  session_.send_data(*this, std::move(data), fin);
  if (fin) session_.maybe_release(*this);
}

void InprocStream::finish() { write(SharedBytes{}, true); }

void InprocStream::reset(ErrorCode code) {
  if (!can_send() || fin_sent_ || reset_sent_ || session_.closed_) return;
  reset_sent_ = true;
  session_.send_reset(*this, code);
  session_.maybe_release(*this);
}

void InprocStream::stop_sending(ErrorCode code) {
  if (!can_receive() || receive_done() || stop_sent_ || session_.closed_) return;
  stop_sent_ = true;
  session_.send_stop_sending(*this, code);
}

void InprocStream::receive_data(const SharedBytes& data, bool fin) {
  if (receive_done()) return;
  if (fin) fin_received_ = true;
  // Bytes after our STOP_SENDING are discarded, as QUIC does; the fin still ends the direction.
  if (!stop_sent_ && handler_ != nullptr) handler_->on_shared_data(*this, data, fin);
  if (fin) session_.maybe_release(*this);
}

void InprocStream::receive_reset(ErrorCode code) {
  if (receive_done()) return;
  reset_received_ = true;
  if (handler_ != nullptr) handler_->on_reset(*this, code);
  session_.maybe_release(*this);
}

void InprocStream::receive_stop_sending(ErrorCode code) {
  if (send_done()) return;
  if (handler_ != nullptr) handler_->on_stop_sending(*this, code);
}

void InprocStream::drained() {
  if (!above_low_water_ || queued_bytes() > session_.options_.stream_low_water) return;
  above_low_water_ = false;
  if (handler_ != nullptr) handler_->on_writable(*this);
}

}  // namespace kinetic::transport::inproc
