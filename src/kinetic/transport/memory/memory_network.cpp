#include "kinetic/transport/memory/memory_network.hpp"

#include <algorithm>

namespace kinetic::transport::memory {

MemoryServer::~MemoryServer() {
  if (auto registry = registry_.lock()) {
    auto it = registry->find(address_);
    if (it != registry->end() && it->second == state_) registry->erase(it);
  }
}

MemoryNetwork::MemoryNetwork(EventLoop& loop, std::uint64_t seed)
    : loop_(loop), seed_(seed), registry_(std::make_shared<MemoryServer::Registry>()) {}

std::shared_ptr<MemoryLink> MemoryNetwork::make_link(const LinkConfig& config) {
  const std::uint64_t number = ++links_;
  const std::uint64_t seed = config.seed != 0 ? config.seed : seed_ * 0x100000001b3ULL + number;
  return std::make_shared<MemoryLink>(config, seed);
}

SessionPair MemoryNetwork::pair(const LinkConfig& config) {
  auto link = make_link(config);
  const std::uint64_t number = links_;
  SessionPair p;
  p.client = std::make_shared<MemorySession>(loop_, link, MemorySession::Role::kClient,
                                             "mem:server-" + std::to_string(number));
  p.server = std::make_shared<MemorySession>(loop_, link, MemorySession::Role::kServer,
                                             "mem:client-" + std::to_string(number));
  p.client->attach(p.server);
  p.server->attach(p.client);
  const TimePoint now = loop_.now();
  p.client->become_ready_at(now + link->base_rtt());
  p.server->become_ready_at(now + config.to_server.delay);
  return p;
}

std::unique_ptr<MemoryServer> MemoryNetwork::listen(const std::string& address, AcceptCallback accept,
                                                    std::vector<std::string> protocols) {
  if (registry_->contains(address)) return nullptr;
  auto state = std::make_shared<MemoryServer::State>();
  state->accept = std::move(accept);
  state->protocols = std::move(protocols);
  registry_->emplace(address, state);
  return std::unique_ptr<MemoryServer>(new MemoryServer(address, state, registry_));
}

std::shared_ptr<MemorySession> MemoryNetwork::connect(const std::string& address, const LinkConfig& config) {
  auto link = make_link(config);
  const std::string client_address = "mem:client-" + std::to_string(links_);
  auto client = std::make_shared<MemorySession>(loop_, link, MemorySession::Role::kClient, address);
  // The server learns of the client when its first flight arrives.
  loop_.schedule_at(loop_.now() + config.to_server.delay,
                    [&loop = loop_, registry = std::weak_ptr<MemoryServer::Registry>(registry_), address,
                     weak = std::weak_ptr<MemorySession>(client), link, client_address] {
                      auto c = weak.lock();
                      if (!c) return;
                      if (auto r = registry.lock()) {
                        arrive(loop, *r, address, c, link, client_address);
                      } else {
                        c->refuse_at(loop.now() + link->config().to_client.delay, kConnectionRefused, "network gone");
                      }
                    });
  return client;
}

void MemoryNetwork::arrive(EventLoop& loop, const MemoryServer::Registry& registry, const std::string& address,
                           const std::shared_ptr<MemorySession>& client, const std::shared_ptr<MemoryLink>& link,
                           std::string client_address) {
  if (client->closed()) return;
  const TimePoint answer = loop.now() + link->config().to_client.delay;
  auto it = registry.find(address);
  if (it == registry.end()) {
    client->refuse_at(answer, kConnectionRefused, "nobody listens at " + address);
    return;
  }
  std::shared_ptr<MemoryServer::State> state = it->second;
  const auto& protocols = state->protocols;
  if (!protocols.empty() &&
      std::find(protocols.begin(), protocols.end(), link->config().protocol) == protocols.end()) {
    client->refuse_at(answer, kNoApplicationProtocol, "no common application protocol");
    return;
  }
  auto server = std::make_shared<MemorySession>(loop, link, MemorySession::Role::kServer, std::move(client_address));
  server->attach(client);
  client->attach(server);
  ++state->accepted;
  client->become_ready_at(answer);
  server->become_ready_at(loop.now());
  if (state->accept) state->accept(server);
}

}  // namespace kinetic::transport::memory
