// What one in-process hop between relay workers costs (relay_workers.hpp): a MoQT subscription
// carried by an InprocSession pair, the publisher's session on one event loop and the
// subscriber's on another thread's loop, objects sent as fast as a window of unreceived
// objects lets them. Beside it, the same subscription with both sessions on one thread (the
// MoQT and inproc work alone, no thread crossing), and the floor of any hand-over between
// threads: the parsed object itself posted to the other loop, no MoQT at all.
//
// Each figure is CPU time of the publisher's thread and of the subscriber's thread, per object
// (CLOCK_THREAD_CPUTIME_ID, read on each thread), over a fixed number of objects.
#include <benchmark/benchmark.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "kinetic/moqt/session.hpp"
#include "kinetic/transport/epoll_loop.hpp"
#include "kinetic/transport/inproc/inproc_session.hpp"
#include "kinetic/wire/version.hpp"

namespace {

using namespace kinetic;
using namespace std::chrono_literals;

constexpr std::uint64_t kObjectsPerGroup = 30;  // a group per second of a 30 objects/s track
constexpr std::uint64_t kWindow = 256;          // objects sent and not yet received
constexpr std::uint64_t kCreditEvery = 32;      // the subscriber hands credit back this often

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// The subscriber's loop, on a thread of its own or the caller's.
struct SubscriberSide {
  // Starts the subscriber's thread; before this, its loop may be set up from the caller's.
  void start() {
    thread = std::thread([this] { loop.run(); });
  }
  ~SubscriberSide() { stop(); }
  // Ends the subscriber's thread; its loop then belongs to the caller's thread.
  void stop() {
    loop.stop();
    loop.post([] {});
    if (thread.joinable()) thread.join();
  }
  // Runs `fn` on the subscriber's loop and returns what it returned.
  template <typename Fn>
  auto on_loop(Fn fn, transport::EpollLoop& caller) {
    using R = decltype(fn());
    if (!thread.joinable()) return fn();
    std::atomic<bool> done{false};
    R r{};
    loop.post([&] {
      r = fn();
      done.store(true, std::memory_order_release);
    });
    while (!done.load(std::memory_order_acquire)) caller.run_once(1ms);
    return r;
  }

