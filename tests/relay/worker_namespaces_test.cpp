// The workers' shared namespace table: the longest prefix another worker lists, counted entries,
// and a worker never seeing its own.
#include "kinetic/relay/worker_namespaces.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace kinetic::relay {
namespace {

wire::TrackNamespace ns(std::vector<std::string> fields) { return wire::TrackNamespace{std::move(fields)}; }

TEST(WorkerNamespaces, LongestPrefixListedByAnotherWorker) {
  WorkerNamespaces table(3);
  table.add(0, ns({"live"}));
  table.add(2, ns({"live", "b"}));
  EXPECT_EQ(table.longest_elsewhere(1, ns({"live", "b", "x"})), 2u);
  EXPECT_EQ(table.longest_elsewhere(1, ns({"live", "b"})), 2u);
  EXPECT_EQ(table.longest_elsewhere(1, ns({"live", "c"})), 1u);
  // A worker's own entries are not "elsewhere": worker 2 sees only the hub's shorter one.
  EXPECT_EQ(table.longest_elsewhere(2, ns({"live", "b", "x"})), 1u);
  EXPECT_EQ(table.longest_elsewhere(0, ns({"live", "c"})), 0u);
  EXPECT_EQ(table.longest_elsewhere(1, ns({"vod"})), 0u);
  // A prefix is whole fields: "liv" is not a prefix of "live".
  EXPECT_EQ(table.longest_elsewhere(1, ns({"liv"})), 0u);
  // Out of range workers are ignored, not stored.
  table.add(7, ns({"vod"}));
  EXPECT_EQ(table.longest_elsewhere(1, ns({"vod"})), 0u);
}

TEST(WorkerNamespaces, AnEntryStaysUntilRemovedAsOftenAsAdded) {
  WorkerNamespaces table(2);
  table.add(1, ns({"live"}));
  table.add(1, ns({"live"}));
  table.add(0, ns({"live"}));
  table.remove(1, ns({"live"}));
  EXPECT_EQ(table.longest_elsewhere(0, ns({"live", "x"})), 1u);
  table.remove(1, ns({"live"}));
  EXPECT_EQ(table.longest_elsewhere(0, ns({"live", "x"})), 0u);
  EXPECT_EQ(table.longest_elsewhere(1, ns({"live", "x"})), 1u);
  // Removing what is not there changes nothing.
  table.remove(1, ns({"live"}));
  table.remove(1, ns({"vod"}));
  EXPECT_EQ(table.longest_elsewhere(1, ns({"live", "x"})), 1u);
  table.remove(0, ns({"live"}));
  EXPECT_EQ(table.size(), 0u);
}

// Workers write and read from their own threads.
TEST(WorkerNamespaces, ConcurrentWritersAndReaders) {
  WorkerNamespaces table(4);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < 4; ++w) {
    threads.emplace_back([&table, w] {
      for (int i = 0; i < 2000; ++i) {
        const auto name = ns({"live", std::to_string(i % 16)});
        table.add(w, name);
        (void)table.longest_elsewhere(w, ns({"live", std::to_string(i % 16), "t"}));
        table.remove(w, name);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(table.size(), 0u);
}

}  // namespace
}  // namespace kinetic::relay
