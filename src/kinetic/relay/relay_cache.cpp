#include "kinetic/relay/relay_cache.hpp"

namespace kinetic::relay {

void RelayCache::index(Tracks::iterator it) {
  if (auto age = it->second.oldest_age()) by_age_.emplace(*age, &it->first);
}

void RelayCache::unindex(Tracks::iterator it) {
  if (auto age = it->second.oldest_age()) by_age_.erase({*age, &it->first});
}

void RelayCache::evict_oldest_of(Tracks::iterator it) {
  unindex(it);
  bytes_ -= it->second.evict_oldest();
  ++groups_evicted_;
  index(it);
}

Outcome<TrackCache::Stored> RelayCache::insert(const wire::FullTrackName& track, const moqt::Object& object) {
  auto it = tracks_.try_emplace(track).first;
  unindex(it);
  const std::size_t before = it->second.bytes();
  auto stored = it->second.insert(object, next_age_++);
  bytes_ = bytes_ - before + it->second.bytes();
  index(it);
  if (!stored) return stored;

  while (it->second.bytes() > budget_.track_bytes && it->second.group_count() > 0) evict_oldest_of(it);
  while (bytes_ > budget_.total_bytes && !by_age_.empty()) {
    auto oldest = tracks_.find(*by_age_.begin()->second);
    evict_oldest_of(oldest);
  }
  return stored;
}

const TrackCache* RelayCache::find(const wire::FullTrackName& track) const {
  auto it = tracks_.find(track);
  return it == tracks_.end() ? nullptr : &it->second;
}

void RelayCache::erase(const wire::FullTrackName& track) {
  auto it = tracks_.find(track);
  if (it == tracks_.end()) return;
  unindex(it);
  bytes_ -= it->second.bytes();
  tracks_.erase(it);
}

}  // namespace kinetic::relay
