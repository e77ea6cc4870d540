#include "kinetic/transport/memory/memory_session.hpp"

#include <algorithm>
#include <utility>

namespace kinetic::transport::memory {

namespace {
constexpr StreamId kUniBit = 0x2;
constexpr StreamId kServerBit = 0x1;

std::uint64_t stream_index(StreamId id) { return id >> 2; }
}  // namespace

MemorySession::MemorySession(EventLoop& loop, std::shared_ptr<MemoryLink> link, Role role,
                             std::string peer_address)
    : loop_(loop),
      link_(std::move(link)),
      role_(role),
      peer_address_(std::move(peer_address)),
      peer_max_bidi_(link_->config().max_bidi_streams),
      peer_max_uni_(link_->config().max_uni_streams),
      local_max_bidi_(link_->config().max_bidi_streams),
      local_max_uni_(link_->config().max_uni_streams) {
  last_activity_ = loop_.now();
}

MemorySession::~MemorySession() {
  if (pump_timer_ != 0) loop_.cancel(pump_timer_);
  if (idle_timer_ != 0) loop_.cancel(idle_timer_);
  if (closed_) return;
  // Dropping an open session closes it, so the peer learns of it as it would from a
  // QUIC stack tearing the connection down.
  if (auto peer = peer_.lock()) {
    auto packet = std::make_shared<Packet>();
    packet->kind = Packet::Kind::kClose;
    packet->reason = "session destroyed";
    const TimePoint arrival = loop_.now() + link_->path(send_direction()).config().delay;
    loop_.schedule_at(arrival, [weak = peer_, packet] {
      if (auto p = weak.lock()) p->receive(packet);
    });
  }
}

// ---- handshake -------------------------------------------------------------------------

void MemorySession::become_ready_at(TimePoint when) {
  loop_.schedule_at(when, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self || self->closed_ || self->ready_) return;
    self->ready_ = true;
    self->touch();
    self->arm_idle_timer();
    if (self->handler_ != nullptr) self->handler_->on_ready(*self);
    self->schedule_pump(self->loop_.now());
  });
}

void MemorySession::refuse_at(TimePoint when, ErrorCode code, std::string reason) {
  loop_.schedule_at(when, [weak = weak_from_this(), code, reason = std::move(reason)] {
    auto self = weak.lock();
    if (!self || self->closed_) return;
    self->finish_close(CloseInfo{code, reason, true, false});
  });
}

// ---- opening streams -------------------------------------------------------------------

Stream* MemorySession::open(bool bidi) {
  if (closed_) return nullptr;
  std::uint64_t& opened = bidi ? opened_bidi_ : opened_uni_;
  const std::uint64_t limit = bidi ? peer_max_bidi_ : peer_max_uni_;
  if (opened >= limit) {
    blocked_ = true;
    return nullptr;
  }
  const StreamId id = (opened++ << 2) | (bidi ? 0 : kUniBit) | (is_server() ? kServerBit : 0);
  auto stream = std::make_unique<MemoryStream>(*this, id, is_server());
  Stream* raw = stream.get();
  streams_.emplace(id, std::move(stream));
  return raw;
}

MemoryStream* MemorySession::incoming_stream(StreamId id) {
  if (auto it = streams_.find(id); it != streams_.end()) return it->second.get();
  const bool from_server = (id & kServerBit) != 0;
  if (from_server == is_server()) return nullptr;  // one of ours, already released
  const bool uni = (id & kUniBit) != 0;
  std::uint64_t& next = uni ? next_incoming_uni_ : next_incoming_bidi_;
  const std::uint64_t index = stream_index(id);
  if (index < next) return nullptr;  // the peer's, already released
  if (index >= (uni ? local_max_uni_ : local_max_bidi_)) {
    close(0x4, "stream limit exceeded");  // QUIC's STREAM_LIMIT_ERROR
    return nullptr;
  }
  // As in QUIC, a stream implicitly opens every lower one of its kind: a packet for a
  // later stream may overtake the first packet of an earlier one.
  MemoryStream* result = nullptr;
  auto self = shared_from_this();
  for (; next <= index && !closed_; ++next) {
    const StreamId sid = (next << 2) | (id & (kUniBit | kServerBit));
    auto stream = std::make_unique<MemoryStream>(*this, sid, is_server());
    result = stream.get();
    streams_.emplace(sid, std::move(stream));
    if (handler_ != nullptr) handler_->on_incoming_stream(*this, *result);
  }
  if (closed_) return nullptr;
  return result;
}

