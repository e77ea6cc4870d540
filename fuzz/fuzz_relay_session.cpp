// A whole relay over the memory transport on simulated time, against a peer that does what the
// input says: raw bytes and well-formed messages on control, request and data streams, FINs,
// resets, STOP_SENDING, datagrams, closes and reconnects, with time passing in between. Single
// parsers have their own targets; this one is for what only sequences reach (a message that
// arrives with its stream's FIN, a stream reset mid-message, a session gone while its requests
// are still being answered), where use-after-free bugs were found by hand before.
//
// The property checked after every input: the attack left the relay sound. An honest publisher
// of fuzz/t keeps its session, a fresh subscriber gets fuzz/t's objects in time, and once that
// subscriber and the attackers have closed, the relay holds no request open at the publisher and
// no session, track or passed-on interest of theirs.
#include <fuzzer/FuzzedDataProvider.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kinetic/moqt/session.hpp"
#include "kinetic/relay/relay.hpp"
#include "kinetic/transport/memory/memory_network.hpp"
#include "kinetic/transport/memory/simulated_loop.hpp"
#include "kinetic/wire/byte_writer.hpp"
#include "kinetic/wire/control_message.hpp"
#include "kinetic/wire/data_subgroup.hpp"
#include "kinetic/wire/version.hpp"

namespace {

using namespace std::chrono_literals;
using namespace kinetic;

const std::string kAddress = "mem:relay";
const moqt::FullTrackName kTrack{{{"fuzz"}}, "t"};

// Bounds that keep one input to a few milliseconds of CPU, so that CI's 12 s still run over a thousand.
constexpr int kMaxActions = 64;
constexpr std::size_t kMaxChunk = 512;
constexpr std::size_t kMaxStreams = 64;
constexpr std::size_t kMaxAttackers = 4;

// Publishes one object every 10 ms, five to a group, on every subscription to kTrack.
struct Publisher : moqt::SessionHandler {
  explicit Publisher(transport::EventLoop& l) : loop(l) {}
  void on_ready(moqt::Session&) override { ready = true; }
  void on_closed(moqt::Session&, std::uint64_t c, std::string_view r) override {
    closed = true;
    code = c;
    reason = std::string(r);
  }
  void on_subscribe(moqt::Session& s, std::shared_ptr<moqt::ServedSubscription> sub) override {
    if (sub->track() != kTrack) {
      moqt::SessionHandler::on_subscribe(s, sub);
      return;
    }
    // New objects only: the relay's subscription starts where the publisher is now.
    sub->accept(moqt::TrackInfo{});
    subs.push_back(std::move(sub));
  }
  void tick() {
    const std::uint64_t group = next / 5, object = next % 5;
    ++next;
    std::erase_if(subs, [](const auto& s) {
      return s->state() == moqt::RequestState::kDone || s->state() == moqt::RequestState::kFailed;
    });
    for (auto& sub : subs) {
      if (!sub->sending()) continue;
      auto* w = sub->subgroup(group, 0);
      if (w == nullptr || !w->open()) w = sub->open_subgroup({group, 0});
      if (w == nullptr) continue;
      w->write(object, SharedBytes::copy("object " + std::to_string(next)));
      if (object == 4) w->finish();
    }
    loop.schedule_after(10ms, [this] { tick(); });
  }
  transport::EventLoop& loop;
  std::vector<std::shared_ptr<moqt::ServedSubscription>> subs;
  std::uint64_t next = 0;
  bool ready = false;
  bool closed = false;
  std::uint64_t code = 0;
  std::string reason;
};

struct Announce : moqt::RequestHandler {
  void on_ok(moqt::OutgoingRequest&, const moqt::TrackInfo&) override { ok = true; }
  void on_error(moqt::OutgoingRequest&, const moqt::RequestErrorInfo&) override { failed = true; }
  bool ok = false;
  bool failed = false;
};

struct Subscriber : moqt::SessionHandler, moqt::SubscriptionHandler {
  void on_ready(moqt::Session&) override { ready = true; }
  void on_closed(moqt::Session&, std::uint64_t c, std::string_view r) override {
    closed = true;
    code = c;
    reason = std::string(r);
  }
  void on_ok(moqt::Subscription&, const moqt::TrackInfo&) override { ok = true; }
  void on_error(moqt::Subscription&, const moqt::RequestErrorInfo& e) override {
    error = e.code;
    error_reason = e.reason;
  }
  void on_object(moqt::Subscription&, const moqt::Object&) override { ++objects; }
  void on_done(moqt::Subscription&, std::uint64_t status, std::string_view) override { done = status; }
  bool ready = false;
  bool closed = false;
  bool ok = false;
  std::uint64_t code = 0;
  std::string reason;
  std::optional<std::uint64_t> error;
  std::string error_reason;
  std::optional<std::uint64_t> done;
  std::size_t objects = 0;
};

// A stream of the attacker's (opened by it or by the relay). Usable until the transport says it
// is released; what the relay sends on it is dropped.
struct AttackStream : transport::StreamHandler {
  explicit AttackStream(transport::Stream& s) : stream(&s) {}
  void on_data(transport::Stream&, std::span<const std::uint8_t>, bool) override {}
  void on_closed(transport::Stream&) override { stream = nullptr; }
  transport::Stream* stream;
};

// One raw session of the attacker's: it speaks MoQT only as far as the input does.
struct Attacker : transport::SessionHandler {
  void on_ready(transport::Session&) override { ready = true; }
  void on_incoming_stream(transport::Session&, transport::Stream& s) override { adopt(s); }
  void on_closed(transport::Session&, const transport::CloseInfo&) override { closed = true; }
  AttackStream* adopt(transport::Stream& s) {
    if (streams.size() >= kMaxStreams) {
      s.set_handler(&sink);
      return nullptr;
    }
    streams.push_back(std::make_unique<AttackStream>(s));
    s.set_handler(streams.back().get());
    return streams.back().get();
  }
  transport::Stream* open(bool bidi) {
    if (session == nullptr || streams.size() >= kMaxStreams) return nullptr;
    auto* s = bidi ? session->open_bidi() : session->open_uni();
    if (s == nullptr) return nullptr;
    adopt(*s);
    return s;
  }
  // A live stream picked by the input, or nullptr.
  transport::Stream* pick(FuzzedDataProvider& in) {
    if (streams.empty()) return nullptr;
    return streams[in.ConsumeIntegralInRange<std::size_t>(0, streams.size() - 1)]->stream;
  }
  // The first uni stream the attacker opened: where the relay looks for SETUP.
  transport::Stream* control() {
    if (control_stream != nullptr) return control_stream->stream;
    if (open(false) == nullptr) return nullptr;
    control_stream = streams.back().get();
    return control_stream->stream;
  }
  // The session goes away without a close, as when its process dies.
  void drop() {
    for (auto& s : streams) s->stream = nullptr;
    session.reset();
  }

