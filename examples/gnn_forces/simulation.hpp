// Two-dimensional n-body systems for the graph-network case study: particles with random masses,
// positions and velocities, moved by a pairwise force law with velocity Verlet, sampled at
// snapshots as (state, acceleration) pairs — the observations a graph network is trained on.
//
// Pairwise quantities use the receiver/sender convention of the interaction network: for the
// edge from sender j to receiver i, dx = x_i - x_j, dy = y_i - y_j, r = |(dx, dy)|, m1 = m_i,
// m2 = m_j, and force(i <- j) is the force that j exerts on i:
//   gravity: F = -G m1 m2 (dx, dy) / r^3          (attraction, |F| = G m1 m2 / r^2)
//   spring:  F = -k (r - L) (dx, dy) / r          (Hooke's law, rest length L, every pair linked)
// and the acceleration of i is the sum of the forces on it divided by m_i. No softening: the
// simulator discards snapshots with two particles closer than `min_distance`, so every recorded
// acceleration follows the force law exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace symtorch::examples {

enum class ForceLaw { Gravity, Spring };

// "gravity" or "spring"; throws std::invalid_argument naming the text otherwise.
ForceLaw parse_force_law(const std::string& name);
const char* to_string(ForceLaw law);

struct LawConstants {
  double gravity = 1.0;      // G
  double stiffness = 1.0;    // k
  double rest_length = 1.0;  // L
};

struct PairForce {
  double fx = 0, fy = 0;
};

// The force that a sender exerts on a receiver, from the pair's features (see above).
PairForce pair_force(ForceLaw law, const LawConstants& c, double dx, double dy, double m1, double m2);

// One system's state: n particles, each with position, velocity and mass.
struct SystemState {
  std::vector<double> x, y, vx, vy, m;
  std::size_t size() const { return m.size(); }
};

// Acceleration of every particle (sum of pair forces over all other particles, divided by its mass).
void accelerations(ForceLaw law, const LawConstants& c, const SystemState& s, std::vector<double>& ax,
                   std::vector<double>& ay);

struct SimulationConfig {
  ForceLaw law = ForceLaw::Gravity;
  LawConstants constants;
  std::size_t particles = 4;
  std::size_t systems = 500;            // independent random initial conditions
  std::size_t snapshots_per_system = 8;
  std::size_t steps_between_snapshots = 10;
  double dt = 0.01;
  double min_distance = 0.5;            // snapshots with a closer pair are discarded
  std::uint64_t seed = 0;
};

// Snapshots of many systems, particle-major within a snapshot.
// x[s * n + i] is particle i of snapshot s (likewise y, vx, vy, m, ax, ay).
struct SnapshotSet {
  std::size_t particles = 0;
  std::size_t snapshots = 0;
  std::vector<double> x, y, vx, vy, m, ax, ay;
};

// Random initial conditions (positions ~ N(0, spread^2) with spread chosen per law, velocities
// ~ N(0, 0.25), masses log-normal exp(N(0, 0.25)) so m ∈ ~[0.4, 2.7]), integrated with velocity
// Verlet. Deterministic for a given config (std::mt19937_64 and hand-written normal sampling, so
// the data do not depend on the standard library's distribution implementations).
// Throws std::invalid_argument for fewer than 2 particles, zero systems/snapshots, dt <= 0 or
// min_distance <= 0.
SnapshotSet simulate(const SimulationConfig& config);

// Edge features of every (receiver i, sender j != i) pair of every snapshot, in the order
// snapshot-major, receiver, then sender (skipping j == i) — so the n - 1 edges of a receiver are
// contiguous and messages can be summed with a reshape. Row-major [edges, 5]: dx, dy, r, m1, m2.
inline constexpr std::size_t kEdgeFeatures = 5;
std::vector<std::string> edge_feature_names();  // {"dx", "dy", "r", "m1", "m2"}
std::vector<double> edge_features(const SnapshotSet& set);

}  // namespace symtorch::examples
