#include "kinetic/mock/packet_impairment.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace kinetic::mock {
namespace {


// Bounds that keep every time in microseconds far from int64 overflow and reject settings that
// can only be typos (a delay of a day).
constexpr double kMaxDelayMs = 60'000;
constexpr double kMaxRateKbps = 1e8;

bool within(double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; }

std::int64_t ms_to_us(double ms) { return static_cast<std::int64_t>(std::llround(ms * 1000.0)); }

// Serialization time of `bytes` at `kbps` (1 kbit/s = 1 bit/ms), rounded up so a busy link is
// never faster than its rate.
std::int64_t transmit_us(std::size_t bytes, double kbps) {
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(bytes) * 8000.0 / kbps));
}

std::string rate_text(double kbps) { return kbps > 0 ? fmt::format("{:g} kbit/s", kbps) : "unlimited"; }

}  // namespace

std::string_view packet_drop_name(PacketDrop drop) {
  switch (drop) {
    case PacketDrop::kNone: return "none";
    case PacketDrop::kLoss: return "loss";
    case PacketDrop::kBurst: return "burst";
    case PacketDrop::kQueue: return "queue";
  }
  return "?";
}

Status validate_packet_impairment(const PacketImpairmentConfig& c) {
  KINETIC_CHECK(validate_impairment(c.path));
  if (c.path.base_delay_ms > kMaxDelayMs || c.path.max_jitter_ms > kMaxDelayMs) {
    return Error{Errc::kInvalidValue, "delay and jitter clamp must be at most 60000 ms"};
  }
  if (!within(c.loss, 0, 1) || !within(c.reorder, 0, 1)) {
    return Error{Errc::kInvalidValue, "loss and reorder probabilities must be in [0, 1]"};
  }
  if (!(c.rate_kbps == 0 || within(c.rate_kbps, 1, kMaxRateKbps))) {
    return Error{Errc::kInvalidValue, "rate must be 0 (unlimited) or 1..100000000 kbit/s"};
  }
  if (!within(c.queue_ms, 0, kMaxDelayMs) || !within(c.reorder_ms, 0, kMaxDelayMs) ||
      !within(c.jitter_interval_ms, 0, kMaxDelayMs)) {
    return Error{Errc::kInvalidValue, "queue, reorder and jitter-interval times must be in 0..60000 ms"};
  }
  for (std::size_t i = 0; i < c.trace.size(); ++i) {
    const TraceStep& s = c.trace[i];
    if (s.at_ms < 0 || (i > 0 && s.at_ms <= c.trace[i - 1].at_ms)) {
      return Error{Errc::kInvalidValue, "trace times must be non-negative and increasing"};
    }
    if (!within(s.delay_ms, 0, kMaxDelayMs) || !within(s.jitter_ms, 0, kMaxDelayMs) || !within(s.loss_pct, 0, 100) ||
        !(s.rate_kbps == 0 || within(s.rate_kbps, 1, kMaxRateKbps))) {
      return Error{Errc::kInvalidValue, "trace step out of range"};
    }
  }
  return ok_status();
}

std::string PacketImpairmentConfig::describe() const {
  const ImpairmentParams& p = path;
  std::string jit = "none";
  if (p.jitter == JitterShape::kGamma) {
    jit = fmt::format("gamma(k={:g}, theta={:g} ms)", p.gamma_shape, p.gamma_scale_ms);
  } else if (p.jitter == JitterShape::kPareto) {
    jit = fmt::format("pareto(alpha={:g}, xm={:g} ms)", p.pareto_alpha, p.pareto_scale_ms);
  }
  std::string out = fmt::format(
      "{}: delay {:g} ms, jitter {} mean {:.1f} ms clamp {:g} ms new every {:g} ms, "
      "Gilbert-Elliott p(G>B)={:g} p(B>G)={:g} loss G={:g} B={:g} (stationary {:.2f}%), random loss {:g}%, "
      "rate {}",
      p.name, p.base_delay_ms, jit, p.mean_jitter_ms(), p.max_jitter_ms, jitter_interval_ms, p.p_good_to_bad,
      p.p_bad_to_good, p.loss_good, p.loss_bad, 100.0 * p.stationary_loss(), 100.0 * loss, rate_text(rate_kbps));
  if (rate_kbps > 0 || !trace.empty()) {
    out += fmt::format(", queue {:g} ms", queue_ms);
    if (queue_bytes > 0) out += fmt::format(" / {} bytes", queue_bytes);
  }
  out += fmt::format(", reorder {:g}% by {:g} ms", 100.0 * reorder, reorder_ms);
  if (!trace.empty()) out += fmt::format(", trace of {} steps from {} ms", trace.size(), trace.front().at_ms);
  return out;
}

Result<PacketImpairment> PacketImpairment::create(PacketImpairmentConfig config, std::uint64_t seed) {
  KINETIC_CHECK(validate_packet_impairment(config));
  return PacketImpairment(std::move(config), seed);
}

