// Shared setup of the tests of relays with several parents, over the memory transport on
// simulated time: the footprint origin ← {regional A, regional B} ← edge, parents added over
// links whose delay a test chooses (and may degrade), objects published as "group/object".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "relay_fixture.hpp"

namespace kinetic::relay::testing {

using namespace std::chrono_literals;

class RelayTreeFixture : public RelayFixture {
 protected:
  RelayTreeFixture() : RelayFixture(7) {}

  static RelayConfig quiet() {
    RelayConfig c;
    c.track_linger_ms = 0;
    return c;
  }

  // Adds `parent` as one more upstream of `child`, over a memory link with `one_way` delay each
  // way; the link's client end is kept in `links` so a test can degrade it.
  void add_parent(Relay& child, Relay& parent, transport::Duration one_way, std::string label,
                  std::vector<std::shared_ptr<transport::memory::MemorySession>>* links = nullptr) {
    child.add_upstream(
        [this, &parent, one_way, links](const moqt::SessionOptions& o, moqt::SessionHandler* h) {
          transport::memory::LinkConfig link;
          link.protocol = GetParam();
          link.to_server.delay = one_way;
          link.to_client.delay = one_way;
          auto pair = network.pair(link);
          if (links != nullptr) links->push_back(pair.client);
          auto s = moqt::Session::create(pair.client, o, h);
          parent.accept(pair.server);
          return s;
        },
        UpstreamPolicy{100ms, 1s, "/", {}}, std::move(label));
  }

  // Both regionals under `top` and the edge under both (A added first), 5 ms each way; true
  // once the edge has both parents up.
  bool wire_two_regionals(Relay& top) {
    add_parent(*regional_a, top, 5ms, "origin");
    add_parent(regional_b, top, 5ms, "origin");
    add_parent(edge, *regional_a, 5ms, "A");
    add_parent(edge, regional_b, 5ms, "B");
    return loop.run_until([&] {
      auto u = edge.upstreams();
      return u.size() == 2 && u[0].state == UpstreamState::kUp && u[1].state == UpstreamState::kUp;
    }, 1s);
  }

  // One object to every live subscription the publisher holds.
  void publish(std::uint64_t group, std::uint64_t object) {
    publish_bytes(group, object, SharedBytes::copy(std::to_string(group) + "/" + std::to_string(object)));
  }

  // Every object arrived once, in order.
  static void expect_each_once(const moqt::testing::RecordingSubscription& rec) {
    for (std::size_t i = 1; i < rec.objects.size(); ++i) {
      const moqt::Location prev{rec.objects[i - 1].group_id, rec.objects[i - 1].object_id};
      const moqt::Location cur{rec.objects[i].group_id, rec.objects[i].object_id};
      EXPECT_TRUE(prev < cur) << "object " << cur.group << "/" << cur.object << " after " << prev.group << "/"
                              << prev.object;
    }
  }

  RelayConfig config = quiet();
  RelayMetrics origin_m, a_m, b_m, edge_m;
  Relay origin{loop, config, origin_m};
  std::unique_ptr<Relay> regional_a = std::make_unique<Relay>(loop, config, a_m);
  Relay regional_b{loop, config, b_m};
  Relay edge{loop, config, edge_m};
};

}  // namespace kinetic::relay::testing
