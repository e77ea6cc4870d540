#include "kinetic/relay/track_cache.hpp"

namespace kinetic::relay {

std::size_t cached_object_bytes(const moqt::Object& object) noexcept {
  std::size_t properties = 0;
  for (const auto& kv : object.properties) properties += sizeof(kv) + kv.bytes.size();
  // The map node and the Object itself are real memory too; counting them keeps a flood of
  // empty objects from slipping under the budget.
  return object.payload.size() + properties + sizeof(moqt::Object) + 64;
}

namespace {

bool same_object(const moqt::Object& a, const moqt::Object& b) {
  return a.subgroup_id == b.subgroup_id && a.publisher_priority == b.publisher_priority &&
         a.datagram == b.datagram && a.status == b.status && a.payload == b.payload;
}

}  // namespace

Outcome<TrackCache::Stored> TrackCache::insert(const moqt::Object& object, std::uint64_t age) {
  if (object.group_id < floor_) return Stored::kEvictedGroup;
  auto [git, fresh_group] = groups_.try_emplace(object.group_id);
  Group& g = git->second;
  if (fresh_group) g.age = age;
  auto [oit, fresh] = g.objects.try_emplace(object.object_id, object);
  if (!fresh) {
    if (!same_object(oit->second, object))
      return RelayError{wire::RequestErrorCode::kMalformedTrack, "duplicate object differs from the cached one"};
    // Properties are the one field a later copy may update (draft-18 "Caching Relays").
    const std::size_t before = cached_object_bytes(oit->second);
    oit->second.properties = object.properties;
    const std::size_t after = cached_object_bytes(oit->second);
    g.bytes = g.bytes - before + after;
    bytes_ = bytes_ - before + after;
    return Stored::kDuplicate;
  }
  const std::size_t cost = cached_object_bytes(object);
  g.bytes += cost;
  bytes_ += cost;
  return Stored::kStored;
}

std::vector<moqt::Object> TrackCache::range(moqt::Location start, moqt::Location end) const {
  std::vector<moqt::Object> out;
  if (!(start < end)) return out;
  for (auto git = groups_.lower_bound(start.group); git != groups_.end() && git->first <= end.group; ++git) {
    const auto& objects = git->second.objects;
    auto oit = git->first == start.group ? objects.lower_bound(start.object) : objects.begin();
    for (; oit != objects.end(); ++oit) {
      if (!(moqt::Location{git->first, oit->first} < end)) return out;
      out.push_back(oit->second);
    }
  }
  return out;
}

std::vector<moqt::Object> TrackCache::fetch_range(moqt::Location start, moqt::Location fetch_end) const {
  if (fetch_end.object == 0) {
    if (fetch_end.group == UINT64_MAX) return range(start, {UINT64_MAX, UINT64_MAX});
    return range(start, {fetch_end.group + 1, 0});
  }
  return range(start, fetch_end);
}

std::vector<moqt::Object> TrackCache::group(std::uint64_t group_id) const {
  std::vector<moqt::Object> out;
  auto it = groups_.find(group_id);
  if (it == groups_.end()) return out;
  out.reserve(it->second.objects.size());
  for (const auto& [id, obj] : it->second.objects) out.push_back(obj);
  return out;
}

std::optional<std::uint64_t> TrackCache::oldest_group() const {
  if (groups_.empty()) return std::nullopt;
  return groups_.begin()->first;
}

std::optional<std::uint64_t> TrackCache::latest_group() const {
  if (groups_.empty()) return std::nullopt;
  return groups_.rbegin()->first;
}

std::optional<moqt::Location> TrackCache::largest() const {
  for (auto it = groups_.rbegin(); it != groups_.rend(); ++it) {
    if (!it->second.objects.empty()) return moqt::Location{it->first, it->second.objects.rbegin()->first};
  }
  return std::nullopt;
}

std::optional<std::uint64_t> TrackCache::oldest_age() const {
  if (groups_.empty()) return std::nullopt;
  return groups_.begin()->second.age;
}

std::size_t TrackCache::evict_oldest() {
  if (groups_.empty()) return 0;
  auto it = groups_.begin();
  const std::size_t freed = it->second.bytes;
  if (it->first + 1 > floor_) floor_ = it->first + 1;
  bytes_ -= freed;
  groups_.erase(it);
  return freed;
}

std::size_t TrackCache::evict_through(std::uint64_t group_id) {
  std::size_t freed = 0;
  while (!groups_.empty() && groups_.begin()->first <= group_id) freed += evict_oldest();
  if (group_id != UINT64_MAX && group_id + 1 > floor_) floor_ = group_id + 1;
  return freed;
}

std::size_t TrackCache::object_count() const noexcept {
  std::size_t n = 0;
  for (const auto& [id, g] : groups_) n += g.objects.size();
  return n;
}

}  // namespace kinetic::relay
