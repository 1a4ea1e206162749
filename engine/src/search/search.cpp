#include "symtorch/engine/search.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <exception>
#include <cmath>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "barrier.hpp"
#include "checkpoint.hpp"
#include "cluster_messages.hpp"
#include "full_data_judge.hpp"
#include "island.hpp"
#include "polish.hpp"
#include "view_manager.hpp"
#include "symtorch/engine/detail/parallel_for.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/engine/search_cluster.hpp"
#include "symtorch/engine/search_json.hpp"

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
  return front.equation(i, variable_names, format);
}

namespace {

std::vector<std::string> names_of(const Dataset& data) {
  if (!data.feature_names.empty()) return data.feature_names;
  std::vector<std::string> names;
  for (std::size_t k = 0; k < data.num_features(); ++k) names.push_back(std::string("x").append(std::to_string(k)));
  return names;
}

// The warm-start equations, which must use only the search's operators: a front member grown
// from one could otherwise keep an operator the user left out.
std::vector<Expression> parse_warm_start(const SearchOptions& options, const std::vector<std::string>& names) {
  std::vector<Expression> out;
  const OperatorSet allowed = options.operator_set();
  for (const auto& text : options.warm_start) {
    try {
      out.push_back(parse_expression(text, names));
    } catch (const std::exception& e) {
      throw std::invalid_argument("warm-start equation '" + text + "': " + e.what());
    }
    require_allowed(out.back(), allowed, "warm-start equation '" + text + "'");
  }
  return out;
}

template <typename T>
class SearchDriver {
 public:
  // `cluster`: the ranks the islands are spread over (null: this process alone).
  SearchDriver(const Dataset& data, const SearchOptions& options, std::stop_token stop, const ProgressCallback& progress,
               SearchCluster* cluster = nullptr)
      : data_(data),
        options_(options),
        progress_(progress),
        ctx_(options, data, weighted_variance(data)),
        arena_(options.threads > 0 ? options.threads : tbb::task_arena::automatic),
        judge_(ctx_, arena_),
        views_(data, options, judge_),
        full_double_(dataset_view(data, pointers_)),
        floor_(exact_fit_floor(weighted_mean_square(data))),
        cluster_(cluster) {
    const auto populations = static_cast<std::size_t>(options.populations);
    last_ = populations;
    if (cluster_) {
      // A contiguous block per rank, so that the ranks' reports in rank order are the islands'
      // in island order.
      const auto rank = static_cast<std::size_t>(cluster_->rank()), ranks = static_cast<std::size_t>(cluster_->size());
      first_ = rank * populations / ranks;
      last_ = (rank + 1) * populations / ranks;
      limits_ = {data.num_features(), options.maxsize};
      rank_evaluations_.assign(ranks, 0);
      if (cluster_->rank() == 0) snapshots_.resize(ranks);
    }
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
    if (resumed) {
      if (cluster_) {
        // Every rank reads the checkpoint; one that cannot ends the job with its message.
        std::string error;
        try {
          load_distributed_checkpoint();
        } catch (const std::exception& e) {
          error = e.what();
        }
        agree_ready(*cluster_, error);
      } else {
        state_ = load_checkpoint(options_.resume_path, options_, data_);
      }
      views_.resume(views_.epoch_of(state_.iteration), state_.epoch_view, state_.found_views);
    } else {
      views_.set_epoch(0);
    }
    workers_.resize(static_cast<std::size_t>(options_.populations));
    for (std::size_t i = 0; i < static_cast<std::size_t>(options_.populations); ++i) {
      island_unary_.push_back(unary_operators_of(i));
      if (owns(i)) workers_[i] = std::make_unique<IslandWorker<T>>(context_of(i), scaled_of(i), island_unary_.back());
    }
    if (!resumed) {
      state_.hall_of_fame = HallOfFame(options_.maxsize);
      state_.frequencies = ComplexityFrequencies(options_.maxsize);
      state_.islands.resize(static_cast<std::size_t>(options_.populations));
      for (std::size_t i = 0; i < state_.islands.size(); ++i) state_.islands[i].rng = SearchRng::stream(options_.seed, i);
      for_each_island([&](std::size_t i) { workers_[i]->initialize(state_.islands[i], seeds); });
      // The initial members (warm-start equations among them) enter the hall of fame, so even
      // zero iterations report a front.
      std::vector<std::vector<Member>> seen(state_.islands.size());
      for (std::size_t i = first_; i < last_; ++i) seen[i] = state_.islands[i].members;
      judge_members(seen);
      if (cluster_) seen = gather_initial_members(seen);
      for (const auto& island : seen)
        for (const auto& m : island) state_.hall_of_fame.update(m);
    }
    const std::uint64_t resumed_evaluations = state_.evaluations;
    SearchStats stats;
    stats.stop_reason = StopReason::Iterations;
    while (state_.iteration < options_.niterations) {
      // Ranks of a synchronous search decide to stop together, after an exchange.
      if (!synchronous() && ctx_.should_stop()) {
        stats.stop_reason = ctx_.stop.stop_requested() ? StopReason::Requested : StopReason::TimeLimit;
        tell_stop(stats.stop_reason);
        break;
      }
      ctx_.curmaxsize = current_maxsize();
      ctx_.set_frequencies(state_.frequencies.normalized());
      views_.note_searched();
      if (views_.view()) {
        // Room for the view's restore (g, x_k / ·, h·) at the root.
        views_.context().curmaxsize = std::max(1, ctx_.curmaxsize - views_.view()->root_complexity());
        views_.context().set_frequencies(ctx_.frequencies);
      }
      for_each_island([&](std::size_t i) { workers_[i]->iterate(state_.islands[i]); });
      barrier();
      ++state_.iteration;
      if (options_.subset_redraw_iterations > 0 && state_.iteration % options_.subset_redraw_iterations == 0)
        next_epoch();
      state_.evaluations = resumed_evaluations + judge_.evaluations();
      for (const auto& w : workers_)
        if (w) state_.evaluations += w->counters().evaluations;
      state_.epoch_view = views_.epoch_spec();
      state_.found_views = views_.found_specs();
      if (!options_.checkpoint_path.empty()) {
        if (cluster_) save_distributed_checkpoint();
        else save_checkpoint(options_.checkpoint_path, state_, options_, data_);
      }
      if (progress_) report_progress();
      if (const auto reason = stop_reason()) {
        stats.stop_reason = *reason;
        tell_stop(*reason);
        break;
      }
    }
    if (cluster_) end_distributed(stats);

    SearchResult result;
    std::vector<Member> hof;
    for (const auto& slot : state_.hall_of_fame.slots())
      if (slot) hof.push_back(*slot);
    std::vector<FrontMember> candidates;
    arena_.execute([&] { candidates = polish_all(hof, options_, polish_data_, floor_); });
    result.front = ParetoFront::from_candidates(std::move(candidates), floor_, effective_rows(data_));
    result.front.set_operators(options_.operator_set());
    if (result.front.empty()) throw std::runtime_error("the search found no equation with a finite loss");
    result.selection = selection;
    result.chosen = result.front.select(selection);
    result.variable_names = names;
    result.target_name = data_.target_name;
    stats.merged_variables = views_.found_descriptions(names);
    stats.views_searched = views_.searched();
    if (!cluster_) {
      stats.iterations = state_.iteration;
      stats.evaluations = state_.evaluations;
      add_cache_counters(stats);
    }
    stats.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    stats.cpu_seconds = process_cpu_seconds() - cpu_start_;
    result.stats = stats;
    return result;
  }

