// A relay on every core: N workers (relay_worker.hpp), each a thread with its own loop, QUIC
// server and Relay, on one UDP port. The kernel steers each connection's packets to the worker
// that owns it (SO_REUSEPORT and the connection-ID program of cid_steering.hpp).
//
// Tracks cross workers through worker 0, the hub: every other worker's Relay has the hub as
// its parent over an in-process session (transport/inproc), announcing its publishers'
// namespaces there and asking it for what it has no route to. A publisher on worker k and
// subscribers on worker j are then one upstream subscription per track and worker apart
// (k → hub → j), so an object crosses threads once per worker that wants it, never once per
// subscriber, and crosses as the same SharedBytes (no copy). The hub trusts these sessions
// (the workers check their own clients' tokens) and alone has the relay's real parents
// (--upstream): the workers together are one relay to the outside, one route per track.
// Which worker's clients publish which namespaces is shared (worker_namespaces.hpp), so a
// worker whose own publisher holds only a shorter prefix of a track's namespace than another
// worker's asks the hub, as one relay's longest-prefix match would.
//
// With one worker nothing of this exists: the relay is the single-threaded one. Either way the
// process trims its heap on the hub's loop (heap_trimmer.hpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "kinetic/base/result.hpp"
#include "kinetic/relay/heap_trimmer.hpp"
#include "kinetic/relay/relay_metrics.hpp"
#include "kinetic/relay/relay_worker.hpp"
#include "kinetic/transport/event_loop.hpp"

namespace kinetic::relay {

class RelayWorkers {
 public:
  // Builds `count` workers (1 to 255) and binds their sockets in order; nothing runs yet.
  // `metrics` is what the relay reports: with one worker that worker's own counters, with
  // several the sum of every worker's, refreshed every `metrics_interval` on the hub.
  static Result<std::unique_ptr<RelayWorkers>> make(std::size_t count, const RelayWorkerSetup& setup,
                                                    RelayMetrics& metrics,
                                                    transport::Duration metrics_interval = std::chrono::seconds(1));
  // Stops and joins the worker threads if run() did not, then closes every session.
  ~RelayWorkers();
  RelayWorkers(const RelayWorkers&) = delete;
  RelayWorkers& operator=(const RelayWorkers&) = delete;

  [[nodiscard]] std::size_t size() const { return workers_.size(); }
  [[nodiscard]] RelayWorker& worker(std::size_t i) { return *workers_[i]; }
  // Worker 0, whose loop run() runs on the calling thread (signals, parents, metrics go there).
  [[nodiscard]] RelayWorker& hub() { return *workers_.front(); }
  // Worker i's own counters (several workers; with one, the `metrics` given to make()).
  [[nodiscard]] const RelayMetrics& metrics_of(std::size_t i) const {
    return own_metrics_.empty() ? *reported_ : *own_metrics_[i];
  }

  // The process's heap trimming (RelayConfig::heap_trim_ms), on the hub's loop.
  [[nodiscard]] const HeapTrimmer& heap_trimmer() const { return *trimmer_; }

  // Starts workers 1..N-1 on threads of their own and runs the hub's loop on this thread until
  // the hub's loop is stopped (stop(), or a signal watched on it); then stops and joins the rest.
  void run();
  // Safe from any thread.
  void stop();

 private:
  RelayWorkers() = default;
  void sum_metrics();
  void join();

  std::vector<std::unique_ptr<RelayWorker>> workers_;
  std::unique_ptr<HeapTrimmer> trimmer_;                    // on the hub's loop
  std::vector<std::unique_ptr<RelayMetrics>> own_metrics_;  // per worker, when there are several
  RelayMetrics* reported_ = nullptr;
  transport::Duration metrics_interval_{};
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
};

}  // namespace kinetic::relay
