#include "symtorch/engine/search.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "checkpoint.hpp"
#include "envelope.hpp"
#include "island.hpp"
#include "reformulation.hpp"
#include "symmetry.hpp"
#include "polish.hpp"
#include "symtorch/engine/detail/parallel_for.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"

namespace symtorch {

using namespace search_detail;

const char* to_string(StopReason r) {
  switch (r) {
    case StopReason::Iterations: return "iterations";
    case StopReason::TimeLimit: return "time limit";
    case StopReason::TargetLoss: return "target loss";
    case StopReason::ExactFit: return "exact fit";
    case StopReason::Requested: return "stop requested";
  }
  return "?";
}

std::string SearchResult::equation(std::size_t i, Format format) const {
  return to_string(front[i].expression, variable_names, format);
}

namespace {

std::vector<std::string> names_of(const Dataset& data) {
  if (!data.feature_names.empty()) return data.feature_names;
  std::vector<std::string> names;
  for (std::size_t k = 0; k < data.num_features(); ++k) names.push_back(std::string("x").append(std::to_string(k)));
  return names;
}

std::vector<Expression> parse_warm_start(const SearchOptions& options, const std::vector<std::string>& names) {
  std::vector<Expression> out;
  for (const auto& text : options.warm_start) {
    try {
      out.push_back(parse_expression(text, names));
    } catch (const std::exception& e) {
      throw std::invalid_argument("warm-start equation '" + text + "': " + e.what());
    }
  }
  return out;
}

template <typename T>
class SearchDriver {
 public:
  SearchDriver(const Dataset& data, const SearchOptions& options, std::stop_token stop, const ProgressCallback& progress)
      : data_(data),
        options_(options),
        progress_(progress),
        ctx_(options, data, weighted_variance(data)),
        arena_(options.threads > 0 ? options.threads : tbb::task_arena::automatic),
        full_double_(dataset_view(data, pointers_)),
        floor_(exact_fit_floor(weighted_mean_square(data))) {
    reformulations_ = options.subset_redraw_iterations > 0 && !ctx_.batching;
    if (reformulations_ && options.outer_epochs) outer_ops_ = applicable_outer_operators(options, data);
    if (reformulations_ && options.envelope_epochs) envelope_ = oscillation_envelope(data, options.unary_operators);
    polish_data_.full = full_double_;
    polish_data_.sample = full_double_;
    if (const auto rows = polish_sample_rows(data.rows()); !rows.empty()) {
      polish_sample_.assign_rows(data, rows);
      polish_data_.sample = polish_sample_.view();
      polish_data_.sampled = true;
    }
    ctx_.stop = stop;
    if (options.time_limit_seconds > 0)
      ctx_.deadline = start_ + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(options.time_limit_seconds));
    if (options.cpu_time_limit_seconds > 0) ctx_.cpu_deadline = cpu_start_ + options.cpu_time_limit_seconds;
  }

