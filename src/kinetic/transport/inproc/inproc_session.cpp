#include "kinetic/transport/inproc/inproc_session.hpp"

#include <algorithm>

namespace kinetic::transport::inproc {

namespace {
constexpr StreamId kUniBit = 0x2;
constexpr StreamId kServerBit = 0x1;
}  // namespace

bool InprocLink::post(int side, std::function<void()> fn) {
  // Held while posting: a half withdrawing its loop waits, so the loop cannot go meanwhile.
  std::lock_guard lock(mu_);
  EventLoop* loop = loops_[side];
  if (loop == nullptr) return false;
  loop->post(std::move(fn));
  return true;
}

void InprocLink::withdraw(int side) {
  std::lock_guard lock(mu_);
  loops_[side] = nullptr;
}

std::pair<std::shared_ptr<InprocSession>, std::shared_ptr<InprocSession>> InprocSession::make_pair(
    EventLoop& client_loop, EventLoop& server_loop, const InprocOptions& options) {
  auto link = std::make_shared<InprocLink>(client_loop, server_loop);
  auto client = std::make_shared<InprocSession>(client_loop, link, Role::kClient, options);
  auto server = std::make_shared<InprocSession>(server_loop, link, Role::kServer, options);
  client->peer_ = server;
  server->peer_ = client;
  return {std::move(client), std::move(server)};
}

InprocSession::InprocSession(EventLoop& loop, std::shared_ptr<InprocLink> link, Role role,
                             InprocOptions options)
    : loop_(loop), link_(std::move(link)), role_(role), options_(std::move(options)) {}

InprocSession::~InprocSession() {
  // Dropping an open session closes it, as a QUIC stack tearing a connection down would.
  // What this turn queued goes first, now: the flush posted for it can no longer find us.
  if (!closed_) {
    closed_ = true;
    outbox_.emplace_back([](InprocSession& p) { p.peer_closed(0, "session destroyed"); });
  }
  flush_outbox();
  link_->withdraw(side());
}

void InprocSession::to_peer(std::function<void(InprocSession&)> fn) {
  outbox_.push_back(std::move(fn));
  if (outbox_.size() > 1) return;  // this turn's flush is already posted
  // A post from the loop's own thread runs in this turn's posted round, before its tasks.
  loop_.post([weak = weak_from_this()] {
    if (auto self = weak.lock()) self->flush_outbox();
  });
}

void InprocSession::flush_outbox() {
  if (outbox_.empty()) return;
  std::vector<std::function<void(InprocSession&)>> batch;
  batch.swap(outbox_);
  link_->post(other_side(), [peer = peer_, batch = std::move(batch)] {
    // Held for the whole batch: a task that closes the half must not end it under the rest.
    auto p = peer.lock();
    if (!p) return;
    for (const auto& fn : batch) fn(*p);
  });
}

// ---- streams ---------------------------------------------------------------------------

Stream* InprocSession::open(bool bidi) {
  if (closed_) return nullptr;
  std::uint64_t& opened = bidi ? opened_bidi_ : opened_uni_;
  const StreamId id = (opened++ << 2) | (bidi ? 0 : kUniBit) | (role_ == Role::kServer ? kServerBit : 0);
  auto stream = std::make_unique<InprocStream>(*this, id, true);
  Stream* raw = stream.get();
  streams_.emplace(id, std::move(stream));
  return raw;
}

InprocStream* InprocSession::stream_for(StreamId id) {
  if (closed_) return nullptr;
  if (auto it = streams_.find(id); it != streams_.end()) return it->second.get();
  const bool from_server = (id & kServerBit) != 0;
  if (from_server == (role_ == Role::kServer)) return nullptr;  // one of ours, already released
  std::uint64_t& next = (id & kUniBit) != 0 ? next_incoming_uni_ : next_incoming_bidi_;
  const std::uint64_t index = id >> 2;
  if (index < next) return nullptr;  // the peer's, already released
  // Tasks come in the order the peer made them, so this is the next stream it opened.
  next = index + 1;
  auto stream = std::make_unique<InprocStream>(*this, id, false);
  InprocStream* raw = stream.get();
  streams_.emplace(id, std::move(stream));
  if (handler_ != nullptr) handler_->on_incoming_stream(*this, *raw);
  return closed_ ? nullptr : raw;
}

void InprocSession::send_data(InprocStream& stream, SharedBytes data, bool fin) {
  const std::size_t n = data.size();
  bytes_sent_ += n;
  const std::size_t low = options_.stream_low_water;
  if (stream.queued_->fetch_add(n, std::memory_order_relaxed) + n > low) stream.above_low_water_ = true;
  const int back = side();
  to_peer([id = stream.id_, data = std::move(data), fin, n, low, back, counter = stream.queued_, link = link_,
           writer = weak_from_this()](InprocSession& p) {
    p.bytes_received_ += n;
    // Off the backlog as they are handed over, so an answer never finds them still counted.
    const std::size_t before = counter->fetch_sub(n, std::memory_order_relaxed);
    if (auto* s = p.stream_for(id)) s->receive_data(data, fin);
    if (before > low && before - n <= low) {
      // The writer asked more than the low-water mark of us: tell it the backlog drained.
      link->post(back, [writer, id] {
        auto w = writer.lock();
        if (!w) return;
        if (auto it = w->streams_.find(id); it != w->streams_.end()) it->second->drained();
      });
    }
  });
}

void InprocSession::send_reset(InprocStream& stream, ErrorCode code) {
  to_peer([id = stream.id_, code](InprocSession& p) {
    if (auto* s = p.stream_for(id)) s->receive_reset(code);
  });
}

void InprocSession::send_stop_sending(InprocStream& stream, ErrorCode code) {
  to_peer([id = stream.id_, code](InprocSession& p) {
    if (auto* s = p.stream_for(id)) s->receive_stop_sending(code);
  });
}

void InprocSession::maybe_release(InprocStream& stream) {
  if (stream.releasing_ || !stream.send_done() || !stream.receive_done()) return;
  stream.releasing_ = true;
  // Not from inside the call that finished it: the caller may still use the stream.
  loop_.post([weak = weak_from_this(), id = stream.id_] {
    if (auto self = weak.lock()) self->release(id);
  });
}

void InprocSession::release(StreamId id) {
  // After a session closes its streams stay, inert, until the session is destroyed.
  if (closed_) return;
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  if (it->second->handler_ != nullptr) it->second->handler_->on_closed(*it->second);
  if (closed_) return;  // the handler closed the session; keep the stream until destruction
  streams_.erase(id);
}

// ---- datagrams, close, stats -----------------------------------------------------------

bool InprocSession::send_datagram(std::span<const std::uint8_t> data) {
  if (closed_ || data.size() > options_.max_datagram_size) return false;
  bytes_sent_ += data.size();
  to_peer([bytes = SharedBytes::copy(data)](InprocSession& p) {
    if (p.closed_) return;
    p.bytes_received_ += bytes.size();
    if (p.handler_ != nullptr) p.handler_->on_datagram(p, bytes.span());
  });
  return true;
}

void InprocSession::close(ErrorCode code, std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  to_peer([code, reason = std::string(reason)](InprocSession& p) { p.peer_closed(code, reason); });
  loop_.post([weak = weak_from_this(), info = CloseInfo{code, std::string(reason), false, false}] {
    auto self = weak.lock();
    if (self && self->handler_ != nullptr) self->handler_->on_closed(*self, info);
  });
}

void InprocSession::peer_closed(ErrorCode code, std::string reason) {
  if (closed_) return;
  closed_ = true;
  auto keep = shared_from_this();
  if (handler_ != nullptr) handler_->on_closed(*this, CloseInfo{code, std::move(reason), true, false});
}

SessionStats InprocSession::stats() const {
  SessionStats s;
  s.bytes_sent = bytes_sent_;
  s.bytes_received = bytes_received_;
  return s;
}

}  // namespace kinetic::transport::inproc
