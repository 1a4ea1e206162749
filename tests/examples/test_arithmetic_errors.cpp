// The arithmetic study's torch-free parts: the token format, answer parsing, the carries, the
// error classes (each class on a hand-made outcome) and the heat map's binning.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <stdexcept>

#include "arithmetic_task.hpp"
#include "error_analysis.hpp"
#include "heat_map.hpp"

using namespace symtorch::examples::arithmetic;

namespace {

Outcome outcome(Operation op, int a, int b, std::optional<std::int64_t> answer) {
  return {{a, b}, exact(op, a, b), answer, ""};
}

}  // namespace

TEST_SUITE("arithmetic") {
  TEST_CASE("prompts and answers are fixed-width digit tokens") {
    CHECK(token_text(prompt_tokens(Operation::Add, 7, 45)) == "700+540=");  // least significant first
    CHECK(token_text(answer_token_ids(Operation::Add, 7, 45)) == "2500$");
    CHECK(token_text(prompt_tokens(Operation::Mul, 123, 999)) == "321*999=");
    CHECK(token_text(answer_token_ids(Operation::Mul, 999, 999)) == "100899$");
    CHECK(prompt_tokens(Operation::Mul, 1, 2).size() == kPromptTokens);
    CHECK_THROWS_WITH_AS(prompt_tokens(Operation::Add, 1000, 2), "operand a = 1000 is outside [0, 999]",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(prompt_tokens(Operation::Add, 1, -1), "operand b = -1 is outside [0, 999]",
                         std::invalid_argument);
    CHECK_THROWS_AS(parse_operation("div"), std::invalid_argument);
  }

  TEST_CASE("an answer is its digits up to the end token; anything else is malformed") {
    const std::vector<std::int64_t> ok{5, 4, 4, 1, kEnd, kEnd};  // least significant digit first
    CHECK(parse_answer(ok).value == 1445);
    CHECK(parse_answer(ok).text == "5441$");
    const std::vector<std::int64_t> leading_zeros{2, 5, 0, 0, kEnd};
    CHECK(parse_answer(leading_zeros).value == 52);
    const std::vector<std::int64_t> no_end{1, 2, 3, 4, 5, 6};
    CHECK_FALSE(parse_answer(no_end).value);
    const std::vector<std::int64_t> symbol{1, kPlus, 3, kEnd};
    CHECK_FALSE(parse_answer(symbol).value);
    CHECK(parse_answer(symbol).text == "1+3$");
    const std::vector<std::int64_t> empty{kEnd};
    CHECK_FALSE(parse_answer(empty).value);
  }

  TEST_CASE("carries as by hand") {
    CHECK(carry_into(972, 373, 1) == 0);  // 2 + 3
    CHECK(carry_into(972, 373, 2) == 1);  // 7 + 7
    CHECK(carry_into(972, 373, 3) == 1);  // 9 + 3 + 1
    CHECK(carry_into(199, 1, 1) == 1);
    CHECK(carry_into(199, 1, 2) == 1);
    CHECK(carry_into(199, 1, 3) == 0);
    CHECK(carry_ripples(199, 1));
    CHECK(carry_ripples(45, 55));
    CHECK_FALSE(carry_ripples(972, 373));
    CHECK_FALSE(carry_ripples(123, 456));
  }

  TEST_CASE("each addition error class") {
    const auto add = Operation::Add;
    CHECK(classify(add, outcome(add, 972, 373, 1345)) == "correct");
    CHECK(classify(add, outcome(add, 972, 373, std::nullopt)) == "malformed");
    // The paper's example: 972 + 373 answered 1445 is +100 where the hundreds digit receives a carry.
    CHECK(classify(add, outcome(add, 972, 373, 1445)) == "digit 10^2 one too high");
    CHECK(classify(add, outcome(add, 972, 373, 1245)) == "dropped carry into 10^2");
    CHECK(classify(add, outcome(add, 972, 373, 1355)) == "spurious carry into 10^1");
    CHECK(classify(add, outcome(add, 972, 373, 345)) == "dropped carry into 10^3");
    CHECK(classify(add, outcome(add, 123, 456, 1579)) == "spurious carry into 10^3");
    CHECK(classify(add, outcome(add, 123, 456, 569)) == "digit 10^1 one too low");
    CHECK(classify(add, outcome(add, 123, 456, 578)) == "other, first wrong digit 10^0");
    CHECK(classify(add, outcome(add, 123, 456, 901)) == "other, first wrong digit 10^2");
  }

  TEST_CASE("multiplication errors by their most significant wrong digit") {
    const auto mul = Operation::Mul;
    CHECK(classify(mul, outcome(mul, 999, 999, 998001)) == "correct");
    CHECK(classify(mul, outcome(mul, 999, 999, 998002)) == "first wrong digit 10^0");
    CHECK(classify(mul, outcome(mul, 999, 999, 897001)) == "first wrong digit 10^5");
    CHECK(classify(mul, outcome(mul, 12, 10, 130)) == "first wrong digit 10^1");
  }

  TEST_CASE("the analysis partitions the pairs and counts offsets and groups") {
    const auto add = Operation::Add;
    std::vector<Outcome> o{outcome(add, 972, 373, 1445), outcome(add, 500, 500, 1000), outcome(add, 1, 2, 3),
                           outcome(add, 999, 1, 900), outcome(add, 5, 5, std::nullopt), outcome(add, 600, 450, 1150)};
    const auto r = analyse(add, o);
    CHECK(r.pairs == 6);
    CHECK(r.correct == 2);
    CHECK(r.malformed == 1);
    std::int64_t total = 0;
    for (const auto& [c, n] : r.classes) total += n;
    CHECK(total == 6);
    REQUIRE(!r.offsets.empty());
    CHECK(r.offsets[0] == std::pair<std::int64_t, std::int64_t>{100, 2});  // 1445 and 1150
    std::int64_t carry_pairs = 0;
    for (const auto& g : r.groups)
      if (g.name.starts_with("carries into:")) carry_pairs += g.pairs;
    CHECK(carry_pairs == 6);
    for (const auto& g : r.groups)
      if (g.name == "sum >= 1000") {
        CHECK(g.pairs == 4);
        CHECK(g.wrong == 3);
      }
    CHECK_THROWS_AS(analyse(add, std::vector<Outcome>{}), std::invalid_argument);
  }

  TEST_CASE("the heat map bins by operand and leaves empty cells undefined") {
    const auto add = Operation::Add;
    std::vector<Outcome> o{outcome(add, 0, 0, 0), outcome(add, 10, 20, 40), outcome(add, 999, 999, 1998)};
    const auto m = bin_errors(add, o, 2);
    CHECK(m.pairs == std::vector<std::int64_t>{2, 0, 0, 1});
    CHECK(m.wrong_fraction[0] == doctest::Approx(0.5));
    CHECK(m.mean_error[0] == doctest::Approx(5.0));
    CHECK(std::isnan(m.wrong_fraction[1]));
    CHECK(m.wrong_fraction[3] == 0);
    CHECK_THROWS_AS(bin_errors(add, o, 0), std::invalid_argument);
  }
}
