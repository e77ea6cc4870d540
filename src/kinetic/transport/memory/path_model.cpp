#include "kinetic/transport/memory/path_model.hpp"

#include <algorithm>
#include <cmath>

namespace kinetic::transport::memory {

namespace {
// At 100% loss a reliable packet would never arrive; after this many lost copies it is
// let through so that a simulation always ends.
constexpr std::uint32_t kMaxRecoveries = 16;
}  // namespace

PathModel::PathModel(PathConfig config, std::uint64_t seed, Duration recovery_delay)
    : config_(config), recovery_delay_(recovery_delay), rng_(seed) {}

Duration PathModel::serialization_time(std::size_t bytes) const {
  if (config_.bandwidth_bps == 0) return Duration::zero();
  const double seconds = static_cast<double>(bytes) * 8.0 / static_cast<double>(config_.bandwidth_bps);
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

bool PathModel::draw_loss() {
  bool lost = false;
  if (config_.burst.enabled()) {
    const double p_move = bad_ ? config_.burst.p_bad_to_good : config_.burst.p_good_to_bad;
    if (uniform() < p_move) bad_ = !bad_;
    const double p_loss = bad_ ? config_.burst.loss_bad : config_.burst.loss_good;
    lost = uniform() < p_loss;
  }
  if (config_.loss > 0.0 && uniform() < config_.loss) lost = true;
  return lost;
}

Duration PathModel::draw_jitter() {
  const double spread = std::chrono::duration<double>(config_.jitter.spread).count();
  double seconds = 0.0;
  switch (config_.jitter.kind) {
    case JitterModel::Kind::kNone:
      return Duration::zero();
    case JitterModel::Kind::kUniform:
      seconds = std::uniform_real_distribution<double>(-spread, spread)(rng_);
      break;
    case JitterModel::Kind::kNormal:
      seconds = spread > 0.0 ? std::normal_distribution<double>(0.0, spread)(rng_) : 0.0;
      break;
    case JitterModel::Kind::kExponential:
      seconds = spread > 0.0 ? std::exponential_distribution<double>(1.0 / spread)(rng_) : 0.0;
      break;
  }
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

Transmission PathModel::transmit(TimePoint now, std::size_t payload_bytes, bool reliable) {
  ++packets_sent_;
  const TimePoint start = std::max(now, free_at_);
  const TimePoint sent = start + serialization_time(payload_bytes + config_.overhead);
  free_at_ = sent;

  Transmission t;
  const bool lost = draw_loss();
  if (lost) ++packets_lost_;
  if (lost && !reliable) {
    t.lost = true;
    t.arrival = sent;
    return t;
  }
  if (lost) {
    t.losses = 1;
    // Each retransmitted copy may be lost again, and costs another recovery.
    while (t.losses < kMaxRecoveries && draw_loss()) {
      ++t.losses;
      ++packets_lost_;
    }
    // Every retransmitted copy takes the wire again; charging it now rather than when it
    // leaves keeps the throughput right without tracking retransmissions one by one.
    free_at_ += serialization_time(payload_bytes + config_.overhead) * t.losses;
  }

  const Duration one_way = std::max(Duration::zero(), config_.delay + draw_jitter());
  TimePoint arrival = sent + one_way;
  const bool held_back = config_.reorder > 0.0 && uniform() < config_.reorder;
  if (t.losses > 0 || held_back) {
    // A recovered or held-back packet lets later ones overtake it, and does not hold them up.
    arrival += recovery_delay_ * t.losses + (held_back ? config_.reorder_delay : Duration::zero());
  } else {
    arrival = std::max(arrival, last_arrival_);
    last_arrival_ = arrival;
  }
  t.arrival = arrival;
  return t;
}

}  // namespace kinetic::transport::memory