  wire::Version version = wire::Version::kDraft20;
  std::vector<std::unique_ptr<AttackStream>> streams;
  AttackStream* control_stream = nullptr;
  struct Sink : transport::StreamHandler {
    void on_data(transport::Stream&, std::span<const std::uint8_t>, bool) override {}
  } sink;
  std::uint64_t next_request_id = 0;
  bool ready = false;
  bool closed = false;
  // Last, so that it goes before the handlers its streams hold.
  std::shared_ptr<transport::memory::MemorySession> session;
};

std::vector<std::uint8_t> chunk(FuzzedDataProvider& in) {
  return in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, kMaxChunk));
}

// Names from a small set, so that requests meet each other and the honest track: the relay's
// own namespace and an empty one are in it on purpose.
wire::TrackNamespace pick_namespace(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 6)) {
    case 0:
      return {{"fuzz"}};
    case 1:
      return {{"fuzz", "x"}};
    case 2:
      return {{"other"}};
    case 3:
      return {{".kinetic", "relay"}};
    case 4:
      return {};
    case 5:
      return {{"fuzz", "t"}};
    default:
      return {{in.ConsumeRandomLengthString(16)}};
  }
}
wire::FullTrackName pick_track(FuzzedDataProvider& in) {
  wire::FullTrackName t;
  t.track_namespace = pick_namespace(in);
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      t.name = "t";
      break;
    case 1:
      t.name = "hops";
      break;
    case 2:
      t.name = "u";
      break;
    default:
      t.name = in.ConsumeRandomLengthString(16);
      break;
  }
  return t;
}

std::uint64_t small(FuzzedDataProvider& in) {
  // Mostly small values, where the relay's bookkeeping lives, sometimes the varint's extremes.
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return in.ConsumeIntegralInRange<std::uint64_t>(0, 3);
    case 1:
      return in.ConsumeIntegralInRange<std::uint64_t>(0, 100);
    case 2:
      return (std::uint64_t{1} << 62) - 1 - in.ConsumeIntegralInRange<std::uint64_t>(0, 2);
    default:
      return in.ConsumeIntegral<std::uint32_t>();
  }
}

