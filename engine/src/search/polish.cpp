#include "polish.hpp"

#include "../pi_multiples.hpp"
#include "polynomial.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <stdexcept>

#include "symtorch/engine/constant_optimizer.hpp"
#include "symtorch/engine/detail/parallel_for.hpp"
#include "symtorch/engine/simplify.hpp"

namespace symtorch::search_detail {

DataView<double> dataset_view(const Dataset& data, std::vector<const double*>& pointers) {
  pointers.resize(data.num_features());
  for (std::size_t k = 0; k < data.num_features(); ++k) pointers[k] = data.features[k].data();
  DataView<double> v;
  v.columns = pointers;
  v.y = data.target.data();
  v.weights = data.weights.empty() ? nullptr : data.weights.data();
  v.rows = data.rows();
  if (data.weights.empty()) {
    v.weight_sum = static_cast<double>(data.rows());
  } else {
    for (double w : data.weights) v.weight_sum += w;
  }
  return v;
}

double weighted_mean_square(const Dataset& data) {
  double sw = 0, s = 0;
  for (std::size_t r = 0; r < data.rows(); ++r) {
    const double w = data.weights.empty() ? 1.0 : data.weights[r];
    sw += w;
    s += w * data.target[r] * data.target[r];
  }
  return s / sw;
}

double effective_rows(const Dataset& data) {
  if (data.weights.empty()) return static_cast<double>(data.rows());
  double sw = 0, sw2 = 0;
  for (const double w : data.weights) {
    sw += w;
    sw2 += w * w;
  }
  return sw2 > 0 ? sw * sw / sw2 : 0.0;
}

double weighted_variance(const Dataset& data) {
  double sw = 0, s = 0;
  for (std::size_t r = 0; r < data.rows(); ++r) {
    const double w = data.weights.empty() ? 1.0 : data.weights[r];
    sw += w;
    s += w * data.target[r];
  }
  const double mean = s / sw;
  double v = 0;
  for (std::size_t r = 0; r < data.rows(); ++r) {
    const double w = data.weights.empty() ? 1.0 : data.weights[r];
    v += w * (data.target[r] - mean) * (data.target[r] - mean);
  }
  return v / sw;
}

Member explicit_member(const Member& m, bool scaled, const SearchOptions& options, double baseline) {
  if (!scaled) return m;
  Member out = m;
  // Scaled islands exist only where * and + are allowed (SearchOptions::validate, numerator
  // views), so the written-out form uses allowed operators.
  out.expr = simplify_algebra(Expression::binary(Op::Add, Expression::binary(Op::Mul, Expression::constant(m.scale), m.expr),
                                                 Expression::constant(m.offset)),
                              options.operator_set());
  out.complexity = out.expr.complexity();
  out.cost = m.loss / baseline + options.parsimony * out.complexity;
  out.scale = 1;
  out.offset = 0;
  return out;
}

namespace {

// Candidate simple values for c, simplest first: 0, the nearest integer, then the nearest
// fraction with each denominator 2..max_denominator.
std::vector<double> simple_values(double c, int max_denominator) {
  std::vector<double> v{0.0};
  for (int q = 1; q <= max_denominator; ++q) {
    const double x = std::round(c * q) / q;
    if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
  }
  return v;
}

// c = k·π/2 + r with k != 0 and r simple (p/q, q <= 12, |r| <= 12) to round-off: (k, r).
std::optional<std::pair<long, double>> quarter_turns(double c) {
  constexpr double half_pi = 1.5707963267948966;
  for (long m = 1; m <= 16; ++m) {
    const long k = (m % 2 == 1) ? (m + 1) / 2 : -(m / 2);  // 1, -1, 2, -2, ..., 8, -8
    const double x = c - static_cast<double>(k) * half_pi;
    if (std::abs(x) > 12) continue;
    for (int q = 1; q <= 12; ++q) {
      const double r = std::round(x * q) / q;
      if (std::abs(x - r) <= 1e-12 * (1 + std::abs(c))) return std::make_pair(k, r);
    }
  }
  return std::nullopt;
}

// c less the whole turns 2πk nearest to it, in [-π, π]; written as the simple value p/q
// (q <= 12) it is to round-off, if there is one. The search finds phases anywhere on the real
// line (sin(u - 264.89378) for sin(u + 1) = sin(u + 1 - 84π)); the reduced
// constant is the same function and the form a person would write.
double reduce_full_turns(double c) {
  constexpr double two_pi = 2 * std::numbers::pi;
  const double r = std::remainder(c, two_pi);
  // std::remainder is exact, but 2π in double is off by 2.4e-16 per turn: that is the error.
  const double tolerance = 1e-15 * (1 + std::abs(c));
  for (int q = 1; q <= 12; ++q) {
    const double simple = std::round(r * q) / q;
    if (std::abs(r - simple) <= tolerance) return simple;
  }
  return r;
}

// Constant terms of the additive chain rooted at i (through + and -), with their signs.
void additive_constants(const Expression& e, std::size_t i, int sign, std::vector<std::pair<std::size_t, int>>& out) {
  const Node& n = e[i];
  if (n.op == Op::Add || n.op == Op::Sub) {
    additive_constants(e, e.left_child(i), sign, out);
    additive_constants(e, e.right_child(i), n.op == Op::Sub ? -sign : sign, out);
  } else if (n.op == Op::Const) {
    out.emplace_back(i, sign);
  }
}

// Whole turns off every constant phase term of sin and cos (once: the quarter-turn rewrite
// below may leave a remainder r with |r| > π, and reducing that again could undo it,
// endlessly). Only constants change.
Expression reduce_phases(const Expression& input, const OperatorSet& allowed) {
  Expression e = input;
  bool reduced = false;
  std::vector<std::pair<std::size_t, int>> terms;
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (op_info(e[i].op).period != 2 * std::numbers::pi) continue;
    terms.clear();
    additive_constants(e, i - 1, 1, terms);
    for (const auto& term : terms)
      if (std::abs(e[term.first].value) > std::numbers::pi) {
        e[term.first].value = reduce_full_turns(e[term.first].value);
        reduced = true;
      }
  }
  return reduced ? simplify(e, allowed) : e;  // a phase of whole turns is now 0
}

Expression rewrite_quarter_turns(const Expression& e, const OperatorSet& allowed) {
  std::vector<std::pair<std::size_t, int>> terms;
  for (std::size_t i = 0; i < e.size(); ++i) {
    const Node& n = e[i];
    if (n.op != Op::Sin && n.op != Op::Cos) continue;
    terms.clear();
    additive_constants(e, i - 1, 1, terms);
    for (const auto& [at, sign] : terms) {
      const auto split = quarter_turns(e[at].value);
      if (!split) continue;
      // argument = v + sign·k·π/2, where v is the argument with the constant replaced by r.
      Expression v = e.subtree(i - 1);
      v[at - e.subtree_begin(i - 1)].value = split->second;
      const long k = sign * split->first;
      const int q = static_cast<int>(((k % 4) + 4) % 4);
      // sin(v + qπ/2) = sin v, cos v, -sin v, -cos v; cos(v + qπ/2) = cos v, -sin v, -cos v, sin v.
      Op f = n.op;
      bool negate = false;
      if (n.op == Op::Sin) {
        if (q == 1 || q == 3) f = Op::Cos;
        negate = q == 2 || q == 3;
      } else {
        if (q == 1 || q == 3) f = Op::Sin;
        negate = q == 1 || q == 2;
      }
      // Only where the result's operators are allowed: cos for sin, and for a sign neg or,
      // in a set without neg, a product with -1 (which the simplifier folds into a + or -).
      if (!allowed.allows(f)) continue;
      if (negate && !allowed.allows(Op::Neg) && !allowed.allows(Op::Mul)) continue;
      Expression replacement = Expression::unary(f, simplify(v, allowed));
      if (negate && allowed.allows(Op::Neg)) replacement = Expression::unary(Op::Neg, replacement);
      else if (negate) replacement = Expression::binary(Op::Mul, Expression::constant(-1.0), replacement);
      // simplify_algebra folds a product with -1 into the enclosing sum's operator.
      return rewrite_quarter_turns(simplify_algebra(e.replace_subtree(i, replacement), allowed), allowed);
    }
  }
  return e;
}

}  // namespace

