#include "island.hpp"

#include <algorithm>
#include <cmath>

#include "polish.hpp"
#include "symtorch/engine/simplify.hpp"

namespace symtorch::search_detail {

template <typename T>
IslandWorker<T>::IslandWorker(const SearchContext<T>& ctx, bool scaled, std::vector<Op> unary)
    : ctx_(&ctx),
      scaled_(scaled),
      allowed_(ctx.options.binary_operators, unary),
      evaluator_(scaled),
      mutator_(ctx.options, ctx.data.num_features(), std::move(unary)),
      best_seen_(static_cast<std::size_t>(ctx.options.maxsize) + 1) {
  // Tournament: the k-th best of the sample wins with probability ∝ p (1 - p)^k.
  const double p = ctx.options.tournament_selection_p;
  double w = p;
  double total = 0;
  for (int k = 0; k < ctx.options.tournament_selection_n; ++k) {
    tournament_weights_.push_back(w);
    total += w;
    tournament_total_.push_back(total);
    w *= 1 - p;
  }
}

template <typename T>
void IslandWorker<T>::clear_caches_if_full() {
  // Bounded memory: start over rather than track recency (hits are mostly recent anyway).
  if (loss_cache_.size() >= ctx_->options.fitness_cache_entries) loss_cache_.clear();
  if (fit_cache_.size() >= ctx_->options.fitness_cache_entries / 4 + 1) fit_cache_.clear();
}

template <typename T>
void IslandWorker<T>::evaluate(Member& m) {
  m.complexity = m.expr.complexity();
  LossResult r;
  bool hit = false;
  std::uint64_t key = 0;
  if (ctx_->options.fitness_cache) {
    key = m.expr.hash(true);
    ++counters_.cache_lookups;
    if (auto it = loss_cache_.find(key); it != loss_cache_.end()) {
      r = {it->second.loss, it->second.scale, it->second.offset};
      hit = true;
      ++counters_.cache_hits;
    }
  }
  if (!hit) {
    r = evaluator_.loss(m.expr, view());
    ++counters_.evaluations;
    if (ctx_->options.fitness_cache) {
      clear_caches_if_full();
      loss_cache_.emplace(key, CachedLoss{r.loss, r.scale, r.offset});
    }
  }
  m.loss = r.loss;
  m.scale = r.scale;
  m.offset = r.offset;
  m.cost = ctx_->cost(m.loss, m.complexity);
}

template <typename T>
void IslandWorker<T>::local_search(Member& m) {
  if (ctx_->options.local_search_iterations > 0 && m.expr.num_constants() > 0 && std::isfinite(m.loss))
    fit_constants(m, ctx_->options.local_search_iterations, 0);
}

template <typename T>
bool IslandWorker<T>::optimize(Member& m) {
  return fit_constants(m, ctx_->options.optimizer_iterations, ctx_->options.optimizer_nrestarts);
}

template <typename T>
bool IslandWorker<T>::fit_constants(Member& m, int iterations, int restarts) {
  if (m.expr.num_constants() == 0 && !scaled_) return false;
  // One cache for every (iterations, restarts) setting: the setting is part of the key.
  const std::uint64_t key = m.expr.hash(true) ^ (static_cast<std::uint64_t>(iterations) * 0xA24BAED4963EE407ull) ^
                            (static_cast<std::uint64_t>(restarts) * 0x9FB21C651E98DF25ull);
  if (ctx_->options.fitness_cache) {
    ++counters_.cache_lookups;
    if (auto it = fit_cache_.find(key); it != fit_cache_.end()) {
      ++counters_.cache_hits;
      if (!(it->second.loss < m.loss)) return false;
      m.expr.set_constants(it->second.constants);
      m.loss = it->second.loss;
      m.scale = it->second.scale;
      m.offset = it->second.offset;
      m.cost = ctx_->cost(m.loss, m.complexity);
      return true;
    }
  }
  // Restarts seeded by the expression itself: a cached fit and a recomputed one agree, so the
  // cache cannot change the search's course.
  SearchRng rng(fit_seed(key, ctx_->options.seed));
  ConstantFitSettings settings;
  settings.iterations = iterations;
  settings.restarts = restarts;
  settings.linear_scaling = scaled_;
  // Work on a copy: the member changes only if its own loss improves, whatever the optimiser's
  // own (differently summed) evaluation of the start says.
  fit_scratch_ = m.expr;
  const ConstantFitResult r = optimizer_.optimize(fit_scratch_, view(), rng, settings);
  counters_.evaluations += r.passes;
  const bool better = r.loss < m.loss;
  if (better) std::swap(m.expr, fit_scratch_);
  if (ctx_->options.fitness_cache) {
    clear_caches_if_full();
    fit_cache_.emplace(key, CachedFit{m.expr.constants(), better ? r.loss : m.loss, better ? r.scale : m.scale,
                                      better ? r.offset : m.offset});
  }
  if (!better) return false;
  m.loss = r.loss;
  m.scale = r.scale;
  m.offset = r.offset;
  m.cost = ctx_->cost(m.loss, m.complexity);
  return true;
}

template <typename T>
void IslandWorker<T>::draw_batch(IslandState& s) {
  const std::size_t n = ctx_->data.rows();
  batch_rows_.resize(ctx_->options.batch_size);
  for (auto& r : batch_rows_) r = s.rng.below(n);
  std::sort(batch_rows_.begin(), batch_rows_.end());  // sequential reads of the full columns
  batch_.assign_rows(ctx_->data, batch_rows_);
  loss_cache_.clear();
  fit_cache_.clear();
}

template <typename T>
void IslandWorker<T>::restart(IslandState& s, std::vector<Op> unary, const SearchContext<T>& ctx, bool scaled) {
  // The caches may hold losses on another target (the last epoch's outer operator) or judged
  // with(out) scaling.
  loss_cache_.clear();
  fit_cache_.clear();
  ctx_ = &ctx;
  scaled_ = scaled;
  evaluator_.set_linear_scaling(scaled);
  allowed_ = OperatorSet(ctx_->options.binary_operators, unary);
  mutator_ = Mutator(ctx_->options, ctx_->data.num_features(), std::move(unary));
  initialize(s, {});
}

template <typename T>
void IslandWorker<T>::initialize(IslandState& s, const std::vector<Expression>& seeds) {
  const auto n = static_cast<std::size_t>(ctx_->options.population_size);
  if (ctx_->batching) draw_batch(s);
  s.members.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    Member& m = s.members[i];
    m.expr = i < seeds.size() ? seeds[i] : mutator_.random_tree(3, s.rng);
    m.birth = s.births++;
    evaluate(m);
    if (i < seeds.size()) optimize(m);
  }
}

