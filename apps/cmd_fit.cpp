// `symtorch fit FILE`: symbolic regression on a CSV or .npy file. Prints the Pareto front as a
// table (complexity, loss, score, equation) and then the chosen equation alone as the last line
// of standard output, with the file's column names. Ctrl-C ends the search cleanly: the front
// found so far is polished and printed. Progress goes to standard error, on a terminal only.
// Under an MPI launcher (`mpirun -np N symtorch fit ...`, `srun`) the islands are spread over
// the ranks (fit_cluster.hpp); rank 0 alone prints, writes the JSON and the checkpoint, and
// SIGTERM (mpirun's answer to Ctrl-C) and SIGUSR1 stop the search like Ctrl-C.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <limits>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <thread>

#include "command.hpp"
#include "fit_cluster.hpp"
#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/operators.hpp"
#include "symtorch/engine/search.hpp"
#include "symtorch/engine/search_json.hpp"

namespace symtorch::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

struct FitArgs {
  // Defaults are SearchOptions' (PySR's unless documented otherwise there).
  inline static const SearchOptions kDefaults{};
  std::string file, target, ops = "+,-,*,/", unary_ops, json_path, form, select = "best", nested, weights_column;
  std::string precision = "float", batching = "auto", checkpoint, resume, warm_start, complexities;
  int maxsize = kDefaults.maxsize, maxdepth = kDefaults.maxdepth, niterations = kDefaults.niterations;
  int populations = kDefaults.populations, population_size = kDefaults.population_size, threads = kDefaults.threads;
  int ncycles = kDefaults.ncycles_per_iteration, local_search = kDefaults.local_search_iterations;
  std::uint64_t seed = kDefaults.seed;
  double time_limit = 0, cpu_time_limit = 0, parsimony = kDefaults.parsimony, tolerance = 1.5;
  double linear_scaling = kDefaults.linear_scaling, operator_subsets = kDefaults.operator_subsets;
  int subset_redraw = kDefaults.subset_redraw_iterations;
  std::optional<double> target_loss;
  std::size_t batch_size = kDefaults.batch_size;
  bool no_progress = false, no_exact_stop = false, no_snap = false, no_scale_numerator = false;
  std::string views = "outer,numerator,envelope,merge", schedule, polish_off, mpi_mode = "async";
  bool niterations_given = false;
};

// Restores the previous SIGINT handler (and SIGTERM, SIGUSR1 where taken) when the fit ends.
class SigintGuard {
 public:
  // `mpi`: also SIGTERM and SIGUSR1, which MPI launchers send to the ranks.
  explicit SigintGuard(bool mpi) {
    g_interrupted.store(false);
    previous_[0] = std::signal(SIGINT, on_sigint);
    if (mpi) {
      previous_[1] = std::signal(SIGTERM, on_sigint);
      previous_[2] = std::signal(SIGUSR1, on_sigint);
    }
  }
  ~SigintGuard() {
    std::signal(SIGINT, previous_[0]);
    if (previous_[1]) std::signal(SIGTERM, previous_[1]);
    if (previous_[2]) std::signal(SIGUSR1, previous_[2]);
  }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

 private:
  void (*previous_[3])(int) = {nullptr, nullptr, nullptr};
};

// "sin=2,exp=3": per-operator complexity (process-wide, in the operator registry).
void set_complexities(const std::string& spec) {
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string item = spec.substr(start, comma - start);
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--complexity item '" + item + "' must look like 'sin=2'");
    const std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    const auto op = OperatorRegistry::instance().find_complexity_target(name);
    if (!op) throw std::invalid_argument("--complexity: unknown operator '" + name + "' (operators by name, 'constant', 'variable')");
    std::size_t used = 0;
    int c = 0;
    try {
      c = std::stoi(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != value.size() || value.empty() || c < 1)
      throw std::invalid_argument("--complexity: '" + value + "' for '" + name + "' is not an integer >= 1");
    OperatorRegistry::instance().set_complexity(*op, c);
    start = comma + 1;
  }
}

