// The barrier between iterations: the islands' reports go into the hall of fame and the
// complexity statistics, and the migrant pools come out. A pure function of the hall of fame,
// the statistics and the reports (taken in island order), so the search is the same for any
// thread count, and a distributed search can run it on the reports gathered from every
// process. Migration itself (which members an island replaces) draws from each island's own
// random stream and runs where the island lives (IslandWorker, search.cpp).
#pragma once

#include <span>
#include <vector>

#include "search_state.hpp"
#include "symtorch/engine/search_options.hpp"

namespace symtorch::search_detail {

// What an island brings: explicit equations over the user's variables with losses on y
// (restored where it searches a problem view).
struct IslandReport {
  std::vector<Member> best_seen;    // its best member per complexity during the iteration
  std::vector<Member> top;          // its top members (options.topn, by cost) for migration
  // Where it searches a view: its top members as found (f, written out explicitly), which the
  // islands of the same view trade among themselves.
  std::vector<Member> top_in_view;
  std::vector<int> complexities;    // of its whole population (adaptive parsimony)
  bool in_view = false;
};

struct MigrantPools {
  std::vector<Member> islands;       // every island's `top`, in island order
  std::vector<Member> view;          // the `top_in_view` of the islands in the view
  std::vector<Member> hall_of_fame;  // the hall of fame's dominating members
};

MigrantPools run_barrier(HallOfFame& hall_of_fame, ComplexityFrequencies& frequencies,
                         std::span<const IslandReport> reports, const SearchOptions& options);

}  // namespace symtorch::search_detail