  SearchResult run(const Selection& selection) {
    const auto names = names_of(data_);
    const auto seeds = parse_warm_start(options_, names);
    const bool resumed = !options_.resume_path.empty();
    if (resumed) state_ = load_checkpoint(options_.resume_path, options_, data_);
    set_epoch_reformulation();
    for (std::size_t i = 0; i < static_cast<std::size_t>(options_.populations); ++i) {
      island_unary_.push_back(unary_operators_of(i));
      workers_.push_back(std::make_unique<IslandWorker<T>>(
          context_of(i), scaled_of(i), island_unary_.back()));
    }
    if (!resumed) {
      state_.hall_of_fame = HallOfFame(options_.maxsize);
      state_.frequencies = ComplexityFrequencies(options_.maxsize);
      state_.islands.resize(static_cast<std::size_t>(options_.populations));
      for (std::size_t i = 0; i < state_.islands.size(); ++i) state_.islands[i].rng = SearchRng::stream(options_.seed, i);
      arena_.execute([&] {
        search_detail::parallel_for(tbb::blocked_range<std::size_t>(0, workers_.size(), 1), [&](const auto& r) {
          for (std::size_t i = r.begin(); i < r.end(); ++i) workers_[i]->initialize(state_.islands[i], seeds);
        });
      });
      // The initial members (warm-start equations among them) enter the hall of fame, so even
      // zero iterations report a front.
      std::vector<std::vector<Member>> seen;
      for (const auto& island : state_.islands) seen.push_back(island.members);
      update_hall_of_fame(seen);
    }
    const std::uint64_t resumed_evaluations = state_.evaluations;
    SearchStats stats;
    stats.stop_reason = StopReason::Iterations;
    while (state_.iteration < options_.niterations) {
      if (ctx_.should_stop()) {
        stats.stop_reason = ctx_.stop.stop_requested() ? StopReason::Requested : StopReason::TimeLimit;
        break;
      }
      ctx_.curmaxsize = current_maxsize();
      ctx_.set_frequencies(state_.frequencies.normalized());
      if (reformed_ctx_) {
        // Room for g (or x_k / ·) at the root.
        reformed_ctx_->curmaxsize = std::max(1, ctx_.curmaxsize - reformulation_.root_complexity());
        reformed_ctx_->set_frequencies(ctx_.frequencies);
      }
      arena_.execute([&] {
        search_detail::parallel_for(tbb::blocked_range<std::size_t>(0, workers_.size(), 1), [&](const auto& r) {
          for (std::size_t i = r.begin(); i < r.end(); ++i) workers_[i]->iterate(state_.islands[i]);
        });
      });
      barrier();
      ++state_.iteration;
      if (options_.subset_redraw_iterations > 0 && state_.iteration % options_.subset_redraw_iterations == 0)
        redraw_subsets();
      state_.evaluations = resumed_evaluations;
      for (const auto& w : workers_) state_.evaluations += w->counters().evaluations;
      if (!options_.checkpoint_path.empty()) save_checkpoint(options_.checkpoint_path, state_, options_, data_);
      if (progress_) report_progress();
      if (ctx_.stop.stop_requested()) {
        stats.stop_reason = StopReason::Requested;
        break;
      }
      if (ctx_.out_of_time()) {
        stats.stop_reason = StopReason::TimeLimit;
        break;
      }
      if (options_.target_loss && state_.hall_of_fame.best_loss() <= *options_.target_loss) {
        stats.stop_reason = StopReason::TargetLoss;
        break;
      }
      if (options_.stop_on_exact_fit && exact_fit_found()) {
        stats.stop_reason = StopReason::ExactFit;
        break;
      }
    }

    SearchResult result;
    std::vector<Member> hof;
    for (const auto& slot : state_.hall_of_fame.slots())
      if (slot) hof.push_back(*slot);
    std::vector<FrontMember> candidates;
    arena_.execute([&] { candidates = polish_all(hof, options_, polish_data_, floor_); });
    result.front = ParetoFront::from_candidates(std::move(candidates), floor_, effective_rows(data_));
    if (result.front.empty()) throw std::runtime_error("the search found no equation with a finite loss");
    result.selection = selection;
    result.chosen = result.front.select(selection);
    result.variable_names = names;
    result.target_name = data_.target_name;
    stats.iterations = state_.iteration;
    for (const auto& v : state_.merged_variables) stats.merged_variables.push_back(to_string(v, names));
    if (envelope_epochs_ran()) stats.envelope = to_string(*envelope_, names);
    stats.evaluations = state_.evaluations;
    for (const auto& w : workers_) {
      stats.cache_lookups += w->counters().cache_lookups;
      stats.cache_hits += w->counters().cache_hits;
    }
    stats.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    stats.cpu_seconds = process_cpu_seconds() - cpu_start_;
    result.stats = stats;
    return result;
  }

 private:
  int current_maxsize() const {
    const int warm = options_.warmup_maxsize_iterations;
    if (warm <= 0 || state_.iteration >= warm) return options_.maxsize;
    const int grown = 3 + (options_.maxsize - 3) * state_.iteration / warm;
    return std::clamp(grown, std::min(3, options_.maxsize), options_.maxsize);
  }

