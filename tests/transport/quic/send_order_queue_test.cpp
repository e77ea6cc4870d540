#include "kinetic/transport/quic/send_order_queue.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

namespace kinetic::transport::quic {
namespace {

struct Item {
  int id = 0;
  SendOrderLink<Item> link;
};
using Queue = SendOrderQueue<Item, &Item::link>;

// Takes everything out front first, as the session's flush does.
std::vector<int> drain(Queue& q) {
  std::vector<int> out;
  while (Item* i = q.front()) {
    out.push_back(i->id);
    q.erase(*i);
  }
  return out;
}

TEST(SendOrderQueue, LowestOrderFirstAndArrivalOrderWithinAnOrder) {
  std::array<Item, 5> items{Item{0, {}}, Item{1, {}}, Item{2, {}}, Item{3, {}}, Item{4, {}}};
  Queue q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.front(), nullptr);
  q.push_back(items[0], 7);
  q.push_back(items[1], 3);
  q.push_back(items[2], 7);
  q.push_back(items[3], 1);
  q.push_back(items[4], 3);
  EXPECT_EQ(drain(q), (std::vector<int>{3, 1, 4, 0, 2}));
  EXPECT_TRUE(q.empty());
  for (const auto& i : items) EXPECT_FALSE(i.link.queued);
}

TEST(SendOrderQueue, PushingAQueuedItemAgainKeepsItsPlace) {
  std::array<Item, 2> items{Item{0, {}}, Item{1, {}}};
  Queue q;
  q.push_back(items[0], 5);
  q.push_back(items[1], 5);
  q.push_back(items[0], 5);
  EXPECT_EQ(drain(q), (std::vector<int>{0, 1}));
}

TEST(SendOrderQueue, RotateSendsAnItemBehindItsEqualsOnly) {
  std::array<Item, 4> items{Item{0, {}}, Item{1, {}}, Item{2, {}}, Item{3, {}}};
  Queue q;
  q.push_back(items[0], 2);
  q.push_back(items[1], 2);
  q.push_back(items[2], 2);
  q.push_back(items[3], 9);
  q.rotate(items[0]);
  EXPECT_EQ(q.front(), &items[1]);
  q.rotate(items[0]);  // already last of its order: stays
  q.rotate(items[3]);  // alone in its order: stays
  EXPECT_EQ(drain(q), (std::vector<int>{1, 2, 0, 3}));
  q.rotate(items[0]);  // not queued: nothing happens
  EXPECT_TRUE(q.empty());
}

TEST(SendOrderQueue, ErasingFromTheMiddleAndClearingUnlinkEveryItem) {
  std::array<Item, 4> items{Item{0, {}}, Item{1, {}}, Item{2, {}}, Item{3, {}}};
  Queue q;
  for (auto& i : items) q.push_back(i, 4);
  q.erase(items[1]);
  q.erase(items[1]);  // twice is harmless
  EXPECT_FALSE(items[1].link.queued);
  q.erase(items[3]);
  q.push_back(items[1], 4);
  EXPECT_EQ(drain(q), (std::vector<int>{0, 2, 1}));

  for (auto& i : items) q.push_back(i, static_cast<std::uint64_t>(i.id % 2));
  q.clear();
  EXPECT_TRUE(q.empty());
  for (const auto& i : items) {
    EXPECT_FALSE(i.link.queued);
    EXPECT_EQ(i.link.next, nullptr);
    EXPECT_EQ(i.link.prev, nullptr);
  }
  q.push_back(items[2], 1);
  EXPECT_EQ(drain(q), (std::vector<int>{2}));
}

// Random pushes, erasures and rotations against a plain model: orders ascending, and within
// an order the sequence of pushes with rotated items moved last.
TEST(SendOrderQueue, AgreesWithASimpleModelUnderRandomOperations) {
  std::mt19937 rng(20261205);
  std::array<Item, 24> items{};
  for (int i = 0; i < 24; ++i) items[static_cast<std::size_t>(i)].id = i;
  Queue q;
  std::vector<std::pair<std::uint64_t, int>> model;  // (order, id) in send sequence within orders
  auto model_erase = [&](int id) { std::erase_if(model, [id](const auto& e) { return e.second == id; }); };
  for (int step = 0; step < 5000; ++step) {
    Item& it = items[rng() % items.size()];
    switch (rng() % 4) {
      case 0:
      case 1:
        if (!it.link.queued) {
          const std::uint64_t order = rng() % 5;
          q.push_back(it, order);
          model.emplace_back(order, it.id);
        }
        break;
      case 2:
        q.erase(it);
        model_erase(it.id);
        break;
      case 3:
        if (it.link.queued) {
          const std::uint64_t order = it.link.order;
          q.rotate(it);
          model_erase(it.id);
          model.emplace_back(order, it.id);
        }
        break;
    }
    std::stable_sort(model.begin(), model.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    ASSERT_EQ(q.empty(), model.empty());
    if (!model.empty()) {
      ASSERT_EQ(q.front()->id, model.front().second) << "step " << step;
    }
  }
  std::vector<int> expected;
  for (const auto& e : model) expected.push_back(e.second);
  EXPECT_EQ(drain(q), expected);
}

}  // namespace
}  // namespace kinetic::transport::quic
