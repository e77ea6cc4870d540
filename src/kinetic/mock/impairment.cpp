#include "kinetic/mock/impairment.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "kinetic/mock/percentile.hpp"
#include "kinetic/mock/seeded_draw.hpp"

namespace kinetic::mock {
namespace {


bool probability(double p) { return p >= 0.0 && p <= 1.0; }

}  // namespace

Status validate_impairment(const ImpairmentParams& p) {
  if (!(p.base_delay_ms >= 0) || !(p.max_jitter_ms >= 0) || !(p.rto_ms >= 0) || !std::isfinite(p.base_delay_ms) ||
      !std::isfinite(p.max_jitter_ms) || !std::isfinite(p.rto_ms)) {
    return Error{Errc::kInvalidValue, "delays must be finite and non-negative"};
  }
  if (p.jitter == JitterShape::kGamma && !(p.gamma_shape > 0 && p.gamma_scale_ms >= 0)) {
    return Error{Errc::kInvalidValue, "gamma jitter needs shape > 0 and scale >= 0"};
  }
  if (p.jitter == JitterShape::kPareto && !(p.pareto_alpha > 0 && p.pareto_scale_ms >= 0)) {
    return Error{Errc::kInvalidValue, "pareto jitter needs alpha > 0 and scale >= 0"};
  }
  if (!probability(p.p_good_to_bad) || !probability(p.p_bad_to_good) || !probability(p.loss_good) ||
      !probability(p.loss_bad)) {
    return Error{Errc::kInvalidValue, "probabilities must be in [0, 1]"};
  }
  if (p.max_retransmissions < 0 || p.max_retransmissions > 64) {
    return Error{Errc::kInvalidValue, "max_retransmissions out of range"};
  }
  return ok_status();
}

namespace {

std::int64_t ms_to_us(double ms) { return static_cast<std::int64_t>(std::llround(ms * 1000.0)); }

}  // namespace

bool ImpairmentParams::impaired() const noexcept {
  const bool jitters = (jitter == JitterShape::kGamma && gamma_scale_ms > 0) ||
                       (jitter == JitterShape::kPareto && pareto_scale_ms > 0);
  return jitters || stationary_loss() > 0;
}

double ImpairmentParams::stationary_loss() const noexcept {
  const double denom = p_good_to_bad + p_bad_to_good;
  if (denom <= 0) return loss_good;  // the chain never leaves the good state
  const double bad = p_good_to_bad / denom;
  return (1.0 - bad) * loss_good + bad * loss_bad;
}

double ImpairmentParams::mean_jitter_ms() const noexcept {
  switch (jitter) {
    case JitterShape::kNone: return 0;
    case JitterShape::kGamma: return gamma_shape * gamma_scale_ms;
    case JitterShape::kPareto:
      return pareto_alpha > 1 ? pareto_scale_ms * pareto_alpha / (pareto_alpha - 1) - pareto_scale_ms
                              : max_jitter_ms;  // infinite mean; the clamp bounds it
  }
  return 0;
}

std::string ImpairmentParams::describe() const {
  std::string jit = "none";
  if (jitter == JitterShape::kGamma) {
    jit = fmt::format("gamma(k={:g}, theta={:g} ms)", gamma_shape, gamma_scale_ms);
  } else if (jitter == JitterShape::kPareto) {
    jit = fmt::format("pareto(alpha={:g}, xm={:g} ms)", pareto_alpha, pareto_scale_ms);
  }
  return fmt::format(
      "{}: base {:g} ms, jitter {} (mean {:.1f} ms, clamp {:g} ms), Gilbert-Elliott p(G>B)={:g} p(B>G)={:g} "
      "loss G={:g} B={:g} (stationary {:.2f}%), RTO {:g} ms, max {} retransmissions",
      name, base_delay_ms, jit, mean_jitter_ms(), max_jitter_ms, p_good_to_bad, p_bad_to_good, loss_good, loss_bad,
      100.0 * stationary_loss(), rto_ms, max_retransmissions);
}

std::vector<std::string_view> impairment_preset_names() { return {"clean", "wifi", "lte", "congested"}; }

Result<ImpairmentParams> impairment_preset(std::string_view name) {
  ImpairmentParams p;
  p.name = std::string(name);
  if (name == "clean") {
    // A constant path delay only: nothing is late, nothing is lost.
    p.base_delay_ms = 5;
    return p;
  }
  if (name == "wifi") {
    // Short path, contention jitter, short interference bursts, fast link-layer-ish recovery.
    p.base_delay_ms = 8;
    p.jitter = JitterShape::kGamma;
    p.gamma_shape = 2.0;
    p.gamma_scale_ms = 6.0;
    p.p_good_to_bad = 0.02;
    p.p_bad_to_good = 0.35;
    p.loss_good = 0.002;
    p.loss_bad = 0.35;
    p.rto_ms = 40;
    return p;
  }
  if (name == "lte") {
    // Longer path, scheduler jitter, handover-like bursts, a transport RTO to recover.
    p.base_delay_ms = 35;
    p.jitter = JitterShape::kGamma;
    p.gamma_shape = 3.0;
    p.gamma_scale_ms = 9.0;
    p.p_good_to_bad = 0.01;
    p.p_bad_to_good = 0.25;
    p.loss_good = 0.001;
    p.loss_bad = 0.5;
    p.rto_ms = 100;
    return p;
  }
  if (name == "congested") {
    // A bufferbloated bottleneck: heavy-tailed queuing delay and frequent drop bursts.
    p.base_delay_ms = 50;
    p.jitter = JitterShape::kPareto;
    p.pareto_alpha = 1.6;
    p.pareto_scale_ms = 15;
    p.max_jitter_ms = 1500;
    p.p_good_to_bad = 0.03;
    p.p_bad_to_good = 0.2;
    p.loss_good = 0.005;
    p.loss_bad = 0.6;
    p.rto_ms = 150;
    return p;
  }
  return Error{Errc::kInvalidValue, "unknown impairment preset (clean, wifi, lte, congested)"};
}

Result<std::vector<ObjectArrival>> make_arrivals(const ImpairmentParams& params, std::uint64_t seed,
                                                       const std::vector<std::int64_t>& send_us, int group_size) {
  KINETIC_CHECK(validate_impairment(params));
  if (group_size < 1) return Error{Errc::kInvalidValue, "group_size must be >= 1"};
  for (std::size_t i = 1; i < send_us.size(); ++i) {
    if (send_us[i] < send_us[i - 1]) return Error{Errc::kInvalidValue, "send times must not decrease"};
  }
  SeededDraw draw(seed);
  const double retransmit_loss = params.stationary_loss();
  bool bad = false;
  std::vector<ObjectArrival> out(send_us.size());
  for (std::size_t i = 0; i < send_us.size(); ++i) {
    // A fixed number of draws per object for the chain and the first loss, so changing the
    // jitter shape does not shift which objects a burst hits.
    const double step = draw.open01();
    bad = bad ? !(step < params.p_bad_to_good) : step < params.p_good_to_bad;
    int lost_tries = 0;
    if (draw.chance(bad ? params.loss_bad : params.loss_good)) {
      // Retransmissions go out an RTO later, when the burst has usually passed, so they see the
      // chain's average loss rather than the burst's.
      lost_tries = 1;
      while (lost_tries <= params.max_retransmissions && draw.chance(retransmit_loss)) ++lost_tries;
    }
    double jitter_ms = 0;
    if (params.jitter == JitterShape::kGamma) {
      jitter_ms = draw.gamma(params.gamma_shape, params.gamma_scale_ms);
    } else if (params.jitter == JitterShape::kPareto) {
      jitter_ms = draw.pareto_excess(params.pareto_alpha, params.pareto_scale_ms);
    }
    jitter_ms = std::min(jitter_ms, params.max_jitter_ms);
    ObjectArrival& a = out[i];
    a.send_us = send_us[i];
    a.transmissions = lost_tries + 1;
    if (lost_tries > params.max_retransmissions) {
      a.arrival_us = kNeverArrives;
    } else {
      a.arrival_us = send_us[i] + ms_to_us(params.base_delay_ms + jitter_ms) + ms_to_us(params.rto_ms) * lost_tries;
    }
  }
  // In-order delivery within a group. An object that never arrives is abandoned (its stream
  // reset), so it holds nothing back.
  std::int64_t group_latest = INT64_MIN;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i % static_cast<std::size_t>(group_size) == 0) group_latest = INT64_MIN;
    if (out[i].arrival_us == kNeverArrives) continue;
    if (out[i].arrival_us < group_latest) {
      out[i].arrival_us = group_latest;
      out[i].head_of_line = true;
    }
    group_latest = out[i].arrival_us;
  }
  return out;
}

TraceSummary summarize(const std::vector<ObjectArrival>& arrivals) {
  TraceSummary s;
  s.objects = arrivals.size();
  std::vector<double> delays;
  for (const auto& a : arrivals) {
    if (a.transmissions > 1) ++s.retransmitted;
    if (a.head_of_line) ++s.head_of_line;
    if (a.arrival_us == kNeverArrives) {
      ++s.never_arrived;
      continue;
    }
    delays.push_back(static_cast<double>(a.arrival_us - a.send_us) / 1000.0);
  }
  s.delay_p50_ms = percentile(delays, 0.50);
  s.delay_p95_ms = percentile(delays, 0.95);
  s.delay_max_ms = delays.empty() ? 0 : *std::max_element(delays.begin(), delays.end());
  return s;
}

}  // namespace kinetic::mock