// ---- sending ---------------------------------------------------------------------------

bool MemorySession::send_datagram(std::span<const std::uint8_t> data) {
  if (closed_ || !link_->config().datagrams || data.size() > link_->config().max_datagram_size) return false;
  const bool limited = link_->path(send_direction()).config().bandwidth_bps != 0;
  if (limited && datagram_queue_.size() >= link_->config().datagram_queue_packets) {
    // The bottleneck cannot keep up: the newest datagram is dropped, as a full queue does.
    ++datagrams_dropped_;
    return true;
  }
  Packet p;
  p.kind = Packet::Kind::kDatagram;
  p.data.push_back(SharedBytes::copy(data));
  datagram_queue_.push_back(std::move(p));
  schedule_pump(loop_.now());
  return true;
}

std::size_t MemorySession::max_datagram_size() const {
  return link_->config().datagrams ? link_->config().max_datagram_size : 0;
}

void MemorySession::stream_ready(MemoryStream& stream) {
  if (!stream.scheduled_) {
    stream.scheduled_ = true;
    send_queue_[stream.order_].push_back(stream.id_);
  }
  schedule_pump(loop_.now());
}

void MemorySession::stream_reorder(MemoryStream& stream, std::uint64_t old_order) {
  auto it = send_queue_.find(old_order);
  if (it != send_queue_.end()) {
    auto& ids = it->second;
    ids.erase(std::remove(ids.begin(), ids.end(), stream.id_), ids.end());
    if (ids.empty()) send_queue_.erase(it);
  }
  send_queue_[stream.order_].push_back(stream.id_);
}

void MemorySession::stream_below_low_water(MemoryStream& stream) {
  stream.above_low_water_ = false;
  loop_.post([weak = weak_from_this(), id = stream.id_] {
    auto self = weak.lock();
    if (!self || self->closed_) return;
    auto it = self->streams_.find(id);
    if (it == self->streams_.end()) return;
    MemoryStream& s = *it->second;
    if (s.handler_ != nullptr && !s.send_done()) s.handler_->on_writable(s);
  });
}

void MemorySession::send_control(Packet packet) {
  if (closed_) return;
  control_queue_.push_back(std::move(packet));
  schedule_pump(loop_.now());
}

void MemorySession::schedule_pump(TimePoint when) {
  if (closed_ || !ready_) return;  // becoming ready pumps
  if (pump_timer_ != 0) {
    if (pump_at_ <= when) return;
    loop_.cancel(pump_timer_);
  }
  pump_at_ = when;
  pump_timer_ = loop_.schedule_at(when, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->pump_timer_ = 0;
      self->pump_at_ = TimePoint::max();
      self->pump();
    }
  });
}

void MemorySession::pump() {
  PathModel& wire_path = link_->path(send_direction());
  Packet packet;
  while (!closed_) {
    if (wire_path.free_at() > loop_.now()) {
      if (!control_queue_.empty() || !datagram_queue_.empty() || !send_queue_.empty()) {
        schedule_pump(wire_path.free_at());
      }
      return;
    }
    if (!take_packet(packet)) return;
    transmit(std::move(packet));
    packet = Packet();
  }
}

bool MemorySession::take_packet(Packet& out) {
  if (!control_queue_.empty()) {
    out = std::move(control_queue_.front());
    control_queue_.pop_front();
    return true;
  }
  if (!datagram_queue_.empty()) {
    out = std::move(datagram_queue_.front());
    datagram_queue_.pop_front();
    return true;
  }
  while (!send_queue_.empty()) {
    auto level = send_queue_.begin();
    const StreamId id = level->second.front();
    level->second.pop_front();
    auto it = streams_.find(id);
    MemoryStream* stream = it == streams_.end() ? nullptr : it->second.get();
    if (stream == nullptr || !stream->has_pending() || stream->reset_sent_) {
      if (stream != nullptr) stream->scheduled_ = false;
      if (level->second.empty()) send_queue_.erase(level);
      continue;
    }
    out = stream->next_packet(link_->path(send_direction()).config().mtu);
    if (stream->has_pending()) {
      level->second.push_back(id);  // round-robin among equal orders
    } else {
      stream->scheduled_ = false;
      if (level->second.empty()) send_queue_.erase(level);
    }
    if (stream->above_low_water_ && stream->queued_ <= link_->config().write_low_water) {
      stream_below_low_water(*stream);
    }
    return true;
  }
  return false;
}