  // Full-data losses for members evaluated on a mini-batch. Only candidates that could enter the
  // hall of fame are evaluated (batch loss within 2x of the member they would replace), each
  // distinct expression once (results cached by structural hash), in parallel.
  void full_data_losses(std::vector<std::vector<Member>>& seen) {
    if (full_cache_.size() > options_.fitness_cache_entries) full_cache_.clear();
    std::vector<Member*> todo;
    std::unordered_set<std::uint64_t> queued;
    std::vector<std::uint64_t> keys;
    for (auto& island : seen) {
      for (auto& m : island) {
        const Member* current = state_.hall_of_fame.at(m.complexity);
        if (current && m.loss > 2 * current->loss) {
          m.loss = kInf;  // not a contender: keep it out of the hall of fame
          continue;
        }
        const std::uint64_t key = m.expr.hash(true);
        if (full_cache_.count(key) || !queued.insert(key).second) continue;
        todo.push_back(&m);
        keys.push_back(key);
      }
    }
    evaluate_on_full_data(todo, keys, full_cache_);
    for (auto& island : seen)
      for (auto& m : island) {
        if (!std::isfinite(m.loss)) continue;
        const auto it = full_cache_.find(m.expr.hash(true));
        if (it == full_cache_.end()) {
          m.loss = kInf;
          continue;
        }
        m.loss = it->second.loss;
        m.scale = it->second.scale;
        m.offset = it->second.offset;
        m.cost = ctx_.cost(m.loss, m.complexity);
      }
  }

  // Losses of the (distinct) `todo` on the full data, unscaled, in parallel, into `cache`.
  void evaluate_on_full_data(const std::vector<Member*>& todo, const std::vector<std::uint64_t>& keys,
                             std::unordered_map<std::uint64_t, LossResult>& cache) {
    std::vector<LossResult> results(todo.size());
    tbb::enumerable_thread_specific<LossEvaluator<T>> evaluators([&] { return LossEvaluator<T>(false); });
    arena_.execute([&] {
      search_detail::parallel_for(std::size_t{0}, todo.size(), [&](std::size_t i) {
        results[i] = evaluators.local().loss(todo[i]->expr, ctx_.full.view());
      });
    });
    for (std::size_t i = 0; i < todo.size(); ++i) cache.emplace(keys[i], results[i]);
    state_.evaluations += todo.size();
  }

  // Whether an epoch of the iterations run so far searched y / h.
  bool envelope_epochs_ran() const {
    if (!envelope_ || state_.iteration == 0) return false;
    const int last = (state_.iteration - 1) / options_.subset_redraw_iterations;
    for (int epoch = 0; epoch <= last; ++epoch)
      if (options_.envelope_epoch(epoch)) return true;
    return false;
  }

  int subset_epoch() const {
    return options_.subset_redraw_iterations > 0 ? state_.iteration / options_.subset_redraw_iterations : 0;
  }

  // Whether island i searches a reformulated problem this epoch.
  bool reformed_island(std::size_t i) const {
    return !reformulation_.identity() && options_.redrawn_subset_island(static_cast<int>(i));
  }
  const SearchContext<T>& context_of(std::size_t i) const { return reformed_island(i) ? *reformed_ctx_ : ctx_; }
  // Numerator epochs search with linear scaling (SearchOptions::scale_numerator_epochs).
  bool scaled_of(std::size_t i) const {
    return options_.scaled_island(static_cast<int>(i)) ||
           (reformed_island(i) && reformulation_.numerator >= 0 && options_.scale_numerator_epochs);
  }
  std::vector<Op> unary_operators_of(std::size_t i) const {
    // An envelope epoch searches the oscillation with every unary operator: a random half lacks
    // sin with probability 1/2 (keijzer_4: found in 60 s with each of seeds 1-4 this way; on the
    // epochs' random halves, missed with seed 1; BENCHMARKS.md).
    if (reformed_island(i) && reformulation_.factor) return options_.unary_operators;
    auto unary = options_.island_unary_operators(static_cast<int>(i), subset_epoch());
    if (reformed_island(i) && reformulation_.outer) std::erase(unary, *reformulation_.outer);
    return unary;
  }

