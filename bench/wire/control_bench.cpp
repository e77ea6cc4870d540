// Encode and decode rates of SUBSCRIBE and SUBSCRIBE_OK, the messages every viewer's
// join costs a relay, in both drafts.
#include <benchmark/benchmark.h>

#include "kinetic/wire/control_message.hpp"

namespace {

using namespace kinetic::wire;

ControlMessage subscribe(Version v) {
  Subscribe m;
  m.request_id = 1042;
  m.track = FullTrackName{TrackNamespace{{"live", "example.com", "room-17"}}, "video-1080p"};
  m.parameters.authorization_tokens = {AuthorizationToken::use_alias(3)};
  m.parameters.forward = true;
  m.parameters.subscriber_priority = 64;
  m.parameters.group_order = GroupOrder::kAscending;
  if (features(v).subscription_filter) {
    m.parameters.subscription_filter = SubscriptionFilter{FilterType::kNextGroupStart, {}, 0};
  } else {
    m.parameters.location_filter = LocationFilter{0, std::nullopt, std::nullopt, std::nullopt};
  }
  m.parameters.object_delivery_timeout = 2000;
  return m;
}

ControlMessage subscribe_ok(Version) {
  SubscribeOk m;
  m.track_alias = 77;
  m.parameters.expires = 600000;
  m.parameters.largest_object = Location{18231, 44};
  m.track_properties = {KeyValuePair::varint(0x0e, 128), KeyValuePair::varint(0x22, 1),
                        KeyValuePair::varint(0x30, 1)};
  return m;
}

using Maker = ControlMessage (*)(Version);

void encode(benchmark::State& state, Maker make, Version v) {
  const ControlMessage m = make(v);
  std::vector<std::uint8_t> out;
  out.reserve(256);
  for (auto _ : state) {
    out.clear();
    auto s = encode_control_message(v, m, out);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
  state.counters["wire_bytes"] = static_cast<double>(out.size());
}

void decode(benchmark::State& state, Maker make, Version v) {
  std::vector<std::uint8_t> bytes;
  if (!encode_control_message(v, make(v), bytes).ok()) {
    state.SkipWithError("encode failed");
    return;
  }
  for (auto _ : state) {
    auto r = decode_control_message(v, bytes);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
  state.counters["wire_bytes"] = static_cast<double>(bytes.size());
}

BENCHMARK_CAPTURE(encode, subscribe_d18, subscribe, Version::kDraft18);
BENCHMARK_CAPTURE(encode, subscribe_d20, subscribe, Version::kDraft20);
BENCHMARK_CAPTURE(decode, subscribe_d18, subscribe, Version::kDraft18);
BENCHMARK_CAPTURE(decode, subscribe_d20, subscribe, Version::kDraft20);
BENCHMARK_CAPTURE(encode, subscribe_ok_d18, subscribe_ok, Version::kDraft18);
BENCHMARK_CAPTURE(encode, subscribe_ok_d20, subscribe_ok, Version::kDraft20);
BENCHMARK_CAPTURE(decode, subscribe_ok_d18, subscribe_ok, Version::kDraft18);
BENCHMARK_CAPTURE(decode, subscribe_ok_d20, subscribe_ok, Version::kDraft20);

}  // namespace

BENCHMARK_MAIN();
