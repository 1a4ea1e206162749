#include "barrier.hpp"

#include <stdexcept>

namespace symtorch::search_detail {

MigrantPools run_barrier(HallOfFame& hall_of_fame, ComplexityFrequencies& frequencies,
                         std::span<const IslandReport> reports, const SearchOptions& options) {
  // Every path that makes or rewrites a member keeps to the user's operators; a member that
  // does not is a bug, stopped here before it can reach the front.
  const OperatorSet allowed = options.operator_set();
  for (const auto& r : reports)
    for (const auto& m : r.best_seen) {
      if (const auto op = allowed.first_outside(m.expr))
        throw std::logic_error("a member with the operator '" + op_info(*op).name +
                               "', which is not allowed, reached the hall of fame (internal error)");
      hall_of_fame.update(m);
    }
  for (const auto& r : reports) {
    for (const int c : r.complexities) frequencies.add(c);
    frequencies.move_window();
  }
  MigrantPools pools;
  if (options.migration)
    for (const auto& r : reports) {
      pools.islands.insert(pools.islands.end(), r.top.begin(), r.top.end());
      pools.view.insert(pools.view.end(), r.top_in_view.begin(), r.top_in_view.end());
    }
  if (options.hof_migration) pools.hall_of_fame = hall_of_fame.dominating();
  return pools;
}

}  // namespace symtorch::search_detail
