#include "kinetic/media/broadcast_server.hpp"

#include <algorithm>

#include "kinetic/wire/error_codes.hpp"

namespace kinetic::media {

namespace {

bool active(const moqt::ServedSubscription& s) {
  return s.state() != moqt::RequestState::kDone && s.state() != moqt::RequestState::kFailed;
}

}  // namespace

BroadcastServer::~BroadcastServer() {
  for (auto& [track, list] : subs_) {
    for (auto& sub : list) sub->set_handler(nullptr);
  }
}

void BroadcastServer::set_catalog(SharedBytes json) {
  const bool changed =
      catalog_.size() > 0 && (catalog_.size() != json.size() ||
                              !std::equal(catalog_.data(), catalog_.data() + catalog_.size(), json.data()));
  catalog_ = std::move(json);
  if (!changed) return;
  ++catalog_group_;
  std::erase_if(catalog_subs_, [](const auto& s) { return !active(*s); });
  for (auto& sub : catalog_subs_) write_catalog(*sub);
}

void BroadcastServer::serve_catalog(const std::shared_ptr<moqt::ServedSubscription>& sub) {
  moqt::TrackInfo info;
  info.largest = moqt::Location{catalog_group_, 0};
  // The catalog outranks media, so a subscriber can start decoding as soon as possible.
  info.publisher_priority = 0;
  sub->accept(info);
  write_catalog(*sub);
  catalog_subs_.push_back(sub);
}

void BroadcastServer::write_catalog(moqt::ServedSubscription& sub) const {
  // Whatever the subscriber's filter: nothing plays without the catalog.
  if (!sub.sending()) return;
  if (auto* w = sub.open_subgroup({catalog_group_, 0, 0, false, true})) {
    w->write(0, catalog_);
    w->finish();
  }
}

void BroadcastServer::serve_track(std::size_t track, const std::shared_ptr<moqt::ServedSubscription>& sub) {
  moqt::TrackInfo info;
  info.largest = largest(track);
  info.dynamic_groups = static_cast<bool>(ask_new_group_);
  if (info.dynamic_groups) {
    auto& listener = listeners_[track];
    if (!listener) {
      listener = std::make_unique<TrackListener>();
      listener->server = this;
      listener->track = track;
    }
    sub->set_handler(listener.get());
  }
  sub->accept(info);
  subs_[track].push_back(sub);
  for (const auto& obj : current_group_[track]) deliver(*sub, obj);
  if (info.dynamic_groups && sub->options().new_group_request)
    new_group_requested(track, *sub->options().new_group_request);
}

void BroadcastServer::new_group_requested(std::size_t track, std::uint64_t next_group) {
  // Non-zero: the subscriber's largest group plus one; a group at or past it has begun already.
  const auto last = largest(track);
  if (next_group != 0 && last && next_group <= last->group) return;
  if (ask_new_group_) ask_new_group_(track);
}

void BroadcastServer::send(const BroadcastObject& obj) {
  largest_[obj.track] = moqt::Location{obj.group, obj.object};
  auto& group = current_group_[obj.track];
  if (obj.new_group) group.clear();
  group.push_back(obj);
  auto& list = subs_[obj.track];
  std::erase_if(list, [](const auto& s) {
    if (active(*s)) return false;
    s->set_handler(nullptr);
    return true;
  });
  for (auto& sub : list) deliver(*sub, obj);
}

void BroadcastServer::deliver(moqt::ServedSubscription& sub, const BroadcastObject& obj) {
  if (!sub.sending() || !sub.in_filter({obj.group, obj.object})) return;
  auto* w = sub.subgroup(obj.group, 0);
  if (w == nullptr || !w->open()) {
    if (!obj.new_group) return;  // no keyframe for this group: wait for the next
    sub.close_groups_before(obj.group, false);
    w = sub.open_subgroup({obj.group, 0, moqt::kDefaultPriority, true, false});
    if (w == nullptr) return;
  }
  w->write(obj.object, obj.loc.payload, obj.loc.properties);
}

void BroadcastServer::end(std::string_view reason) {
  auto finish = [&](const std::shared_ptr<moqt::ServedSubscription>& sub) {
    if (sub->state() == moqt::RequestState::kActive) {
      sub->done(static_cast<std::uint64_t>(wire::PublishDoneCode::kTrackEnded), reason);
    }
  };
  for (auto& [track, list] : subs_) {
    for (auto& sub : list) {
      finish(sub);
      sub->set_handler(nullptr);
    }
  }
  for (auto& sub : catalog_subs_) finish(sub);
  catalog_subs_.clear();
  subs_.clear();
  current_group_.clear();
}

std::optional<moqt::Location> BroadcastServer::largest(std::size_t track) const {
  if (auto it = largest_.find(track); it != largest_.end()) return it->second;
  return std::nullopt;
}

std::size_t BroadcastServer::subscriptions(std::size_t track) const {
  auto it = subs_.find(track);
  return it == subs_.end() ? 0 : it->second.size();
}

}  // namespace kinetic::media
