#include "kinetic/transport/memory/memory_link.hpp"

namespace kinetic::transport::memory {

namespace {
// Spreads one seed into well-mixed, distinct seeds for each direction.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

MemoryLink::MemoryLink(const LinkConfig& config, std::uint64_t seed)
    : config_(config),
      seed_(seed),
      to_server_(config.to_server, splitmix64(seed), Duration::zero()),
      to_client_(config.to_client, splitmix64(seed ^ 0x5bd1e995ULL), Duration::zero()) {
  to_server_.set_recovery_delay(recovery_delay());
  to_client_.set_recovery_delay(recovery_delay());
}

void MemoryLink::set_path(Direction d, const PathConfig& config) {
  (d == Direction::kToServer ? config_.to_server : config_.to_client) = config;
  path(d).set_config(config);
  to_server_.set_recovery_delay(recovery_delay());
  to_client_.set_recovery_delay(recovery_delay());
}

Duration MemoryLink::base_rtt() const { return config_.to_server.delay + config_.to_client.delay; }

}  // namespace kinetic::transport::memory
