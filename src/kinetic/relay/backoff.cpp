#include "kinetic/relay/backoff.hpp"

#include <algorithm>

namespace kinetic::relay {

Backoff::Backoff(Duration initial, Duration max) noexcept
    : initial_(std::max(initial, Duration{1})), max_(std::max(max, std::max(initial, Duration{1}))), current_(initial_) {}

Backoff::Duration Backoff::next() noexcept {
  const Duration now = current_;
  current_ = std::min(max_, current_ * 2);
  return now;
}

}  // namespace kinetic::relay