Expression rewrite_phase_shifts(const Expression& e, const OperatorSet& allowed) {
  return rewrite_quarter_turns(reduce_phases(e, allowed), allowed);
}

Expression drop_zero_products(const Expression& e, const OperatorSet& allowed) {
  auto is_zero = [&e](std::size_t i) { return e[i].op == Op::Const && e[i].value == 0.0; };
  for (std::size_t i = 0; i < e.size(); ++i) {
    const Node& n = e[i];
    const bool zero = (n.op == Op::Mul && (is_zero(e.left_child(i)) || is_zero(e.right_child(i)))) ||
                      (n.op == Op::Div && is_zero(e.left_child(i)));
    if (zero) return drop_zero_products(simplify(e.replace_subtree(i, Expression::constant(0.0)), allowed), allowed);
  }
  return e;
}

namespace {

// v rounded to 3 decimals, if that is v to round-off.
std::optional<double> short_decimal(double v) {
  const double r = std::round(v * 1000) / 1000;
  if (std::abs(v - r) > 1e-12 * std::max(1.0, std::abs(v))) return std::nullopt;
  return r;
}

}  // namespace

Expression rational_coefficients(const Expression& e, const OperatorSet& allowed) {
  // Each rewrite below writes a division (and a product for p != ±1): none without /.
  if (!allowed.allows(Op::Div)) return e;
  // c = p/q to round-off with q <= 12 or q a power of two up to 256, for c that needs more than
  // 3 decimals. The powers of two come from completed squares in exact polynomial fits
  // (x·((x(x + 1/2) + 3/8)² + 5x/8 + 55/64) is x⁵ + x⁴ + x³ + x² + x); a value that matches p/q
  // to 1e-12 by accident is too unlikely to matter.
  auto fraction = [&e](std::size_t i) -> std::optional<std::pair<double, double>> {
    if (e[i].op != Op::Const || e[i].value == 0 || short_decimal(e[i].value)) return std::nullopt;
    const double c = e[i].value;
    for (int q = 2; q <= 256; q = q < 12 ? q + 1 : (q < 16 ? 16 : 2 * q)) {
      const double p = std::round(c * q);
      if (p != 0 && std::abs(p) <= 1000 && std::abs(c * q - p) <= 1e-12 * std::abs(p)) return std::make_pair(p, double(q));
    }
    return std::nullopt;
  };
  // u / (p/q) is (q/p)·u: cos(x / (1 / 3)) reads as cos(3 * x).
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i].op != Op::Div) continue;
    const auto pq = fraction(e.right_child(i));
    if (!pq || e[e.left_child(i)].op == Op::Const) continue;
    if (!allowed.allows(Op::Mul)) continue;
    const Expression replacement = Expression::binary(Op::Mul, Expression::constant(pq->second / pq->first),
                                                      e.subtree(e.left_child(i)));
    return rational_coefficients(e.replace_subtree(i, replacement), allowed);
  }
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i].op != Op::Mul) continue;
    const std::size_t l = e.left_child(i), r = e.right_child(i);
    auto pq = fraction(l);
    std::size_t other = r;
    if (!pq) {
      pq = fraction(r);
      other = l;
    }
    if (!pq) continue;
    const auto [p, q] = *pq;
    const Expression u = e.subtree(other);
    const Expression numerator =
        std::abs(p) == 1 ? u : Expression::binary(Op::Mul, Expression::constant(std::abs(p)), u);
    const Expression replacement = Expression::binary(Op::Div, numerator, Expression::constant(p < 0 ? -q : q));
    return rational_coefficients(e.replace_subtree(i, replacement), allowed);
  }
  // A fraction elsewhere (a term of a sum, an argument) is written p/q as it stands.
  for (std::size_t i = 0; i < e.size(); ++i) {
    const auto pq = fraction(i);
    if (!pq) continue;
    const Expression replacement =
        Expression::binary(Op::Div, Expression::constant(pq->first), Expression::constant(pq->second));
    return rational_coefficients(e.replace_subtree(i, replacement), allowed);
  }
  return e;
}

