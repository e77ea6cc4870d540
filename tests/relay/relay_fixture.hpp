// Shared setup of the relay tests over the memory transport on simulated time: clients that
// connect to a relay, and a publisher of "live" that accepts every SUBSCRIBE and keeps it to
// write objects to. Parameterised by the draft (the link's protocol).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../moqt/moqt_fixture.hpp"
#include "kinetic/relay/relay.hpp"

namespace kinetic::relay::testing {

struct Client {
  std::shared_ptr<moqt::Session> session;
  std::unique_ptr<moqt::testing::RecordingSessionHandler> handler =
      std::make_unique<moqt::testing::RecordingSessionHandler>();
};

class RelayFixture : public ::testing::TestWithParam<std::string> {
 protected:
  explicit RelayFixture(std::uint64_t network_seed) : network{loop, network_seed} {}

  Client connect_to(Relay& r, transport::memory::LinkConfig link = {}) {
    using namespace std::chrono_literals;
    link.protocol = GetParam();
    auto pair = network.pair(link);
    Client c;
    c.session = moqt::Session::create(pair.client, moqt::testing::client_options(), c.handler.get());
    EXPECT_TRUE(r.accept(pair.server));
    EXPECT_TRUE(loop.run_until([&] { return c.handler->ready; }, 1s));
    return c;
  }

  // A publisher that announces "live" at `r` and accepts every SUBSCRIBE, keeping them to write to.
  Client publisher_at(Relay& r) {
    using namespace std::chrono_literals;
    auto p = connect_to(r);
    p.handler->on_sub = [this](moqt::ServedSubscription& s) {
      moqt::TrackInfo info;
      if (last_) info.largest = *last_;
      s.accept(info);
      upstream.push_back(s.shared_from_this());
    };
    announce = p.session->publish_namespace({{"live"}}, &announce_handler);
    EXPECT_TRUE(loop.run_until([&] { return announce_handler.ok; }, 1s));
    return p;
  }

  // Writes object `group`/`object` with `bytes` to every live subscription the publisher holds.
  void publish_bytes(std::uint64_t group, std::uint64_t object, const SharedBytes& bytes) {
    for (auto& s : upstream) {
      if (s->state() != moqt::RequestState::kActive) continue;
      if (object == 0 && group > 0) s->close_groups_before(group, false);
      auto* w = s->subgroup(group, 0);
      if (w == nullptr) w = s->open_subgroup({group, 0, moqt::kDefaultPriority, true, false});
      ASSERT_NE(w, nullptr);
      ASSERT_TRUE(w->write(object, bytes));
    }
    last_ = moqt::Location{group, object};
  }

  transport::memory::SimulatedLoop loop;
  transport::memory::MemoryNetwork network;
  std::vector<std::shared_ptr<moqt::ServedSubscription>> upstream;
  moqt::testing::RecordingRequest announce_handler;
  std::shared_ptr<moqt::OutgoingRequest> announce;
  std::optional<moqt::Location> last_;
};

}  // namespace kinetic::relay::testing
