#include "kinetic/relay/relay_workers.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <utility>

#include "kinetic/transport/inproc/inproc_session.hpp"
#include "kinetic/transport/quic/cid_steering.hpp"
#include "kinetic/wire/version.hpp"

namespace kinetic::relay {

namespace {

// Worker `from` reaches the hub over an in-process session: the hub's half is handed to the
// hub's loop before the worker's MoQT session writes its SETUP, so the hub's handler is in
// place when the first bytes arrive (inproc_session.hpp).
UpstreamConnector hub_connector(RelayWorker& hub, RelayWorker& from) {
  return [hub_loop = &hub.loop(), hub_relay = &hub.relay(), loop = &from.loop(), index = from.index()](
             const moqt::SessionOptions& options, moqt::SessionHandler* handler) -> std::shared_ptr<moqt::Session> {
    transport::inproc::InprocOptions io;
    io.protocol = std::string(wire::alpn(wire::kSupportedVersions.front()));
    io.peer_address = "worker " + std::to_string(index);
    auto [mine, theirs] = transport::inproc::InprocSession::make_pair(*loop, *hub_loop, io);
    hub_loop->post([hub_relay, theirs = std::move(theirs)]() mutable { hub_relay->accept(std::move(theirs), true); });
    return moqt::Session::create(std::move(mine), options, handler);
  };
}

void add_into(std::atomic<std::uint64_t>& to, const std::atomic<std::uint64_t>& from) {
  to.fetch_add(from.load(std::memory_order_relaxed), std::memory_order_relaxed);
}
void add_into(std::atomic<std::int64_t>& to, const std::atomic<std::int64_t>& from) {
  to.fetch_add(from.load(std::memory_order_relaxed), std::memory_order_relaxed);
}
void copy_into(std::atomic<std::uint64_t>& to, const std::atomic<std::uint64_t>& from) {
  to.store(from.load(std::memory_order_relaxed), std::memory_order_relaxed);
}
void copy_into(std::atomic<std::int64_t>& to, const std::atomic<std::int64_t>& from) {
  to.store(from.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

}  // namespace

Result<std::unique_ptr<RelayWorkers>> RelayWorkers::make(std::size_t count, const RelayWorkerSetup& setup,
                                                         RelayMetrics& metrics, transport::Duration metrics_interval) {
  if (count < 1 || count > transport::quic::kMaxSteeredWorkers)
    return Error{Errc::kInvalidValue, "workers must be 1 to 255"};
  std::unique_ptr<RelayWorkers> set(new RelayWorkers());
  set->reported_ = &metrics;
  set->metrics_interval_ = metrics_interval;
  RelayWorkerSetup shared = setup;
  // A packet for a connection another worker forgot is answered with a stateless reset by
  // whichever worker gets it, and a Retry token may come back to any: one secret for all.
  auto& secret = shared.server.static_secret;
  if (count > 1 && std::all_of(secret.begin(), secret.end(), [](auto b) { return b == 0; })) {
    std::random_device rd;
    for (auto& b : secret) b = static_cast<std::uint8_t>(rd());
  }
  for (std::size_t i = 0; i < count; ++i) {
    RelayMetrics* m = &metrics;
    if (count > 1) m = set->own_metrics_.emplace_back(std::make_unique<RelayMetrics>()).get();
    KINETIC_TRY(auto worker, RelayWorker::make(i, count, shared, *m));
    // Port 0 picks a free port once: the other workers join the group on that one.
    if (i == 0) shared.server.listen = worker->server().local_address();
    set->workers_.push_back(std::move(worker));
  }
  // One per process: malloc_trim walks every thread's arena.
  set->trimmer_ =
      std::make_unique<HeapTrimmer>(set->hub().loop(), std::chrono::milliseconds(setup.config.heap_trim_ms));
  if (count == 1) return set;
  UpstreamPolicy internal;
  internal.initial_backoff = std::chrono::milliseconds(50);
  internal.max_backoff = std::chrono::milliseconds(1000);
  internal.internal = true;
  auto namespaces = std::make_shared<WorkerNamespaces>(count);
  for (std::size_t i = 0; i < count; ++i) set->workers_[i]->relay().share_namespaces(namespaces, i);
  for (std::size_t i = 1; i < count; ++i) {
    set->workers_[i]->relay().add_upstream(hub_connector(set->hub(), *set->workers_[i]), internal, "hub");
  }
  set->sum_metrics();
  return set;
}

RelayWorkers::~RelayWorkers() {
  stop();
  join();
  trimmer_.reset();  // its timer is on the hub's loop
  // Every thread is gone: the workers go in reverse, so the hub's loop outlives every other
  // worker's half of its link to the hub.
  while (!workers_.empty()) workers_.pop_back();
}

void RelayWorkers::run() {
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    threads_.emplace_back([this, i] {
      auto& loop = workers_[i]->loop();
      // Bounded waits: a stop() that lands before this loop first waits is still seen.
      while (!stopping_.load(std::memory_order_acquire)) loop.run_once(std::chrono::milliseconds(200));
    });
  }
  if (!stopping_.load(std::memory_order_acquire)) hub().loop().run();
  stop();
  join();
}

void RelayWorkers::stop() {
  stopping_.store(true, std::memory_order_release);
  for (auto& w : workers_) {
    w->loop().stop();
    w->loop().post([] {});  // wakes a loop waiting in epoll
  }
}

void RelayWorkers::join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void RelayWorkers::sum_metrics() {
  // Counters and gauges are sums over the workers; what describes the relay's parents is the
  // hub's alone, and the sessions between workers and hub are not the relay's sessions. Each
  // worker already leaves out the objects, bytes and subscriptions of its internal sessions,
  // so an object is in once where it entered the relay and out once per subscriber.
  RelayMetrics& out = *reported_;
  RelayMetrics sum;
  std::int64_t internal_links = 0;
  std::uint64_t internal_accepts = 0;  // every connect of a worker to the hub is one accept there
  for (std::size_t i = 0; i < own_metrics_.size(); ++i) {
    const RelayMetrics& m = *own_metrics_[i];
    add_into(sum.sessions, m.sessions);
    add_into(sum.sessions_total, m.sessions_total);
    add_into(sum.sessions_refused, m.sessions_refused);
    add_into(sum.subscriptions, m.subscriptions);
    add_into(sum.upstream_subscriptions, m.upstream_subscriptions);
    add_into(sum.tracks, m.tracks);
    add_into(sum.objects_in, m.objects_in);
    add_into(sum.bytes_in, m.bytes_in);
    add_into(sum.objects_out, m.objects_out);
    add_into(sum.bytes_out, m.bytes_out);
    add_into(sum.cache_bytes, m.cache_bytes);
    add_into(sum.cache_evicted_groups, m.cache_evicted_groups);
    add_into(sum.dropped_groups, m.dropped_groups);
    add_into(sum.new_group_requests, m.new_group_requests);
    add_into(sum.requests_refused, m.requests_refused);
    add_into(sum.forwarded_interests, m.forwarded_interests);
    add_into(sum.interests_forwarded, m.interests_forwarded);
    add_into(sum.tracks_offered, m.tracks_offered);
    add_into(sum.lingering_tracks, m.lingering_tracks);
    for (auto counter : kTransportCounters) add_into(sum.*counter, m.*counter);
    sum.send_delay.add(m.send_delay);
    if (i == 0) continue;
    internal_accepts += m.upstream_connects.load(std::memory_order_relaxed);
    if (m.upstream_link.load(std::memory_order_relaxed) == static_cast<std::int64_t>(UpstreamState::kUp))
      ++internal_links;
  }
  const RelayMetrics& hub_m = *own_metrics_.front();
  // Each internal link is a session on the hub and one on its worker.
  sum.sessions.fetch_sub(2 * internal_links, std::memory_order_relaxed);
  sum.sessions_total.fetch_sub(std::min(internal_accepts, sum.sessions_total.load()), std::memory_order_relaxed);
  copy_into(sum.upstream_link, hub_m.upstream_link);
  copy_into(sum.upstream_connects, hub_m.upstream_connects);
  copy_into(sum.upstream_switches, hub_m.upstream_switches);
  copy_into(sum.upstream_announcements, hub_m.upstream_announcements);

  copy_into(out.sessions, sum.sessions);
  copy_into(out.sessions_total, sum.sessions_total);
  copy_into(out.sessions_refused, sum.sessions_refused);
  copy_into(out.subscriptions, sum.subscriptions);
  copy_into(out.upstream_subscriptions, sum.upstream_subscriptions);
  copy_into(out.tracks, sum.tracks);
  copy_into(out.objects_in, sum.objects_in);
  copy_into(out.bytes_in, sum.bytes_in);
  copy_into(out.objects_out, sum.objects_out);
  copy_into(out.bytes_out, sum.bytes_out);
  copy_into(out.cache_bytes, sum.cache_bytes);
  copy_into(out.cache_evicted_groups, sum.cache_evicted_groups);
  copy_into(out.dropped_groups, sum.dropped_groups);
  copy_into(out.new_group_requests, sum.new_group_requests);
  copy_into(out.requests_refused, sum.requests_refused);
  copy_into(out.upstream_link, sum.upstream_link);
  copy_into(out.upstream_connects, sum.upstream_connects);
  copy_into(out.upstream_switches, sum.upstream_switches);
  copy_into(out.upstream_announcements, sum.upstream_announcements);
  copy_into(out.forwarded_interests, sum.forwarded_interests);
  copy_into(out.interests_forwarded, sum.interests_forwarded);
  copy_into(out.tracks_offered, sum.tracks_offered);
  copy_into(out.lingering_tracks, sum.lingering_tracks);
  for (auto counter : kTransportCounters) copy_into(out.*counter, sum.*counter);
  out.send_delay.assign(sum.send_delay);
  hub().loop().schedule_after(metrics_interval_, [this] { sum_metrics(); });
}

}  // namespace kinetic::relay
