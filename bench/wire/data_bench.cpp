// Data-plane codec rates for one subgroup (header + 1,000 objects of 1,200 bytes) and the
// same objects as a FETCH stream, with a memcpy of the same bytes as the in-run baseline.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "kinetic/wire/data_fetch.hpp"
#include "kinetic/wire/data_parser.hpp"
#include "kinetic/wire/data_subgroup.hpp"

namespace kinetic::wire {
namespace {

constexpr int kObjects = 1000;
constexpr std::size_t kPayload = 1200;

const std::vector<std::uint8_t>& payload() {
  static const std::vector<std::uint8_t> p(kPayload, 0x5A);
  return p;
}

SubgroupHeader header() {
  return SubgroupHeader{.track_alias = 3,
                        .group_id = 1234,
                        .id_mode = SubgroupIdMode::kExplicit,
                        .subgroup_id = 0,
                        .publisher_priority = 128};
}

std::vector<std::uint8_t> encoded_subgroup() {
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  write_subgroup_header(w, header());
  SubgroupObjectWriter ow(header());
  for (int i = 0; i < kObjects; ++i) {
    (void)ow.write_object(w, static_cast<std::uint64_t>(i), {}, ObjectStatus::kNormal, payload());
  }
  return out;
}

Version version_arg(std::int64_t arg) { return arg == 18 ? Version::kDraft18 : Version::kDraft20; }

void set_rates(benchmark::State& state, std::size_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(state.iterations() * kObjects);
}

// Baseline: copying the stream's bytes once.
void BM_Memcpy(benchmark::State& state) {
  const auto src = encoded_subgroup();
  std::vector<std::uint8_t> dst(src.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  set_rates(state, src.size());
}
BENCHMARK(BM_Memcpy);

// What a relay does: object heads only, payloads go out by writev from the cache.
void BM_SubgroupEncodeHeads(benchmark::State& state) {
  const std::size_t stream_bytes = encoded_subgroup().size();
  std::vector<std::uint8_t> out;
  out.reserve(16 * kObjects);
  for (auto _ : state) {
    out.clear();
    ByteWriter w(out);
    write_subgroup_header(w, header());
    SubgroupObjectWriter ow(header());
    for (int i = 0; i < kObjects; ++i) {
      (void)ow.write_object_head(w, static_cast<std::uint64_t>(i), {}, ObjectStatus::kNormal, kPayload);
    }
    benchmark::DoNotOptimize(out.data());
  }
  set_rates(state, stream_bytes);
}
BENCHMARK(BM_SubgroupEncodeHeads);

// Heads and payloads into one buffer (a publisher without writev).
void BM_SubgroupEncodeCopy(benchmark::State& state) {
  const std::size_t stream_bytes = encoded_subgroup().size();
  std::vector<std::uint8_t> out;
  out.reserve(stream_bytes);
  for (auto _ : state) {
    out.clear();
    ByteWriter w(out);
    write_subgroup_header(w, header());
    SubgroupObjectWriter ow(header());
    for (int i = 0; i < kObjects; ++i) {
      (void)ow.write_object(w, static_cast<std::uint64_t>(i), {}, ObjectStatus::kNormal, payload());
    }
    benchmark::DoNotOptimize(out.data());
  }
  set_rates(state, stream_bytes);
}
BENCHMARK(BM_SubgroupEncodeCopy);

// The whole stream in one buffer: every payload a slice.
void BM_SubgroupDecodeWhole(benchmark::State& state) {
  const SharedBytes stream(encoded_subgroup());
  const Version v = version_arg(state.range(0));
  for (auto _ : state) {
    auto d = decode_subgroup_stream(stream, v);
    benchmark::DoNotOptimize(d);
  }
  set_rates(state, stream.size());
}
BENCHMARK(BM_SubgroupDecodeWhole)->Arg(18)->Arg(20);

// The streaming parser fed in chunks of state.range(0) bytes (1,200: about one QUIC packet, so
// most payloads straddle two chunks and are gathered; 65,536: most are slices); range(1) is the
// draft.
void BM_SubgroupParserChunks(benchmark::State& state) {
  const auto bytes = encoded_subgroup();
  const auto chunk = static_cast<std::size_t>(state.range(0));
  const Version v = version_arg(state.range(1));
  std::vector<SharedBytes> chunks;
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    chunks.push_back(SharedBytes::copy(
        std::span<const std::uint8_t>(bytes).subspan(at, std::min(chunk, bytes.size() - at))));
  }
  for (auto _ : state) {
    SubgroupStreamParser p(v);
    Object o;
    std::size_t n = 0;
    for (const auto& c : chunks) {
      (void)p.feed(c);
      while (p.next(o)) ++n;
    }
    if (n != kObjects) state.SkipWithError("lost objects");
    benchmark::DoNotOptimize(n);
  }
  set_rates(state, bytes.size());
}
BENCHMARK(BM_SubgroupParserChunks)->Args({1200, 18})->Args({1200, 20})->Args({65536, 18})->Args({65536, 20});

std::vector<std::uint8_t> encoded_fetch(Version v) {
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  write_fetch_header(w, {1});
  FetchObjectWriter fw(v);
  for (int i = 0; i < kObjects; ++i) {
    FetchObjectHead h;
    h.group_id = static_cast<std::uint64_t>(i / 100);
    h.object_id = static_cast<std::uint64_t>(i % 100);
    h.publisher_priority = 128;
    (void)fw.write_object(w, h, payload());
  }
  return out;
}

void BM_FetchEncodeHeads(benchmark::State& state) {
  const Version v = version_arg(state.range(0));
  const std::size_t stream_bytes = encoded_fetch(v).size();
  std::vector<std::uint8_t> out;
  out.reserve(16 * kObjects);
  for (auto _ : state) {
    out.clear();
    ByteWriter w(out);
    write_fetch_header(w, {1});
    FetchObjectWriter fw(v);
    for (int i = 0; i < kObjects; ++i) {
      FetchObjectHead h;
      h.group_id = static_cast<std::uint64_t>(i / 100);
      h.object_id = static_cast<std::uint64_t>(i % 100);
      h.publisher_priority = 128;
      h.payload_length = kPayload;
      (void)fw.write_object_head(w, h);
    }
    benchmark::DoNotOptimize(out.data());
  }
  set_rates(state, stream_bytes);
}
BENCHMARK(BM_FetchEncodeHeads)->Arg(18)->Arg(20);

void BM_FetchDecodeWhole(benchmark::State& state) {
  const Version v = version_arg(state.range(0));
  const SharedBytes stream(encoded_fetch(v));
  for (auto _ : state) {
    auto d = decode_fetch_stream(stream, v);
    benchmark::DoNotOptimize(d);
  }
  set_rates(state, stream.size());
}
BENCHMARK(BM_FetchDecodeWhole)->Arg(18)->Arg(20);

}  // namespace
}  // namespace kinetic::wire

BENCHMARK_MAIN();
