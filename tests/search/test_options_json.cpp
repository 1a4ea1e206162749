// options_from_json: the inverse of options_to_json, strict about keys, types and operators.
#include <doctest/doctest.h>

#include "symtorch/engine/search_json.hpp"

using namespace symtorch;
using nlohmann::json;

TEST_CASE("options_from_json reads back what options_to_json writes") {
  SearchOptions o;
  o.unary_operators = {Op::Sin, Op::Exp};
  o.niterations = 7;
  o.seed = 42;
  o.precision = Precision::Double;
  o.target_loss = 1e-6;
  o.nested_constraints = {{Op::Sin, Op::Sin, 0}};
  o.polish_rules.snap_pi = false;
  const SearchOptions back = options_from_json(options_to_json(o));
  CHECK(options_to_json(back) == options_to_json(o));
}

TEST_CASE("options_from_json keeps unnamed options and reads the extra keys") {
  SearchOptions base;
  base.maxsize = 17;
  const auto o = options_from_json(json::parse(R"({"niterations": 3,
      "size_constraints": [{"op": "^", "left": -1, "right": 1}], "mutation_weights": {"add_node": 0.5}})"), base);
  CHECK(o.maxsize == 17);
  CHECK(o.niterations == 3);
  REQUIRE(o.size_constraints.size() == 1);
  CHECK(o.size_constraints[0].op == Op::Pow);
  CHECK(o.size_constraints[0].right == 1);
  CHECK(o.mutation_weights.add_node == 0.5);
}

TEST_CASE("options_from_json names what it refuses") {
  auto message = [](const char* text) {
    try {
      options_from_json(json::parse(text));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(message(R"({"niterashuns": 3})").starts_with("unknown search option 'niterashuns' (known: adaptive_parsimony_scaling, "));
  CHECK(message(R"({"niterations": "many"})") == "option 'niterations': expected an integer, got \"many\"");
  CHECK(message(R"({"unary_operators": ["sinc"]})") == "option 'unary_operators': unknown operator 'sinc'");
  CHECK(message(R"({"binary_operators": ["sin"]})") == "option 'binary_operators': 'sin' has arity 1, not 2");
  CHECK(message(R"({"mutation_weights": {"grow": 1}})").starts_with("unknown mutation weight 'grow' (known: "));
  CHECK(message(R"([1, 2])") == "search options: expected a JSON object, got [1,2]");
}
