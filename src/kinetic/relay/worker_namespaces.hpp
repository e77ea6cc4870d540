// Which namespaces each worker of a relay routes to its own clients, for every worker to read.
//
// A relay of one worker sends a track to the publisher of the longest namespace prefix it
// knows. With several workers, a worker knows its own publishers and asks the hub for the
// rest; without this table it would send `live/b/x` to its own publisher of `live` while
// another worker holds `live/b`. Workers are threads, so the table is shared under a mutex:
// it is read once per routed request (SUBSCRIBE, FETCH, TRACK_STATUS), never per object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "kinetic/wire/track_name.hpp"

namespace kinetic::relay {

class WorkerNamespaces {
 public:
  explicit WorkerNamespaces(std::size_t workers) : workers_(workers) {}

  // Counted: a namespace stays listed for a worker until removed as often as it was added.
  void add(std::size_t worker, const wire::TrackNamespace& ns);
  void remove(std::size_t worker, const wire::TrackNamespace& ns);

  // Fields in the longest prefix of `ns` (up to all of it) that a worker other than `worker`
  // lists; 0 when none does.
  [[nodiscard]] std::size_t longest_elsewhere(std::size_t worker, const wire::TrackNamespace& ns) const;
  [[nodiscard]] std::size_t size() const;

 private:
  std::size_t workers_;
  mutable std::mutex mutex_;
  std::map<wire::TrackNamespace, std::vector<std::uint32_t>> counts_;  // per worker
};

}  // namespace kinetic::relay