void snap_constants(Expression& e, double& loss, const DataView<double>& data, double loss_floor,
                    const SearchOptions::PolishRules& rules) {
  const std::size_t nconst = e.num_constants();
  if (nconst == 0 || !std::isfinite(loss)) return;
  // A snap removes a free parameter; accept it when the fit worsens by no more than the BIC
  // charges for that parameter: n·log(L'/L) <= log(n). On noisy data this lets an estimate of
  // 7.992 become the 8 the noise hid; on exact data the loss must stay below the exact floor.
  const double n = static_cast<double>(data.rows);
  const double bic_factor = std::exp(std::log(n) / n);
  // An exact fit may have any small-denominator fraction (1/3 in physics laws); an approximate
  // one only quarters and thirds at most, which read as simplifications rather than artefacts.
  const int max_denominator = loss <= loss_floor ? 12 : 4;
  // With a periodic function about, a constant near a multiple of a quarter period may be a
  // phase the noise blurred (sin(u − 1.5717) for −cos(u)): those multiples are candidates too.
  double quarter_period = 0;
  for (const Node& node : e.nodes())
    if (const double p = op_info(node.op).period; p > 0) quarter_period = std::max(quarter_period, p / 4);
  std::vector<char> fixed(nconst, 0);
  ConstantOptimizer<double> optimizer;
  LossEvaluator<double> evaluator(false);
  SearchRng rng(0);  // no restarts: unused
  ConstantFitSettings settings;
  settings.iterations = 30;
  settings.restarts = 0;
  Expression trial;
  std::vector<int> map(nconst);
  for (std::size_t k = 0; k < nconst; ++k) {
    const double c = e.constants()[k];
    std::vector<double> candidates = simple_values(c, max_denominator);
    if (quarter_period > 0 && rules.snap_phases) {
      const double turns = std::round(c / quarter_period);
      if (turns != 0 && std::abs(turns) <= 8) candidates.push_back(turns * quarter_period);
    }
    // On an exact fit, after the fractions: p·π/q and p/(q·π) to round-off (the 2π and 1/(2π)
    // of Planck's law written in ω). Not on approximate fits: those multiples are dense enough that some lies
    // within the BIC allowance of many a constant.
    if (loss <= loss_floor && rules.snap_pi)
      for (const auto& m : detail::pi_multiples_near(c, detail::kMaxPiDenominator, 1e-9)) candidates.push_back(m.value());
    for (double v : candidates) {
      if (v == c) {
        fixed[k] = 1;  // already simple
        break;
      }
      trial = e;
      auto values = trial.constants();
      values[k] = v;
      trial.set_constants(values);
      int free = 0;
      for (std::size_t j = 0; j < nconst; ++j) map[j] = (j == k || fixed[j]) ? -1 : free++;
      if (free > 0) optimizer.optimize(trial, data, rng, settings, map);
      const double l = evaluator.loss(trial, data).loss;
      if (l <= std::max(loss_floor, loss * bic_factor)) {
        e = trial;
        loss = l;
        fixed[k] = 1;
        break;
      }
    }
  }
}