wire::MessageParameters pick_parameters(FuzzedDataProvider& in, wire::Version v) {
  wire::MessageParameters p;
  const auto present = in.ConsumeIntegral<std::uint8_t>();
  if (present & 0x01) p.forward = in.ConsumeBool();
  if (present & 0x02) p.subscriber_priority = in.ConsumeIntegral<std::uint8_t>();
  if (present & 0x04)
    p.group_order = in.ConsumeBool() ? wire::GroupOrder::kAscending : wire::GroupOrder::kDescending;
  if (present & 0x08) {
    if (wire::features(v).location_filter) {
      wire::LocationFilter f;
      const int fields = in.ConsumeIntegralInRange<int>(0, 4);
      if (fields > 0) f.start_group = small(in);
      if (fields > 1) f.start_object = small(in);
      if (fields > 2) f.end_group_delta = small(in);
      if (fields > 3) f.end_object = small(in);
      p.location_filter = f;
    } else {
      wire::SubscriptionFilter f;
      f.type = static_cast<wire::FilterType>(in.ConsumeIntegralInRange<int>(1, 4));
      f.start = {small(in), small(in)};
      f.end_group_delta = small(in);
      p.subscription_filter = f;
    }
  }
  if (present & 0x10) p.new_group_request = small(in);
  if (present & 0x20) p.object_delivery_timeout = small(in);
  if (present & 0x40) p.largest_object = wire::Location{small(in), small(in)};
  if (present & 0x80) p.expires = small(in);
  return p;
}

// A well-formed control message built from the input: odd in what it asks, never in its bytes.
wire::ControlMessage pick_message(FuzzedDataProvider& in, Attacker& a) {
  const auto v = a.version;
  // Mostly the next request ID a client would use, sometimes any small one (reused, odd, ahead).
  std::uint64_t rid = a.next_request_id;
  if (in.ConsumeBool()) {
    rid = small(in);
  } else {
    a.next_request_id += 2;
  }
  wire::ControlMessage m;
  switch (in.ConsumeIntegralInRange<int>(0, 15)) {
    case 0:
      m = wire::Subscribe{rid, pick_track(in), pick_parameters(in, v)};
      break;
    case 1: {
      wire::Fetch f;
      f.request_id = rid;
      const int type = in.ConsumeIntegralInRange<int>(1, 3);
      f.fetch_type = static_cast<wire::FetchType>(type);
      const bool body_locations = wire::features(v).fetch_locations_in_body;
      if (type == 1) {
        f.standalone.track = pick_track(in);
        if (body_locations) {
          f.standalone.start = wire::Location{small(in), small(in)};
          f.standalone.end = wire::Location{small(in), small(in)};
        }
      } else {
        f.joining.joining_request_id = small(in);
        if (body_locations) f.joining.joining_start = small(in);
      }
      f.parameters = pick_parameters(in, v);
      m = f;
      break;
    }
    case 2:
      m = wire::PublishNamespace{rid, pick_namespace(in), pick_parameters(in, v)};
      break;
    case 3:
      m = wire::SubscribeNamespace{rid, pick_namespace(in), pick_parameters(in, v)};
      break;
    case 4:
      m = wire::SubscribeTracks{rid, pick_namespace(in), pick_parameters(in, v)};
      break;
    case 5:
      m = wire::TrackStatus{rid, pick_track(in), pick_parameters(in, v)};
      break;
    case 6:
      m = wire::RequestUpdate{rid, pick_parameters(in, v)};
      break;
    case 7: {
      wire::Goaway g;
      g.new_session_uri = in.ConsumeBool() ? "" : "moqt://elsewhere:4443/";
      g.timeout = small(in);
      if (wire::features(v).goaway_request_id) g.request_id = rid;
      m = g;
      break;
    }
    case 8:
      m = wire::Publish{rid, pick_track(in), small(in), pick_parameters(in, v), {}};
      break;
    case 9:
      m = wire::RequestOk{pick_parameters(in, v), {}};
      break;
    case 10: {
      wire::RequestError e;
      e.error_code = small(in);
      e.retry_interval = small(in);
      e.reason = in.ConsumeRandomLengthString(16);
      m = e;
      break;
    }
    case 11:
      m = wire::PublishDone{small(in), small(in), in.ConsumeRandomLengthString(16)};
      break;
    case 12:
      m = wire::SubscribeOk{small(in), pick_parameters(in, v), {}};
      break;
    case 13:
      m = wire::Namespace{pick_namespace(in)};
      break;
    case 14:
      m = wire::NamespaceDone{pick_namespace(in)};
      break;
    default: {
      wire::Setup s;
      s.options.path = "/";
      m = s;
      break;
    }
  }
  return m;
}

