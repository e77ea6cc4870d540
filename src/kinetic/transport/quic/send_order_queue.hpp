#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace kinetic::transport::quic {

// Where an item sits in a SendOrderQueue; the item holds it, so queueing allocates nothing.
template <class T>
struct SendOrderLink {
  T* prev = nullptr;
  T* next = nullptr;
  std::uint64_t order = 0;
  bool queued = false;
};

// Items with something to send, lowest order first, round-robin among equal orders. A fan-out
// wakes every subscriber's stream once per object and each drains within the flush: a map of
// lists cost a list node and often a map node per wake-up, allocated and freed every time.
// Orders are few at a time (one per group in flight), so a sorted vector finds them.
template <class T, SendOrderLink<T> T::*kLink>
class SendOrderQueue {
 public:
  [[nodiscard]] bool empty() const noexcept { return buckets_.empty(); }
  [[nodiscard]] T* front() const noexcept { return buckets_.empty() ? nullptr : buckets_.front().head; }

  // Appends `item` behind the others of `order`; an item already queued stays where it is.
  void push_back(T& item, std::uint64_t order) {
    auto& l = item.*kLink;
    if (l.queued) return;
    auto it = find(order);
    if (it == buckets_.end() || it->order != order) it = buckets_.insert(it, Bucket{order, nullptr, nullptr});
    l = {it->tail, nullptr, order, true};
    if (it->tail != nullptr)
      (it->tail->*kLink).next = &item;
    else
      it->head = &item;
    it->tail = &item;
  }

  void erase(T& item) noexcept {
    auto& l = item.*kLink;
    if (!l.queued) return;
    auto it = find(l.order);
    unlink(*it, item);
    if (it->head == nullptr) buckets_.erase(it);
    l = {};
  }

  // Moves a queued `item` behind the others of its order.
  void rotate(T& item) noexcept {
    auto& l = item.*kLink;
    if (!l.queued || l.next == nullptr) return;
    auto it = find(l.order);
    unlink(*it, item);
    l.prev = it->tail;
    (it->tail->*kLink).next = &item;
    it->tail = &item;
  }

  void clear() noexcept {
    for (auto& b : buckets_) {
      for (T* p = b.head; p != nullptr;) {
        T* next = (p->*kLink).next;
        p->*kLink = {};
        p = next;
      }
    }
    buckets_.clear();
  }

 private:
  struct Bucket {
    std::uint64_t order;
    T* head;
    T* tail;
  };

  typename std::vector<Bucket>::iterator find(std::uint64_t order) noexcept {
    return std::lower_bound(buckets_.begin(), buckets_.end(), order,
                            [](const Bucket& b, std::uint64_t o) { return b.order < o; });
  }

  static void unlink(Bucket& b, T& item) noexcept {
    auto& l = item.*kLink;
    if (l.prev != nullptr)
      (l.prev->*kLink).next = l.next;
    else
      b.head = l.next;
    if (l.next != nullptr)
      (l.next->*kLink).prev = l.prev;
    else
      b.tail = l.prev;
    l.prev = l.next = nullptr;
  }

  std::vector<Bucket> buckets_;
};

}  // namespace kinetic::transport::quic
