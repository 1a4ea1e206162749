// Operator registry: every operator the engine knows, chosen at run time by a small op code.
//
// Domain semantics (documented contract, tested in tests/engine/test_operators.cpp and
// tests/engine/test_interpreter.cpp): operators are *unprotected* IEEE-754 / C99 Annex F
// functions, as in PySR. log(x<0) = NaN, log(0) = -Inf, sqrt(x<0) = NaN, x/0 = ±Inf
// (0/0 = NaN), inv(0) = ±Inf, pow(x<0, non-integer) = NaN, exp overflow = +Inf. NaN propagates
// except where C99 defines a number (pow(NaN, 0) = pow(1, NaN) = 1); Inf gives the IEEE limit
// (tanh(±inf) = ±1, exp(-inf) = 0, inv(inf) = 0). The search rejects a candidate whose loss is
// not finite, so domain errors cost nothing but that candidate.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace symtorch {

// Built-in op codes. User operators get codes from kFirstUserOp upwards.
enum class Op : std::uint8_t {
  Const = 0,
  Var,
  // binary
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  // unary
  Neg,
  Square,
  Cube,
  Sqrt,
  Exp,
  Log,
  Sin,
  Cos,
  Tan,
  Tanh,
  Abs,
  Inv,
  kBuiltinCount
};

inline constexpr std::uint8_t kFirstUserOp = static_cast<std::uint8_t>(Op::kBuiltinCount);
inline constexpr std::size_t kMaxOps = 64;

using UnaryFn = std::function<double(double)>;
using BinaryFn = std::function<double(double, double)>;

class Expression;

// f(-x) = f(x) (Even) or f(-x) = -f(x) (Odd), for every real x.
enum class Parity : std::uint8_t { None, Even, Odd };

// Where a unary operator is finite on finite input: every real, x >= 0 (sqrt), x > 0 (log),
// x != 0 (inv), or away from the poles of tan (Poles).
enum class Domain : std::uint8_t { Real, NonNegative, Positive, NonZero, Poles };

struct OperatorInfo {
  Op op{};
  std::string name;        // parser/printer name, e.g. "sin", "+"
  int arity = 0;           // 0 for leaves, 1 or 2
  int complexity = 1;      // contribution to an expression's complexity
  bool infix = false;      // printed between operands (+ - * / ^)
  int precedence = 0;      // for infix printing/parsing
  bool commutative = false;
  // Text templates for non-infix printers; "{0}" and "{1}" are operands.
  std::string latex;   // e.g. "\\sin{\\left({0}\\right)}"
  std::string c;       // e.g. "sin({0})" (double precision C)
  std::string sympy;   // e.g. "sin({0})"
  std::string torch;   // e.g. "torch.sin({0})"
  // Scalar evaluation (double); user operators provide these, built-ins too (reference path).
  UnaryFn unary;
  BinaryFn binary;
  // Derivative for user unary operators: f'(x). Built-ins have symbolic rules in derivative.cpp.
  UnaryFn unary_derivative;
  std::function<std::pair<double, double>(double, double)> binary_derivative;
  bool user = false;

  // --- traits: what the simplifier, polishing, reformulations and backends know of an
  // operator, in one place (built-ins; user operators have none) ---
  Parity parity = Parity::None;
  double period = 0;  // f(x + period) = f(x) for every x; 0 = not periodic
  Domain domain = Domain::Real;
  // x from y = f(x), for a unary f that is one-to-one on the reals and not affine: the target
  // transform of a reformulated search y = f(g) (fit g to inverse(y)). NaN where y is outside
  // f's range. Null where f has no such inverse (sin, square, abs: not one-to-one; neg: affine,
  // so the transformed problem is the same problem).
  double (*inverse)(double) = nullptr;
  // Computed by a math library call (libm / libmvec / SLEEF on the CPU, libdevice on the GPU)
  // rather than by an instruction: exp, log, sin, cos, tan, tanh, pow.
  bool math_library = false;
  // d f(a) given the operand a and its derivative da (chain rule included), for unary
  // built-ins; used by derivative.cpp. Null for binary operators, whose rules depend on which
  // operand varies (derivative.cpp), and for user operators (their partials below).
  Expression (*derivative_rule)(const Expression& a, const Expression& da) = nullptr;

  // For a user operator registered with a derivative: the internal operators that compute its
  // partial derivatives, one per operand ("name_d" for unary, "name_d0"/"name_d1" for binary).
  // The symbolic derivative (derivative.cpp) builds trees from them; empty = not differentiable.
  std::vector<Op> partials;
  // Set on those internal partial-derivative operators: the operator they differentiate.
  // The search should not offer them as building blocks.
  std::optional<Op> derivative_of;
};

// Process-wide registry of operators. Built-ins are present from the start; user operators
// are added with register_unary/register_binary. Registration is not thread-safe with respect
// to concurrent evaluation: register before starting searches.
class OperatorRegistry {
 public:
  static OperatorRegistry& instance();

  const OperatorInfo& info(Op op) const;
  std::optional<Op> find(std::string_view name) const;
  std::size_t size() const { return ops_.size(); }

  // Adds a user operator. Throws std::invalid_argument if the name is taken or malformed.
  // With a derivative, internal operators for the partials are registered too ("name_d" for a
  // unary operator, "name_d0" and "name_d1" for a binary one, same complexity); registration is
  // all or nothing (a clash on any of these names or too few free op codes adds nothing).
  Op register_unary(const std::string& name, UnaryFn f, UnaryFn derivative = {}, int complexity = 1);
  Op register_binary(const std::string& name, BinaryFn f,
                     std::function<std::pair<double, double>(double, double)> derivative = {},
                     int complexity = 1);

  // Per-operator complexity override (e.g. make exp cost 3). Op::Const and Op::Var set what a
  // constant and a variable count (PySR's complexity_of_constants / _variables); a leaf counts
  // at least 1, so that every expression has complexity >= 1 (the hall of fame's slots start
  // there). Throws std::invalid_argument for a negative complexity or a leaf below 1.
  void set_complexity(Op op, int complexity);
  // The operator a complexity setting names: an operator's name (find), or "constant" /
  // "variable" for the leaves.
  std::optional<Op> find_complexity_target(std::string_view name) const;
  // Restores built-in complexities (tests use this to stay independent).
  void reset_complexities();

 private:
  OperatorRegistry();
  // Throws unless every name is a free identifier and there are op codes left for all of them.
  void check_new_names(const std::vector<std::string>& names) const;
  std::vector<OperatorInfo> ops_;
};

inline const OperatorInfo& op_info(Op op) { return OperatorRegistry::instance().info(op); }
inline bool is_leaf(Op op) { return op == Op::Const || op == Op::Var; }
inline bool is_user_op(Op op) { return static_cast<std::uint8_t>(op) >= kFirstUserOp; }

// Scalar reference evaluation of a built-in or user operator (used by the reference
// evaluator, constant folding and the printers' tests).
double apply_unary(Op op, double x);
double apply_binary(Op op, double a, double b);

}  // namespace symtorch
