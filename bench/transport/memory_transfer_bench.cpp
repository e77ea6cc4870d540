// How fast the memory transport simulates: real time per simulated transfer, so that
// tests built on it stay fast, and the per-subscriber cost of fanning one object out.
#include <benchmark/benchmark.h>

#include <vector>

#include "kinetic/transport/memory/memory_network.hpp"
#include "kinetic/transport/memory/simulated_loop.hpp"

namespace {

using namespace std::chrono_literals;
using kinetic::transport::ErrorCode;
using kinetic::transport::Session;
using kinetic::transport::SessionHandler;
using kinetic::transport::SessionPtr;
using kinetic::transport::Stream;
using kinetic::transport::StreamHandler;
using kinetic::transport::CloseInfo;
using kinetic::transport::memory::JitterModel;
using kinetic::transport::memory::LinkConfig;
using kinetic::transport::memory::MemoryNetwork;
using kinetic::transport::memory::SimulatedLoop;
using kinetic::SharedBytes;

struct Sink : StreamHandler, SessionHandler {
  std::size_t bytes = 0;
  int fins = 0;
  int datagrams = 0;
  void on_data(Stream&, std::span<const std::uint8_t> data, bool fin) override {
    bytes += data.size();
    fins += fin ? 1 : 0;
  }
  void on_incoming_stream(Session&, Stream& stream) override { stream.set_handler(this); }
  void on_datagram(Session&, std::span<const std::uint8_t>) override { ++datagrams; }
  void on_closed(Session&, const CloseInfo&) override {}
};

void BM_LoopTimers(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    SimulatedLoop loop;
    int ran = 0;
    for (int i = 0; i < n; ++i) loop.schedule_after(std::chrono::microseconds((i * 7919) % 100'000), [&ran] { ++ran; });
    loop.run_until_idle();
    benchmark::DoNotOptimize(ran);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_LoopTimers)->Arg(10'000)->Arg(100'000);

// One stream of 8 MB; arg 0: unlimited, 1: 100 Mbit/s, 2: 100 Mbit/s with 2% loss and jitter.
void BM_StreamTransfer(benchmark::State& state) {
  constexpr std::size_t kBytes = 8 << 20;
  const SharedBytes payload(std::vector<std::uint8_t>(kBytes, 0x5a));
  LinkConfig config;
  if (state.range(0) >= 1) config.to_server.bandwidth_bps = 100'000'000;
  if (state.range(0) >= 2) {
    config.to_server.loss = 0.02;
    config.to_server.jitter = {JitterModel::Kind::kNormal, 2ms};
  }
  double virtual_seconds = 0;
  for (auto _ : state) {
    SimulatedLoop loop;
    MemoryNetwork network(loop);
    Sink sink;
    auto pair = network.pair(config);
    pair.server->set_handler(&sink);
    const auto start = loop.now();
    pair.client->open_uni()->write(payload, true);
    loop.run_until([&] { return sink.fins == 1; }, 60s);
    virtual_seconds = std::chrono::duration<double>(loop.now() - start).count();
    if (sink.bytes != kBytes) state.SkipWithError("transfer incomplete");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBytes));
  state.counters["virtual_s"] = virtual_seconds;
}
BENCHMARK(BM_StreamTransfer)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_Datagrams(benchmark::State& state) {
  constexpr int kCount = 10'000;
  const std::vector<std::uint8_t> datagram(1000, 1);
  for (auto _ : state) {
    SimulatedLoop loop;
    MemoryNetwork network(loop);
    LinkConfig config;
    config.to_server.loss = 0.05;
    auto pair = network.pair(config);
    Sink sink;
    pair.server->set_handler(&sink);
    loop.run_for(100ms);
    for (int i = 0; i < kCount; ++i) pair.client->send_datagram(datagram);
    loop.run_until_idle();
    if (sink.datagrams < kCount * 9 / 10) state.SkipWithError("datagrams missing");
  }
  state.SetItemsProcessed(state.iterations() * kCount);
}
BENCHMARK(BM_Datagrams)->Unit(benchmark::kMillisecond);

// A relay-like server writes one 100 KB object to each of N subscribers from the same
// memory: the cost per subscriber, with no payload copy.
void BM_FanOut(benchmark::State& state) {
  const auto subscribers = static_cast<std::size_t>(state.range(0));
  const SharedBytes object(std::vector<std::uint8_t>(100'000, 7));
  for (auto _ : state) {
    SimulatedLoop loop;
    MemoryNetwork network(loop);
    std::vector<SessionPtr> accepted;
    auto server = network.listen("mem:relay", [&](SessionPtr s) { accepted.push_back(std::move(s)); });
    Sink sink;
    std::vector<std::shared_ptr<kinetic::transport::memory::MemorySession>> clients;
    for (std::size_t i = 0; i < subscribers; ++i) {
      clients.push_back(network.connect("mem:relay"));
      clients.back()->set_handler(&sink);
    }
    loop.run_for(100ms);
    for (auto& s : accepted) s->open_uni()->write(object, true);
    loop.run_until([&] { return sink.fins == static_cast<int>(subscribers); }, 10s);
    if (sink.bytes != subscribers * object.size()) state.SkipWithError("fan-out incomplete");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * subscribers));
}
BENCHMARK(BM_FanOut)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