  // Tests the accurate equations of the hall of fame (R² >= 0.9999) for pairs of variables that
  // they depend on only through one combination, and keeps the merge to the fewest variables
  // if it has fewer than the current one: merges only ever go further, as better equations
  // reveal more symmetries (feynman_III_4_33's first accurate equations hold h·ω, later ones
  // also kb·T).
  void find_merged_variables() {
    if (!reformulations_ || !options_.merge_variables) return;
    std::vector<const Member*> accurate;
    for (const auto& slot : state_.hall_of_fame.slots())
      if (slot && slot->loss <= 1e-4 * ctx_.baseline && symmetry_tested_.insert(slot->expr.hash(true)).second)
        accurate.push_back(&*slot);
    std::vector<std::vector<Expression>> found(accurate.size());
    arena_.execute([&] {
      search_detail::parallel_for(std::size_t{0}, accurate.size(),
                                  [&](std::size_t i) { found[i] = merged_variables(accurate[i]->expr, data_); });
    });
    std::size_t fewest = state_.merged_variables.empty() ? data_.num_features() : state_.merged_variables.size();
    for (auto& f : found)
      if (!f.empty() && f.size() < fewest) {
        fewest = f.size();
        state_.merged_variables = std::move(f);
      }
  }

  // This epoch's reformulation for the subset islands (outer operator, numerator variable or
  // envelope; merged variables) and its context, built when it changes. Only one exists at a time: it
  // holds a copy of the data.
  void set_epoch_reformulation() {
    Reformulation r;
    if (reformulations_) {
      const int epoch = subset_epoch();
      const int index = options_.epoch_outer_operator(epoch, static_cast<int>(outer_ops_.size()));
      if (index >= 0) r.outer = outer_ops_[static_cast<std::size_t>(index)];
      r.variables = state_.merged_variables;
      if (options_.numerator_epochs && (!numerators_for_ || *numerators_for_ != r.variables)) {
        numerators_ = applicable_numerators(data_, r.variables);
        numerators_for_ = r.variables;
      }
      const int k = options_.epoch_numerator_variable(epoch, static_cast<int>(numerators_.size()));
      if (k >= 0) r.numerator = numerators_[static_cast<std::size_t>(k)];
      if (envelope_ && options_.envelope_epoch(epoch)) r.factor = envelope_;  // never a numerator epoch
    }
    if (r == reformulation_) return;
    reformulation_ = std::move(r);
    reformed_ctx_.reset();
    reformed_data_.reset();
    restored_cache_.clear();
    if (reformulation_.identity()) return;
    reformed_data_ = std::make_unique<Dataset>(reformulated_dataset(data_, reformulation_));
    reformed_ctx_ = std::make_unique<SearchContext<T>>(options_, *reformed_data_, weighted_variance(*reformed_data_));
    reformed_ctx_->stop = ctx_.stop;
    reformed_ctx_->deadline = ctx_.deadline;
    reformed_ctx_->cpu_deadline = ctx_.cpu_deadline;
  }

  // Members of reformulated islands as equations over the original variables (f written out
  // explicitly, merged variables expanded, g at the root), with losses on y. Forms over maxsize
  // or against a constraint get an infinite loss (kept out of the hall of fame); each distinct
  // form is evaluated once per epoch.
  void restore_members(std::vector<Member>& members, bool scaled) {
    std::vector<Member*> todo;
    std::vector<std::uint64_t> keys;
    std::unordered_set<std::uint64_t> queued;
    for (auto& m : members) {
      m = explicit_member(m, scaled, options_, reformed_ctx_->baseline);
      m.expr = restore(m.expr, reformulation_);
      m.complexity = m.expr.complexity();
      m.loss = kInf;
      m.cost = kInf;
      if (m.complexity > options_.maxsize || !ctx_.constraints.satisfied(m.expr, m.complexity, options_.maxsize))
        continue;
      const std::uint64_t key = m.expr.hash(true);
      if (restored_cache_.count(key) || !queued.insert(key).second) continue;
      todo.push_back(&m);
      keys.push_back(key);
    }
    evaluate_on_full_data(todo, keys, restored_cache_);
    for (auto& m : members) {
      const auto it = restored_cache_.find(m.expr.hash(true));
      if (it == restored_cache_.end() || !std::isfinite(it->second.loss)) continue;
      m.loss = it->second.loss;
      m.cost = ctx_.cost(m.loss, m.complexity);
    }
  }

