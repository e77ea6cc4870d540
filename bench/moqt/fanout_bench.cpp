// The relay's hot path without a network: one cached object written to many subscribers'
// subgroup streams. Only the object head is encoded per subscriber; the payload is shared.
#include <benchmark/benchmark.h>

#include <vector>

#include "kinetic/moqt/data_reader.hpp"
#include "kinetic/moqt/subgroup_writer.hpp"

namespace {

using namespace kinetic;

// Counts bytes like a transport that has sent everything at once.
class NullStream final : public transport::Stream {
 public:
  [[nodiscard]] transport::StreamId id() const override { return 3; }
  [[nodiscard]] bool bidirectional() const override { return false; }
  [[nodiscard]] bool locally_opened() const override { return true; }
  void set_handler(transport::StreamHandler*) override {}
  void write(std::span<const std::uint8_t> data, bool) override { bytes += data.size(); }
  void write(kinetic::SharedBytes data, bool) override { bytes += data.size(); }
  void finish() override {}
  [[nodiscard]] std::size_t queued_bytes() const override { return 0; }
  void set_send_order(std::uint64_t) override {}
  void reset(transport::ErrorCode) override {}
  void stop_sending(transport::ErrorCode) override {}
  std::size_t bytes = 0;
};

void BM_FanOutObject(benchmark::State& state) {
  const auto subscribers = static_cast<std::size_t>(state.range(0));
  const auto payload = kinetic::SharedBytes(std::vector<std::uint8_t>(static_cast<std::size_t>(state.range(1)), 7));
  std::vector<NullStream> streams(subscribers);
  std::vector<std::unique_ptr<moqt::SubgroupWriter>> writers;
  for (std::size_t i = 0; i < subscribers; ++i) {
    writers.push_back(std::make_unique<moqt::SubgroupWriter>(wire::Version::kDraft20, streams[i], i, moqt::SubgroupSpec{1, 0}));
  }
  std::uint64_t object = 0;
  for (auto _ : state) {
    for (auto& w : writers) w->write(object, payload);
    ++object;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * subscribers));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * subscribers * payload.size()));
}
BENCHMARK(BM_FanOutObject)->Args({1, 1200})->Args({100, 1200})->Args({1000, 1200})->Args({100, 64 * 1024});

void BM_ReadSubgroupStream(benchmark::State& state) {
  struct Capture final : transport::Stream {
    [[nodiscard]] transport::StreamId id() const override { return 3; }
    [[nodiscard]] bool bidirectional() const override { return false; }
    [[nodiscard]] bool locally_opened() const override { return true; }
    void set_handler(transport::StreamHandler*) override {}
    void write(std::span<const std::uint8_t> d, bool) override { bytes.insert(bytes.end(), d.begin(), d.end()); }
    void write(kinetic::SharedBytes d, bool) override { write(d.span(), false); }
    void finish() override {}
    [[nodiscard]] std::size_t queued_bytes() const override { return 0; }
    void set_send_order(std::uint64_t) override {}
    void reset(transport::ErrorCode) override {}
    void stop_sending(transport::ErrorCode) override {}
    std::vector<std::uint8_t> bytes;
  } capture;
  {
    moqt::SubgroupWriter w(wire::Version::kDraft20, capture, 1, {1, 0});
    const auto payload = kinetic::SharedBytes(std::vector<std::uint8_t>(1200, 7));
    for (std::uint64_t o = 0; o < 100; ++o) w.write(o, payload);
    w.finish();
  }
  const kinetic::SharedBytes stream(capture.bytes);
  for (auto _ : state) {
    moqt::DataStreamReader r(wire::Version::kDraft20, 1 << 20);
    r.feed(stream);
    moqt::Object o;
    int n = 0;
    while (r.next(o)) ++n;
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 100));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_ReadSubgroupStream);

}  // namespace