template <typename T>
std::size_t IslandWorker<T>::tournament(IslandState& s) {
  const std::size_t n = s.members.size();
  const auto k = std::min<std::size_t>(static_cast<std::size_t>(ctx_->options.tournament_selection_n), n);
  // Partial Fisher–Yates from the identity (not from the last call's permutation, which a
  // checkpoint does not hold): k distinct members, uniformly.
  sample_.resize(n);
  for (std::size_t i = 0; i < n; ++i) sample_[i] = i;
  for (std::size_t i = 0; i < k; ++i) std::swap(sample_[i], sample_[i + s.rng.below(n - i)]);
  ranked_.resize(k);
  for (std::size_t i = 0; i < k; ++i) {
    const Member& m = s.members[sample_[i]];
    double c = m.cost;
    // Adaptive parsimony: cost × exp(scaling × frequency of the member's complexity).
    if (ctx_->options.use_frequency_in_tournament)
      c *= m.complexity > 0 && m.complexity <= ctx_->options.maxsize
               ? ctx_->tournament_factors[static_cast<std::size_t>(m.complexity)]
               : 1.0;
    if (std::isnan(c)) c = kInf;
    ranked_[i] = {c, sample_[i]};
  }
  if (ctx_->options.tournament_selection_p >= 1)
    return std::min_element(ranked_.begin(), ranked_.end())->second;
  std::sort(ranked_.begin(), ranked_.end());
  double u = s.rng.uniform() * tournament_total_[k - 1];
  for (std::size_t i = 0; i < k; ++i) {
    if (u < tournament_weights_[i]) return ranked_[i].second;
    u -= tournament_weights_[i];
  }
  return ranked_[k - 1].second;
}

template <typename T>
std::size_t IslandWorker<T>::oldest(const IslandState& s, std::size_t skip) const {
  std::size_t best = s.members.size();
  for (std::size_t i = 0; i < s.members.size(); ++i) {
    if (i == skip) continue;
    if (best == s.members.size() || s.members[i].birth < s.members[best].birth) best = i;
  }
  return best;
}

template <typename T>
bool IslandWorker<T>::next_generation(IslandState& s, std::size_t parent_index, double temperature) {
  const Member& parent = s.members[parent_index];
  const SearchOptions& o = ctx_->options;
  const Mutation m = mutator_.sample(parent.expr, parent.complexity, ctx_->curmaxsize, s.rng);
  Member& c = child_;
  switch (m) {
    case Mutation::DoNothing:
      c = parent;
      return true;
    case Mutation::Simplify:
      c = parent;
      c.expr = shorten_with_operators(simplify_algebra(parent.expr, allowed_), allowed_);
      c.complexity = c.expr.complexity();
      c.cost = ctx_->cost(c.loss, c.complexity);
      return true;
    case Mutation::Optimize:
      c = parent;
      optimize(c);
      return true;
    default: break;
  }
  bool ok = false;
  for (int attempt = 0; attempt < 10 && !ok; ++attempt) {
    mutator_.apply(m, parent.expr, c.expr, temperature, ctx_->curmaxsize, s.rng);
    c.complexity = c.expr.complexity();
    ok = ctx_->constraints.satisfied(c.expr, c.complexity, ctx_->curmaxsize);
  }
  if (!ok) return false;
  evaluate(c);
  local_search(c);
  if (!std::isfinite(c.loss)) return false;
  double probability = 1;
  if (o.annealing) {
    const double delta = c.cost - parent.cost;
    if (temperature > 0) probability *= std::exp(-delta / (temperature * o.alpha));
    else probability *= delta <= 0 ? 1.0 : 0.0;
  }
  if (o.use_frequency) probability *= ctx_->frequency(parent.complexity) / ctx_->frequency(c.complexity);
  return !(probability < s.rng.uniform());
}

