#include "kinetic/transport/webtransport/wt_session.hpp"

#include <algorithm>
#include <limits>

#include "kinetic/transport/webtransport/h3_connection.hpp"
#include "kinetic/transport/webtransport/h3_errors.hpp"
#include "kinetic/transport/webtransport/h3_frame.hpp"
#include "kinetic/transport/webtransport/quic_varint.hpp"

namespace kinetic::transport::webtransport {

namespace {

std::uint32_t clamp32(ErrorCode code) {
  return static_cast<std::uint32_t>(std::min<ErrorCode>(code, std::numeric_limits<std::uint32_t>::max()));
}

// A peer code outside the WebTransport range (H3 codes such as WT_SESSION_GONE) is passed
// through unchanged so that the caller can still tell what happened.
ErrorCode from_wire(ErrorCode code) {
  auto mapped = http3_to_webtransport_code(code);
  return mapped ? *mapped : code;
}

// Early bytes on an incoming stream are held only until the application's handler is set.
constexpr std::size_t kMaxCapsule = 64 * 1024;

}  // namespace

StreamHandler& discarding_handler() {
  // Takes over QUIC streams whose WebTransport owner is gone, so late events land safely.
  struct Discard final : StreamHandler {
    void on_data(Stream&, std::span<const std::uint8_t>, bool) override {}
  };
  static Discard discard;
  return discard;
}

// ---------------------------------------------------------------------------- WtStream

WtStream::WtStream(WtSession& session, Stream& quic, bool local)
    : session_(session), quic_(&quic), id_(quic.id()), bidi_(quic.bidirectional()), local_(local) {
  quic.set_handler(this);
}

void WtStream::write(std::span<const std::uint8_t> data, bool fin) {
  if (quic_) quic_->write(data, fin);
}

void WtStream::write(SharedBytes data, bool fin) {
  if (quic_) quic_->write(std::move(data), fin);
}

void WtStream::finish() {
  if (quic_) quic_->finish();
}

void WtStream::measure_send_delay(TimePoint since, LatencyHistogram& into) {
  if (quic_) quic_->measure_send_delay(since, into);
}

std::size_t WtStream::queued_bytes() const { return quic_ ? quic_->queued_bytes() : 0; }

void WtStream::set_send_order(std::uint64_t order) {
  if (quic_) quic_->set_send_order(order);
}

void WtStream::reset(ErrorCode code) {
  if (quic_) quic_->reset(webtransport_to_http3_code(clamp32(code)));
}

void WtStream::stop_sending(ErrorCode code) {
  if (quic_) quic_->stop_sending(webtransport_to_http3_code(clamp32(code)));
}

void WtStream::on_data(Stream&, std::span<const std::uint8_t> data, bool fin) {
  if (!handler_) {
    early_.insert(early_.end(), data.begin(), data.end());
    early_fin_ = early_fin_ || fin;
    return;
  }
  handler_->on_data(*this, data, fin);
}

void WtStream::on_reset(Stream&, ErrorCode code) {
  if (handler_) handler_->on_reset(*this, from_wire(code));
}

void WtStream::on_stop_sending(Stream&, ErrorCode code) {
  if (handler_) handler_->on_stop_sending(*this, from_wire(code));
}

void WtStream::on_writable(Stream&) {
  if (handler_) handler_->on_writable(*this);
}

void WtStream::on_closed(Stream&) {
  quic_ = nullptr;
  if (handler_) handler_->on_closed(*this);
  session_.forget_stream(id_);  // destroys *this; nothing may follow
}

void WtStream::deliver_buffered() {
  if (!handler_ || (early_.empty() && !early_fin_)) return;
  std::vector<std::uint8_t> data = std::move(early_);
  early_.clear();
  const bool fin = early_fin_;
  early_fin_ = false;
  handler_->on_data(*this, data, fin);
}

void WtStream::abandon() {
  Stream* q = quic_;
  quic_ = nullptr;
  if (!q) return;
  q->set_handler(&discarding_handler());
  if (bidi_ || local_) q->reset(h3::kWtSessionGone);
  if (bidi_ || !local_) q->stop_sending(h3::kWtSessionGone);
}

// --------------------------------------------------------------------------- WtSession

WtSession::WtSession(std::shared_ptr<H3Connection> conn, std::string path)
    : conn_(std::move(conn)), path_(std::move(path)), capsules_(kMaxCapsule, h3::kExcessiveLoad) {}

WtSession::~WtSession() {
  handler_ = nullptr;
  close(0, "");
  for (auto& [id, stream] : streams_) stream->abandon();
  conn_->forget_session(id_, this);
}

Stream* WtSession::open_bidi() {
  if (!ready_ || terminated_) return nullptr;
  Stream* q = conn_->quic().open_bidi();
  if (!q) return nullptr;
  std::vector<std::uint8_t> preamble;
  put_webtransport_bidi_preamble(preamble, id_);
  q->write(preamble, false);
  return track(*q, true);
}

Stream* WtSession::open_uni() {
  if (!ready_ || terminated_) return nullptr;
  Stream* q = conn_->quic().open_uni();
  if (!q) return nullptr;
  std::vector<std::uint8_t> preamble;
  put_webtransport_uni_preamble(preamble, id_);
  q->write(preamble, false);
  return track(*q, true);
}

WtStream* WtSession::track(Stream& quic, bool local) {
  auto stream = std::make_unique<WtStream>(*this, quic, local);
  WtStream* raw = stream.get();
  streams_[raw->id()] = std::move(stream);
  return raw;
}

void WtSession::forget_stream(StreamId id) { streams_.erase(id); }

bool WtSession::send_datagram(std::span<const std::uint8_t> data) {
  if (!ready_ || terminated_) return false;
  return conn_->send_datagram(id_, data);
}

std::size_t WtSession::max_datagram_size() const { return ready_ ? conn_->max_datagram_size(id_) : 0; }

void WtSession::close(ErrorCode code, std::string_view reason) {
  if (terminated_) return;
  if (!close_sent_) {
    close_sent_ = true;
    std::vector<std::uint8_t> capsule;
    put_close_session_capsule(capsule, clamp32(code), reason);
    conn_->send_on_connect_stream(id_, this, std::move(capsule), true);
  }
  terminate(CloseInfo{code, std::string(reason), false, false});
}

void WtSession::drain() {
  if (terminated_ || close_sent_) return;
  std::vector<std::uint8_t> capsule;
  put_drain_session_capsule(capsule);
  conn_->send_on_connect_stream(id_, this, std::move(capsule), false);
}

std::string WtSession::peer_address() const { return conn_->quic().peer_address(); }
SessionStats WtSession::stats() const { return conn_->quic().stats(); }
EventLoop& WtSession::loop() { return conn_->quic().loop(); }

void WtSession::become_ready(std::string protocol) {
  if (terminated_) return;
  ready_ = true;
  protocol_ = std::move(protocol);
  auto keep = shared_from_this();
  if (handler_) handler_->on_ready(*this);
}

void WtSession::adopt(Stream& quic, std::span<const std::uint8_t> leftover, bool fin) {
  WtStream* stream = track(quic, false);
  stream->early_.assign(leftover.begin(), leftover.end());
  stream->early_fin_ = fin;
  const StreamId id = stream->id();
  auto keep = shared_from_this();
  if (handler_) handler_->on_incoming_stream(*this, *stream);
  // The handler may have closed the session or the stream; look it up again.
  auto it = streams_.find(id);
  if (!terminated_ && it != streams_.end()) it->second->deliver_buffered();
}

H3Status WtSession::on_connect_data(std::span<const std::uint8_t> chunk) {
  if (terminated_) return std::nullopt;  // bytes after our close are of no interest
  return capsules_.feed(chunk, *this);
}

void WtSession::on_connect_fin() {
  if (terminated_) return;
  if (!close_sent_) {
    close_sent_ = true;
    conn_->send_on_connect_stream(id_, this, {}, true);
  }
  CloseInfo info;
  info.by_peer = true;
  if (close_received_) {
    info.code = close_received_->code;
    info.reason = close_received_->reason;
  }
  terminate(info);
}

void WtSession::on_datagram(std::span<const std::uint8_t> payload) {
  if (terminated_ || !ready_ || !handler_) return;
  auto keep = shared_from_this();
  handler_->on_datagram(*this, payload);
}

void WtSession::terminate(const CloseInfo& info) {
  if (terminated_) return;
  terminated_ = true;
  for (auto& [id, stream] : streams_) stream->abandon();
  auto keep = weak_from_this().lock();  // null while destroying, when no handler is called
  conn_->forget_session(id_, this);
  if (handler_ && keep) handler_->on_closed(*this, info);
}

bool WtSession::streamed(std::uint64_t type) const {
  return type != capsule::kCloseWebTransportSession && type != capsule::kDrainWebTransportSession &&
         type != capsule::kDatagram;
}

H3Status WtSession::on_element(std::uint64_t type, std::span<const std::uint8_t> payload) {
  if (close_received_) return H3Error{h3::kMessageError, "capsule after CLOSE_WEBTRANSPORT_SESSION"};
  if (type == capsule::kCloseWebTransportSession) {
    auto close = decode_close_session(payload);
    if (!close) return H3Error{h3::kMessageError, close.error().what};
    close_received_ = std::move(*close);
    // The peer FINs after this capsule; the session ends now, with its code.
    CloseInfo info{close_received_->code, close_received_->reason, true, false};
    if (!close_sent_) {
      close_sent_ = true;
      conn_->send_on_connect_stream(id_, this, {}, true);
    }
    terminate(info);
  } else if (type == capsule::kDrainWebTransportSession) {
    if (on_drain_) on_drain_();
  } else if (type == capsule::kDatagram) {
    on_datagram(payload);
  }
  return std::nullopt;
}

H3Status WtSession::on_chunk(std::uint64_t, std::span<const std::uint8_t>, bool) {
  return std::nullopt;  // unknown capsule types are skipped (RFC 9297 §3.2)
}

}  // namespace kinetic::transport::webtransport
