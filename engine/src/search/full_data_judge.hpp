// Losses on the user's full data, for members found elsewhere: finds of islands that search a
// problem view (written out over the user's variables) and, under mini-batching, contenders
// for the hall of fame. Each distinct expression is evaluated once (a cache keyed by its
// structural hash), in parallel on the search's arena.
#pragma once

#include <tbb/enumerable_thread_specific.h>
#include <tbb/task_arena.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "search_context.hpp"
#include "search_state.hpp"
#include "symtorch/engine/detail/parallel_for.hpp"

namespace symtorch::search_detail {

using LossCache = std::unordered_map<std::uint64_t, LossResult>;

template <typename T>
class FullDataJudge {
 public:
  FullDataJudge(const SearchContext<T>& user, tbb::task_arena& arena) : user_(user), arena_(arena) {}
  const SearchContext<T>& user() const { return user_; }
  tbb::task_arena& arena() { return arena_; }

  // Losses (unscaled) of `todo`, distinct expressions with structural hashes `keys`, into
  // `cache`.
  void evaluate(const std::vector<Member*>& todo, const std::vector<std::uint64_t>& keys, LossCache& cache) {
    std::vector<LossResult> results(todo.size());
    tbb::enumerable_thread_specific<LossEvaluator<T>> evaluators([] { return LossEvaluator<T>(false); });
    arena_.execute([&] {
      parallel_for(std::size_t{0}, todo.size(),
                   [&](std::size_t i) { results[i] = evaluators.local().loss(todo[i]->expr, user_.full.view()); });
    });
    for (std::size_t i = 0; i < todo.size(); ++i) cache.emplace(keys[i], results[i]);
    evaluations_ += todo.size();
  }
  std::uint64_t evaluations() const { return evaluations_; }

 private:
  const SearchContext<T>& user_;
  tbb::task_arena& arena_;
  std::uint64_t evaluations_ = 0;
};

}  // namespace symtorch::search_detail