std::optional<std::vector<std::uint8_t>> encode(wire::Version v, wire::ControlMessage m) {
  std::vector<std::uint8_t> out;
  if (wire::encode_control_message(v, m, out).ok()) return out;
  // A parameter the message may not carry in this draft: the message without any.
  std::visit(
      [](auto& msg) {
        if constexpr (requires { msg.parameters; }) msg.parameters = {};
      },
      m);
  out.clear();
  if (wire::encode_control_message(v, m, out).ok()) return out;
  return std::nullopt;
}

// A subgroup stream as a publisher would open it, for whatever alias the input names.
std::vector<std::uint8_t> pick_subgroup(FuzzedDataProvider& in) {
  std::vector<std::uint8_t> out;
  wire::ByteWriter w(out);
  wire::SubgroupHeader h;
  h.track_alias = small(in);
  h.group_id = small(in);
  h.subgroup_id = in.ConsumeIntegralInRange<std::uint64_t>(0, 3);
  h.end_of_group = in.ConsumeBool();
  wire::write_subgroup_header(w, h);
  wire::SubgroupObjectWriter objects(h);
  const int n = in.ConsumeIntegralInRange<int>(0, 4);
  std::uint64_t id = 0;
  for (int i = 0; i < n; ++i) {
    id += in.ConsumeIntegralInRange<std::uint64_t>(0, 3);
    const auto payload = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 64));
    (void)objects.write_object(w, id, {}, wire::ObjectStatus::kNormal, payload);
    ++id;
  }
  return out;
}

void write(transport::Stream* s, std::span<const std::uint8_t> bytes, bool fin) {
  if (s != nullptr) s->write(bytes, fin);
}

struct World {
  World() {
    config.cache_bytes = 64u << 10;
    config.track_cache_bytes = 16u << 10;
    config.subscriber_queue_bytes = 8u << 10;
    config.max_requests = 32;
    config.max_tracks = 16;
    config.track_linger_ms = 100;
  }

  std::shared_ptr<transport::memory::MemorySession> dial(wire::Version v,
                                                         transport::SessionHandler* handler) {
    transport::memory::LinkConfig link;
    link.protocol = std::string(wire::alpn(v));
    // Above max_requests, so that a flood reaches the relay's own limit.
    link.max_bidi_streams = 48;
    link.max_uni_streams = 48;
    auto s = network.connect(kAddress, link);
    s->set_handler(handler);
    return s;
  }

  void attack(wire::Version v, bool setup) {
    if (attackers.size() >= kMaxAttackers) return;
    auto a = std::make_unique<Attacker>();
    a->version = v;
    a->session = dial(v, a.get());
    loop.run_until([&] { return a->ready || a->closed; }, 200ms);
    if (setup) {
      wire::Setup s;
      s.options.path = "/";
      s.options.moqt_implementation = "fuzz";
      std::vector<std::uint8_t> bytes;
      if (wire::encode_control_message(v, s, bytes).ok()) write(a->control(), bytes, false);
    }
    attackers.push_back(std::move(a));
  }

  // Declared in the order that lets every session go before what it calls back into.
  transport::memory::SimulatedLoop loop;
  transport::memory::MemoryNetwork network{loop, 1};
  relay::RelayConfig config;
  relay::RelayMetrics metrics;
  std::unique_ptr<relay::Relay> relay;
  std::unique_ptr<transport::memory::MemoryServer> server;
  Publisher publisher{loop};
  Announce announce;
  Subscriber subscriber;
  std::vector<std::unique_ptr<Attacker>> attackers;
  std::shared_ptr<moqt::Session> publisher_session;
  std::shared_ptr<moqt::OutgoingRequest> announcement;
  std::shared_ptr<moqt::Session> subscriber_session;
  std::shared_ptr<moqt::Subscription> subscription;
};

