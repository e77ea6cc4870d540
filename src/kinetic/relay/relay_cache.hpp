// Every track's cache under two byte budgets: one per track and one for the whole relay.
// Passing either evicts whole groups, oldest first (per track by group id, across tracks by
// the age stamp of each track's oldest group), so memory stays bounded however many tracks
// and publishers come and go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "kinetic/relay/relay_error.hpp"
#include "kinetic/relay/track_cache.hpp"
#include "kinetic/wire/track_name.hpp"

namespace kinetic::relay {

struct CacheBudget {
  std::size_t total_bytes = 256u << 20;
  std::size_t track_bytes = 32u << 20;
};

class RelayCache {
 public:
  explicit RelayCache(CacheBudget budget = {}) : budget_(budget) {}

  // Caches `object` for `track`, then evicts until both budgets hold. The group just written
  // may itself be evicted when it alone passes a budget; the track then stops caching that
  // group (it is still forwarded live, just not served from cache).
  Outcome<TrackCache::Stored> insert(const wire::FullTrackName& track, const moqt::Object& object);

  [[nodiscard]] const TrackCache* find(const wire::FullTrackName& track) const;
  // Forgets a track entirely (its last subscriber and publisher left).
  void erase(const wire::FullTrackName& track);

  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }
  [[nodiscard]] std::size_t track_count() const noexcept { return tracks_.size(); }
  [[nodiscard]] std::uint64_t groups_evicted() const noexcept { return groups_evicted_; }
  [[nodiscard]] const CacheBudget& budget() const noexcept { return budget_; }

 private:
  using Tracks = std::map<wire::FullTrackName, TrackCache>;
  void evict_oldest_of(Tracks::iterator it);
  void index(Tracks::iterator it);
  void unindex(Tracks::iterator it);

  CacheBudget budget_;
  Tracks tracks_;
  // (age of the track's oldest group, track): the front is the relay's oldest group.
  std::set<std::pair<std::uint64_t, const wire::FullTrackName*>> by_age_;
  std::size_t bytes_ = 0;
  std::uint64_t next_age_ = 0;
  std::uint64_t groups_evicted_ = 0;
};

}  // namespace kinetic::relay
