// SearchOptions: every knob of the genetic-programming search, with PySR's defaults
// (SymbolicRegression.jl v1 `default_options`, tuned by its author on many problems) unless a
// comment says otherwise. validate() refuses inconsistent settings with a message naming the
// option.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "symtorch/engine/operator_set.hpp"
#include "symtorch/engine/operators.hpp"

namespace symtorch {

// Relative weights of the mutations (normalised when sampled). A weight of 0 disables one.
struct MutationWeights {
  double mutate_constant = 0.0346;  // scale one constant by a random factor
  double mutate_operator = 0.293;   // replace an operator by another of the same arity
  double mutate_feature = 0.1;      // point a variable at another input
  double swap_operands = 0.198;     // swap the operands of a binary operator
  double rotate_tree = 4.26;        // tree rotation around a random internal node
  double add_node = 2.47;           // append an operator at a leaf or prepend at the root
  double insert_node = 0.0112;      // insert an operator above a random node
  double delete_node = 0.870;       // replace an operator by one of its operands
  double simplify = 0.00209;        // algebraic simplification (value unchanged)
  double randomize = 0.000502;      // replace the whole tree by a random one
  double do_nothing = 0.273;        // keep the parent (an ageing step)
  double optimize = 0.0;            // constant optimisation as a mutation
};

enum class Precision { Float, Double };

// `outer` may contain at most `max_count` nested `inner` operators in any of its operand
// subtrees (PySR's nested_constraints; e.g. sin: {sin: 0} forbids sin(…sin(…)…)).
struct NestedConstraint {
  Op outer{};
  Op inner{};
  int max_count = 0;
};

// Largest complexity of each operand of `op` (-1 = unlimited); PySR's `constraints`.
// For a unary operator only `left` is used.
struct SizeConstraint {
  Op op{};
  int left = -1;
  int right = -1;
};

struct SearchOptions {
  // --- search space ---
  std::vector<Op> binary_operators{Op::Add, Op::Sub, Op::Mul, Op::Div};
  std::vector<Op> unary_operators{};
  int maxsize = 30;   // largest complexity
  int maxdepth = 0;   // 0 = no limit beyond maxsize
  std::vector<NestedConstraint> nested_constraints;
  std::vector<SizeConstraint> size_constraints;

  // --- search size ---
  int populations = 31;
  int population_size = 27;
  int ncycles_per_iteration = 380;
  int niterations = 100;

  // --- stopping ---
  double time_limit_seconds = 0;          // 0 = none. Makes the result depend on speed.
  // Limit on the CPU time of the whole process (all threads), for fair budgets on shared
  // machines; 0 = none. Like the wall-clock limit it makes the result depend on speed.
  double cpu_time_limit_seconds = 0;
  std::optional<double> target_loss;      // stop once the best loss is <= this (MSE units)
  // Stop once a front member fits to double-precision round-off (relative MSE <= 1e-20 after
  // polishing in double): nothing can be gained by searching further.
  bool stop_on_exact_fit = true;

  // --- objective ---
  double parsimony = 0.0;                  // added cost per unit complexity
  double adaptive_parsimony_scaling = 1040.0;
  bool use_frequency = true;
  bool use_frequency_in_tournament = true;
  // Fraction of the islands whose candidates are judged as y ≈ a·f(x) + b with (a, b) fitted in
  // closed form (Operon's linear scaling): 0 = none (PySR), 1 = all (Operon), in between =
  // islands interleaved. Scaling finds shapes whatever their scale and offset; unscaled islands
  // find compact forms that need no a, b. Front members are always explicit equations (a and b
  // written into them), so both kinds of island share the hall of fame and migrants.
  double linear_scaling = 0.0;
  bool scaled_island(int island) const;
  // Fraction of the islands (interleaved as for linear_scaling) that grow new nodes from a
  // subset of the unary operators, the same subset for all of them, and take in only migrants
  // built from it. With many unary operators, forms that need few of them (a rational
  // function, log of a polynomial) drown among exp/cos compositions that fit almost as well;
  // islands without those operators explore the plain forms. The subset changes every
  // subset_redraw_iterations (an "epoch") as `schedule` says. At each change the subset
  // islands restart from random trees, and they take no hall-of-fame migrants: its polished
  // approximations would crowd out every fresh tree. 0 = PySR (every island uses every
  // operator).
  double operator_subsets = 0.75;
  bool subset_island(int island) const;
  // Iterations per epoch; 0 = the first subset (no unary operator) for the whole search, with
  // filtered hall-of-fame migration, and no problem views.
  int subset_redraw_iterations = 16;
  bool redrawn_subset_island(int island) const;
  // What the subset islands do in each epoch: their operator subset and the problem view they
  // search (engine/src/search/view_schedule.hpp). Empty = the standard schedule,
  // "none, each | half:outer, half:numerator, half:outer, half:envelope": first no unary
  // operator, then each alone, then a repeated cycle of four epochs with random halves of the
  // unary operators, searching y = g(f), y = x_k / f, y = g(f) and y = h·f in turn.
  std::string schedule;
  // The problem views the search may use (engine/src/search/views/problem_view.hpp): "outer"
  // (y = g(f), fit f to g⁻¹(y)), "numerator" (y = x_k / f), "envelope" (y = h·f under an
  // envelope h of an oscillating target), "merge" (variables merged where accurate equations
  // depend on two only through x_i·x_j, x_i/x_j, x_i + x_j or x_i − x_j). Their finds enter the
  // hall of fame written over the original variables and judged on y. A view whose written-out
  // form needs an operator the user did not allow is never used. Off with mini-batches (each
  // restored find would need a full-data evaluation).
  std::vector<std::string> views{"outer", "numerator", "envelope", "merge"};
  bool view_enabled(const std::string& kind) const;
  // Numerator views judge their candidates with linear scaling (where * and + are allowed):
  // x_k / y comes with a free scale and offset.
  bool scale_numerator_views = true;
  int warmup_maxsize_iterations = 0;       // grow maxsize from 3 over this many iterations