  // Whether every collective of a distributed search is behind (an exception from here on is
  // thrown on every rank alike).
  bool collectives_done() const { return collectives_done_; }

 private:
  bool owns(std::size_t island) const { return island >= first_ && island < last_; }
  bool synchronous() const { return cluster_ && cluster_->mode() == ClusterMode::Synchronous; }

  // The islands of this rank (all of them without a cluster).
  template <typename F>
  void for_each_island(F&& body) {
    arena_.execute([&] {
      search_detail::parallel_for(tbb::blocked_range<std::size_t>(first_, last_, 1), [&](const auto& r) {
        for (std::size_t i = r.begin(); i < r.end(); ++i) body(i);
      });
    });
  }

  int current_maxsize() const {
    const int warm = options_.warmup_maxsize_iterations;
    if (warm <= 0 || state_.iteration >= warm) return options_.maxsize;
    const int grown = 3 + (options_.maxsize - 3) * state_.iteration / warm;
    return std::clamp(grown, std::min(3, options_.maxsize), options_.maxsize);
  }

  // Full-data losses for members evaluated on a mini-batch. Only candidates that could enter the
  // hall of fame are evaluated (batch loss within 2x of the member they would replace), each
  // distinct expression once.
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
    judge_.evaluate(todo, keys, full_cache_);
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

