// Where simulated connections are made. `pair()` hands back a connected client and
// server directly; `listen()` + `connect()` go by address, so the same server code that
// takes sessions from a QUIC listener can take them here, from any number of clients.
// Every link draws its randomness from the network's seed and its own number, so a run
// is reproduced exactly by the same seed and the same calls.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kinetic/transport/memory/memory_link.hpp"
#include "kinetic/transport/memory/memory_session.hpp"
#include "kinetic/transport/transport.hpp"

namespace kinetic::transport::memory {

struct SessionPair {
  std::shared_ptr<MemorySession> client;
  std::shared_ptr<MemorySession> server;
};

class MemoryNetwork;

// Accepts connections at one address until destroyed.
class MemoryServer {
 public:
  ~MemoryServer();
  MemoryServer(const MemoryServer&) = delete;
  MemoryServer& operator=(const MemoryServer&) = delete;

  [[nodiscard]] const std::string& address() const { return address_; }
  [[nodiscard]] std::uint64_t accepted() const { return state_->accepted; }

 private:
  friend class MemoryNetwork;
  struct State {
    AcceptCallback accept;
    std::vector<std::string> protocols;  // empty: any
    std::uint64_t accepted = 0;
  };
  using Registry = std::map<std::string, std::shared_ptr<State>>;

  MemoryServer(std::string address, std::shared_ptr<State> state, std::weak_ptr<Registry> registry)
      : address_(std::move(address)), state_(std::move(state)), registry_(std::move(registry)) {}

  std::string address_;
  std::shared_ptr<State> state_;
  std::weak_ptr<Registry> registry_;
};

class MemoryNetwork {
 public:
  explicit MemoryNetwork(EventLoop& loop, std::uint64_t seed = 1);

  [[nodiscard]] EventLoop& loop() { return loop_; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }

  // A connected pair: the server is ready after one one-way delay, the client after a
  // round trip, as with a 1-RTT QUIC handshake. Set handlers before running the loop.
  SessionPair pair(const LinkConfig& config = {});

  // Accepts sessions at `address` (e.g. "mem:relay"). `protocols` lists the ALPNs the
  // server speaks; a client offering another is refused. Nullptr when the address is taken.
  std::unique_ptr<MemoryServer> listen(const std::string& address, AcceptCallback accept,
                                       std::vector<std::string> protocols = {});
  // A client session towards `address`. Its handler sees on_ready after a round trip,
  // or on_closed (kConnectionRefused / kNoApplicationProtocol) when nobody accepts.
  std::shared_ptr<MemorySession> connect(const std::string& address, const LinkConfig& config = {});

 private:
  std::shared_ptr<MemoryLink> make_link(const LinkConfig& config);
  // Runs when the client's first flight reaches `address`; static so that a network
  // destroyed before then leaves nothing dangling.
  static void arrive(EventLoop& loop, const MemoryServer::Registry& registry, const std::string& address,
                     const std::shared_ptr<MemorySession>& client, const std::shared_ptr<MemoryLink>& link,
                     std::string client_address);

  EventLoop& loop_;
  std::uint64_t seed_;
  std::uint64_t links_ = 0;
  std::shared_ptr<MemoryServer::Registry> registry_;
};

}  // namespace kinetic::transport::memory
