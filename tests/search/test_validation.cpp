// Bad data and inconsistent options are refused with messages that name the problem.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "symtorch/engine/regressor.hpp"
#include "symtorch/engine/search.hpp"

using namespace symtorch;

namespace {

Dataset good_data() {
  Dataset d;
  d.feature_names = {"a", "b"};
  d.features = {{1, 2, 3, 4}, {0.5, 0.1, 0.2, 0.3}};
  d.target = {1, 4, 9, 16};
  d.target_name = "y";
  return d;
}

std::string error_of(const Dataset& d) {
  try {
    validate_dataset(d);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

std::string error_of(const SearchOptions& o) {
  try {
    o.validate();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("bad data is refused, naming column and row") {
  CHECK(error_of(good_data()).empty());
  Dataset d = good_data();
  d.features[1][2] = std::numeric_limits<double>::quiet_NaN();
  CHECK(contains(error_of(d), "feature column 'b'"));
  CHECK(contains(error_of(d), "data row 3"));
  d = good_data();
  d.target[0] = std::numeric_limits<double>::infinity();
  CHECK(contains(error_of(d), "target column 'y'"));
  CHECK(contains(error_of(d), "data row 1"));
  d = good_data();
  d.target = {2, 2, 2, 2};
  CHECK(contains(error_of(d), "constant"));
  d = good_data();
  for (auto& c : d.features) c.resize(2);
  d.target.resize(2);
  CHECK(contains(error_of(d), "at least 3"));
  d = good_data();
  d.features[0].pop_back();
  CHECK(contains(error_of(d), "has 3 rows"));
  d = good_data();
  d.features.clear();
  d.feature_names.clear();
  CHECK(contains(error_of(d), "no feature"));
  d = good_data();
  d.weights = {1, 1, -1, 1};
  CHECK(contains(error_of(d), "weight in data row 3"));
  d.weights = {1, 1};
  CHECK(contains(error_of(d), "2 weights for 4 rows"));
}

TEST_CASE("inconsistent options are refused, naming the option") {
  SearchOptions o;
  CHECK(error_of(o).empty());
  o.maxsize = 0;
  CHECK(contains(error_of(o), "maxsize"));
  o = {};
  o.population_size = 10;  // tournament_selection_n is 15
  CHECK(contains(error_of(o), "tournament_selection_n"));
  o = {};
  o.binary_operators.clear();
  CHECK(contains(error_of(o), "no operators"));
  o = {};
  o.binary_operators = {Op::Sin};
  CHECK(contains(error_of(o), "'sin' is listed as a binary operator"));
  o = {};
  o.time_limit_seconds = -1;
  CHECK(contains(error_of(o), "time limit"));
  o = {};
  o.nested_constraints = {{Op::Sin, Op::Sin, 0}};
  CHECK(contains(error_of(o), "not in the operator set"));
  o = {};
  o.threads = -2;
  CHECK(contains(error_of(o), "threads"));
}

TEST_CASE("run_search and the Regressor refuse bad input before searching") {
  Dataset d = good_data();
  d.target = {3, 3, 3, 3};
  CHECK_THROWS_AS(run_search(d, SearchOptions{}), std::invalid_argument);
  Regressor r;
  Eigen::MatrixXd X(4, 2);
  X << 1, 2, 3, 4, 5, 6, 7, 8;
  Eigen::VectorXd y(3);
  y << 1, 2, 3;
  CHECK_THROWS_WITH_AS(r.fit(X, y), "X has 4 rows but y has 3", std::invalid_argument);
  Eigen::VectorXd y4(4);
  y4 << 1, 2, 3, 4;
  CHECK_THROWS_AS(r.fit(X, y4, {"only_one_name"}), std::invalid_argument);
  CHECK_THROWS_AS(r.result(0), std::out_of_range);
}