  // --- evolution ---
  MutationWeights mutation_weights{};
  double crossover_probability = 0.0259;
  bool annealing = true;
  double alpha = 3.17;                     // annealing temperature scale
  double perturbation_factor = 0.129;
  double probability_negate_constant = 0.00743;
  int tournament_selection_n = 15;
  double tournament_selection_p = 0.982;
  bool skip_mutation_failures = true;
  bool should_simplify = true;

  // --- migration ---
  bool migration = true;
  bool hof_migration = true;
  double fraction_replaced = 0.00036;
  double fraction_replaced_hof = 0.0614;
  int topn = 12;

  // --- constant optimisation ---
  bool optimize_constants = true;
  double optimizer_probability = 0.14;
  int optimizer_iterations = 8;           // Levenberg–Marquardt steps per start
  int optimizer_nrestarts = 2;
  // Levenberg–Marquardt steps given to every new candidate with constants before it is judged
  // (Operon-style local search; PySR relies on optimizer_probability alone, i.e. 0): a
  // candidate is judged by the best its shape can do near its constants, not by where the
  // mutation left them (the measurement behind the default is in BENCHMARKS.md).
  int local_search_iterations = 2;
  // Final polishing of every front member (LM steps; on data over 40000 rows they run on a
  // 20000-row sample, then 10 more on the full data).
  int polish_iterations = 100;
  // After polishing, replace each constant by the simplest of 0, an integer or a fraction p/q
  // (q <= 12 for exact fits, q <= 4 otherwise) if, with the other constants re-fitted, the fit
  // stays exact (loss below the exact-fit floor) or worsens by no more than the BIC charges for
  // the parameter removed (n·log(L'/L) <= log n). Turns 0.24999999999999994 into 1/4, a noisy
  // 7.992 into 8, and removes redundant constants, so equations read (and compare
  // symbolically) as they should.
  // On large data the trials run on a 20000-row sample and the full data confirms the result.
  bool snap_constants = true;
  // The other polishing rules, each on by default (their ablations are in BENCHMARKS.md):
  struct PolishRules {
    // With snap_constants, multiples of a quarter period of a periodic function are candidates
    // too (a phase of 1.5717 becomes π/2), and on an exact fit p·π/q and p/(q·π).
    bool snap_phases = true;
    bool snap_pi = true;
    // Polynomial parts written as expanded sums of monomials where no longer (with
    // snap_constants; polynomial.hpp).
    bool expand_polynomials = true;
    // sqrt(square(u)) and square(sqrt(u)) written as ±u where u keeps one sign on the data.
    bool drop_root_pairs = true;
    // Rewrites that keep the value to round-off: sin(u + π/2) as cos(u), c·u with c = p/q as
    // p·u/q, whole turns off phases, u·u as square(u), f(-u) as f(u) for even f.
    bool rewrite_forms = true;
  } polish_rules;

  // --- evaluation ---
  Precision precision = Precision::Float;  // search evaluation; polishing is always double
  // Mini-batching: 0 = automatic (on when the data has more than 10000 rows).
  int batching = 0;                        // 0 auto, 1 on, -1 off
  std::size_t batch_size = 1024;
  bool fitness_cache = true;
  std::size_t fitness_cache_entries = 1u << 16;  // per island; cleared when full

  // --- run ---
  std::uint64_t seed = 0;
  int threads = 0;                         // 0 = all hardware threads
  // Regressor only: print a progress line to stderr after every iteration when stderr is a
  // terminal and no progress callback is set (run_search itself never prints).
  bool progress = false;

  // --- warm start / checkpoint ---
  std::vector<std::string> warm_start;     // equations (infix, data's variable names) to seed
  std::string checkpoint_path;             // written atomically after every iteration if set
  std::string resume_path;                 // a checkpoint to continue from

  // Throws std::invalid_argument naming the first inconsistent option.
  void validate() const;
  // The operators every equation of the search may contain: binary_operators and
  // unary_operators.
  OperatorSet operator_set() const;
  // Whether mini-batching is used for data with `rows` rows.
  bool use_batching(std::size_t rows) const;
};

// Parses an operator list such as "+,-,*,/,sin,cos" (also "add", "mul", "pow", user operator
// names) into binary and unary operator sets. Throws std::invalid_argument naming an unknown
// operator.
void parse_operator_list(const std::string& list, std::vector<Op>& binary, std::vector<Op>& unary);

// Parses nested constraints "sin:sin=0,cos=0;exp:exp=0". Throws std::invalid_argument.
std::vector<NestedConstraint> parse_nested_constraints(const std::string& text);

}  // namespace symtorch