std::vector<std::size_t> polish_sample_rows(std::size_t n) {
  std::vector<std::size_t> rows;
  if (n <= 2 * kPolishSampleRows) return rows;
  rows.reserve(kPolishSampleRows);
  for (std::size_t i = 0; i < kPolishSampleRows; ++i) rows.push_back(i * n / kPolishSampleRows);
  return rows;
}

namespace {

// A member with its polynomial parts written as expanded sums of monomials (the whole member,
// or the denominator of 8/(...)), constants snapped as for any member, when that is no longer
// than the member: the same function in the form people write (see polynomial.hpp). The full
// data confirms it with the BIC allowance per constant.
void expand_polynomial(FrontMember& out, const PolishData& data, double loss_floor, const OperatorSet& allowed,
                       const SearchOptions::PolishRules& rules) {
  Expression trial = expand_polynomials(out.expression);
  if (trial == out.expression) return;
  // Often longer before snapping: cancelled terms (√2·x2² − √2·x2²) are left as round-off.
  trial = simplify_algebra(trial, allowed);
  const auto constants = static_cast<double>(trial.num_constants());
  LossEvaluator<double> evaluator(false);
  double sample_loss = evaluator.loss(trial, data.sample).loss;
  snap_constants(trial, sample_loss, data.sample, loss_floor, rules);
  trial = drop_zero_products(simplify_algebra(trial, allowed), allowed);
  // The expanded sum may need operators the factored form did not (- for negative terms, /).
  if (trial.complexity() > out.expression.complexity() || trial == out.expression || !allowed.allows(trial)) return;
  const double full_loss = evaluator.loss(trial, data.full).loss;
  const double n = static_cast<double>(data.full.rows);
  if (full_loss <= std::max(loss_floor, out.loss * std::exp(constants * std::log(n) / n))) {
    out.expression = std::move(trial);
    out.loss = full_loss;
  }
}

// sqrt(square(u)) is |u|, and square(sqrt(u)) is u wherever it is defined. Where u keeps one
// sign on the data the pair is debris of the search (2·sin(x1)·cos(x2) on [0, 1]² can come out
// as 2·sqrt(square(sqrt(square(cos(x2)·sin(x1)))))): u or −u is the same function
// there, shorter, and what a person (or a symbolic comparison) expects. Kept only if the loss
// on the full data stays the same to round-off.
void remove_roots_of_squares(FrontMember& out, const PolishData& data, double loss_floor, const OperatorSet& allowed) {
  LossEvaluator<double> evaluator(false);
  for (bool changed = true; changed;) {
    changed = false;
    const Expression& e = out.expression;
    for (std::size_t i = 2; i < e.size() && !changed; ++i) {
      const Op outer = e[i].op, inner = e[i - 1].op;
      if (!((outer == Op::Sqrt && inner == Op::Square) || (outer == Op::Square && inner == Op::Sqrt))) continue;
      const Expression u = e.subtree(i - 2);
      std::vector<Expression> candidates{u};
      if (outer == Op::Sqrt && allowed.allows(Op::Neg)) candidates.push_back(Expression::unary(Op::Neg, u));
      for (const Expression& c : candidates) {
        Expression trial = simplify_algebra(e.replace_subtree(i, c), allowed);
        const double loss = evaluator.loss(trial, data.full).loss;
        if (loss <= std::max(loss_floor, out.loss * (1 + 1e-9))) {
          out.expression = std::move(trial);
          out.loss = loss;
          changed = true;
          break;
        }
      }
    }
  }
}

}  // namespace