SearchOptions make_options(const FitArgs& a) {
  if (!a.complexities.empty()) set_complexities(a.complexities);
  SearchOptions o;
  std::string list = a.ops;
  if (!a.unary_ops.empty()) list += "," + a.unary_ops;
  parse_operator_list(list, o.binary_operators, o.unary_operators);
  if (!a.nested.empty()) o.nested_constraints = parse_nested_constraints(a.nested);
  o.maxsize = a.maxsize;
  o.maxdepth = a.maxdepth;
  // A time limit without an explicit iteration count means: search until the time is up.
  const bool timed = a.time_limit > 0 || a.cpu_time_limit > 0;
  o.niterations = timed && !a.niterations_given ? std::numeric_limits<int>::max() : a.niterations;
  o.populations = a.populations;
  o.population_size = a.population_size;
  o.ncycles_per_iteration = a.ncycles;
  o.tournament_selection_n = std::min(o.tournament_selection_n, a.population_size);
  o.time_limit_seconds = a.time_limit;
  o.cpu_time_limit_seconds = a.cpu_time_limit;
  o.local_search_iterations = a.local_search;
  o.target_loss = a.target_loss;
  o.stop_on_exact_fit = !a.no_exact_stop;
  o.snap_constants = !a.no_snap;
  for (std::size_t start = 0; start < a.polish_off.size();) {
    const std::size_t comma = std::min(a.polish_off.find(',', start), a.polish_off.size());
    const std::string rule = a.polish_off.substr(start, comma - start);
    start = comma + 1;
    if (rule == "snap") o.snap_constants = false;
    else if (rule == "phases") o.polish_rules.snap_phases = false;
    else if (rule == "pi") o.polish_rules.snap_pi = false;
    else if (rule == "polynomials") o.polish_rules.expand_polynomials = false;
    else if (rule == "roots") o.polish_rules.drop_root_pairs = false;
    else if (rule == "forms") o.polish_rules.rewrite_forms = false;
    else
      throw std::invalid_argument("--polish-off: unknown rule '" + rule +
                                  "' (known: snap, phases, pi, polynomials, roots, forms)");
  }
  o.parsimony = a.parsimony;
  o.linear_scaling = a.linear_scaling;
  o.operator_subsets = a.operator_subsets;
  o.subset_redraw_iterations = a.subset_redraw;
  o.views.clear();
  if (a.views != "none")
    for (std::size_t start = 0; start <= a.views.size();) {
      const std::size_t comma = std::min(a.views.find(',', start), a.views.size());
      o.views.push_back(a.views.substr(start, comma - start));
      start = comma + 1;
    }
  o.schedule = a.schedule;
  o.scale_numerator_views = !a.no_scale_numerator;
  o.seed = a.seed;
  o.threads = a.threads;
  o.batch_size = a.batch_size;
  if (a.precision == "float") o.precision = Precision::Float;
  else if (a.precision == "double") o.precision = Precision::Double;
  else throw std::invalid_argument("--precision must be 'float' or 'double', not '" + a.precision + "'");
  if (a.batching == "auto") o.batching = 0;
  else if (a.batching == "on") o.batching = 1;
  else if (a.batching == "off") o.batching = -1;
  else throw std::invalid_argument("--batching must be 'auto', 'on' or 'off', not '" + a.batching + "'");
  o.checkpoint_path = a.checkpoint;
  o.resume_path = a.resume;
  if (!a.warm_start.empty()) o.warm_start = read_front_equations(a.warm_start);
  o.validate();
  return o;
}

Dataset load(const FitArgs& a) {
  const Table table = read_table(a.file);
  Table features = table;
  std::vector<double> weights;
  if (!a.weights_column.empty()) {
    const std::size_t k = table.column_index(a.weights_column);
    weights = table.columns[k];
    features.names.erase(features.names.begin() + static_cast<std::ptrdiff_t>(k));
    features.columns.erase(features.columns.begin() + static_cast<std::ptrdiff_t>(k));
  }
  Dataset d = to_dataset(features, a.target.empty() ? std::nullopt : std::optional<std::string>(a.target));
  d.weights = std::move(weights);
  // The search refuses such data too, but without the file's name.
  try {
    validate_dataset(d);
  } catch (const std::invalid_argument& e) {
    throw DataError(a.file, 0, 0, e.what());
  }
  return d;
}