void MemorySession::transmit(Packet packet) {
  const Direction dir = send_direction();
  const TimePoint now = loop_.now();
  const std::size_t size = packet.wire_size();
  const Transmission t = link_->path(dir).transmit(now, size, packet.kind != Packet::Kind::kDatagram);
  touch();
  bytes_sent_ += packet.payload_size();
  link_->record(TraceEvent{now, t.arrival, dir, packet.kind, packet.stream, size, t.lost, t.losses});
  if (t.lost) return;

  if (packet.kind == Packet::Kind::kStream) {
    if (auto it = streams_.find(packet.stream); it != streams_.end()) {
      MemoryStream& stream = *it->second;
      stream.last_arrival_ = std::max(stream.last_arrival_, t.arrival);
      if (packet.fin) {
        // The send side is done once the peer has every byte and the fin, and the
        // acknowledgement has come back.
        const Direction back = dir == Direction::kToServer ? Direction::kToClient : Direction::kToServer;
        const TimePoint acked = stream.last_arrival_ + link_->path(back).config().delay;
        loop_.schedule_at(acked, [weak = weak_from_this(), id = packet.stream] {
          auto self = weak.lock();
          if (!self || self->closed_) return;
          auto found = self->streams_.find(id);
          if (found == self->streams_.end()) return;
          found->second->send_done_ = true;
          self->maybe_release(*found->second);
        });
      }
    }
  }

  link_->in_flight(dir) += size;
  auto shared = std::make_shared<const Packet>(std::move(packet));
  loop_.schedule_at(t.arrival, [peer = peer_, link = link_, dir, size, shared] {
    link->in_flight(dir) -= size;
    if (auto p = peer.lock()) p->receive(shared);
  });
}

// ---- receiving -------------------------------------------------------------------------

void MemorySession::receive(const std::shared_ptr<const Packet>& packet) {
  if (closed_) return;
  auto self = shared_from_this();  // a handler may drop the last reference
  touch();
  bytes_received_ += packet->payload_size();
  switch (packet->kind) {
    case Packet::Kind::kClose:
      finish_close(CloseInfo{packet->code, packet->reason, true, false});
      return;
    case Packet::Kind::kDatagram:
      if (handler_ != nullptr) {
        handler_->on_datagram(*this, packet->data.empty() ? std::span<const std::uint8_t>() : packet->data.front().span());
      }
      return;
    case Packet::Kind::kMaxStreams: {
      const bool more = packet->max_bidi > peer_max_bidi_ || packet->max_uni > peer_max_uni_;
      peer_max_bidi_ = std::max(peer_max_bidi_, packet->max_bidi);
      peer_max_uni_ = std::max(peer_max_uni_, packet->max_uni);
      if (more && blocked_) {
        blocked_ = false;
        if (handler_ != nullptr) handler_->on_streams_available(*this);
      }
      return;
    }
    case Packet::Kind::kStream:
    case Packet::Kind::kResetStream:
    case Packet::Kind::kStopSending: {
      MemoryStream* stream = incoming_stream(packet->stream);
      if (stream == nullptr) return;
      if (packet->kind == Packet::Kind::kStream) {
        stream->receive_data(packet);
      } else if (packet->kind == Packet::Kind::kResetStream) {
        stream->receive_reset(packet->code);
      } else {
        stream->receive_stop_sending(packet->code);
      }
      // Streams are only released by a posted task, so `stream` is still alive here.
      if (!closed_) maybe_release(*stream);
      return;
    }
  }
}

// ---- releasing streams -----------------------------------------------------------------

void MemorySession::maybe_release(MemoryStream& stream) {
  if (stream.closing_ || !stream.send_done() || !stream.receive_done()) return;
  stream.closing_ = true;
  loop_.post([weak = weak_from_this(), id = stream.id_] {
    if (auto self = weak.lock()) self->release(id);
  });
}

