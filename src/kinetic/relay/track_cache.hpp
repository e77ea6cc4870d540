// The recent groups of one track, as received, so that late joiners and FETCH are served
// without going upstream. Objects are kept as `moqt::Object`, whose payload is shared
// immutable memory: serving from the cache copies a reference, never the bytes. Groups are
// evicted whole and oldest first; a group once evicted is never cached again, so a cached
// group always begins where the publisher's began.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "kinetic/relay/relay_error.hpp"
#include "kinetic/moqt/types.hpp"

namespace kinetic::relay {

// What an object costs the cache: its payload and properties plus the bookkeeping around them.
std::size_t cached_object_bytes(const moqt::Object& object) noexcept;

class TrackCache {
 public:
  enum class Stored { kStored, kDuplicate, kEvictedGroup };

  // Adds an object. An identical repeat is kDuplicate (ignored); a repeat that differs in
  // payload, subgroup, priority, forwarding or status makes the track malformed (draft-18
  // "Caching Relays") and is refused with MALFORMED_TRACK. `age` orders groups across tracks:
  // the first object of a new group stamps it.
  Outcome<Stored> insert(const moqt::Object& object, std::uint64_t age);

  // Objects with start <= location < end, in order.
  [[nodiscard]] std::vector<moqt::Object> range(moqt::Location start, moqt::Location end) const;
  // FETCH's End Location is "the end plus 1", with object 0 meaning the whole group.
  [[nodiscard]] std::vector<moqt::Object> fetch_range(moqt::Location start, moqt::Location fetch_end) const;
  // All cached objects of one group.
  [[nodiscard]] std::vector<moqt::Object> group(std::uint64_t group_id) const;

  [[nodiscard]] std::optional<std::uint64_t> oldest_group() const;
  [[nodiscard]] std::optional<std::uint64_t> latest_group() const;
  [[nodiscard]] std::optional<moqt::Location> largest() const;
  // Age stamp of the oldest cached group (for eviction across tracks).
  [[nodiscard]] std::optional<std::uint64_t> oldest_age() const;

  // Drops the oldest group; returns the bytes freed (0 when empty).
  std::size_t evict_oldest();
  // Drops every group at or below `group_id` and refuses them from now on.
  std::size_t evict_through(std::uint64_t group_id);

  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }
  [[nodiscard]] std::size_t group_count() const noexcept { return groups_.size(); }
  [[nodiscard]] std::size_t object_count() const noexcept;

 private:
  struct Group {
    std::uint64_t age = 0;
    std::size_t bytes = 0;
    std::map<std::uint64_t, moqt::Object> objects;  // by object id
  };

  std::map<std::uint64_t, Group> groups_;  // by group id
  std::size_t bytes_ = 0;
  // Groups below this were evicted (or never seen in full); objects for them are not cached.
  std::uint64_t floor_ = 0;
};

}  // namespace kinetic::relay
