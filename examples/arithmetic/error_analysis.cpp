#include "error_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <stdexcept>

namespace symtorch::examples::arithmetic {

namespace {

int digit(std::int64_t v, int k) {
  for (int i = 0; i < k; ++i) v /= 10;
  return static_cast<int>(v % 10);
}

std::int64_t power10(int k) {
  std::int64_t p = 1;
  for (int i = 0; i < k; ++i) p *= 10;
  return p;
}

// The most significant digit position where two non-negative numbers differ (-1 if equal).
int first_wrong_digit(std::int64_t answer, std::int64_t exact, int digits) {
  for (int k = digits - 1; k >= 0; --k)
    if (digit(answer, k) != digit(exact, k)) return k;
  // An answer wider than the fixed width differs above it.
  return answer == exact ? -1 : digits;
}

// "carries into: 10^1,10^3", or "carries into: none", for the carries c[0..2] into digits 1..3.
std::string carry_pattern(const int (&c)[3]) {
  std::string list;
  for (int k = 1; k <= 3; ++k)
    if (c[k - 1]) list += (list.empty() ? "" : ",") + std::string("10^") + std::to_string(k);
  return "carries into: " + (list.empty() ? std::string("none") : list);
}

}  // namespace

int carry_into(int a, int b, int k) {
  int carry = 0;
  for (int i = 0; i < k; ++i) carry = (digit(a, i) + digit(b, i) + carry) >= 10 ? 1 : 0;
  return carry;
}

bool carry_ripples(int a, int b) {
  for (int k = 1; k <= 2; ++k)
    if (carry_into(a, b, k) && digit(a, k) + digit(b, k) == 9) return true;
  return false;
}

std::string classify(Operation op, const Outcome& o) {
  if (!o.answer) return "malformed";
  if (*o.answer == o.exact) return "correct";
  const std::int64_t e = *o.answer - o.exact;
  if (op == Operation::Add) {
    for (int k = 1; k <= 3; ++k) {
      const std::int64_t p = power10(k);
      const int carry = carry_into(o.pair.a, o.pair.b, k);
      if (e == -p) return (carry ? "dropped carry into 10^" : "digit 10^") + std::to_string(k) + (carry ? "" : " one too low");
      if (e == p) return (carry ? "digit 10^" : "spurious carry into 10^") + std::to_string(k) + (carry ? " one too high" : "");
    }
    return "other, first wrong digit 10^" + std::to_string(first_wrong_digit(*o.answer, o.exact, answer_digits(op)));
  }
  return "first wrong digit 10^" + std::to_string(first_wrong_digit(*o.answer, o.exact, answer_digits(op)));
}

OperationAnalysis analyse(Operation op, std::span<const Outcome> outcomes) {
  if (outcomes.empty()) throw std::invalid_argument(std::string("error analysis of ") + name(op) + ": no pairs");
  OperationAnalysis r;
  r.op = op;
  r.pairs = static_cast<std::int64_t>(outcomes.size());
  std::map<std::int64_t, std::int64_t> offsets;
  std::vector<double> relative;
  std::int64_t formed = 0;
  for (const auto& o : outcomes) {
    ++r.classes[classify(op, o)];
    if (!o.answer) {
      ++r.malformed;
      continue;
    }
    ++formed;
    const double e = static_cast<double>(*o.answer - o.exact);
    r.mean_error += e;
    r.mean_abs_error += std::abs(e);
    r.mse += e * e;
    if (e == 0) {
      ++r.correct;
    } else {
      ++offsets[*o.answer - o.exact];
      relative.push_back(std::abs(e) / std::max<double>(1, static_cast<double>(o.exact)));
    }
  }
  if (formed > 0) {
    r.mean_error /= static_cast<double>(formed);
    r.mean_abs_error /= static_cast<double>(formed);
    r.mse /= static_cast<double>(formed);
  }
  if (!relative.empty()) {
    std::nth_element(relative.begin(), relative.begin() + static_cast<std::ptrdiff_t>(relative.size() / 2), relative.end());
    r.median_relative_error = relative[relative.size() / 2];
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> by_count(offsets.begin(), offsets.end());
  std::stable_sort(by_count.begin(), by_count.end(), [](auto& x, auto& y) { return x.second > y.second; });
  by_count.resize(std::min<std::size_t>(by_count.size(), 10));
  r.offsets = by_count;

  // Groups: each is a name and a membership test, listed in the order a reader compares them.
  using Test = std::function<bool(const Pair&)>;
  std::vector<std::pair<std::string, Test>> tests;
  if (op == Operation::Add) {
    for (int pattern = 0; pattern < 8; ++pattern) {
      const int c[3] = {pattern & 1, (pattern >> 1) & 1, (pattern >> 2) & 1};
      tests.emplace_back(carry_pattern(c), [c1 = c[0], c2 = c[1], c3 = c[2]](const Pair& p) {
        return carry_into(p.a, p.b, 1) == c1 && carry_into(p.a, p.b, 2) == c2 && carry_into(p.a, p.b, 3) == c3;
      });
    }
    tests.emplace_back("a carry ripples through a digit summing to 9", [](const Pair& p) { return carry_ripples(p.a, p.b); });
    tests.emplace_back("no carry ripples", [](const Pair& p) { return !carry_ripples(p.a, p.b); });
    tests.emplace_back("sum >= 1000", [](const Pair& p) { return p.a + p.b >= 1000; });
    tests.emplace_back("sum < 1000", [](const Pair& p) { return p.a + p.b < 1000; });
    tests.emplace_back("sum within 10 of 1000 (990..1010)", [](const Pair& p) { return std::abs(p.a + p.b - 1000) <= 10; });
    tests.emplace_back("sum within 50 of 1000", [](const Pair& p) { return std::abs(p.a + p.b - 1000) <= 50; });
  } else {
    for (int d = 1; d <= 6; ++d)
      tests.emplace_back("product has " + std::to_string(d) + " digit" + (d > 1 ? "s" : ""), [d](const Pair& p) {
        const std::int64_t v = std::int64_t{p.a} * p.b;
        return v >= (d == 1 ? 0 : power10(d - 1)) && v < power10(d);
      });
    tests.emplace_back("an operand < 10", [](const Pair& p) { return p.a < 10 || p.b < 10; });
    tests.emplace_back("an operand < 100", [](const Pair& p) { return p.a < 100 || p.b < 100; });
    tests.emplace_back("both operands >= 100", [](const Pair& p) { return p.a >= 100 && p.b >= 100; });
  }
  tests.emplace_back("a < 500, b < 500", [](const Pair& p) { return p.a < 500 && p.b < 500; });
  tests.emplace_back("a < 500, b >= 500", [](const Pair& p) { return p.a < 500 && p.b >= 500; });
  tests.emplace_back("a >= 500, b < 500", [](const Pair& p) { return p.a >= 500 && p.b < 500; });
  tests.emplace_back("a >= 500, b >= 500", [](const Pair& p) { return p.a >= 500 && p.b >= 500; });
  for (const auto& [label, test] : tests) {
    Group g;
    g.name = label;
    std::int64_t formed_in_group = 0;
    for (const auto& o : outcomes) {
      if (!test(o.pair)) continue;
      ++g.pairs;
      if (o.wrong()) ++g.wrong;
      if (o.answer) {
        ++formed_in_group;
        g.mean_error += static_cast<double>(*o.answer - o.exact);
      }
    }
    if (formed_in_group > 0) g.mean_error /= static_cast<double>(formed_in_group);
    r.groups.push_back(g);
  }

  std::string top;
  std::int64_t top_count = 0;
  for (const auto& [c, n] : r.classes)
    if (c != "correct" && n > top_count) top = c, top_count = n;
  for (const auto& o : outcomes)
    if (r.examples.size() < 5 && !top.empty() && classify(op, o) == top) r.examples.push_back(o);
  return r;
}

nlohmann::json to_json(const OperationAnalysis& r) {
  nlohmann::json classes = nlohmann::json::object();
  for (const auto& [c, n] : r.classes) classes[c] = n;
  nlohmann::json offsets = nlohmann::json::array();
  for (const auto& [e, n] : r.offsets) offsets.push_back({{"error", e}, {"count", n}});
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : r.groups)
    groups.push_back({{"name", g.name}, {"pairs", g.pairs}, {"wrong", g.wrong}, {"error_rate", g.error_rate()},
                      {"mean_error", g.mean_error}});
  nlohmann::json examples = nlohmann::json::array();
  for (const auto& o : r.examples)
    examples.push_back({{"a", o.pair.a}, {"b", o.pair.b}, {"exact", o.exact},
                        {"answer", o.answer ? nlohmann::json(*o.answer) : nlohmann::json(nullptr)},
                        {"generated", o.text}, {"class", classify(r.op, o)}});
  return {{"operation", name(r.op)}, {"pairs", r.pairs}, {"correct", r.correct}, {"malformed", r.malformed},
          {"accuracy", r.accuracy()}, {"classes", classes}, {"most_frequent_errors", offsets},
          {"mean_error", r.mean_error}, {"mean_abs_error", r.mean_abs_error}, {"mse", r.mse},
          {"median_relative_error_of_wrong", r.median_relative_error}, {"groups", groups}, {"examples", examples}};
}

std::string report(const OperationAnalysis& r) {
  std::ostringstream s;
  char line[256];
  std::snprintf(line, sizeof line, "%s: %lld pairs, accuracy %.2f%% (%lld correct, %lld malformed); MSE %.4g, mean error %+.4g\n",
                name(r.op), static_cast<long long>(r.pairs), 100 * r.accuracy(), static_cast<long long>(r.correct),
                static_cast<long long>(r.malformed), r.mse, r.mean_error);
  s << line << "  classes:\n";
  std::vector<std::pair<std::string, std::int64_t>> classes(r.classes.begin(), r.classes.end());
  std::stable_sort(classes.begin(), classes.end(), [](auto& x, auto& y) { return x.second > y.second; });
  for (const auto& [c, n] : classes) {
    std::snprintf(line, sizeof line, "    %7lld  %5.2f%%  %s\n", static_cast<long long>(n),
                  100.0 * static_cast<double>(n) / static_cast<double>(r.pairs), c.c_str());
    s << line;
  }
  s << "  most frequent errors (answer - exact: count):";
  for (const auto& [e, n] : r.offsets) s << " " << (e > 0 ? "+" : "") << e << ": " << n;
  s << "\n  error rate by group:\n";
  for (const auto& g : r.groups) {
    std::snprintf(line, sizeof line, "    %6.2f%% of %6lld  mean error %+10.4g  %s\n", 100 * g.error_rate(),
                  static_cast<long long>(g.pairs), g.mean_error, g.name.c_str());
    s << line;
  }
  if (!r.examples.empty()) {
    s << "  examples of the most frequent error:";
    for (const auto& o : r.examples)
      s << " " << o.pair.a << symbol(r.op) << o.pair.b << "=" << (o.answer ? std::to_string(*o.answer) : o.text)
        << " (exact " << o.exact << ")";
    s << "\n";
  }
  return s.str();
}

}  // namespace symtorch::examples::arithmetic
