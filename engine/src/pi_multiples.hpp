// Constants that are rational multiples of π or of 1/π: 2π and 1/(2π) in Planck's law, π/4 in
// an area. The search finds them as plain numbers (6.283185307179586); written as p·π/q they
// read as the physics does, and a symbolic check sees π rather than 6.283.
#pragma once

#include <cmath>
#include <numbers>
#include <numeric>
#include <optional>
#include <vector>

namespace symtorch::detail {

struct PiMultiple {
  long p = 1, q = 1;     // p·π/q, or p/(q·π) if `inverse`; q >= 1, gcd(p, q) = 1
  bool inverse = false;
  // Computed as the printed text reads, so that parsing the text gives the same double.
  double value() const {
    const double pi = std::numbers::pi;
    return inverse ? static_cast<double>(p) / (static_cast<double>(q) * pi) : static_cast<double>(p) * pi / static_cast<double>(q);
  }
};

inline constexpr long kMaxPiDenominator = 12;
inline constexpr long kMaxPiNumerator = 24;

// The multiples p·π/q and p/(q·π) (|p| <= 24, q <= max_q, p != 0) within `relative` of c,
// simplest (smallest q, then π before 1/π) first.
inline std::vector<PiMultiple> pi_multiples_near(double c, long max_q, double relative) {
  std::vector<PiMultiple> out;
  if (!std::isfinite(c) || c == 0) return out;
  for (long q = 1; q <= max_q; ++q)
    for (const bool inverse : {false, true}) {
      const double pi = std::numbers::pi;
      const double ratio = inverse ? c * q * pi : c * q / pi;
      // Rounded only when in range: lround of a huge ratio gives LONG_MIN, and abs of it is UB.
      if (!(std::abs(ratio) < kMaxPiNumerator + 1)) continue;
      const long p = std::lround(ratio);
      if (p == 0 || std::abs(p) > kMaxPiNumerator || std::gcd(p, q) != 1) continue;
      const PiMultiple m{p, q, inverse};
      if (std::abs(m.value() - c) <= relative * std::abs(c)) out.push_back(m);
    }
  return out;
}

// The multiple that is exactly v (as PiMultiple::value computes it), if any.
inline std::optional<PiMultiple> exact_pi_multiple(double v) {
  for (const PiMultiple& m : pi_multiples_near(v, kMaxPiDenominator, 1e-15))
    if (m.value() == v) return m;
  return std::nullopt;
}

}  // namespace symtorch::detail