[[noreturn]] void unhealthy(const World& w, const char* what) {
  std::fprintf(
      stderr,
      "relay unhealthy after the attack: %s\n"
      "  publisher: ready=%d closed=%d code=%llu reason='%s' announce ok=%d failed=%d, %zu subscriptions\n"
      "  subscriber: ready=%d closed=%d code=%llu reason='%s' ok=%d error=%lld '%s' done=%lld objects=%zu\n"
      "  relay: %zu sessions, %zu tracks\n",
      what, w.publisher.ready, w.publisher.closed, static_cast<unsigned long long>(w.publisher.code),
      w.publisher.reason.c_str(), w.announce.ok, w.announce.failed, w.publisher.subs.size(),
      w.subscriber.ready, w.subscriber.closed, static_cast<unsigned long long>(w.subscriber.code),
      w.subscriber.reason.c_str(), w.subscriber.ok,
      w.subscriber.error ? static_cast<long long>(*w.subscriber.error) : -1LL,
      w.subscriber.error_reason.c_str(),
      w.subscriber.done ? static_cast<long long>(*w.subscriber.done) : -1LL, w.subscriber.objects,
      w.relay ? w.relay->session_count() : 0, w.relay ? w.relay->track_count() : 0);
  std::abort();
}

moqt::SessionOptions client_options() {
  moqt::SessionOptions o;
  o.perspective = moqt::Perspective::kClient;
  o.path = "/";
  return o;
}