template <typename T>
bool IslandWorker<T>::crossover_generation(IslandState& s, std::size_t a, std::size_t b) {
  const Member& pa = s.members[a];
  const Member& pb = s.members[b];
  bool ok = false;
  for (int attempt = 0; attempt < 10 && !ok; ++attempt) {
    mutator_.crossover(pa.expr, pb.expr, child_.expr, child2_.expr, s.rng);
    child_.complexity = child_.expr.complexity();
    child2_.complexity = child2_.expr.complexity();
    ok = ctx_->constraints.satisfied(child_.expr, child_.complexity, ctx_->curmaxsize) &&
         ctx_->constraints.satisfied(child2_.expr, child2_.complexity, ctx_->curmaxsize);
  }
  if (!ok) return false;
  evaluate(child_);
  local_search(child_);
  evaluate(child2_);
  local_search(child2_);
  return true;
}

template <typename T>
void IslandWorker<T>::note_best_seen(const std::vector<Member>& members) {
  for (const Member& m : members) {
    if (m.complexity <= 0 || m.complexity > ctx_->options.maxsize || !std::isfinite(m.loss)) continue;
    auto& slot = best_seen_[static_cast<std::size_t>(m.complexity)];
    if (!slot || m.cost < slot->cost) slot = m;
  }
}

template <typename T>
void IslandWorker<T>::iterate(IslandState& s) {
  const SearchOptions& o = ctx_->options;
  stopped_ = false;
  for (auto& slot : best_seen_) slot.reset();
  if (ctx_->batching) {
    draw_batch(s);
    for (Member& m : s.members) evaluate(m);
  }
  const int ncycles = o.ncycles_per_iteration;
  const std::size_t n = s.members.size();
  const auto evol_cycles =
      (n + static_cast<std::size_t>(o.tournament_selection_n) - 1) / static_cast<std::size_t>(o.tournament_selection_n);
  for (int cycle = 0; cycle < ncycles; ++cycle) {
    // Temperature falls linearly from 1 to 0 over the iteration (constant 1 without annealing).
    const double temperature =
        !o.annealing ? 1.0 : (ncycles > 1 ? 1.0 - static_cast<double>(cycle) / static_cast<double>(ncycles - 1) : 1.0);
    for (std::size_t k = 0; k < evol_cycles; ++k) {
      if (s.rng.uniform() > o.crossover_probability) {
        const std::size_t parent = tournament(s);
        if (!next_generation(s, parent, temperature)) {
          ++counters_.mutations_rejected;
          if (o.skip_mutation_failures) continue;
          child_ = s.members[parent];
        } else {
          ++counters_.mutations_accepted;
        }
        const std::size_t old = oldest(s, n);
        child_.birth = s.births++;
        std::swap(s.members[old], child_);
      } else {
        const std::size_t a = tournament(s);
        const std::size_t b = tournament(s);
        if (!crossover_generation(s, a, b)) continue;
        const std::size_t old1 = oldest(s, n);
        const std::size_t old2 = oldest(s, old1);
        child_.birth = s.births++;
        child2_.birth = s.births++;
        std::swap(s.members[old1], child_);
        std::swap(s.members[old2], child2_);
      }
    }
    note_best_seen(s.members);
    if (ctx_->should_stop()) {
      stopped_ = true;
      break;
    }
  }
  if (stopped_) return;
  // PySR's optimize_and_simplify_population.
  for (Member& m : s.members) {
    if (o.should_simplify && m.expr.size() > 1) {
      Expression simplified = shorten_with_operators(simplify_algebra(m.expr, allowed_), allowed_);
      if (!(simplified == m.expr)) {
        m.expr = std::move(simplified);
        m.complexity = m.expr.complexity();
        m.cost = ctx_->cost(m.loss, m.complexity);
      }
    }
    if (o.optimize_constants && s.rng.uniform() < o.optimizer_probability) {
      if (optimize(m)) m.birth = s.births++;
    }
  }
  note_best_seen(s.members);
}

template <typename T>
std::vector<Member> IslandWorker<T>::take_best_seen() {
  std::vector<Member> out;
  for (auto& slot : best_seen_) {
    if (!slot) continue;
    out.push_back(std::move(*slot));
    slot.reset();
  }
  return out;
}

template class IslandWorker<float>;
template class IslandWorker<double>;

}  // namespace symtorch::search_detail
