// ParetoFront construction, the score column and the selection rules, on hand-made fronts.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "symtorch/engine/pareto.hpp"

using namespace symtorch;

namespace {

// A distinct expression per complexity (x0 + x0 + ... with `c` nodes for odd c); only the
// complexity and loss matter to the front.
FrontMember member(int complexity, double loss) {
  Expression e = Expression::variable(0);
  while (static_cast<int>(e.size()) + 2 <= complexity) e = Expression::binary(Op::Add, e, Expression::variable(0));
  FrontMember m;
  m.expression = e;
  m.complexity = complexity;
  m.loss = loss;
  return m;
}

}  // namespace

TEST_CASE("front keeps one member per complexity, each better than every simpler one") {
  const auto front = ParetoFront::from_candidates({member(5, 0.5), member(1, 2.0), member(3, 1.0), member(3, 0.8),
                                                   member(7, 0.9),  // worse than complexity 5: dropped
                                                   member(9, std::numeric_limits<double>::quiet_NaN()),
                                                   member(11, std::numeric_limits<double>::infinity())});
  REQUIRE(front.size() == 3);
  CHECK(front[0].complexity == 1);
  CHECK(front[1].complexity == 3);
  CHECK(front[1].loss == 0.8);
  CHECK(front[2].complexity == 5);
}

TEST_CASE("score is -dlog(loss)/dcomplexity against the previous member") {
  const auto front = ParetoFront::from_candidates({member(1, 1.0), member(3, 0.1), member(7, 0.01)});
  REQUIRE(front.size() == 3);
  CHECK(front[0].score == 0);
  // log(10)/2 and log(10)/4, computed from the same doubles: 1e-12 relative covers rounding.
  CHECK(front[1].score == doctest::Approx(std::log(10.0) / 2).epsilon(1e-12));
  CHECK(front[2].score == doctest::Approx(std::log(10.0) / 4).epsilon(1e-12));
}

TEST_CASE("best picks the largest score among members within the loss tolerance") {
  // Scores: c3: log(4)/2 = 0.69, c5: log(100)/2 = 2.30 (loss 0.01), c9: log(1.25)/4 = 0.056.
  const auto front = ParetoFront::from_candidates({member(1, 4.0), member(3, 1.0), member(5, 0.01), member(9, 0.008)});
  CHECK(front.select({SelectionRule::Best, 1.5, 0}) == 2);
  // With tolerance 1 only the most accurate member qualifies.
  CHECK(front.select({SelectionRule::Best, 1.0, 0}) == 3);
  CHECK(front.select({SelectionRule::Accuracy, 1.5, 0}) == 3);
}

TEST_CASE("best excludes a high-score member outside the tolerance; infinity gives the pure rule") {
  // c3 has the largest score (log(100)/2) but loss 0.01 is 10x the lowest (0.001).
  const auto front = ParetoFront::from_candidates({member(1, 1.0), member(3, 0.01), member(5, 0.001)});
  CHECK(front[1].score > front[2].score);
  CHECK(front.select({SelectionRule::Best, 1.5, 0}) == 2);
  CHECK(front.select({SelectionRule::Best, std::numeric_limits<double>::infinity(), 0}) == 1);
}

TEST_CASE("fixed complexity picks that member or the largest one below it") {
  const auto front = ParetoFront::from_candidates({member(1, 1.0), member(3, 0.5), member(7, 0.1)});
  CHECK(front.select({SelectionRule::Complexity, 1.5, 3}) == 1);
  CHECK(front.select({SelectionRule::Complexity, 1.5, 5}) == 1);
  CHECK(front.select({SelectionRule::Complexity, 1.5, 100}) == 2);
  CHECK_THROWS_AS(ParetoFront::from_candidates({member(3, 0.5)}).select({SelectionRule::Complexity, 1.5, 1}),
                  std::invalid_argument);
}