  transport::EpollLoop loop;
  std::thread thread;
};

struct Counter : moqt::SubscriptionHandler {
  void on_object(moqt::Subscription&, const moqt::Object&) override { got(); }
  void got() {
    const std::uint64_t n = received.fetch_add(1, std::memory_order_relaxed) + 1;
    if (n % kCreditEvery == 0 && credit) credit();
  }
  std::atomic<std::uint64_t> received{0};
  std::function<void()> credit;
};

struct Handler : moqt::SessionHandler {
  void on_ready(moqt::Session&) override { ready = true; }
  void on_subscribe(moqt::Session&, std::shared_ptr<moqt::ServedSubscription> s) override {
    s->accept({});
    served = std::move(s);
  }
  std::atomic<bool> ready{false};
  std::shared_ptr<moqt::ServedSubscription> served;
};

void report(benchmark::State& state, std::uint64_t objects, double pub_ns, double sub_ns, std::size_t size) {
  const double n = static_cast<double>(objects);
  state.counters["pub_ns_per_object"] = pub_ns / n;
  state.counters["sub_ns_per_object"] = sub_ns / n;
  state.counters["cpu_s_per_GB"] = (pub_ns + sub_ns) / 1e9 / (n * static_cast<double>(size) / 1e9);
  state.SetItemsProcessed(static_cast<std::int64_t>(objects));
  state.SetBytesProcessed(static_cast<std::int64_t>(objects * size));
}

// Sends batches of 20,000 objects through `refill` (the subscriber's Counter hands credit back
// to it) and reports each thread's CPU per object; `sub` null: both sides on the caller's thread.
void measure(benchmark::State& state, transport::EpollLoop& pub_loop, SubscriberSide* sub, Counter& counter,
             const std::function<void()>& refill, const std::uint64_t& sent, std::size_t size) {
  counter.credit = [&pub_loop, &refill] { pub_loop.post(refill); };
  std::uint64_t objects = 0;
  double pub_ns = 0, sub_ns = 0;
  for (auto _ : state) {
    constexpr std::uint64_t kBatch = 20'000;
    const std::uint64_t target = sent + kBatch;
    const double sub0 = sub != nullptr ? sub->on_loop([] { return thread_cpu_ns(); }, pub_loop) : 0;
    const double pub0 = thread_cpu_ns();
    refill();
    pub_loop.run_until([&] { return counter.received.load(std::memory_order_relaxed) >= target; }, 30s);
    pub_ns += thread_cpu_ns() - pub0;
    if (sub != nullptr) sub_ns += sub->on_loop([] { return thread_cpu_ns(); }, pub_loop) - sub0;
    objects += kBatch;
  }
  // No credit may come from the subscriber's thread once `refill` is gone.
  if (sub != nullptr) sub->stop();
  counter.credit = nullptr;
  report(state, objects, pub_ns, sub_ns, size);  // without `sub`, pub_ns is both sides
}

// A MoQT subscription over an InprocSession pair; args: own thread (0/1), object bytes.
void BM_MoqtInprocHop(benchmark::State& state) {
  const bool own_thread = state.range(0) != 0;
  const auto size = static_cast<std::size_t>(state.range(1));
  transport::EpollLoop pub_loop;
  SubscriberSide sub;
  transport::EventLoop& sub_loop = own_thread ? static_cast<transport::EventLoop&>(sub.loop) : pub_loop;

  transport::inproc::InprocOptions io;
  io.protocol = std::string(wire::alpn(wire::kSupportedVersions.front()));
  auto [client, server] = transport::inproc::InprocSession::make_pair(sub_loop, pub_loop, io);
  Handler pub_handler, sub_handler;
  Counter counter;
  moqt::SessionOptions po;
  po.perspective = moqt::Perspective::kServer;
  auto pub_session = moqt::Session::create(server, po, &pub_handler);
  // Both halves have their handlers before either loop runs, so no SETUP finds a half without
  // one (as the relay's hub does, inproc_session.hpp); only then does the subscriber's thread start.
  moqt::SessionOptions so;
  so.path = "/moq";
  std::shared_ptr<moqt::Session> sub_session = moqt::Session::create(client, so, &sub_handler);
  std::shared_ptr<moqt::Subscription> subscription;
  if (own_thread) sub.start();
  pub_loop.run_until([&] { return pub_handler.ready.load() && sub_handler.ready.load(); }, 5s);
  sub.on_loop(
      [&] {
        subscription = sub_session->subscribe({{{"hop"}}, "video"}, {}, &counter);
        return 0;
      },
      pub_loop);
  pub_loop.run_until([&] { return pub_handler.served != nullptr; }, 5s);
  if (!pub_handler.served) {
    state.SkipWithError("no subscription arrived");
    return;
  }

  const SharedBytes payload(std::vector<std::uint8_t>(size, 7));
  std::uint64_t sent = 0;
  moqt::SubgroupWriter* writer = nullptr;
  auto refill = [&] {
    while (sent - counter.received.load(std::memory_order_relaxed) < kWindow) {
      const std::uint64_t group = sent / kObjectsPerGroup, object = sent % kObjectsPerGroup;
      if (object == 0) {
        if (writer != nullptr) writer->finish();
        writer = pub_handler.served->open_subgroup({group, 0, moqt::kDefaultPriority, true, false});
        if (writer == nullptr) return;
      }
      writer->write(object, payload);
      ++sent;
    }
  };
  measure(state, pub_loop, own_thread ? &sub : nullptr, counter, refill, sent, size);
  sub.on_loop(
      [&] {
        subscription.reset();
        sub_session.reset();
        return 0;
      },
      pub_loop);
}
BENCHMARK(BM_MoqtInprocHop)
    ->ArgNames({"threads2", "bytes"})
    ->Args({0, 1200})
    ->Args({1, 1200})
    ->Args({0, 4167})
    ->Args({1, 4167})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The floor: objects, already parsed, posted to the subscriber's loop as they are (the
// payload's reference, no copy), with the same window and credit; args: batched (0: one post per
// object; 1: the objects of one refill in one post, so one wake at most per batch), object bytes.
void BM_PostedObjectHop(benchmark::State& state) {
  const bool batched = state.range(0) != 0;
  const auto size = static_cast<std::size_t>(state.range(1));
  transport::EpollLoop pub_loop;
  SubscriberSide sub;
  sub.start();
  Counter counter;
  const SharedBytes payload(std::vector<std::uint8_t>(size, 7));
  std::uint64_t sent = 0;
  auto got = [&counter](const moqt::Object& o) {
    benchmark::DoNotOptimize(o.payload.data());
    counter.got();
  };
  auto refill = [&] {
    std::vector<moqt::Object> batch;
    while (sent - counter.received.load(std::memory_order_relaxed) < kWindow) {
      moqt::Object o;
      o.group_id = sent / kObjectsPerGroup;
      o.object_id = sent % kObjectsPerGroup;
      o.payload = payload;
      ++sent;
      if (batched) {
        batch.push_back(std::move(o));
      } else {
        sub.loop.post([got, o = std::move(o)] { got(o); });
      }
    }
    if (!batch.empty()) {
      sub.loop.post([got, all = std::move(batch)] {
        for (const auto& o : all) got(o);
      });
    }
  };
  measure(state, pub_loop, &sub, counter, refill, sent, size);
}
BENCHMARK(BM_PostedObjectHop)
    ->ArgNames({"batched", "bytes"})
    ->Args({0, 1200})
    ->Args({0, 4167})
    ->Args({1, 1200})
    ->Args({1, 4167})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
