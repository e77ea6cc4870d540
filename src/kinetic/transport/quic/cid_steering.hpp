// Steering QUIC packets among worker threads that share one UDP port with SO_REUSEPORT.
// Every worker's server writes its index into byte kCidWorkerOffset of each connection ID it
// issues; a classic BPF program on the port's reuseport group reads that byte from a packet's
// destination connection ID and hands the packet to the socket of that worker, so a
// connection's packets always reach the thread that owns its state. Packets whose DCID the
// client chose (Initial, 0-RTT) carry no worker byte: the program answers with an index out
// of range and the kernel falls back to its 4-tuple hash, which keeps a client's handshake
// on one worker until it switches to the server's connection ID.
//
// The kernel runs the program on the UDP payload (it pulls the UDP header first) and takes
// its return value as an index into the group's sockets in the order they were bound, so
// worker i must bind the i-th socket of the group.
#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "kinetic/base/result.hpp"

namespace kinetic::transport::quic {

inline constexpr std::size_t kCidWorkerOffset = 0;
inline constexpr std::size_t kMaxSteeredWorkers = 255;

// Writes `worker` into a connection ID this endpoint issues; no-op without a worker.
void stamp_worker(std::uint8_t* cid, std::size_t len, std::optional<std::uint8_t> worker);

// The classic BPF program for `workers` sockets (2 ≤ workers ≤ kMaxSteeredWorkers).
std::vector<sock_filter> steering_program(std::size_t workers);

// The same decision in C++: the worker for a UDP payload, or nullopt for "kernel hash".
// For tests and for documentation of what the program does.
std::optional<std::size_t> steered_worker(std::span<const std::uint8_t> payload, std::size_t workers);

// Attaches the program to the reuseport group of `fd` (SO_ATTACH_REUSEPORT_CBPF).
Status attach_steering(int fd, std::size_t workers);

}  // namespace kinetic::transport::quic
