// Seeded random draws that are the same on every standard library. The std distributions
// (uniform_real, gamma, ...) are not specified bit for bit, so a trace made with them would
// differ between toolchains; mt19937_64 is, so every draw here is built from its raw output.
// The offline impairment traces and the per-packet model of the impairment proxy share it.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace kinetic::mock {

class SeededDraw {
 public:
  explicit SeededDraw(std::uint64_t seed) : engine_(seed) {}

  // Uniform in (0, 1): never 0, so logs and powers stay finite.
  double open01() { return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53; }

  double normal() {  // Box–Muller, one value per call for a fixed draw count
    const double u1 = open01();
    const double u2 = open01();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
  }

  // Marsaglia–Tsang (2000); shapes below 1 use the Gamma(k+1)·U^(1/k) identity.
  double gamma(double shape, double scale) {
    if (shape < 1.0) return gamma(shape + 1.0, scale) * std::pow(open01(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x;
      double v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = open01();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v * scale;
    }
  }

  double pareto_excess(double alpha, double xm) { return xm * std::pow(open01(), -1.0 / alpha) - xm; }

  bool chance(double p) { return open01() < p; }

 private:
  std::mt19937_64 engine_;
};

// SplitMix64 (Steele, Lea, Flood 2014): turns one seed and a stream number into well-separated
// seeds, so streams derived from seeds 1 and 2 do not start out correlated.
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace kinetic::mock
