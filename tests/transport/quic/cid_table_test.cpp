#include "kinetic/transport/quic/cid_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace kinetic::transport::quic {
namespace {

// Sessions are only compared, never called: distinct addresses stand for them.
QuicSession* session(std::uintptr_t n) { return reinterpret_cast<QuicSession*>(n * 64); }

std::string random_cid(std::mt19937_64& rng, std::size_t len) {
  std::string cid(len, '\0');
  for (auto& c : cid) c = static_cast<char>(rng());
  return cid;
}

TEST(CidTable, FindsWhatWasSetAndNothingElse) {
  CidTable t;
  t.set("abcdefgh", session(1));
  t.set("abcdefgh-longer-20b", session(2));
  t.set("abcdefg", session(3));  // a prefix of the first is another ID
  EXPECT_EQ(t.find("abcdefgh"), session(1));
  EXPECT_EQ(t.find("abcdefgh-longer-20b"), session(2));
  EXPECT_EQ(t.find("abcdefg"), session(3));
  EXPECT_EQ(t.find("abcdefgi"), nullptr);
  EXPECT_EQ(t.find(""), nullptr);
  EXPECT_EQ(t.find(std::string(21, 'x')), nullptr);
  t.set(std::string(21, 'x'), session(4));  // longer than QUIC allows: refused
  EXPECT_EQ(t.size(), 3u);
  t.set("abcdefgh", session(5));  // an existing ID moves to another session
  EXPECT_EQ(t.find("abcdefgh"), session(5));
  EXPECT_EQ(t.size(), 3u);
}

TEST(CidTable, EraseOnlyForItsOwnSession) {
  CidTable t;
  t.set("0123456789", session(1));
  t.erase("0123456789", session(2));  // a session that no longer owns the ID removes nothing
  EXPECT_EQ(t.find("0123456789"), session(1));
  t.erase("0123456789", session(1));
  EXPECT_EQ(t.find("0123456789"), nullptr);
  EXPECT_EQ(t.size(), 0u);
  t.erase("0123456789");  // absent: nothing happens
  EXPECT_EQ(t.size(), 0u);
}

// Tens of thousands of random inserts and erases against std::map: every probe run stays
// intact through growth and backward-shift deletion.
TEST(CidTable, AgreesWithAMapThroughGrowthAndChurn) {
  std::mt19937_64 rng(42);
  CidTable t;
  std::map<std::string, QuicSession*> ref;
  std::vector<std::string> keys;
  for (int round = 0; round < 40000; ++round) {
    const auto op = rng() % 10;
    if (op < 6 || keys.empty()) {
      std::string cid = random_cid(rng, 8 + rng() % 13);
      auto* s = session(1 + rng() % 1000);
      t.set(cid, s);
      auto [it, added] = ref.insert_or_assign(cid, s);
      if (added) keys.push_back(cid);
    } else {
      const std::size_t i = rng() % keys.size();
      t.erase(keys[i]);
      ref.erase(keys[i]);
      keys[i] = keys.back();
      keys.pop_back();
    }
    if (round % 997 == 0) {
      ASSERT_EQ(t.size(), ref.size());
      for (const auto& [cid, s] : ref) ASSERT_EQ(t.find(cid), s) << round;
      EXPECT_EQ(t.find(random_cid(rng, 18)), nullptr);
    }
  }
  EXPECT_LE(t.size() * 2, t.capacity());
  for (const auto& [cid, s] : ref) ASSERT_EQ(t.find(cid), s);
  t.clear();
  EXPECT_EQ(t.size(), 0u);
  for (const auto& [cid, s] : ref) ASSERT_EQ(t.find(cid), nullptr);
}

}  // namespace
}  // namespace kinetic::transport::quic
