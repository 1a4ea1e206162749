// One island (population) of the search and the machinery that evolves it: PySR's
// s_r_cycle (regularised evolution with simulated annealing over ncycles_per_iteration
// temperature steps) followed by simplification and constant optimisation of the population.
// An island uses only its own state and RNG, so islands run in parallel and the result does
// not depend on the thread count.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "search_context.hpp"
#include "search_state.hpp"
#include "symtorch/engine/constant_optimizer.hpp"
#include "symtorch/engine/fitness.hpp"
#include "symtorch/engine/mutation.hpp"

namespace symtorch::search_detail {

struct IslandCounters {
  std::uint64_t evaluations = 0;    // loss computations over the island's data (incl. optimiser passes)
  std::uint64_t cache_lookups = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t mutations_accepted = 0;
  std::uint64_t mutations_rejected = 0;
};

template <typename T>
class IslandWorker {
 public:
  // `scaled`: candidates are judged with linear scaling (a·f + b fitted in closed form);
  // `unary`: the unary operators that mutations may introduce.
  IslandWorker(const SearchContext<T>& ctx, bool scaled, std::vector<Op> unary);
  bool scaled() const { return scaled_; }
  // A fresh random population grown from `unary`, which new nodes come from from now on (an
  // operator-subset island's new draw), judged on `ctx`'s data (an outer epoch's target, or
  // the real one) and with or without linear scaling from now on. One step: the mutator
  // assumes every unary operator of a member is in its set, so old members must not meet the
  // new set.
  void restart(IslandState& s, std::vector<Op> unary, const SearchContext<T>& ctx, bool scaled);

  // A fresh random population (PySR: leaves grown by 3 append steps); `seeds` (warm start)
  // replace the first members.
  void initialize(IslandState& s, const std::vector<Expression>& seeds);
  // One iteration. Stops early (between temperature steps) when the context says so.
  void iterate(IslandState& s);
  // The best member per complexity seen during the last iteration.
  std::vector<Member> take_best_seen();
  bool stopped() const { return stopped_; }
  const IslandCounters& counters() const { return counters_; }

  // Evaluates m on the island's current data (cached by structural hash).
  void evaluate(Member& m);
  // Optimises the constants of m (cached), updating its loss and cost if they improve.
  bool optimize(Member& m);
  // Operon-style local search of a new candidate (options.local_search_iterations).
  void local_search(Member& m);

 private:
  bool fit_constants(Member& m, int iterations, int restarts);
  DataView<T> view() const { return ctx_->batching ? batch_.view() : ctx_->full.view(); }
  std::size_t tournament(IslandState& s);
  std::size_t oldest(const IslandState& s, std::size_t skip) const;
  bool next_generation(IslandState& s, std::size_t parent, double temperature);
  bool crossover_generation(IslandState& s, std::size_t a, std::size_t b);
  void note_best_seen(const std::vector<Member>& members);
  void draw_batch(IslandState& s);
  void clear_caches_if_full();

  const SearchContext<T>* ctx_;  // not owned; changes only at restart
  bool scaled_;
  OperatorSet allowed_;  // the user's binary operators and the island's unary ones
  LossEvaluator<T> evaluator_;
  ConstantOptimizer<T> optimizer_;
  Mutator mutator_;
  EvalData<T> batch_;
  std::vector<std::size_t> batch_rows_;
  struct CachedLoss {
    double loss, scale, offset;
  };
  struct CachedFit {
    std::vector<double> constants;
    double loss, scale, offset;
  };
  std::unordered_map<std::uint64_t, CachedLoss> loss_cache_;
  std::unordered_map<std::uint64_t, CachedFit> fit_cache_;
  std::vector<std::optional<Member>> best_seen_;
  Member child_, child2_;
  Expression fit_scratch_;
  std::vector<std::size_t> sample_;
  std::vector<std::pair<double, std::size_t>> ranked_;
  std::vector<double> tournament_weights_, tournament_total_;
  IslandCounters counters_;
  bool stopped_ = false;
};

extern template class IslandWorker<float>;
extern template class IslandWorker<double>;

}  // namespace symtorch::search_detail
