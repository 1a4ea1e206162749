// The n-body simulator behind the graph-network case study: force conventions, Newton's third
// law, forces as minus the gradient of the potential, energy conservation of the integrator,
// determinism, and refusal of bad configurations.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "simulation.hpp"

using namespace symtorch::examples;

namespace {

SystemState three_bodies() {
  SystemState s;
  s.x = {0.0, 1.3, -0.4};
  s.y = {0.0, 0.2, 1.1};
  s.vx = {0.1, -0.2, 0.0};
  s.vy = {0.0, 0.3, -0.1};
  s.m = {1.0, 2.5, 0.7};
  return s;
}

double potential(ForceLaw law, const LawConstants& c, const SystemState& s) {
  double u = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      const double r = std::hypot(s.x[i] - s.x[j], s.y[i] - s.y[j]);
      u += law == ForceLaw::Gravity ? -c.gravity * s.m[i] * s.m[j] / r
                                    : 0.5 * c.stiffness * (r - c.rest_length) * (r - c.rest_length);
    }
  return u;
}

}  // namespace

TEST_CASE("pair forces follow the documented laws and sign conventions") {
  const LawConstants c;
  // dx = x_i - x_j = (3, 4), r = 5: gravity pulls i back towards j.
  const PairForce g = pair_force(ForceLaw::Gravity, c, 3, 4, 2, 3);
  CHECK(g.fx == doctest::Approx(-6.0 * 3 / 125).epsilon(1e-14));
  CHECK(g.fy == doctest::Approx(-6.0 * 4 / 125).epsilon(1e-14));
  // A spring at its rest length exerts nothing; stretched to r = 2 it pulls with k (r - L).
  const PairForce rest = pair_force(ForceLaw::Spring, c, 0.6, 0.8, 1, 1);
  CHECK(std::abs(rest.fx) < 1e-15);
  const PairForce stretched = pair_force(ForceLaw::Spring, c, 2, 0, 5, 7);
  CHECK(stretched.fx == doctest::Approx(-1.0).epsilon(1e-14));
  CHECK(stretched.fy == 0.0);
}

TEST_CASE("accelerations conserve momentum and are minus the potential's gradient over the mass") {
  for (ForceLaw law : {ForceLaw::Gravity, ForceLaw::Spring}) {
    CAPTURE(to_string(law));
    const LawConstants c;
    const SystemState s = three_bodies();
    std::vector<double> ax, ay;
    accelerations(law, c, s, ax, ay);
    double px = 0, py = 0, scale = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      px += s.m[i] * ax[i];
      py += s.m[i] * ay[i];
      scale += std::abs(s.m[i] * ax[i]) + std::abs(s.m[i] * ay[i]);
    }
    CHECK(std::abs(px) < 1e-14 * scale);  // rounding of a few additions
    CHECK(std::abs(py) < 1e-14 * scale);
    // Central differences with h = 1e-5 have truncation error ~h^2 * U''' ~ 1e-10 here.
    const double h = 1e-5;
    for (std::size_t i = 0; i < s.size(); ++i) {
      SystemState plus = s, minus = s;
      plus.x[i] += h, minus.x[i] -= h;
      const double fx = -(potential(law, c, plus) - potential(law, c, minus)) / (2 * h);
      plus = s, minus = s;
      plus.y[i] += h, minus.y[i] -= h;
      const double fy = -(potential(law, c, plus) - potential(law, c, minus)) / (2 * h);
      CHECK(ax[i] == doctest::Approx(fx / s.m[i]).epsilon(1e-7));
      CHECK(ay[i] == doctest::Approx(fy / s.m[i]).epsilon(1e-7));
    }
  }
}

TEST_CASE("velocity Verlet snapshots conserve a spring system's energy") {
  SimulationConfig config;
  config.law = ForceLaw::Spring;
  config.systems = 1;
  config.snapshots_per_system = 8;
  config.min_distance = 1e-9;  // keep every snapshot so they are consecutive states of one system
  config.seed = 7;
  const SnapshotSet set = simulate(config);
  REQUIRE(set.snapshots == 8);
  const std::size_t n = set.particles;
  std::vector<double> energies;
  for (std::size_t s = 0; s < set.snapshots; ++s) {
    SystemState state;
    for (std::size_t i = 0; i < n; ++i) {
      state.x.push_back(set.x[s * n + i]), state.y.push_back(set.y[s * n + i]);
      state.vx.push_back(set.vx[s * n + i]), state.vy.push_back(set.vy[s * n + i]);
      state.m.push_back(set.m[s * n + i]);
    }
    double kinetic = 0;
    for (std::size_t i = 0; i < n; ++i)
      kinetic += 0.5 * state.m[i] * (state.vx[i] * state.vx[i] + state.vy[i] * state.vy[i]);
    energies.push_back(kinetic + potential(ForceLaw::Spring, config.constants, state));
  }
  // Verlet's energy error is O(dt^2) = 1e-4 relative for dt = 0.01 and forces of order one.
  for (double e : energies) CHECK(e == doctest::Approx(energies.front()).epsilon(1e-3));
}

TEST_CASE("simulation is deterministic, keeps pairs apart and lays edges out receiver-major") {
  SimulationConfig config;
  config.systems = 30;
  config.seed = 11;
  const SnapshotSet a = simulate(config), b = simulate(config);
  CHECK(a.x == b.x);
  CHECK(a.ax == b.ax);
  config.seed = 12;
  CHECK(simulate(config).x != a.x);

  const std::size_t n = a.particles;
  for (std::size_t s = 0; s < a.snapshots; ++s)
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j)
        CHECK(std::hypot(a.x[s * n + i] - a.x[s * n + j], a.y[s * n + i] - a.y[s * n + j]) >= config.min_distance);

  const std::vector<double> f = edge_features(a);
  REQUIRE(f.size() == a.snapshots * n * (n - 1) * kEdgeFeatures);
  // Snapshot 0, receiver 0: senders 1, 2, 3; then receiver 1: senders 0, 2, 3.
  CHECK(f[0] == a.x[0] - a.x[1]);
  CHECK(f[1] == a.y[0] - a.y[1]);
  CHECK(f[2] == std::hypot(f[0], f[1]));
  CHECK(f[3] == a.m[0]);
  CHECK(f[4] == a.m[1]);
  const double* second_receiver = f.data() + (n - 1) * kEdgeFeatures;
  CHECK(second_receiver[0] == a.x[1] - a.x[0]);
  CHECK(second_receiver[4] == a.m[0]);
  CHECK(edge_feature_names() == std::vector<std::string>{"dx", "dy", "r", "m1", "m2"});
}

TEST_CASE("bad simulation settings are refused with the setting named") {
  SimulationConfig config;
  config.particles = 1;
  CHECK_THROWS_WITH_AS(simulate(config), doctest::Contains("at least 2 particles"), std::invalid_argument);
  config = {};
  config.dt = 0;
  CHECK_THROWS_WITH_AS(simulate(config), doctest::Contains("time step"), std::invalid_argument);
  config = {};
  config.min_distance = 1e9;  // nothing can satisfy it
  CHECK_THROWS_WITH_AS(simulate(config), doctest::Contains("minimum distance"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_force_law("magnetic"), doctest::Contains("'magnetic'"), std::invalid_argument);
  CHECK(parse_force_law("spring") == ForceLaw::Spring);
}