PacketImpairment::PacketImpairment(PacketImpairmentConfig config, std::uint64_t seed)
    : config_(std::move(config)), packet_draw_(derive_seed(seed, 0)), time_draw_(derive_seed(seed, 1)) {}

const TraceStep* PacketImpairment::step_at(std::int64_t now_us) {
  while (next_step_ < config_.trace.size() && config_.trace[next_step_].at_ms * 1000 <= now_us) ++next_step_;
  return next_step_ == 0 ? nullptr : &config_.trace[next_step_ - 1];
}

std::int64_t PacketImpairment::jitter_us(std::int64_t now_us, const TraceStep* step) {
  const std::int64_t interval_us = ms_to_us(config_.jitter_interval_ms);
  const std::int64_t interval = interval_us > 0 ? now_us / interval_us : -1;
  if (interval >= 0 && interval == jitter_interval_ && jitter_step_ == next_step_) return jitter_value_us_;
  double ms = 0;
  if (step != nullptr) {
    ms = 2.0 * step->jitter_ms * time_draw_.open01();
  } else {
    const ImpairmentParams& p = config_.path;
    if (p.jitter == JitterShape::kGamma) {
      ms = time_draw_.gamma(p.gamma_shape, p.gamma_scale_ms);
    } else if (p.jitter == JitterShape::kPareto) {
      ms = time_draw_.pareto_excess(p.pareto_alpha, p.pareto_scale_ms);
    }
    ms = std::min(ms, p.max_jitter_ms);
  }
  jitter_interval_ = interval;
  jitter_step_ = next_step_;
  jitter_value_us_ = ms_to_us(ms);
  return jitter_value_us_;
}

PacketFate PacketImpairment::on_packet(std::int64_t now_us, std::size_t bytes) {
  now_us = std::max(now_us, last_now_us_);
  last_now_us_ = now_us;
  ++counters_.packets;
  counters_.bytes += bytes;
  const TraceStep* step = step_at(now_us);
  const ImpairmentParams& p = config_.path;

  // The same four draws for every packet, whatever happens to it, so one setting (a queue
  // limit, a trace step) does not shift which later packets the chain and the dice hit.
  const double chain_step = packet_draw_.open01();
  const double chain_dice = packet_draw_.open01();
  const double loss_dice = packet_draw_.open01();
  const double reorder_dice = packet_draw_.open01();

  PacketFate fate;
  bool chain_lost = false;
  if (step == nullptr) {
    bad_ = bad_ ? !(chain_step < p.p_bad_to_good) : chain_step < p.p_good_to_bad;
    chain_lost = chain_dice < (bad_ ? p.loss_bad : p.loss_good);
  } else {
    bad_ = false;  // a trace step's loss is random loss only
  }
  const bool randomly_lost = loss_dice < (step != nullptr ? step->loss_pct / 100.0 : config_.loss);

  // The bottleneck comes first: a packet that finds the queue full never reaches the path,
  // while one lost on the path has used its share of the link.
  const double rate = step != nullptr ? step->rate_kbps : config_.rate_kbps;
  std::int64_t departs_us = now_us;
  if (rate > 0) {
    const std::int64_t start_us = std::max(now_us, link_free_us_);
    const std::int64_t wait_us = start_us - now_us;
    const double queued_bytes = static_cast<double>(wait_us) * rate / 8000.0;
    const bool over_time = config_.queue_ms > 0 && wait_us > ms_to_us(config_.queue_ms);
    const bool over_bytes =
        config_.queue_bytes > 0 && queued_bytes + static_cast<double>(bytes) > static_cast<double>(config_.queue_bytes);
    if (over_time || over_bytes) {
      ++counters_.queue_dropped;
      fate.drop = PacketDrop::kQueue;
      return fate;
    }
    link_free_us_ = start_us + transmit_us(bytes, rate);
    departs_us = link_free_us_;
  }
  if (chain_lost) {
    fate.drop = bad_ ? PacketDrop::kBurst : PacketDrop::kLoss;
    ++(bad_ ? counters_.burst_lost : counters_.lost);
    return fate;
  }
  if (randomly_lost) {
    ++counters_.lost;
    fate.drop = PacketDrop::kLoss;
    return fate;
  }

  const std::int64_t base_us = ms_to_us(step != nullptr ? step->delay_ms : p.base_delay_ms);
  const std::int64_t in_line_us = std::max(departs_us + base_us + jitter_us(now_us, step), fifo_last_us_);
  if (reorder_dice < config_.reorder) {
    // Held past its place in line without moving the line: packets sent in the next
    // reorder_ms arrive before it.
    fate.deliver_at_us = in_line_us + ms_to_us(config_.reorder_ms);
    fate.reordered = true;
    ++counters_.reordered;
  } else {
    fate.deliver_at_us = in_line_us;
    fifo_last_us_ = in_line_us;
  }
  ++counters_.delivered;
  counters_.delivered_bytes += bytes;
  return fate;
}

}  // namespace kinetic::mock
