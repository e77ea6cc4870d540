// Cost of the relay cache on the ingest path (insert with eviction under budget) and on the
// late-join path (serving the latest group to N joiners, payloads shared, not copied). The
// track is shaped like 2 Mbit/s video: 30 objects/s of ~8.3 KB, 2 s groups.
#include <benchmark/benchmark.h>

#include "kinetic/relay/relay_cache.hpp"

namespace {

using kinetic::relay::RelayCache;

constexpr std::size_t kObjectBytes = 2'000'000 / 8 / 30;
constexpr std::uint64_t kObjectsPerGroup = 60;

kinetic::wire::FullTrackName track() { return {{{"live", "bench"}}, "video"}; }

kinetic::moqt::Object make(std::uint64_t n) {
  kinetic::moqt::Object o;
  o.group_id = n / kObjectsPerGroup;
  o.object_id = n % kObjectsPerGroup;
  o.payload = kinetic::SharedBytes(std::vector<std::uint8_t>(kObjectBytes, 0x42));
  return o;
}

void BM_InsertWithEviction(benchmark::State& state) {
  // Budget of about 4 groups: steady state evicts one whole group every 60 inserts.
  RelayCache cache({.total_bytes = 8u << 20, .track_bytes = 2u << 20});
  std::vector<kinetic::moqt::Object> objects;
  for (std::uint64_t i = 0; i < 600; ++i) objects.push_back(make(i));
  std::uint64_t n = 0;
  for (auto _ : state) {
    auto o = objects[n % objects.size()];
    o.group_id = n / kObjectsPerGroup;
    o.object_id = n % kObjectsPerGroup;
    benchmark::DoNotOptimize(cache.insert(track(), o));
    ++n;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
  state.SetBytesProcessed(static_cast<std::int64_t>(n * kObjectBytes));
  state.counters["cache_bytes"] = static_cast<double>(cache.bytes());
}
BENCHMARK(BM_InsertWithEviction);

void BM_LateJoinLatestGroup(benchmark::State& state) {
  RelayCache cache({.total_bytes = 64u << 20, .track_bytes = 16u << 20});
  for (std::uint64_t i = 0; i < 4 * kObjectsPerGroup; ++i) (void)cache.insert(track(), make(i));
  const auto joiners = state.range(0);
  for (auto _ : state) {
    const auto* t = cache.find(track());
    for (std::int64_t j = 0; j < joiners; ++j) benchmark::DoNotOptimize(t->group(*t->latest_group()));
  }
  state.SetItemsProcessed(state.iterations() * joiners);
}
BENCHMARK(BM_LateJoinLatestGroup)->Arg(1)->Arg(10)->Arg(100)->Arg(500);

}  // namespace

BENCHMARK_MAIN();