  // The subset islands take the new epoch's subset and restart from random trees (their old
  // members were grown from the old subset; the hall of fame keeps what they found). Each island uses only its own RNG, so the restart is the same for any thread count.
  void redraw_subsets() {
    find_merged_variables();
    set_epoch_reformulation();
    std::vector<std::size_t> redrawn;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      if (!options_.redrawn_subset_island(static_cast<int>(i))) continue;
      island_unary_[i] = unary_operators_of(i);
      redrawn.push_back(i);
    }
    arena_.execute([&] {
      search_detail::parallel_for(tbb::blocked_range<std::size_t>(0, redrawn.size(), 1), [&](const auto& r) {
        for (std::size_t k = r.begin(); k < r.end(); ++k) {
          const std::size_t i = redrawn[k];
          workers_[i]->restart(state_.islands[i], island_unary_[i], context_of(i), scaled_of(i));
        }
      });
    });
  }

  // Poisson(population_size * fraction) members replaced by copies of random `pool` members
  // (PySR's migrate!), drawn from the island's own RNG.
  // Migrants are explicit equations, re-evaluated by the receiving island (scaled or not).
  // An operator-subset island takes in only migrants built from its own unary operators:
  // otherwise the hall of fame, which the full-operator islands dominate, would refill it with
  // the very compositions it exists to get away from.
  void migrate(std::size_t island, const std::vector<Member>& all, double fraction) {
    IslandState& s = state_.islands[island];
    const std::vector<Member>* source = &all;
    std::vector<Member> filtered;
    if (options_.subset_island(static_cast<int>(island)) && !reformed_island(island)) {
      for (const auto& m : all)
        if (uses_only_unary(m.expr, island_unary_[island])) filtered.push_back(m);
      source = &filtered;
    }
    const std::vector<Member>& pool = *source;
    if (pool.empty() || fraction <= 0) return;
    std::size_t count = s.rng.poisson(static_cast<double>(s.members.size()) * fraction);
    count = std::min({count, pool.size(), s.members.size()});
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t at = s.rng.below(s.members.size());
      const std::size_t from = s.rng.below(pool.size());
      s.members[at] = pool[from];
      s.members[at].birth = s.births++;
      workers_[island]->evaluate(s.members[at]);
    }
  }

  // `seen[i]` are members of island i: written out explicitly (a·f + b) where the island scales,
  // and restored to the original variables and target, judged on y, where it searches a
  // reformulated problem.
  void update_hall_of_fame(std::vector<std::vector<Member>>& seen) {
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (reformed_island(i)) restore_members(seen[i], workers_[i]->scaled());
      else if (workers_[i]->scaled())
        for (auto& m : seen[i]) m = explicit_member(m, true, options_, ctx_.baseline);
    }
    if (ctx_.batching) full_data_losses(seen);
    for (const auto& island : seen)
      for (const auto& m : island) state_.hall_of_fame.update(m);
  }

  void barrier() {
    std::vector<std::vector<Member>> seen(workers_.size());
    for (std::size_t i = 0; i < workers_.size(); ++i) seen[i] = workers_[i]->take_best_seen();
    update_hall_of_fame(seen);
    for (const auto& island : state_.islands) {
      for (const auto& m : island.members) state_.frequencies.add(m.complexity);
      state_.frequencies.move_window();
    }
    // Reformulated islands trade their f among themselves (`best_of_reformed`) and send the
    // restored equations to the others.
    std::vector<Member> best_of_each, best_of_reformed;
    if (options_.migration) {
      for (std::size_t i = 0; i < state_.islands.size(); ++i) {
        const auto& island = state_.islands[i];
        std::vector<std::size_t> order(island.members.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return island.members[a].cost < island.members[b].cost; });
        const std::size_t top = std::min(order.size(), static_cast<std::size_t>(options_.topn));
        std::vector<Member> best;
        for (std::size_t k = 0; k < top; ++k) best.push_back(island.members[order[k]]);
        if (reformed_island(i)) {
          for (auto& m : best) {
            m = explicit_member(m, workers_[i]->scaled(), options_, reformed_ctx_->baseline);
            best_of_reformed.push_back(m);
          }
          restore_members(best, false);
          for (auto& m : best)
            if (std::isfinite(m.loss)) best_of_each.push_back(std::move(m));
        } else {
          for (const auto& m : best)
            best_of_each.push_back(explicit_member(m, workers_[i]->scaled(), options_, ctx_.baseline));
        }
      }
    }
    const std::vector<Member> dominating =
        options_.hof_migration ? state_.hall_of_fame.dominating() : std::vector<Member>{};
    for (std::size_t i = 0; i < state_.islands.size(); ++i) {
      if (options_.migration) migrate(i, reformed_island(i) ? best_of_reformed : best_of_each, options_.fraction_replaced);
      // Restarted subset islands explore: the hall of fame's polished approximations, once
      // migrated in, outcompete every fresh tree (with them, 31 islands restarted on {log} did
      // not find log(x^3+x^2+x+1) in 12 iterations; without them they did in 11).
      if (options_.hof_migration && !options_.redrawn_subset_island(static_cast<int>(i)))
        migrate(i, dominating, options_.fraction_replaced_hof);
    }
  }

  // Whether a hall-of-fame member fits to round-off once polished in double. Candidates are
  // members whose search loss is already near the float resolution; each is checked once.
  bool exact_fit_found() {
    const double mean_square = weighted_mean_square(data_);
    for (const auto& slot : state_.hall_of_fame.slots()) {
      if (!slot || !(slot->loss <= 1e-8 * mean_square)) continue;
      if (!exact_checked_.insert(slot->expr.hash(true)).second) continue;
      const FrontMember polished = polish_member(*slot, options_, polish_data_, floor_);
      if (polished.loss <= floor_) return true;
    }
    return false;
  }

  void report_progress() {
    SearchProgress p;
    p.iteration = state_.iteration;
    p.niterations = options_.niterations;
    p.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    p.evaluations = state_.evaluations;
    p.best_loss = state_.hall_of_fame.best_loss();
    p.front_size = static_cast<int>(state_.hall_of_fame.dominating().size());
    progress_(p);
  }

  static bool uses_only_unary(const Expression& e, const std::vector<Op>& unary) {
    for (const Node& n : e.nodes())
      if (n.arity == 1 && std::find(unary.begin(), unary.end(), n.op) == unary.end()) return false;
    return true;
  }

  const Dataset& data_;
  const SearchOptions& options_;
  std::vector<std::vector<Op>> island_unary_;
  const ProgressCallback& progress_;
  Clock::time_point start_ = Clock::now();
  double cpu_start_ = process_cpu_seconds();
  SearchContext<T> ctx_;
  tbb::task_arena arena_;
  std::vector<const double*> pointers_;
  DataView<double> full_double_;
  EvalData<double> polish_sample_;
  PolishData polish_data_;
  double floor_;
  SearchState state_;
  std::vector<std::unique_ptr<IslandWorker<T>>> workers_;
  std::unordered_map<std::uint64_t, LossResult> full_cache_;
  std::unordered_set<std::uint64_t> exact_checked_;
  std::unordered_set<std::uint64_t> symmetry_tested_;  // hall-of-fame members tested for symmetries
  bool reformulations_ = false;  // whether subset islands may search reformulated problems
  std::vector<Op> outer_ops_;    // applicable outer operators, in epoch order
  std::vector<int> numerators_;  // applicable numerator variables (of numerators_for_), in epoch order
  std::optional<std::vector<Expression>> numerators_for_;
  std::optional<Expression> envelope_;  // of an oscillating target (envelope.hpp)
  Reformulation reformulation_;  // this epoch's
  std::unique_ptr<Dataset> reformed_data_;
  std::unique_ptr<SearchContext<T>> reformed_ctx_;
  std::unordered_map<std::uint64_t, LossResult> restored_cache_;  // loss on y, by hash of the restored equation
};

}  // namespace

SearchResult run_search(const Dataset& data, const SearchOptions& options, const Selection& selection,
                        std::stop_token stop, const ProgressCallback& progress) {
  options.validate();
  validate_dataset(data);
  if (selection.rule == SelectionRule::Best && !(selection.tolerance >= 1))
    throw std::invalid_argument("selection tolerance must be >= 1");
  if (options.precision == Precision::Float) return SearchDriver<float>(data, options, stop, progress).run(selection);
  return SearchDriver<double>(data, options, stop, progress).run(selection);
}

}  // namespace symtorch