TEST_CASE("losses below the floor count as equal: the simplest exact member wins") {
  // Two exact fits whose round-off differs by 100x: without the floor the longer one would
  // dominate the tolerance test and be chosen.
  const auto front =
      ParetoFront::from_candidates({member(1, 1.0), member(5, 1e-30), member(9, 1e-32)}, /*loss_floor=*/1e-24);
  REQUIRE(front.size() == 2);  // complexity 9 is not better than the floor
  CHECK(front.select() == 1);
  CHECK(std::isfinite(front[1].score));
}

TEST_CASE("bic weighs each drop in loss by the number of rows behind it") {
  // The noisy nguyen_5 front of the public suite, rounded (500 rows): an approximation at
  // complexity 7 after a large drop (score 1.04), the true form one node later (score 0.06),
  // then overfits. Best (tolerance 1.5) takes the approximation; BIC takes the true form:
  // 500·log(7.03/6.62) = 30 > log(500) = 6.2 per node, while the overfits' gains stay below
  // their added log(500)·Δcomplexity (complexity 29: 500·log(6.62/6.20) = 33 < 21·6.2).
  const std::vector<FrontMember> noisy{member(1, 2.74e-2), member(3, 6.17e-3), member(5, 1.99e-3),
                                       member(7, 7.03e-5), member(9, 6.62e-5),  member(11, 6.59e-5),
                                       member(29, 6.20e-5)};
  const auto front = ParetoFront::from_candidates(noisy, 0.0, 500);
  CHECK(front[front.select()].complexity == 7);
  CHECK(front[front.select({SelectionRule::Bic, 1.5, 0})].complexity == 9);
  // Fewer rows make the same drop weaker evidence: with 20 rows, 20·log(7.03/6.62) = 1.2 is
  // below log(20) = 3.0 per node, and the shorter form wins.
  const auto few = ParetoFront::from_candidates(noisy, 0.0, 20);
  CHECK(few[few.select({SelectionRule::Bic, 1.5, 0})].complexity == 7);
  // Noise-free: the floor makes exact fits tie, so the simplest exact member wins.
  const auto exact = ParetoFront::from_candidates({member(1, 1.0), member(5, 1e-30), member(9, 1e-32)}, 1e-24, 500);
  CHECK(exact[exact.select({SelectionRule::Bic, 1.5, 0})].complexity == 5);
  // Without a row count there is no BIC.
  CHECK_THROWS_AS(ParetoFront::from_candidates(noisy).select({SelectionRule::Bic, 1.5, 0}), std::invalid_argument);
}

TEST_CASE("selection errors and parsing") {
  CHECK_THROWS_AS(ParetoFront().select(), std::invalid_argument);
  const auto front = ParetoFront::from_candidates({member(1, 1.0)});
  CHECK_THROWS_AS(front.select({SelectionRule::Best, 0.5, 0}), std::invalid_argument);
  CHECK(parse_selection("best").rule == SelectionRule::Best);
  CHECK(parse_selection("accuracy").rule == SelectionRule::Accuracy);
  CHECK(parse_selection("bic").rule == SelectionRule::Bic);
  CHECK(parse_selection("7").complexity == 7);
  for (const char* text : {"best", "accuracy", "bic", "7"}) CHECK(selection_text(parse_selection(text)) == text);
  CHECK_THROWS_AS(parse_selection("fast"), std::invalid_argument);
  CHECK_THROWS_AS(parse_selection("0"), std::invalid_argument);
  CHECK_THROWS_AS(parse_selection("7x"), std::invalid_argument);
}

TEST_CASE("table lists every member and marks the chosen one") {
  const auto front = ParetoFront::from_candidates({member(1, 1.0), member(3, 0.25)});
  const std::string t = front.table({"a"}, 1);
  CHECK(t.find("complexity") != std::string::npos);
  CHECK(t.find("a + a") != std::string::npos);
  CHECK(t.find("*          3") != std::string::npos);
}
