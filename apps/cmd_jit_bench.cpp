// `symtorch bench "EXPR[;EXPR...]" --vars x,y --rows N`: evaluates the equations on N random rows
// with the batch interpreter, the native JIT kernel and any registered extra backend (see
// bench_backends.hpp, e.g. torch), and prints elements per second (output values computed per
// second: rows x equations) and the ratios. Each evaluator runs once to warm up, then at least
// --repeat times and at least --min-time seconds; the median run is reported.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/task_arena.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>

#include "bench_backends.hpp"
#include "command.hpp"
#include "jit_args.hpp"
#include "symtorch/engine/detail/parallel_for.hpp"
#include "symtorch/engine/interpreter.hpp"
#include "symtorch/engine/random_tree.hpp"
#include "symtorch/jit/native_kernel.hpp"

namespace symtorch::cli {
namespace {

struct BenchArgs {
  std::string equations, vars, type = "float", json_path, range = "0.1,2", vector_math = "auto";
  std::size_t rows = 1000000;
  int threads = 1, repeat = 5;
  double min_time = 0.2;
  std::uint64_t seed = 1;
  bool no_cache = false;
};

struct Measured {
  std::string name;
  double seconds = 0;  // median per run; 0 if unavailable
  int runs = 0;
  std::string note;
};

Measured time_runs(const std::string& name, const std::function<void()>& run, int min_runs, double min_time) {
  using clock = std::chrono::steady_clock;
  run();  // warm-up: page faults, caches, lazy symbol binding
  std::vector<double> times;
  const auto start = clock::now();
  while (static_cast<int>(times.size()) < min_runs ||
         (std::chrono::duration<double>(clock::now() - start).count() < min_time && times.size() < 1000)) {
    const auto t0 = clock::now();
    run();
    times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return {name, times[times.size() / 2], static_cast<int>(times.size()), ""};
}

// Runs f(begin, end) over row chunks, on `threads` threads.
template <typename F>
void for_chunks(std::size_t rows, int threads, tbb::task_arena& arena, F&& f) {
  if (threads <= 1) {
    f(std::size_t{0}, rows);
    return;
  }
  const std::size_t grain = std::max<std::size_t>(4096, rows / (static_cast<std::size_t>(threads) * 8));
  arena.execute([&] {
    symtorch::detail::parallel_for(tbb::blocked_range<std::size_t>(0, rows, grain),
                                   [&](const tbb::blocked_range<std::size_t>& r) { f(r.begin(), r.end()); });
  });
}

template <typename T>
void run_bench_typed(const BenchArgs& a, const jit::KernelSpec& spec, const std::vector<std::string>& texts) {
  const std::size_t n = a.rows, m = spec.equations.outputs.size(), k = spec.num_inputs();
  const auto bounds = split_list(a.range, ',');
  if (bounds.size() != 2) throw std::invalid_argument("--range must be LO,HI, not '" + a.range + "'");
  const double lo = std::stod(bounds[0]), hi = std::stod(bounds[1]);
  if (!(lo <= hi)) throw std::invalid_argument("--range: LO must not exceed HI");

  std::mt19937_64 rng(a.seed);
  std::vector<std::vector<T>> cols(k, std::vector<T>(n));
  for (auto& c : cols)
    for (auto& v : c) v = static_cast<T>(lo + (hi - lo) * random_unit(rng));
  std::vector<const T*> in;
  for (auto& c : cols) in.push_back(c.data());
  std::vector<std::vector<T>> native_out(m, std::vector<T>(n)), interp_out(m, std::vector<T>(n));

  tbb::task_arena arena(std::max(1, a.threads));
  jit::CompileOptions options;
  options.use_cache = !a.no_cache;
  options.vector_math = parse_vector_math(a.vector_math);
  jit::NativeKernel kernel = jit::NativeKernel::compile(spec, options);
  std::vector<Measured> results;

  tbb::enumerable_thread_specific<Interpreter<T>> interpreters;
  results.push_back(time_runs("interpreter", [&] {
    for_chunks(n, a.threads, arena, [&](std::size_t b, std::size_t e) {
      Interpreter<T>& interp = interpreters.local();
      std::vector<const T*> chunk(k);
      for (std::size_t c = 0; c < k; ++c) chunk[c] = in[c] + b;
      for (std::size_t j = 0; j < m; ++j)
        interp.evaluate(spec.equations.outputs[j], std::span<const T* const>(chunk), e - b,
                        std::span<T>(interp_out[j].data() + b, e - b));
    });
  }, a.repeat, a.min_time));

  results.push_back(time_runs("native", [&] {
    for_chunks(n, a.threads, arena, [&](std::size_t b, std::size_t e) {
      std::vector<const T*> chunk_in(k);
      std::vector<T*> chunk_out(m);
      for (std::size_t c = 0; c < k; ++c) chunk_in[c] = in[c] + b;
      for (std::size_t j = 0; j < m; ++j) chunk_out[j] = native_out[j].data() + b;
      kernel.run(chunk_in.data(), chunk_out.data(), static_cast<std::int64_t>(e - b));
    });
  }, a.repeat, a.min_time));

  BenchProblem problem;
  problem.equations = texts;
  problem.variables = spec.equations.input_names;
  problem.single_precision = sizeof(T) == 4;
  problem.rows = n;
  problem.threads = a.threads;
  for (auto* p : in) problem.inputs.push_back(p);
  for (const BenchBackend& backend : bench_backends()) {
    try {
      auto run = backend.prepare(problem);
      results.push_back(time_runs(backend.name, run, a.repeat, a.min_time));
    } catch (const std::exception& e) {
      results.push_back({backend.name, 0, 0, std::string("unavailable: ") + e.what()});
    }
  }

  // Agreement between interpreter and native, relative to the value's magnitude (NaN = NaN).
  double max_diff = 0;
  for (std::size_t j = 0; j < m; ++j)
    for (std::size_t r = 0; r < n; ++r) {
      const double x = native_out[j][r], y = interp_out[j][r];
      if (std::isnan(x) && std::isnan(y)) continue;
      if (x == y) continue;
      max_diff = std::max(max_diff, std::fabs(x - y) / std::max(1.0, std::fabs(y)));
    }

  const double elements = static_cast<double>(n) * static_cast<double>(m);
  const double t_interp = results[0].seconds, t_native = results[1].seconds;
  std::cout << fmt::format("symtorch bench: {} equation(s), {} input(s), {} rows, {}, {} thread(s)\n", m, k, n,
                           jit::c_type_name(spec.type), a.threads);
  std::cout << "target: " << jit::host_target_description(options) << "\n";
  std::cout << fmt::format("native kernel: {:.1f} ms to {}\n\n", kernel.compile_ms(),
                           kernel.from_cache() ? "load from the cache" : "compile");
  std::cout << fmt::format("{:<14} {:>12} {:>14} {:>16} {:>11}\n", "evaluator", "time/run", "elements/s",
                           "vs interpreter", "vs native");
  for (const Measured& r : results) {
    if (r.seconds <= 0) {
      std::cout << fmt::format("{:<14} {}\n", r.name, r.note);
      continue;
    }
    std::cout << fmt::format("{:<14} {:>9.3f} ms {:>14.4g} {:>15.2f}x {:>10.2f}x\n", r.name, r.seconds * 1e3,
                             elements / r.seconds, t_interp / r.seconds, t_native / r.seconds);
  }
  std::cout << fmt::format("\nnative speed-up over interpreter: {:.2f}x; max |native - interpreter| / max(1, |v|) = {:.3g}\n",
                           t_interp / t_native, max_diff);

  if (!a.json_path.empty()) {
    nlohmann::json j;
    j["equations"] = texts;
    j["variables"] = spec.equations.input_names;
    j["type"] = std::string(jit::c_type_name(spec.type));
    j["rows"] = n;
    j["threads"] = a.threads;
    j["target"] = jit::host_target_description(options);
    j["compile_ms"] = kernel.compile_ms();
    j["from_cache"] = kernel.from_cache();
    j["max_relative_difference"] = max_diff;
    for (const Measured& r : results) {
      nlohmann::json e;
      e["name"] = r.name;
      if (r.seconds > 0) {
        e["seconds_per_run"] = r.seconds;
        e["runs"] = r.runs;
        e["elements_per_second"] = elements / r.seconds;
        e["speedup_vs_interpreter"] = t_interp / r.seconds;
        e["ratio_vs_native"] = t_native / r.seconds;
      } else {
        e["unavailable"] = r.note;
      }
      j["results"].push_back(e);
    }
    const std::string text = j.dump(2) + "\n";
    const std::string tmp = a.json_path + ".tmp";
    {
      std::ofstream out(tmp);
      out << text;
      if (!out) throw std::runtime_error("cannot write " + a.json_path);
    }
    if (std::rename(tmp.c_str(), a.json_path.c_str()) != 0) {
      std::remove(tmp.c_str());
      throw std::runtime_error("cannot write " + a.json_path);
    }
  }
}

void run_bench(const BenchArgs& a) {
  if (a.rows == 0) throw std::invalid_argument("--rows must be at least 1");
  if (a.threads < 1) throw std::invalid_argument("--threads must be at least 1");
  const jit::KernelSpec spec = kernel_spec_from_args(a.equations, a.vars, a.type);
  const auto texts = split_list(a.equations, ';');
  if (spec.type == jit::ScalarType::Float32) run_bench_typed<float>(a, spec, texts);
  else run_bench_typed<double>(a, spec, texts);
}

const CommandRegistration registration(
    "bench", "time equations: batch interpreter vs native JIT kernel (and other registered evaluators)",
    [](CLI::App& app) {
      auto a = std::make_shared<BenchArgs>();
      app.add_option("equations", a->equations, "equations separated by ';'")->required();
      app.add_option("--vars", a->vars, "input names in column order, comma-separated (default x0, x1, ...)");
      app.add_option("--rows", a->rows, "rows of random data (default 1000000)");
      app.add_option("--type", a->type, "float (default) or double");
      app.add_option("--threads", a->threads, "threads (default 1)");
      app.add_option("--range", a->range, "inputs are uniform in LO,HI (default 0.1,2)");
      app.add_option("--repeat", a->repeat, "at least this many timed runs (default 5)");
      app.add_option("--min-time", a->min_time, "and at least this many seconds of runs (default 0.2)");
      app.add_option("--seed", a->seed, "random seed for the data (default 1)");
      app.add_option("--vector-math", a->vector_math, "native kernel's vector math: auto (default), libmvec, sleef, none");
      app.add_flag("--no-cache", a->no_cache, "compile even if the kernel is in the disk cache");
      app.add_option("--json", a->json_path, "also write the results as JSON");
      app.callback([a] { run_bench(*a); });
    });

}  // namespace
}  // namespace symtorch::cli
