// SearchRng: the search's random number generator (xoshiro256**, seeded through SplitMix64).
// The standard library's distributions are implementation-defined, so the search draws all
// its numbers through these few helpers: the same seed gives the same numbers with any
// compiler or standard library, which the determinism guarantee of the search relies on.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace symtorch {

class SearchRng {
 public:
  using State = std::array<std::uint64_t, 4>;

  explicit SearchRng(std::uint64_t seed = 0) { reseed(seed); }
  // An independent stream for (seed, stream), e.g. one per island: both numbers are mixed
  // through SplitMix64, so neighbouring streams are uncorrelated.
  static SearchRng stream(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t s = seed;
    const std::uint64_t a = splitmix(s);
    return SearchRng(a ^ (stream * 0xD1342543DE82EF95ull + 0x9E3779B97F4A7C15ull));
  }

  void reseed(std::uint64_t seed) {
    std::uint64_t s = seed;
    for (auto& w : state_) w = splitmix(s);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n); n must be > 0. Lemire's multiply-shift with rejection (unbiased).
  std::size_t below(std::size_t n) {
    const std::uint64_t range = n;
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * range;
    auto low = static_cast<std::uint64_t>(m);
    if (low < range) {
      const std::uint64_t threshold = (0 - range) % range;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * range;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::size_t>(m >> 64);
  }
  bool chance(double p) { return uniform() < p; }
  bool coin() { return (next() >> 63) != 0; }
  // Standard normal (Box–Muller; one value per call keeps the state simple to save).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Poisson-distributed count with the given mean (Knuth's method; means here are small).
  std::size_t poisson(double mean) {
    if (mean <= 0) return 0;
    const double limit = std::exp(-mean);
    std::size_t k = 0;
    double p = uniform();
    while (p > limit) {
      ++k;
      p *= uniform();
    }
    return k;
  }

  const State& state() const { return state_; }
  void set_state(const State& s) { state_ = s; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  State state_{};
};

}  // namespace symtorch
