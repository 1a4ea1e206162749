// The distributed search's engine side (symtorch/engine/search_cluster.hpp) without MPI: a
// one-rank cluster in this process. Its search must be the single-process search in both modes
// (the exchange, the final gather and the serialised reports change nothing), a failed rank's
// message must reach every rank, and run_spread must return the searches in order.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "symtorch/engine/search_cluster.hpp"

using namespace symtorch;

namespace {

// One rank: collectives return this rank's bytes, posts go nowhere.
class LoneRank final : public SearchCluster {
 public:
  explicit LoneRank(ClusterMode m) : mode_(m) {}
  int rank() const override { return 0; }
  int size() const override { return 1; }
  ClusterMode mode() const override { return mode_; }
  std::vector<std::string> all_gather(const std::string& bytes) override {
    ++collectives;
    return {bytes};
  }
  std::vector<std::string> gather_to_head(const std::string& bytes) override {
    ++collectives;
    return {bytes};
  }
  void post(const std::string&, int) override { ++posts; }
  std::vector<ClusterMessage> arrived() override { return {}; }
  std::vector<ClusterMessage> finish() override { return {}; }
  [[noreturn]] void abort(const std::string& message) override { throw std::logic_error("abort: " + message); }
  int collectives = 0, posts = 0;

 private:
  ClusterMode mode_;
};

Dataset law_data() {
  Dataset d;
  d.feature_names = {"a", "b"};
  d.features.assign(2, {});
  for (int r = 0; r < 60; ++r) {
    const double a = 2 * std::sin(1.7 * r), b = 2 * std::cos(0.37 * r);
    d.features[0].push_back(a);
    d.features[1].push_back(b);
    d.target.push_back(a * a * b - 1.3 * a);
  }
  return d;
}

SearchOptions small_options() {
  SearchOptions o;
  o.populations = 4;
  o.population_size = 20;
  o.ncycles_per_iteration = 40;
  o.niterations = 5;
  o.threads = 1;
  o.stop_on_exact_fit = false;
  o.seed = 9;
  return o;
}

std::vector<std::string> equations(const SearchResult& r) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < r.front.size(); ++i) out.push_back(r.equation(i) + " " + std::to_string(r.front[i].loss));
  return out;
}

}  // namespace

TEST_CASE("a one-rank cluster searches as a single process, in both modes") {
  const Dataset data = law_data();
  const SearchOptions options = small_options();
  const SearchResult alone = run_search(data, options);
  for (const ClusterMode mode : {ClusterMode::Synchronous, ClusterMode::Asynchronous}) {
    CAPTURE(to_string(mode));
    LoneRank cluster(mode);
    const SearchResult spread = run_search(data, options, cluster);
    CHECK(equations(spread) == equations(alone));
    CHECK(spread.chosen == alone.chosen);
    CHECK(spread.stats.iterations == alone.stats.iterations);
    CHECK(cluster.collectives > 0);
    // Asynchronous: one post per iteration (to no one here); synchronous: none.
    CHECK(cluster.posts == (mode == ClusterMode::Asynchronous ? options.niterations : 0));
  }
}

TEST_CASE("a rank's failure reaches every rank with its message") {
  LoneRank cluster(ClusterMode::Synchronous);
  CHECK_NOTHROW(agree_ready(cluster, ""));
  CHECK_THROWS_WITH_AS(agree_ready(cluster, "data.csv:3:2: expected a number"),
                       "rank 0 of 1: data.csv:3:2: expected a number", ClusterAgreedError);
  SearchOptions bad = small_options();
  bad.population_size = 0;
  CHECK_THROWS_AS(run_search(law_data(), bad, cluster), ClusterAgreedError);
}

TEST_CASE("run_spread returns every search's result in order, and a failed search's message") {
  LoneRank cluster(ClusterMode::Asynchronous);
  const Dataset data = law_data();
  std::vector<SearchResult> alone;
  for (std::uint64_t j = 0; j < 3; ++j) {
    SearchOptions o = small_options();
    o.seed = 100 + j;
    o.niterations = 2;
    alone.push_back(run_search(data, o));
  }
  const auto spread = run_spread(cluster, 3, [&](std::size_t j) {
    SearchOptions o = small_options();
    o.seed = 100 + j;
    o.niterations = 2;
    return run_search(data, o);
  });
  REQUIRE(spread.size() == 3);
  for (std::size_t j = 0; j < 3; ++j) {
    CHECK(equations(spread[j]) == equations(alone[j]));
    CHECK(spread[j].chosen == alone[j].chosen);
    CHECK(spread[j].front.loss_floor() == alone[j].front.loss_floor());
    CHECK(spread[j].variable_names == alone[j].variable_names);
  }
  CHECK_THROWS_WITH_AS(run_spread(cluster, 2, [&](std::size_t j) -> SearchResult {
                         if (j == 1) throw std::invalid_argument("bad target");
                         return alone[0];
                       }),
                       "rank 0 of 1: search 1: bad target", ClusterAgreedError);
}