void MemorySession::release(StreamId id) {
  // After a session closes its streams stay, inert, until the session is destroyed.
  if (closed_) return;
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  MemoryStream& stream = *it->second;
  if (stream.handler_ != nullptr) stream.handler_->on_closed(stream);
  if (closed_) return;  // the handler closed the session; keep the stream until destruction
  const bool peers = !stream.locally_opened_;
  const bool uni = !stream.bidirectional();
  streams_.erase(it);
  if (peers) {
    // The peer may open one more stream of this kind.
    (uni ? local_max_uni_ : local_max_bidi_) += 1;
    Packet p;
    p.kind = Packet::Kind::kMaxStreams;
    p.max_bidi = local_max_bidi_;
    p.max_uni = local_max_uni_;
    send_control(std::move(p));
  }
}

// ---- closing ---------------------------------------------------------------------------

void MemorySession::close(ErrorCode code, std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  if (pump_timer_ != 0) loop_.cancel(pump_timer_);
  if (idle_timer_ != 0) loop_.cancel(idle_timer_);
  pump_timer_ = idle_timer_ = 0;
  control_queue_.clear();
  datagram_queue_.clear();
  send_queue_.clear();
  // CONNECTION_CLOSE skips the queue and is not lost: QUIC repeats it until the peer
  // stops sending, so only the delay matters here.
  auto packet = std::make_shared<Packet>();
  packet->kind = Packet::Kind::kClose;
  packet->code = code;
  packet->reason = std::string(reason);
  const TimePoint arrival = loop_.now() + link_->path(send_direction()).config().delay;
  loop_.schedule_at(arrival, [peer = peer_, packet] {
    if (auto p = peer.lock()) p->receive(packet);
  });
  loop_.post([weak = weak_from_this(), info = CloseInfo{code, std::string(reason), false, false}] {
    auto self = weak.lock();
    if (self && self->handler_ != nullptr) self->handler_->on_closed(*self, info);
  });
}

void MemorySession::finish_close(const CloseInfo& info) {
  if (closed_) return;
  closed_ = true;
  if (pump_timer_ != 0) loop_.cancel(pump_timer_);
  if (idle_timer_ != 0) loop_.cancel(idle_timer_);
  pump_timer_ = idle_timer_ = 0;
  control_queue_.clear();
  datagram_queue_.clear();
  send_queue_.clear();
  auto self = shared_from_this();
  if (handler_ != nullptr) handler_->on_closed(*this, info);
}

void MemorySession::touch() { last_activity_ = loop_.now(); }

void MemorySession::arm_idle_timer() {
  const Duration timeout = link_->config().idle_timeout;
  if (timeout <= Duration::zero() || closed_ || idle_timer_ != 0) return;
  // One timer that re-arms itself from the latest activity, rather than one per packet.
  idle_timer_ = loop_.schedule_at(last_activity_ + timeout, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->idle_timer_ = 0;
      self->on_idle_timer();
    }
  });
}

void MemorySession::on_idle_timer() {
  if (closed_) return;
  if (loop_.now() >= last_activity_ + link_->config().idle_timeout) {
    finish_close(CloseInfo{0, "idle timeout", false, true});
    return;
  }
  arm_idle_timer();
}

SessionStats MemorySession::stats() const {
  SessionStats s;
  const auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(link_->base_rtt());
  s.smoothed_rtt = rtt;
  s.min_rtt = rtt;
  const PathModel& out = link_->path(send_direction());
  const std::uint64_t bps = out.config().bandwidth_bps;
  // The bandwidth-delay product stands in for a congestion window; zero when unlimited.
  s.congestion_window = bps == 0 ? 0 : static_cast<std::uint64_t>(static_cast<double>(bps) / 8.0 *
                                                                   std::chrono::duration<double>(rtt).count());
  s.bytes_in_flight = link_->in_flight(send_direction());
  s.bytes_sent = bytes_sent_;
  s.bytes_received = bytes_received_;
  s.packets_lost = out.packets_lost() + datagrams_dropped_;
  return s;
}

}  // namespace kinetic::transport::memory
