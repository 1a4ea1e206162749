#include "simulation.hpp"

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

namespace symtorch::examples {
namespace {

// Uniform in (0, 1] from the top 53 bits, then Box–Muller: both fully specified, so the same
// seed gives the same data with any standard library.
class NormalSampler {
 public:
  explicit NormalSampler(std::uint64_t seed) : rng_(seed) {}
  double uniform() { return (static_cast<double>(rng_() >> 11) + 1.0) * 0x1.0p-53; }
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double radius = std::sqrt(-2.0 * std::log(uniform()));
    const double angle = 2.0 * std::numbers::pi * uniform();
    spare_ = radius * std::sin(angle);
    has_spare_ = true;
    return radius * std::cos(angle);
  }

 private:
  std::mt19937_64 rng_;
  double spare_ = 0;
  bool has_spare_ = false;
};

double min_pair_distance(const SystemState& s) {
  double best = INFINITY;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = i + 1; j < s.size(); ++j) best = std::min(best, std::hypot(s.x[i] - s.x[j], s.y[i] - s.y[j]));
  return best;
}

// Spread of the initial positions: gravity systems start wide enough that few snapshots are
// lost to close encounters; spring systems start around the rest length so that both stretched
// and compressed springs are seen.
double position_spread(ForceLaw law) { return law == ForceLaw::Gravity ? 1.5 : 1.0; }

SystemState random_system(const SimulationConfig& c, NormalSampler& rng) {
  SystemState s;
  const std::size_t n = c.particles;
  s.x.resize(n), s.y.resize(n), s.vx.resize(n), s.vy.resize(n), s.m.resize(n);
  const double spread = position_spread(c.law);
  for (std::size_t i = 0; i < n; ++i) {
    s.x[i] = spread * rng.normal();
    s.y[i] = spread * rng.normal();
    s.vx[i] = 0.5 * rng.normal();
    s.vy[i] = 0.5 * rng.normal();
    s.m[i] = std::exp(0.5 * rng.normal());
  }
  return s;
}

void verlet_steps(const SimulationConfig& c, SystemState& s, std::size_t steps, std::vector<double>& ax,
                  std::vector<double>& ay) {
  const double h = c.dt;
  accelerations(c.law, c.constants, s, ax, ay);
  for (std::size_t step = 0; step < steps; ++step) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      s.vx[i] += 0.5 * h * ax[i];
      s.vy[i] += 0.5 * h * ay[i];
      s.x[i] += h * s.vx[i];
      s.y[i] += h * s.vy[i];
    }
    accelerations(c.law, c.constants, s, ax, ay);
    for (std::size_t i = 0; i < s.size(); ++i) {
      s.vx[i] += 0.5 * h * ax[i];
      s.vy[i] += 0.5 * h * ay[i];
    }
  }
}

}  // namespace

ForceLaw parse_force_law(const std::string& name) {
  if (name == "gravity") return ForceLaw::Gravity;
  if (name == "spring") return ForceLaw::Spring;
  throw std::invalid_argument("unknown force law '" + name + "' (expected 'gravity' or 'spring')");
}

const char* to_string(ForceLaw law) { return law == ForceLaw::Gravity ? "gravity" : "spring"; }

PairForce pair_force(ForceLaw law, const LawConstants& c, double dx, double dy, double m1, double m2) {
  const double r = std::hypot(dx, dy);
  double scale = 0;
  if (law == ForceLaw::Gravity) scale = -c.gravity * m1 * m2 / (r * r * r);
  else scale = -c.stiffness * (r - c.rest_length) / r;
  return {scale * dx, scale * dy};
}

void accelerations(ForceLaw law, const LawConstants& c, const SystemState& s, std::vector<double>& ax,
                   std::vector<double>& ay) {
  const std::size_t n = s.size();
  ax.assign(n, 0.0);
  ay.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const PairForce f = pair_force(law, c, s.x[i] - s.x[j], s.y[i] - s.y[j], s.m[i], s.m[j]);
      ax[i] += f.fx;
      ay[i] += f.fy;
    }
    ax[i] /= s.m[i];
    ay[i] /= s.m[i];
  }
}

SnapshotSet simulate(const SimulationConfig& c) {
  if (c.particles < 2) throw std::invalid_argument("simulation needs at least 2 particles, got " + std::to_string(c.particles));
  if (c.systems == 0 || c.snapshots_per_system == 0)
    throw std::invalid_argument("simulation needs at least one system and one snapshot per system");
  if (!(c.dt > 0)) throw std::invalid_argument("simulation time step must be > 0, got " + std::to_string(c.dt));
  if (!(c.min_distance > 0))
    throw std::invalid_argument("minimum pair distance must be > 0, got " + std::to_string(c.min_distance));

  NormalSampler rng(c.seed);
  SnapshotSet out;
  out.particles = c.particles;
  std::vector<double> ax, ay;
  auto push = [&](const SystemState& s) {
    out.x.insert(out.x.end(), s.x.begin(), s.x.end());
    out.y.insert(out.y.end(), s.y.begin(), s.y.end());
    out.vx.insert(out.vx.end(), s.vx.begin(), s.vx.end());
    out.vy.insert(out.vy.end(), s.vy.begin(), s.vy.end());
    out.m.insert(out.m.end(), s.m.begin(), s.m.end());
    out.ax.insert(out.ax.end(), ax.begin(), ax.end());
    out.ay.insert(out.ay.end(), ay.begin(), ay.end());
    ++out.snapshots;
  };
  for (std::size_t sys = 0; sys < c.systems; ++sys) {
    SystemState s = random_system(c, rng);
    for (std::size_t snap = 0; snap < c.snapshots_per_system; ++snap) {
      // The first snapshot is the initial state; accelerations are those of the stored state.
      if (snap > 0) verlet_steps(c, s, c.steps_between_snapshots, ax, ay);
      else accelerations(c.law, c.constants, s, ax, ay);
      if (min_pair_distance(s) >= c.min_distance) push(s);
    }
  }
  if (out.snapshots == 0)
    throw std::invalid_argument("every snapshot had a pair closer than the minimum distance " +
                                std::to_string(c.min_distance));
  return out;
}

std::vector<std::string> edge_feature_names() { return {"dx", "dy", "r", "m1", "m2"}; }

std::vector<double> edge_features(const SnapshotSet& set) {
  const std::size_t n = set.particles;
  std::vector<double> f;
  f.reserve(set.snapshots * n * (n - 1) * kEdgeFeatures);
  for (std::size_t s = 0; s < set.snapshots; ++s) {
    const std::size_t base = s * n;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        const double dx = set.x[base + i] - set.x[base + j];
        const double dy = set.y[base + i] - set.y[base + j];
        f.insert(f.end(), {dx, dy, std::hypot(dx, dy), set.m[base + i], set.m[base + j]});
      }
    }
  }
  return f;
}

}  // namespace symtorch::examples
