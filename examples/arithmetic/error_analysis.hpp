// What a model's answers get wrong: every (a, b) pair's outcome sorted into one class, and the
// error rates of input groups a reader can act on (which carries, which boundary, which region).
//
// Classes (a partition: every pair is in exactly one, so the counts sum to the pairs):
//   correct; malformed (no parseable answer);
//   addition, error e = answer - exact:
//     "dropped carry into 10^k"    e = -10^k and the exact sum carries into digit k
//     "spurious carry into 10^k"   e = +10^k and it does not
//     "digit 10^k one too low/high" e = -/+10^k otherwise
//     "other, first wrong digit 10^k" anything else, by the most significant wrong digit
//   multiplication: "first wrong digit 10^k" (k = 5 .. 0, the most significant digit that differs:
//     5 means the leading digit is already wrong).
// Groups (a pair may be in several): addition by carry pattern, by number of carries, by a carry
// rippling through a digit whose sum is 9, by the sum's side of 1000 and its distance from it;
// multiplication by the product's number of digits and the operands' sizes; both by quadrant of
// the (a, b) square.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "arithmetic_task.hpp"

namespace symtorch::examples::arithmetic {

struct Outcome {
  Pair pair;
  std::int64_t exact = 0;
  std::optional<std::int64_t> answer;  // none when malformed
  std::string text;                    // what the model generated
  bool wrong() const { return !answer || *answer != exact; }
};

// The carry into digit k (1 = tens, 2 = hundreds, 3 = thousands) when adding a and b by hand.
int carry_into(int a, int b, int k);
// Whether a carry passes through a digit whose digits sum to 9 (so that the carry out of that
// digit exists only because of the carry into it: 45 + 55, 199 + 1).
bool carry_ripples(int a, int b);

std::string classify(Operation op, const Outcome& outcome);

struct Group {
  std::string name;
  std::int64_t pairs = 0, wrong = 0;
  double mean_error = 0;  // mean answer - exact over its well-formed answers
  double error_rate() const { return pairs > 0 ? static_cast<double>(wrong) / static_cast<double>(pairs) : 0; }
};

struct OperationAnalysis {
  Operation op = Operation::Add;
  std::int64_t pairs = 0, correct = 0, malformed = 0;
  std::map<std::string, std::int64_t> classes;
  // The most frequent non-zero errors answer - exact, with their counts (at most 10).
  std::vector<std::pair<std::int64_t, std::int64_t>> offsets;
  double mean_error = 0, mean_abs_error = 0, mse = 0;  // over well-formed answers
  double median_relative_error = 0;                     // |answer - exact| / max(exact, 1), wrong ones
  std::vector<Group> groups;
  std::vector<Outcome> examples;  // a few wrong answers of the most frequent error class
  double accuracy() const { return pairs > 0 ? static_cast<double>(correct) / static_cast<double>(pairs) : 0; }
};

// Throws std::invalid_argument when `outcomes` is empty.
OperationAnalysis analyse(Operation op, std::span<const Outcome> outcomes);

nlohmann::json to_json(const OperationAnalysis& analysis);
// Lines for a person: accuracy, classes, offsets, groups sorted as listed, examples.
std::string report(const OperationAnalysis& analysis);

}  // namespace symtorch::examples::arithmetic
