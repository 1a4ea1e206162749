// The schedule of the operator-subset islands (engine/src/search/view_schedule.hpp): parsing,
// the standard schedule, each epoch's subset and view kind, and how many epochs of a kind came
// before (which applicable view it takes).
#include <doctest/doctest.h>

#include <stdexcept>

#include "../../engine/src/search/view_schedule.hpp"

using namespace symtorch;
using search_detail::Epoch;
using search_detail::ViewSchedule;

TEST_CASE("the standard schedule: no unary operator, each alone, then outer, numerator, outer, envelope with random halves") {
  SearchOptions o;
  o.unary_operators = {Op::Sqrt, Op::Log};  // fixed epochs: none, {sqrt}, {log}
  const ViewSchedule s = ViewSchedule::standard();
  CHECK(s.text() == "none, each | half:outer, half:numerator, half:outer, half:envelope");
  CHECK(s.at(0, o).unary.empty());
  CHECK(s.at(1, o).unary == std::vector<Op>{Op::Sqrt});
  CHECK(s.at(2, o).unary == std::vector<Op>{Op::Log});
  for (int e = 0; e < 3; ++e) CHECK(s.at(e, o).view.empty());
  // Epochs 3..11: views in a cycle of four, each kind's epochs counted.
  const char* views[] = {"outer", "numerator", "outer", "envelope", "outer", "numerator", "outer", "envelope", "outer"};
  const int occurrence[] = {0, 0, 1, 0, 2, 1, 3, 1, 4};
  for (int k = 0; k < 9; ++k) {
    CAPTURE(k);
    const Epoch e = s.at(3 + k, o);
    CHECK(e.view == views[k]);
    CHECK(e.occurrence == occurrence[k]);
    // A random half, drawn from (seed, epoch): a subset of the unary operators.
    for (const Op op : e.unary) CHECK((op == Op::Sqrt || op == Op::Log));
  }
  // The draw depends on the seed and the epoch only.
  CHECK(s.at(7, o).unary == s.at(7, o).unary);
  o.seed = 99;
  bool differs = false;
  for (int e = 3; e < 40; ++e) {
    SearchOptions other = o;
    other.seed = 100;
    differs |= s.at(e, o).unary != s.at(e, other).unary;
  }
  CHECK(differs);
}

TEST_CASE("schedules are parsed from text, repeated after '|', and bad ones are named") {
  SearchOptions o;
  o.unary_operators = {Op::Sin, Op::Cos, Op::Exp};
  const ViewSchedule s = ViewSchedule::parse(" all:numerator , none | each, half:outer");
  CHECK(s.text() == "all:numerator, none | each, half:outer");
  CHECK(s.at(0, o).unary == o.unary_operators);
  CHECK(s.at(0, o).view == "numerator");
  CHECK(s.at(1, o).unary.empty());
  // `each` expands into one epoch per unary operator.
  CHECK(s.at(2, o).unary == std::vector<Op>{Op::Sin});
  CHECK(s.at(4, o).unary == std::vector<Op>{Op::Exp});
  CHECK(s.at(5, o).view == "outer");
  CHECK(s.at(6, o).unary == std::vector<Op>{Op::Sin});  // the repeated part again
  CHECK(s.at(9, o).occurrence == 1);
  // Without '|' the whole list repeats.
  const ViewSchedule cycle = ViewSchedule::parse("half:envelope, none");
  CHECK(cycle.at(4, o).view == "envelope");
  CHECK(cycle.at(4, o).occurrence == 2);
  CHECK_THROWS_WITH_AS(ViewSchedule::parse("none, sometimes"),
                       "unknown operator subset 'sometimes' in schedule epoch 'sometimes' (known: none, each, half, all)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ViewSchedule::parse("half:merge"),
                       "unknown problem view 'merge' in schedule epoch 'half:merge' (views an epoch can search: "
                       "outer, numerator, envelope)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ViewSchedule::parse("none,,half"), "empty epoch in schedule 'none,,half'", std::invalid_argument);
  CHECK_THROWS_WITH_AS(ViewSchedule::parse("none | half | all"), "schedule 'none | half | all' has more than one '|'",
                       std::invalid_argument);
  // Options refuse them too, and unknown view kinds.
  o.schedule = "none | half:outr";
  CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("unknown problem view 'outr'"), std::invalid_argument);
  o.schedule.clear();
  o.views = {"outer", "numerators"};
  CHECK_THROWS_WITH_AS(o.validate(), "unknown problem view 'numerators' (known: outer, numerator, envelope, merge)",
                       std::invalid_argument);
}