  // Whether island i searches the epoch's problem view.
  bool in_view(std::size_t i) const { return views_.view() && options_.redrawn_subset_island(static_cast<int>(i)); }
  const SearchContext<T>& context_of(std::size_t i) { return in_view(i) ? views_.context() : ctx_; }
  bool scaled_of(std::size_t i) const {
    return options_.scaled_island(static_cast<int>(i)) || (in_view(i) && views_.view()->policy().linear_scaling);
  }
  std::vector<Op> unary_operators_of(std::size_t i) const {
    if (!options_.subset_island(static_cast<int>(i))) return options_.unary_operators;
    if (!in_view(i)) return views_.epoch().unary;
    const IslandPolicy policy = views_.view()->policy();
    if (policy.every_unary) return options_.unary_operators;
    auto unary = views_.epoch().unary;
    if (policy.without_unary) std::erase(unary, *policy.without_unary);
    return unary;
  }

  // The subset islands take the new epoch's subset and view and restart from random trees
  // (their old members were grown from the old subset; the hall of fame keeps what they
  // found). Each island uses only its own RNG, so the restart is the same for any thread count.
  void next_epoch() {
    views_.find_views(state_.hall_of_fame, ctx_.baseline);
    views_.set_epoch(views_.epoch_of(state_.iteration));
    std::vector<std::size_t> redrawn;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      if (!options_.redrawn_subset_island(static_cast<int>(i))) continue;
      island_unary_[i] = unary_operators_of(i);
      if (owns(i)) redrawn.push_back(i);
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
    if (options_.subset_island(static_cast<int>(island)) && !in_view(island)) {
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

  // `seen[i]` are members of island i, judged as the hall of fame needs them: written out
  // explicitly (a·f + b) where the island scales, restored to the user's variables and target,
  // judged on y, where it searches a view, and on the full data under mini-batching.
  void judge_members(std::vector<std::vector<Member>>& seen) {
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (seen[i].empty()) continue;  // another rank's island
      if (in_view(i)) views_.restore(seen[i], workers_[i]->scaled());
      else if (workers_[i]->scaled())
        for (auto& m : seen[i]) m = explicit_member(m, true, options_, ctx_.baseline);
    }
    if (ctx_.batching) full_data_losses(seen);
  }

  // Island i's top members by cost (the first of equal cost first).
  std::vector<Member> top_members(std::size_t i) const {
    const auto& island = state_.islands[i];
    std::vector<std::size_t> order(island.members.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return island.members[a].cost < island.members[b].cost; });
    const std::size_t top = std::min(order.size(), static_cast<std::size_t>(options_.topn));
    std::vector<Member> best;
    for (std::size_t k = 0; k < top; ++k) best.push_back(island.members[order[k]]);
    return best;
  }

