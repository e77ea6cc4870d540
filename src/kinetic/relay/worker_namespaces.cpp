#include "kinetic/relay/worker_namespaces.hpp"

#include <algorithm>

namespace kinetic::relay {

void WorkerNamespaces::add(std::size_t worker, const wire::TrackNamespace& ns) {
  if (worker >= workers_) return;
  std::lock_guard lock(mutex_);
  auto& counts = counts_[ns];
  counts.resize(workers_);
  ++counts[worker];
}

void WorkerNamespaces::remove(std::size_t worker, const wire::TrackNamespace& ns) {
  if (worker >= workers_) return;
  std::lock_guard lock(mutex_);
  auto it = counts_.find(ns);
  if (it == counts_.end() || it->second[worker] == 0) return;
  --it->second[worker];
  if (std::all_of(it->second.begin(), it->second.end(), [](auto c) { return c == 0; })) counts_.erase(it);
}

std::size_t WorkerNamespaces::longest_elsewhere(std::size_t worker, const wire::TrackNamespace& ns) const {
  wire::TrackNamespace prefix = ns;
  std::lock_guard lock(mutex_);
  for (; !prefix.fields.empty(); prefix.fields.pop_back()) {
    auto it = counts_.find(prefix);
    if (it == counts_.end()) continue;
    for (std::size_t w = 0; w < workers_; ++w) {
      if (w != worker && it->second[w] > 0) return prefix.fields.size();
    }
  }
  return 0;
}

std::size_t WorkerNamespaces::size() const {
  std::lock_guard lock(mutex_);
  return counts_.size();
}

}  // namespace kinetic::relay
