// Small pieces every network subcommand needs, kept once: namespace text to tuple, and a clean
// stop on SIGINT/SIGTERM through the loop.
#pragma once

#include <sys/signalfd.h>

#include <csignal>
#include <cstdint>
#include <string>

#include "kinetic/moqt/types.hpp"
#include "kinetic/transport/epoll_loop.hpp"

namespace kinetic::app {

// "a/b/c" → (a, b, c); empty fields are skipped.
inline moqt::TrackNamespace split_namespace(const std::string& text) {
  moqt::TrackNamespace ns;
  std::size_t start = 0;
  for (;;) {
    const auto slash = text.find('/', start);
    auto field = text.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!field.empty()) ns.fields.push_back(std::move(field));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return ns;
}

inline void stop_on_signals(transport::EpollLoop& loop) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return;
  const int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd >= 0) loop.watch(fd, 1 /* EPOLLIN */, [&loop](std::uint32_t) { loop.stop(); });
}

}  // namespace kinetic::app