void run_fit(const FitArgs& a) {
  const std::unique_ptr<FitCluster> ranks = start_fit_cluster(a.mpi_mode);
  SearchCluster* cluster = ranks ? &ranks->cluster() : nullptr;
  const bool head = !cluster || cluster->rank() == 0;
  // Rank 0 reports an error that every rank shares; the others end quietly.
  auto fail = [&](const std::exception& e) {
    if (head) throw;
    (void)e;
    throw SilentFailure{};
  };
  SearchOptions options;
  Selection selection;
  Dataset data;
  std::string error;
  try {
    FitArgs args = a;
    // Ranks on one machine share its cores: by default each takes its share.
    if (ranks && args.threads == 0)
      args.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / ranks->local_ranks());
    options = make_options(args);
    selection = parse_selection(a.select);
    selection.tolerance = a.tolerance;
    data = load(a);
  } catch (const std::exception& e) {
    if (!cluster) throw;
    error = e.what();
  }
  if (cluster) {
    // A bad input on any rank ends every rank, with that rank's message.
    try {
      agree_ready(*cluster, error);
    } catch (const std::exception& e) {
      fail(e);
    }
  }
  const bool show_progress = head && !a.no_progress && ::isatty(STDERR_FILENO) != 0;

  SearchResult result;
  if (!a.form.empty()) {
    result = fit_form(data, a.form, options);  // cheap: each rank fits alone, rank 0 prints
  } else {
    std::stop_source stop;
    SigintGuard sigint(cluster != nullptr);
    // A signal handler may only set a flag; this thread turns it into a stop request.
    std::jthread watcher([&stop](std::stop_token done) {
      while (!done.stop_requested()) {
        if (g_interrupted.load()) {
          stop.request_stop();
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    ProgressCallback progress;
    if (show_progress) {
      progress = [](const SearchProgress& p) {
        const std::string total =
            p.niterations == std::numeric_limits<int>::max() ? std::string() : std::string("/").append(std::to_string(p.niterations));
        fmt::print(stderr, "\r[{}{}] {:.1f}s  best loss {:.4g}  front {}  {:.3g} evals/s   ", p.iteration, total, p.seconds,
                   p.best_loss, p.front_size, static_cast<double>(p.evaluations) / std::max(p.seconds, 1e-9));
        std::fflush(stderr);
      };
    }
    if (cluster) {
      try {
        result = run_search(data, options, *cluster, selection, stop.get_token(), progress);
      } catch (const std::exception& e) {
        fail(e);
      }
    } else {
      result = run_search(data, options, selection, stop.get_token(), progress);
    }
    if (show_progress) fmt::print(stderr, "\n");
    if (head && (g_interrupted.load() || (cluster && result.stats.stop_reason == StopReason::Requested)))
      fmt::print(stderr, "symtorch: interrupted; reporting the front found so far\n");
  }
  if (ranks && a.form.empty()) {
    const std::string traffic = ranks->traffic_summary();
    if (head) fmt::print(stderr, "{}\n", traffic);
  }
  if (!head) return;
  fmt::print(stderr, "# {} iterations, {} evaluations, {:.2f} s ({:.2f} s CPU), stopped by {}, cache hits {:.1f}%\n",
             result.stats.iterations, result.stats.evaluations, result.stats.seconds, result.stats.cpu_seconds, to_string(result.stats.stop_reason),
             result.stats.cache_lookups ? 100.0 * static_cast<double>(result.stats.cache_hits) /
                                              static_cast<double>(result.stats.cache_lookups)
                                        : 0.0);
  if (!result.stats.merged_variables.empty())
    fmt::print(stderr, "# subset islands searched over merged variables: {}\n",
               fmt::join(result.stats.merged_variables, ", "));
  if (!result.stats.views_searched.empty())
    fmt::print(stderr, "# subset islands searched: {}\n", fmt::join(result.stats.views_searched, "; "));
  if (!a.json_path.empty()) write_result_json(a.json_path, result, options);
  std::cout << result.front.table(result.variable_names, result.chosen);
  std::cout << result.chosen_equation() << std::endl;
}

const CommandRegistration registration(
    "fit", "symbolic regression on a CSV or .npy file (last column = target unless --target)", [](CLI::App& app) {
      auto a = std::make_shared<FitArgs>();
      app.add_option("file", a->file, "data file (.csv with a header, or .npy)")->required();
      app.add_option("--target", a->target, "target column (default: the last one)");
      app.add_option("--ops", a->ops, "operators, comma-separated: + - * / ^ sin cos exp log sqrt square ... "
                                      "(binary and unary; default +,-,*,/)");
      app.add_option("--unary-ops", a->unary_ops, "more operators, appended to --ops");
      app.add_option("--maxsize", a->maxsize, "largest equation complexity (default 30)");
      app.add_option("--complexity", a->complexities, "per-operator complexity, e.g. 'sin=2,exp=3,constant=2' ('constant' and 'variable' for the leaves; default 1 each)");
      app.add_option("--maxdepth", a->maxdepth, "largest tree depth (0 = no limit)");
      app.add_option("--nested", a->nested, "nested-operator limits, e.g. 'sin:sin=0,cos=0;exp:exp=0'");
      app.add_option("--niterations", a->niterations,
                     "iterations (default 100, or unlimited when a time limit is given)");
      app.add_option("--populations", a->populations, "islands (default 31)");
      app.add_option("--population-size", a->population_size, "members per island (default 27)");
      app.add_option("--ncycles", a->ncycles, "temperature steps per iteration (default 380)");
      app.add_option("--time-limit", a->time_limit, "stop after this many seconds (result then depends on speed)");
      app.add_option("--cpu-time-limit", a->cpu_time_limit, "stop after this much process CPU time (all threads)");
      app.add_option("--local-search", a->local_search, "LM steps for every new candidate with constants (default 2)");
      app.add_option("--target-loss", a->target_loss, "stop once the best loss (MSE) is at most this");
      app.add_flag("--no-snap", a->no_snap,
                   "keep polished constants as they are (no snapping to simple values, no polynomial expansion)");
      app.add_option("--polish-off", a->polish_off,
                     "polishing rules to leave out, comma-separated: snap (constants to simple values), phases "
                     "(multiples of a quarter period), pi (multiples of pi), polynomials (expanded sums), roots "
                     "(sqrt(square(u)) as u), forms (value-keeping rewrites: cos for shifted sin, p*u/q, square)");
      app.add_flag("--no-exact-stop", a->no_exact_stop, "keep searching after an exact fit is found");
      app.add_option("--parsimony", a->parsimony, "cost per unit complexity (default 0)");
      app.add_option("--linear-scaling", a->linear_scaling,
                     "fraction of islands judging candidates as a*f(x)+b with a, b fitted in closed form (0..1)");
      app.add_option("--operator-subsets", a->operator_subsets,
                     "fraction of islands growing nodes from a subset of the unary operators (0..1): none, then "
                     "each alone, then random halves, changing every --subset-redraw iterations");
      app.add_option("--subset-redraw", a->subset_redraw,
                     "iterations between the subset islands' changes of subset (0 = never)");
      app.add_option("--views", a->views,
                     "problem views the subset islands may search, or none (default outer,numerator,envelope,merge): "
                     "outer y = g(f) on g^-1(y), numerator y = x_k/f on x_k/y, envelope y = h*f on y/h where y "
                     "oscillates under h = x^a*exp(b*x), merge over merged variables x_i*x_j, x_i/x_j, x_i+x_j, "
                     "x_i-x_j that an accurate equation depends on");
      app.add_option("--schedule", a->schedule,
                     "the subset islands' epochs: 'subset[:view], ... | subset[:view], ...' (subset none, each, "
                     "half or all; the part after | repeats); default 'none, each | half:outer, half:numerator, "
                     "half:outer, half:envelope'");
      app.add_flag("--no-scale-numerator", a->no_scale_numerator,
                   "judge the candidates of numerator views without linear scaling (unless --linear-scaling "
                   "says otherwise)");
      app.add_option("--precision", a->precision, "search evaluation precision: float (default) or double");
      app.add_option("--batching", a->batching, "mini-batches: auto (over 10000 rows), on, off");
      app.add_option("--batch-size", a->batch_size, "rows per mini-batch (default 1024)");
      app.add_option("--weights", a->weights_column, "column of sample weights (not a feature)");
      app.add_option("--seed", a->seed, "random seed (default 0)");
      app.add_option("--threads", a->threads, "worker threads (0 = all)");
      app.add_option("--select", a->select, "best (default), accuracy, bic, or a complexity");
      app.add_option("--tolerance", a->tolerance, "for 'best': loss tolerance over the lowest (default 1.5)");
      app.add_option("--json", a->json_path, "write the front, options and statistics as JSON");
      app.add_option("--form", a->form, "fit only the constants of this form, e.g. 'a*sin(b*x)+c'");
      app.add_option("--checkpoint", a->checkpoint, "save the search state here after every iteration");
      app.add_option("--resume", a->resume, "continue from a checkpoint");
      app.add_option("--warm-start", a->warm_start, "seed the populations with the front of a --json file");
      app.add_flag("--no-progress", a->no_progress, "no progress line (it is shown on a terminal only anyway)");
      app.add_option("--mpi-mode", a->mpi_mode,
                     "under mpirun/srun: async (default; migration without waiting for other ranks) or sync "
                     "(exchanges at fixed barriers: the same front as one process for the same seed)");
      app.callback([a, &app] {
        a->niterations_given = app.count("--niterations") > 0;
        run_fit(*a);
      });
    });

}  // namespace
}  // namespace symtorch::cli