  // The reports of this rank's islands, in island order.
  std::vector<IslandReport> island_reports() {
    std::vector<IslandReport> reports(last_ - first_);
    std::vector<std::vector<Member>> seen(workers_.size());
    for (std::size_t i = first_; i < last_; ++i) seen[i] = workers_[i]->take_best_seen();
    judge_members(seen);
    for (std::size_t i = first_; i < last_; ++i) {
      IslandReport& r = reports[i - first_];
      r.best_seen = std::move(seen[i]);
      r.in_view = in_view(i);
      for (const auto& m : state_.islands[i].members) r.complexities.push_back(m.complexity);
      if (!options_.migration) continue;
      std::vector<Member> best = top_members(i);
      const bool scaled = workers_[i]->scaled();
      if (r.in_view) {
        // The view's islands trade their f among themselves and send the restored equations
        // to the others.
        for (auto& m : best) r.top_in_view.push_back(m = explicit_member(m, scaled, options_, views_.context().baseline));
        views_.restore(best, false);
        for (auto& m : best)
          if (std::isfinite(m.loss)) r.top.push_back(std::move(m));
      } else {
        for (const auto& m : best) r.top.push_back(explicit_member(m, scaled, options_, ctx_.baseline));
      }
    }
    return reports;
  }

  void barrier() {
    std::vector<IslandReport> reports = island_reports();
    if (cluster_) reports = exchange_reports(std::move(reports));
    const MigrantPools pools = run_barrier(state_.hall_of_fame, state_.frequencies, reports, options_);
    for (std::size_t i = first_; i < last_; ++i) {
      if (options_.migration) migrate(i, in_view(i) ? pools.view : pools.islands, options_.fraction_replaced);
      // Restarted subset islands explore: the hall of fame's polished approximations, once
      // migrated in, would outcompete every fresh tree.
      if (options_.hof_migration && !options_.redrawn_subset_island(static_cast<int>(i)))
        migrate(i, pools.hall_of_fame, options_.fraction_replaced_hof);
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

  void add_cache_counters(SearchStats& stats) const {
    for (const auto& w : workers_) {
      if (!w) continue;
      stats.cache_lookups += w->counters().cache_lookups;
      stats.cache_hits += w->counters().cache_hits;
    }
  }

  // This rank's own reason to stop: a stop request or the time limit.
  std::optional<StopReason> local_wish() const {
    if (ctx_.stop.stop_requested()) return StopReason::Requested;
    if (ctx_.out_of_time()) return StopReason::TimeLimit;
    return std::nullopt;
  }

  // Why the search stops after this iteration, if it does. A synchronous search takes the
  // first rank's wish from the exchange and otherwise decides on its hall of fame, which is
  // every rank's, so the ranks stop together.
  std::optional<StopReason> stop_reason() {
    if (synchronous()) {
      if (peer_wish_) return peer_wish_;
    } else {
      if (peer_stop_) return peer_stop_;
      if (const auto wish = local_wish()) return wish;
    }
    if (options_.target_loss && state_.hall_of_fame.best_loss() <= *options_.target_loss) return StopReason::TargetLoss;
    if (options_.stop_on_exact_fit && exact_fit_found()) return StopReason::ExactFit;
    return std::nullopt;
  }

  // An asynchronous search that stops for its own reason tells every other rank.
  void tell_stop(StopReason reason) {
    if (cluster_ && !synchronous() && !peer_stop_) cluster_->post(encode_stop(reason));
  }

  // ---- Distributed search (cluster_): this rank owns islands [first_, last_). ----

  std::size_t block_size(int rank) const {
    const auto p = static_cast<std::size_t>(options_.populations), n = static_cast<std::size_t>(cluster_->size());
    const auto r = static_cast<std::size_t>(rank);
    return (r + 1) * p / n - r * p / n;
  }

  ReportMessage read_report(const std::string& bytes, int source) const {
    ReportMessage m = decode_report(bytes, source, limits_);
    if (m.reports.size() != block_size(source))
      throw std::runtime_error("a message from rank " + std::to_string(source) + " has " +
                               std::to_string(m.reports.size()) + " island reports, not " +
                               std::to_string(block_size(source)));
    return m;
  }

  // The judged initial members of every rank's islands, in island order (one collective).
  std::vector<std::vector<Member>> gather_initial_members(const std::vector<std::vector<Member>>& seen) {
    ReportMessage mine;
    mine.rank = cluster_->rank();
    for (std::size_t i = first_; i < last_; ++i) {
      IslandReport r;
      r.best_seen = seen[i];
      mine.reports.push_back(std::move(r));
    }
    const std::vector<std::string> all = cluster_->all_gather(encode(mine));
    std::vector<std::vector<Member>> out;
    for (int r = 0; r < cluster_->size(); ++r)
      for (auto& report : read_report(all[static_cast<std::size_t>(r)], r).reports) out.push_back(std::move(report.best_seen));
    return out;
  }

  // This rank's reports and the other ranks' for the barrier. Synchronous: every rank's, in
  // island order, after a collective exchange. Asynchronous: this rank's are posted to the
  // others (without the view islands' trade, whose view may differ between ranks) and those
  // that have arrived from the others are added.
  std::vector<IslandReport> exchange_reports(std::vector<IslandReport> own) {
    ReportMessage mine;
    mine.rank = cluster_->rank();
    mine.evaluations = state_.evaluations;
    rank_evaluations_[static_cast<std::size_t>(mine.rank)] = state_.evaluations;
    if (synchronous()) {
      mine.stop_wish = local_wish();
      mine.reports = std::move(own);
      const std::vector<std::string> all = cluster_->all_gather(encode(mine));
      std::vector<IslandReport> reports;
      peer_wish_.reset();
      for (int r = 0; r < cluster_->size(); ++r) {
        ReportMessage m = read_report(all[static_cast<std::size_t>(r)], r);
        rank_evaluations_[static_cast<std::size_t>(r)] = m.evaluations;
        if (!peer_wish_) peer_wish_ = m.stop_wish;
        for (auto& report : m.reports) reports.push_back(std::move(report));
      }
      return reports;
    }
    mine.reports = own;
    for (auto& r : mine.reports) {
      r.top_in_view.clear();
      r.in_view = false;
    }
    cluster_->post(encode(mine));
    for (const auto& message : cluster_->arrived()) take_message(message, own);
    return own;
  }

  void take_message(const ClusterMessage& message, std::vector<IslandReport>& reports) {
    const auto source = static_cast<std::size_t>(message.source);
    switch (message_kind(message.bytes, message.source)) {
      case MessageKind::Report: {
        ReportMessage m = read_report(message.bytes, message.source);
        // Messages from one rank arrive in the order sent: the last count is the latest.
        rank_evaluations_[source] = m.evaluations;
        for (auto& report : m.reports) {
          report.top_in_view.clear();
          report.in_view = false;
          reports.push_back(std::move(report));
        }
        return;
      }
      case MessageKind::Stop:
        if (!peer_stop_) peer_stop_ = decode_stop(message.bytes, message.source);
        return;
      case MessageKind::Snapshot:
        if (cluster_->rank() == 0) snapshots_[source] = decode_snapshot(message.bytes, message.source);
        return;
      default:
        throw std::runtime_error("a message from rank " + std::to_string(message.source) + " of a kind not sent between iterations");
    }
  }

  // Evaluations of every rank as last heard of.
  std::uint64_t known_evaluations() {
    rank_evaluations_[static_cast<std::size_t>(cluster_->rank())] = state_.evaluations;
    std::uint64_t total = 0;
    for (const auto e : rank_evaluations_) total += e;
    return total;
  }

  // Synchronous: rank 0 gathers every island and writes the checkpoint a single process would
  // (resumable with any rank count). Asynchronous: each rank's own state goes to rank 0, which
  // writes the latest state of every rank as one file (resumable with the same rank count).
  void save_distributed_checkpoint() {
    const int rank = cluster_->rank();
    if (synchronous()) {
      const std::vector<IslandState> mine(state_.islands.begin() + static_cast<std::ptrdiff_t>(first_),
                                          state_.islands.begin() + static_cast<std::ptrdiff_t>(last_));
      const std::vector<std::string> all = cluster_->gather_to_head(encode_islands(mine, state_.evaluations));
      if (rank != 0) return;
      SearchState whole;
      whole.iteration = state_.iteration;
      whole.hall_of_fame = state_.hall_of_fame;
      whole.frequencies = state_.frequencies;
      whole.epoch_view = state_.epoch_view;
      whole.found_views = state_.found_views;
      for (int r = 0; r < cluster_->size(); ++r) {
        std::uint64_t evaluations = 0;
        auto islands = decode_islands(all[static_cast<std::size_t>(r)], r, limits_, evaluations);
        if (islands.size() != block_size(r))
          throw std::runtime_error("rank " + std::to_string(r) + " sent " + std::to_string(islands.size()) +
                                   " islands for the checkpoint, not " + std::to_string(block_size(r)));
        whole.evaluations += evaluations;
        for (auto& s : islands) whole.islands.push_back(std::move(s));
      }
      save_checkpoint(options_.checkpoint_path, whole, options_, data_);
      return;
    }
    SearchState mine = state_;
    mine.islands.assign(state_.islands.begin() + static_cast<std::ptrdiff_t>(first_),
                        state_.islands.begin() + static_cast<std::ptrdiff_t>(last_));
    std::string text = checkpoint_text(mine, options_, data_);
    if (rank != 0) {
      cluster_->post(encode_snapshot(text), 0);
      return;
    }
    snapshots_[0] = std::move(text);
    save_rank_snapshots();
  }

  // Rank 0 of an asynchronous search: the file, once every rank has sent a state.
  void save_rank_snapshots() {
    for (const auto& s : snapshots_)
      if (s.empty()) return;
    save_rank_checkpoints(options_.checkpoint_path, snapshots_);
  }

  void load_distributed_checkpoint() {
    RankCheckpoint cp = load_rank_checkpoint(options_.resume_path, options_, data_, cluster_->rank(), cluster_->size(),
                                             last_ - first_);
    if (!cp.per_rank) {
      state_ = std::move(cp.state);
      if (cluster_->rank() != 0) state_.evaluations = 0;  // rank 0 carries the count so far
      return;
    }
    if (synchronous())
      throw std::runtime_error("checkpoint '" + options_.resume_path + "' holds one state per rank, written by an "
                               "asynchronous search: resume it in asynchronous mode");
    std::vector<IslandState> own = std::move(cp.state.islands);
    state_ = std::move(cp.state);
    state_.islands.clear();
    state_.islands.resize(static_cast<std::size_t>(options_.populations));
    for (std::size_t k = 0; k < own.size(); ++k) state_.islands[first_ + k] = std::move(own[k]);
  }

  // Ends the posted traffic (its last reports still enter the hall of fame), then every rank's
  // hall of fame and counters are merged in rank order, so every rank polishes the same front.
  void end_distributed(SearchStats& stats) {
    std::vector<IslandReport> rest;
    for (const auto& message : cluster_->finish()) take_message(message, rest);
    if (!rest.empty()) run_barrier(state_.hall_of_fame, state_.frequencies, rest, options_);
    if (!synchronous() && cluster_->rank() == 0 && !options_.checkpoint_path.empty()) save_rank_snapshots();
    FinalMessage mine;
    mine.stop_reason = stats.stop_reason;
    mine.iterations = state_.iteration;
    mine.evaluations = state_.evaluations;
    SearchStats counters;
    add_cache_counters(counters);
    mine.cache_lookups = counters.cache_lookups;
    mine.cache_hits = counters.cache_hits;
    for (const auto& slot : state_.hall_of_fame.slots())
      if (slot) mine.hall_of_fame.push_back(*slot);
    const std::vector<std::string> all = cluster_->all_gather(encode(mine));
    collectives_done_ = true;
    HallOfFame merged(options_.maxsize);
    stats = SearchStats{};
    stats.stop_reason = StopReason::Iterations;
    bool reason_taken = false;
    for (int r = 0; r < cluster_->size(); ++r) {
      const FinalMessage f = decode_final(all[static_cast<std::size_t>(r)], r, limits_);
      for (const auto& m : f.hall_of_fame) merged.update(m);
      stats.iterations = std::max(stats.iterations, f.iterations);
      stats.evaluations += f.evaluations;
      stats.cache_lookups += f.cache_lookups;
      stats.cache_hits += f.cache_hits;
      if (!reason_taken && f.stop_reason != StopReason::Iterations) {
        stats.stop_reason = f.stop_reason;
        reason_taken = true;
      }
    }
    state_.hall_of_fame = std::move(merged);
  }

  void report_progress() {
    SearchProgress p;
    p.iteration = state_.iteration;
    p.niterations = options_.niterations;
    p.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    p.evaluations = cluster_ ? known_evaluations() : state_.evaluations;
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
  FullDataJudge<T> judge_;
  ViewManager<T> views_;
  std::vector<const double*> pointers_;
  DataView<double> full_double_;
  EvalData<double> polish_sample_;
  PolishData polish_data_;
  double floor_;
  SearchState state_;
  std::vector<std::unique_ptr<IslandWorker<T>>> workers_;
  LossCache full_cache_;
  std::unordered_set<std::uint64_t> exact_checked_;
  // Distributed search.
  SearchCluster* cluster_;
  std::size_t first_ = 0, last_ = 0;  // the islands of this rank
  MessageLimits limits_;
  std::vector<std::uint64_t> rank_evaluations_;  // each rank's evaluations as last heard of
  std::optional<StopReason> peer_wish_;          // synchronous: the first rank's wish to stop
  std::optional<StopReason> peer_stop_;          // asynchronous: a stop from another rank
  std::vector<std::string> snapshots_;           // rank 0, asynchronous: each rank's latest state
  bool collectives_done_ = false;
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

namespace {

// The options every rank must share (the thread count may differ), with the data fingerprint.
std::string shared_shape(const SearchOptions& options, const Dataset& data) {
  nlohmann::json j = options_to_json(options);
  j.erase("threads");
  return search_shape(options, data) + j.dump();
}

template <typename T>
SearchResult run_distributed(const Dataset& data, const SearchOptions& options, SearchCluster& cluster,
                             const Selection& selection, std::stop_token stop, const ProgressCallback& progress) {
  SearchDriver<T> driver(data, options, stop, progress, &cluster);
  try {
    return driver.run(selection);
  } catch (const ClusterAgreedError&) {
    throw;  // every rank throws it
  } catch (const std::exception& e) {
    // Past the last collective every rank fails alike; before it, the others would wait for
    // this rank forever.
    if (driver.collectives_done()) throw;
    cluster.abort(e.what());
  }
  std::terminate();  // not reached: abort does not return
}

}  // namespace

SearchResult run_search(const Dataset& data, const SearchOptions& options, SearchCluster& cluster,
                        const Selection& selection, std::stop_token stop, const ProgressCallback& progress) {
  std::string error;
  try {
    options.validate();
    validate_dataset(data);
    if (selection.rule == SelectionRule::Best && !(selection.tolerance >= 1))
      throw std::invalid_argument("selection tolerance must be >= 1");
    if (options.populations < cluster.size())
      throw std::invalid_argument("populations (" + std::to_string(options.populations) + ") must be at least the rank count (" +
                                  std::to_string(cluster.size()) + "): every rank evolves at least one island");
  } catch (const std::exception& e) {
    error = e.what();
  }
  agree_ready(cluster, error);
  const std::vector<std::string> shapes = cluster.all_gather(shared_shape(options, data));
  for (std::size_t r = 1; r < shapes.size(); ++r)
    if (shapes[r] != shapes[0])
      throw ClusterAgreedError("rank " + std::to_string(r) + " has other data or options than rank 0 (every rank "
                                  "must search the same data with the same options)");
  if (options.precision == Precision::Float) return run_distributed<float>(data, options, cluster, selection, stop, progress);
  return run_distributed<double>(data, options, cluster, selection, stop, progress);
}

}  // namespace symtorch