FrontMember polish_member(const Member& m, const SearchOptions& options, const PolishData& data, double loss_floor) {
  // Every rewrite keeps to the user's operators: an equation of allowed operators stays one.
  const OperatorSet allowed = options.operator_set();
  FrontMember out;
  out.expression = simplify_algebra(m.expr, allowed);
  if (options.optimize_constants && out.expression.num_constants() > 0) {
    ConstantOptimizer<double> optimizer;
    SearchRng rng(fit_seed(out.expression.hash(true), options.seed));
    ConstantFitSettings settings;
    settings.iterations = options.polish_iterations;
    settings.restarts = options.optimizer_nrestarts;
    bool improved = optimizer.optimize(out.expression, data.sample, rng, settings).improved;
    if (data.sampled) {
      settings.iterations = 10;
      settings.restarts = 0;
      improved |= optimizer.optimize(out.expression, data.full, rng, settings).improved;
    }
    if (improved) out.expression = simplify_algebra(out.expression, allowed);  // constants may have reached 0 or 1 exactly
  }
  LossEvaluator<double> evaluator(false);
  out.loss = evaluator.loss(out.expression, data.full).loss;
  const SearchOptions::PolishRules& rules = options.polish_rules;
  if (rules.drop_root_pairs) remove_roots_of_squares(out, data, loss_floor, allowed);
  if (options.snap_constants) {
    Expression trial = out.expression;
    double sample_loss = data.sampled ? evaluator.loss(trial, data.sample).loss : out.loss;
    snap_constants(trial, sample_loss, data.sample, loss_floor, rules);
    trial = drop_zero_products(simplify_algebra(trial, allowed), allowed);
    const double full_loss = evaluator.loss(trial, data.full).loss;
    // The full data confirms the snaps with the same BIC allowance per constant.
    const double n = static_cast<double>(data.full.rows);
    const auto snapped = static_cast<double>(out.expression.num_constants());
    if (full_loss <= std::max(loss_floor, out.loss * std::exp(snapped * std::log(n) / n))) {
      out.expression = std::move(trial);
      out.loss = full_loss;
    }
    if (rules.expand_polynomials) expand_polynomial(out, data, loss_floor, allowed, rules);
  }
  if (rules.rewrite_forms)
    out.expression =
        rational_coefficients(shorten_with_operators(rewrite_phase_shifts(out.expression, allowed), allowed), allowed);
  out.loss = evaluator.loss(out.expression, data.full).loss;
  out.complexity = out.expression.complexity();
  // A member of allowed operators (the search makes no other) is polished into one; anything
  // else is a bug to report, not an equation to return.
  if (const auto op = allowed.first_outside(out.expression))
    throw std::logic_error("polishing wrote the operator '" + op_info(*op).name + "', which is not allowed, into " +
                           "an equation (internal error)");
  return out;
}

std::vector<FrontMember> polish_all(const std::vector<Member>& members, const SearchOptions& options,
                                    const PolishData& data, double loss_floor) {
  std::vector<FrontMember> out(members.size());
  parallel_for(std::size_t{0}, members.size(),
               [&](std::size_t i) { out[i] = polish_member(members[i], options, data, loss_floor); });
  return out;
}

}  // namespace symtorch::search_detail
