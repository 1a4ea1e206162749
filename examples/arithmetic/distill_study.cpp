#include "distill_study.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "symtorch/engine/interpreter.hpp"
#include "symtorch/engine/operators.hpp"
#include "symtorch/engine/search_options.hpp"
#include "symtorch/torch/symbolic_model.hpp"

namespace symtorch::examples::arithmetic {

namespace {

using Clock = std::chrono::steady_clock;

const char* target_name(Target t) { return t == Target::Answer ? "answer" : "error"; }

// The equation's value minus the exact law's at every point of a grid x grid lattice of the
// (a, b) square, and where that departure is large.
nlohmann::json departure(const Expression& e, Operation op, Target target, std::span<const Outcome> outcomes,
                         const DistillSettings& s) {
  const int g = s.grid;
  std::vector<double> a(static_cast<std::size_t>(g) * g), b(a.size()), v(a.size());
  for (int i = 0; i < g; ++i)
    for (int j = 0; j < g; ++j) {
      const auto k = static_cast<std::size_t>(i) * g + j;
      a[k] = std::round(kMaxOperand * static_cast<double>(i) / (g - 1));
      b[k] = std::round(kMaxOperand * static_cast<double>(j) / (g - 1));
    }
  Interpreter<double> interpreter;
  const double* columns[] = {a.data(), b.data()};
  interpreter.evaluate(e, columns, a.size(), v);
  double sum2 = 0, max_abs = 0, at_a = 0, at_b = 0;
  std::int64_t over_half = 0, non_finite = 0;
  const int nb = s.blocks;
  std::vector<double> block_sum2(static_cast<std::size_t>(nb) * nb, 0);
  std::vector<std::int64_t> block_points(block_sum2.size(), 0);
  const auto block_of = [&](double x) { return std::min(nb - 1, static_cast<int>(x * nb / (kMaxOperand + 1))); };
  for (std::size_t k = 0; k < a.size(); ++k) {
    const int ia = static_cast<int>(a[k]), ib = static_cast<int>(b[k]);
    const double law = target == Target::Error ? 0.0 : static_cast<double>(exact(op, ia, ib));
    const double d = v[k] - law;
    if (!std::isfinite(d)) {
      ++non_finite;
      continue;
    }
    sum2 += d * d;
    if (std::abs(d) > 0.5) ++over_half;
    if (std::abs(d) > max_abs) max_abs = std::abs(d), at_a = a[k], at_b = b[k];
    const auto block = static_cast<std::size_t>(block_of(a[k])) * nb + block_of(b[k]);
    block_sum2[block] += d * d;
    ++block_points[block];
  }
  const auto finite = static_cast<double>(a.size()) - static_cast<double>(non_finite);
  std::size_t worst = 0;
  for (std::size_t k = 0; k < block_sum2.size(); ++k)
    if (block_points[k] && block_sum2[k] / block_points[k] > block_sum2[worst] / std::max<std::int64_t>(1, block_points[worst]))
      worst = k;
  const double width = static_cast<double>(kMaxOperand + 1) / nb;
  const double a0 = static_cast<double>(worst / nb) * width, b0 = static_cast<double>(worst % nb) * width;
  // The model's own error rate inside and outside the worst block: does the equation depart
  // where the model errs?
  std::int64_t in = 0, in_wrong = 0, outside = 0, out_wrong = 0;
  for (const auto& o : outcomes) {
    const bool inside = o.pair.a >= a0 && o.pair.a < a0 + width && o.pair.b >= b0 && o.pair.b < b0 + width;
    (inside ? in : outside) += 1;
    (inside ? in_wrong : out_wrong) += o.wrong() ? 1 : 0;
  }
  const auto rate = [](std::int64_t w, std::int64_t n) { return n ? static_cast<double>(w) / static_cast<double>(n) : 0.0; };
  return {{"rms", finite > 0 ? std::sqrt(sum2 / finite) : 0.0},
          {"max_abs", max_abs},
          {"max_at", {{"a", at_a}, {"b", at_b}}},
          {"fraction_over_half", finite > 0 ? static_cast<double>(over_half) / finite : 0.0},
          {"non_finite_points", non_finite},
          {"worst_block",
           {{"a", {a0, a0 + width}}, {"b", {b0, b0 + width}},
            {"rms", block_points[worst] ? std::sqrt(block_sum2[worst] / block_points[worst]) : 0.0},
            {"model_error_rate_inside", rate(in_wrong, in)},
            {"model_error_rate_outside", rate(out_wrong, outside)}}}};
}

}  // namespace

nlohmann::json distill(Calculator& calculator, Operation op, Target target, std::span<const Pair> pairs,
                       std::span<const Outcome> analysis_outcomes, const DistillSettings& s, std::ostream& out) {
  if (pairs.empty()) throw std::invalid_argument("distill: no pairs");
  if (s.grid < 2) throw std::invalid_argument("--grid must be at least 2");
  if (s.blocks < 1) throw std::invalid_argument("--blocks must be positive");
  nlohmann::json result = {{"operation", name(op)}, {"target", target_name(target)}, {"pairs", pairs.size()}};

  // Which pairs the model answers at all (the function below is then called on those only).
  std::vector<Pair> formed;
  for (const auto& o : calculator.answer(op, pairs))
    if (o.answer) formed.push_back(o.pair);
  result["malformed_left_out"] = pairs.size() - formed.size();

  // The model as a function of (a, b): rows of x are pairs; the answer (or its error) comes back.
  symtorch::SymbolicModel model(symtorch::SymbolicModelImpl::Function([&calculator, op, target](const torch::Tensor& x) {
    const auto rows = x.to(torch::kDouble).contiguous();
    std::vector<Pair> asked(static_cast<std::size_t>(rows.size(0)));
    for (std::size_t i = 0; i < asked.size(); ++i)
      asked[i] = {static_cast<int>(std::lround(rows[static_cast<std::int64_t>(i)][0].item<double>())),
                  static_cast<int>(std::lround(rows[static_cast<std::int64_t>(i)][1].item<double>()))};
    std::vector<double> y;
    for (const auto& o : calculator.answer(op, asked)) {
      const double answer = o.answer ? static_cast<double>(*o.answer) : std::numeric_limits<double>::quiet_NaN();
      y.push_back(target == Target::Answer ? answer : answer - static_cast<double>(o.exact));
    }
    return torch::tensor(y, torch::kDouble);
  }));
  std::vector<double> x;
  for (const auto& p : formed) x.insert(x.end(), {static_cast<double>(p.a), static_cast<double>(p.b)});
  const auto inputs = torch::tensor(x, torch::kDouble).reshape({-1, 2});
  model->start_recording();
  const auto y = model->forward(inputs);
  model->stop_recording();
  result["rows"] = formed.size();
  if (formed.size() < 2 || (y - y[0]).abs().max().item<double>() == 0) {
    const std::string why = formed.size() < 2 ? "fewer than 2 well-formed answers"
                                              : "the " + std::string(target_name(target)) + " is " +
                                                    std::to_string(y[0].item<double>()) + " on every pair";
    result["skipped"] = why;
    out << name(op) << ", " << target_name(target) << " on " << pairs.size() << " pairs: not distilled (" << why << ")\n";
    return result;
  }

  DistillOptions options;
  parse_operator_list(s.operators, options.search.binary_operators, options.search.unary_operators);
  // Periodic and exponential terms may not nest, and take only small arguments: a trigonometric
  // wiggle of a huge polynomial fits 50 points and says nothing (the paper constrains them too).
  options.search.nested_constraints = parse_nested_constraints("sin:sin=0,exp=0;exp:exp=0,sin=0");
  options.search.size_constraints = {{Op::Sin, 5, -1}, {Op::Exp, 5, -1}};
  options.search.maxsize = s.maxsize;
  options.search.niterations = s.niterations;
  options.search.populations = s.populations;
  options.search.population_size = s.population_size;
  options.search.seed = s.seed;
  options.search.threads = s.threads;
  const auto start = Clock::now();
  const Distillation& d = model->distill(options);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const TargetFit& fit = d.targets.at(0);
  char head[200];
  std::snprintf(head, sizeof head, "%s, %s (%s), %zu pairs (%zu well formed), distilled in %.1f s:\n", name(op),
                target_name(target), target == Target::Answer ? "model's answer" : "answer - exact", pairs.size(),
                formed.size(), seconds);
  out << head << fit.front.table(d.variable_names, fit.chosen);

  nlohmann::json members = nlohmann::json::array();
  nlohmann::json exact_member = nullptr;
  for (std::size_t k = 0; k < fit.front.size(); ++k) {
    const auto dep = departure(fit.front[k].expression, op, target, analysis_outcomes, s);
    members.push_back({{"complexity", fit.front[k].complexity}, {"loss", fit.front[k].loss},
                       {"score", fit.front[k].score}, {"equation", d.equation(0, k)}, {"departure", dep}});
    if (exact_member.is_null() && dep["max_abs"].get<double>() < 1e-6 && dep["non_finite_points"].get<std::int64_t>() == 0)
      exact_member = k;
  }
  result["seconds"] = seconds;
  result["members"] = members;
  result["chosen"] = fit.chosen;
  result["chosen_equation"] = d.equation(0, fit.chosen);
  result["exact_law_member"] = exact_member;
  result["search"] = {{"operators", s.operators}, {"maxsize", s.maxsize}, {"niterations", s.niterations},
                      {"populations", s.populations}, {"population_size", s.population_size}, {"seed", s.seed},
                      {"threads", s.threads}};
  out << "  departure from " << (target == Target::Error ? "0" : op == Operation::Add ? "x0 + x1" : "x0 * x1")
      << " on a " << s.grid << "x" << s.grid << " grid (complexity: rms, max |.| at (a, b), share of grid over 0.5):\n";
  for (const auto& m : members) {
    const auto& dep = m["departure"];
    char line[300];
    std::snprintf(line, sizeof line, "    %3d: %10.4g  %10.4g at (%3.0f, %3.0f)  %5.1f%%  worst block a %s b %s\n",
                  m["complexity"].get<int>(), dep["rms"].get<double>(), dep["max_abs"].get<double>(),
                  dep["max_at"]["a"].get<double>(), dep["max_at"]["b"].get<double>(),
                  100 * dep["fraction_over_half"].get<double>(), dep["worst_block"]["a"].dump().c_str(),
                  dep["worst_block"]["b"].dump().c_str());
    out << line;
  }
  return result;
}

}  // namespace symtorch::examples::arithmetic
