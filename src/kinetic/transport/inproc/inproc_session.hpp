// A session between two event loops of one process, usually on two threads: the halves of a
// pair live on their own loops, and everything one half does (stream bytes, fins, resets,
// STOP_SENDING, datagrams, close) reaches the other as a task posted to the other loop, the
// only EventLoop call that is safe across threads. Stream bytes travel as the writer's
// SharedBytes, so an object written once to an inproc stream is never copied on the way.
// Relay workers use it to reach their hub (relay_workers.hpp).
//
// What a half does in one turn of its loop crosses in one post, in order, at that turn's end
// (before the loop's tasks, where QUIC builds its packets): crossing threads costs several
// microseconds per post (the lock, the wake, the other core's cache), against ~0.1 per item
// of a batch (bench/moqt/inproc_hop_bench.cpp).
//
// Threading and lifetime: a half is used only on its own loop (as every Session is) and must
// be destroyed there, before that loop. Either half may close or be destroyed at any time,
// with tasks still queued both ways: those tasks hold the other half only weakly, and a half
// being destroyed withdraws its loop from the pair first, so nothing is posted to a loop that
// may be gone. A half's handler must be set before the first task of the other half runs on
// its loop: hand the second half to its loop with a post made before anything is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kinetic/transport/inproc/inproc_stream.hpp"
#include "kinetic/transport/transport.hpp"

namespace kinetic::transport::inproc {

struct InprocOptions {
  std::string protocol;  // what protocol() answers on both halves (a MoQT ALPN)
  std::string path;      // what path() answers (empty: as raw QUIC)
  std::string peer_address = "inproc";
  std::size_t stream_low_water = 1 << 20;  // on_writable once a backlog drops to this
  std::size_t max_datagram_size = 65'535;
};

// The two loops of a pair, each withdrawn when its half goes away.
class InprocLink {
 public:
  InprocLink(EventLoop& first, EventLoop& second) : loops_{&first, &second} {}
  // Posts `fn` to side `side`'s loop; false (and `fn` dropped here) when that half is gone.
  bool post(int side, std::function<void()> fn);
  void withdraw(int side);

 private:
  std::mutex mu_;
  EventLoop* loops_[2];
};

class InprocSession final : public Session, public std::enable_shared_from_this<InprocSession> {
 public:
  enum class Role : std::uint8_t { kClient = 0, kServer = 1 };

  // A connected pair: first the client half on `client_loop`, then the server half on
  // `server_loop`. Both are ready at once (no handshake).
  static std::pair<std::shared_ptr<InprocSession>, std::shared_ptr<InprocSession>> make_pair(
      EventLoop& client_loop, EventLoop& server_loop, const InprocOptions& options);

  InprocSession(EventLoop& loop, std::shared_ptr<InprocLink> link, Role role, InprocOptions options);
  ~InprocSession() override;
  InprocSession(const InprocSession&) = delete;
  InprocSession& operator=(const InprocSession&) = delete;

  void set_handler(SessionHandler* handler) override { handler_ = handler; }
  Stream* open_bidi() override { return open(true); }
  Stream* open_uni() override { return open(false); }
  bool send_datagram(std::span<const std::uint8_t> data) override;
  [[nodiscard]] std::size_t max_datagram_size() const override { return options_.max_datagram_size; }
  void close(ErrorCode code, std::string_view reason) override;

  [[nodiscard]] std::string_view protocol() const override { return options_.protocol; }
  [[nodiscard]] std::string_view path() const override { return options_.path; }
  [[nodiscard]] std::string peer_address() const override { return options_.peer_address; }
  [[nodiscard]] SessionStats stats() const override;
  [[nodiscard]] EventLoop& loop() override { return loop_; }

  [[nodiscard]] bool closed() const { return closed_; }
  // Streams not yet released (both directions done and on_closed returned).
  [[nodiscard]] std::size_t stream_count() const { return streams_.size(); }

 private:
  friend class InprocStream;

  [[nodiscard]] int side() const { return static_cast<int>(role_); }
  [[nodiscard]] int other_side() const { return 1 - side(); }
  Stream* open(bool bidi);
  // Runs `fn` on the other half, on its loop, if both halves are still there by then; queued
  // with the rest of this turn's and handed over by flush_outbox().
  void to_peer(std::function<void(InprocSession&)> fn);
  void flush_outbox();
  // Stream side.
  void send_data(InprocStream& stream, SharedBytes data, bool fin);
  void send_reset(InprocStream& stream, ErrorCode code);
  void send_stop_sending(InprocStream& stream, ErrorCode code);
  void maybe_release(InprocStream& stream);
  void release(StreamId id);
  // The other half's tasks.
  InprocStream* stream_for(StreamId id);
  void peer_closed(ErrorCode code, std::string reason);

  EventLoop& loop_;
  std::shared_ptr<InprocLink> link_;
  Role role_;
  InprocOptions options_;
  std::weak_ptr<InprocSession> peer_;  // locked only on the peer's own loop
  SessionHandler* handler_ = nullptr;
  bool closed_ = false;
  std::vector<std::function<void(InprocSession&)>> outbox_;  // for the other half, in order

  std::map<StreamId, std::unique_ptr<InprocStream>> streams_;
  std::uint64_t opened_bidi_ = 0, opened_uni_ = 0;
  std::uint64_t next_incoming_bidi_ = 0, next_incoming_uni_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
};

}  // namespace kinetic::transport::inproc