void run_one(FuzzedDataProvider& in) {
  World w;
  w.relay = std::make_unique<relay::Relay>(w.loop, w.config, w.metrics);
  w.server = w.network.listen(
      kAddress, [&w](transport::SessionPtr s) { w.relay->accept(std::move(s)); }, wire::supported_alpns());

  const auto shape = in.ConsumeIntegral<std::uint8_t>();
  const auto attacker_version = wire::kSupportedVersions[shape & 3];
  const auto honest_version = wire::kSupportedVersions[(shape >> 2) & 3];
  const bool setup_first = (shape & 0x10) == 0;

  w.publisher_session =
      moqt::Session::create(w.dial(honest_version, nullptr), client_options(), &w.publisher);
  w.announcement = w.publisher_session->publish_namespace(kTrack.track_namespace, &w.announce);
  if (!w.loop.run_until([&] { return w.announce.ok || w.announce.failed || w.publisher.closed; }, 1s) ||
      !w.announce.ok) {
    unhealthy(w, "the publisher could not announce before any attack");
  }
  w.publisher.tick();

  w.attack(attacker_version, setup_first);
  for (int i = 0; i < kMaxActions && in.remaining_bytes() > 0; ++i) {
    auto& a = *w.attackers.back();
    switch (in.ConsumeIntegralInRange<int>(0, 13)) {
      case 0:
        write(a.control(), chunk(in), false);
        break;
      case 1: {
        auto bytes = chunk(in);
        write(a.open(true), bytes, in.ConsumeBool());
        break;
      }
      case 2: {
        auto bytes = chunk(in);
        write(a.open(false), bytes, in.ConsumeBool());
        break;
      }
      case 3: {
        auto* s = a.pick(in);
        auto bytes = chunk(in);
        write(s, bytes, in.ConsumeBool());
        break;
      }
      case 4:
        if (auto* s = a.pick(in)) s->finish();
        break;
      case 5:
        if (auto* s = a.pick(in)) s->reset(small(in));
        break;
      case 6:
        if (auto* s = a.pick(in)) s->stop_sending(small(in));
        break;
      case 7:
        if (a.session) {
          auto bytes = chunk(in);
          a.session->send_datagram(bytes);
        }
        break;
      case 8:
        w.loop.run_for(std::chrono::milliseconds(in.ConsumeIntegralInRange<int>(0, 200)));
        break;
      case 9: {
        // A well-formed message, mostly as a new request, else wherever the input says.
        auto msg = encode(a.version, pick_message(in, a));
        if (!msg) break;
        const auto where = in.ConsumeIntegralInRange<int>(0, 3);
        transport::Stream* s = where <= 1 ? a.open(true) : where == 2 ? a.control() : a.pick(in);
        write(s, *msg, in.ConsumeBool());
        break;
      }
      case 10: {
        auto bytes = pick_subgroup(in);
        write(a.open(false), bytes, in.ConsumeBool());
        break;
      }
      case 11:
        if (a.session) a.session->close(small(in), "fuzz");
        break;
      case 12:
        if (in.ConsumeBool()) {
          a.drop();
        } else {
          w.attack(wire::kSupportedVersions[in.ConsumeIntegralInRange<std::size_t>(0, 3)], in.ConsumeBool());
        }
        break;
      default: {
        // A flood: one request many times over under fresh request IDs, more than the relay
        // lets a session keep open.
        auto m = pick_message(in, a);
        const int n = in.ConsumeIntegralInRange<int>(1, 40);
        for (int k = 0; k < n; ++k) {
          std::visit(
              [&](auto& msg) {
                if constexpr (requires { msg.request_id; }) msg.request_id = a.next_request_id;
              },
              m);
          a.next_request_id += 2;
          if (auto msg = encode(a.version, m)) write(a.open(true), *msg, false);
        }
        break;
      }
    }
  }
  w.loop.run_for(500ms);

  // The attacker leaves before the check: what it announced or pushed itself (a PUBLISH of
  // fuzz/t it never feeds) may rightly stand between a subscriber and the publisher while it
  // is there. Closing or vanishing also runs the relay's cleanup over whatever it built.
  for (auto& a : w.attackers) {
    if (!a->session) continue;
    if (shape & 0x20) {
      a->drop();
    } else {
      a->session->close(0, "done");
    }
  }
  w.loop.run_for(100ms);

  if (w.publisher.closed) unhealthy(w, "the attack closed the honest publisher's session");
  w.subscriber_session =
      moqt::Session::create(w.dial(honest_version, nullptr), client_options(), &w.subscriber);
  if (!w.loop.run_until([&] { return w.subscriber.ready || w.subscriber.closed; }, 1s) ||
      !w.subscriber.ready) {
    unhealthy(w, "a new subscriber could not set up a session");
  }
  w.subscription = w.subscriber_session->subscribe(kTrack, {}, &w.subscriber);
  if (!w.loop.run_until([&] { return w.subscriber.objects > 0 || w.subscriber.error || w.subscriber.closed; },
                        2s) ||
      w.subscriber.objects == 0) {
    unhealthy(w, "a new subscriber got no object of the honest track within 2 s");
  }
  if (w.publisher.closed) unhealthy(w, "the honest publisher's session closed");

  // With everyone but the publisher gone, every request the relay made of it has ended (the
  // track's subscription after its linger, proxied TRACK_STATUS and FETCH, passed-on interest):
  // its session holds its own announcement and nothing else. Peers that vanished without a
  // close are only noticed at their idle timeout, so the check waits for closed ones only.
  if ((shape & 0x20) == 0) {
    w.subscription->unsubscribe();
    w.subscriber_session->close(0, "done");
    w.loop.run_for(500ms);
    if (w.publisher.closed) unhealthy(w, "the honest publisher's session closed once alone");
    if (w.publisher_session->tracked_requests() > 1) {
      std::fprintf(stderr, "publisher's session still tracks %zu requests\n",
                   w.publisher_session->tracked_requests());
      unhealthy(w, "the relay left requests open at the publisher after everyone else left");
    }
    if (w.relay->session_count() != 1 || w.relay->track_count() != 0 ||
        w.relay->forwarded_interest_count() != 0) {
      std::fprintf(stderr, "relay holds %zu sessions, %zu tracks, %zu forwarded interests\n",
                   w.relay->session_count(), w.relay->track_count(), w.relay->forwarded_interest_count());
      unhealthy(w, "the relay kept state of peers that left");
    }
  }

  // Sessions first (their destructors schedule closes on the loop), then the relay, then the loop.
  w.subscription.reset();
  w.subscriber_session.reset();
  w.announcement.reset();
  w.publisher_session.reset();
  for (auto& a : w.attackers) a->drop();
  w.relay->close_all("end of input");
  w.relay.reset();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // One input here runs a whole relay's worth of code, and libFuzzer's entropic schedule spends
  // several times the run itself on its per-feature bookkeeping: off unless the command line
  // says otherwise (libFuzzer reads its flags after this returns).
  static std::vector<char*> args;
  static char no_entropic[] = "-entropic=0";
  bool given = false;
  for (int i = 0; i < *argc; ++i) given = given || std::string_view((*argv)[i]).starts_with("-entropic=");
  if (!given) {
    args.assign(*argv, *argv + *argc);
    args.push_back(no_entropic);
    args.push_back(nullptr);
    *argv = args.data();
    ++*argc;
  }
  // Silent while fuzzing; KINETIC_FUZZ_LOG=debug shows what the relay made of one input.
  const char* level = std::getenv("KINETIC_FUZZ_LOG");
  spdlog::set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  run_one(in);
  return 0;
}
