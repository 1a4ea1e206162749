// symtorch_arithmetic: the arithmetic heuristics of a language model, distilled into equations
// (the SymTorch paper's LLM arithmetic study, on a model trained here).
//
//   symtorch_arithmetic run --out DIR [--small] [--model MODEL_DIR]
//
//  1. trains symtorch::lm's decoder on "a+b=" and, as a second model, on "a*b=" (3-digit operands,
//     digit tokens) until the held-out accuracy reaches the stop accuracy or the step limit (or
//     loads models trained before);
//  2. answers --analysis-pairs random pairs per operation greedily and sorts every outcome into
//     an error class (carries, offsets, boundaries; error_analysis.hpp), with a heat map of the
//     errors over (a, b) (gnuplot);
//  3. wraps (a, b) -> parsed answer and (a, b) -> answer - exact with SymbolicModel in function
//     mode and distils them on random pairs (--pairs, e.g. the paper's 50 and 500), printing each
//     front and where each member departs from a + b / a * b.
// Writes DIR/model/{addition,multiplication} (config.json, model.safetensors, training.json), DIR/study.json,
// DIR/heatmap_{addition,multiplication}.{dat,gp,png}.
// Exit status: 0 on success, 1 on an error (its message on stderr).
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "arithmetic_model.hpp"
#include "distill_study.hpp"
#include "error_analysis.hpp"
#include "heat_map.hpp"
#include "result_file.hpp"
#include "symtorch/lm/checkpoint.hpp"

namespace ar = symtorch::examples::arithmetic;
namespace lm = symtorch::lm;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Options {
  std::string out, model;
  // Per operation (kOperations' order). Multiplication of 3-digit numbers is far beyond what a
  // model of this size learns in minutes: its training is bounded by steps alone.
  ar::TrainingOptions training[2];
  Options() { training[1].max_steps = 1000; }
  ar::DistillSettings distill;
  std::vector<int> pairs{50, 500};
  int error_pairs = 500;
  int analysis_pairs = 20000;
  int bins = 25;
  int threads = 1;  // torch
  std::uint64_t seed = 1;
  bool small = false;
};

// The reduced size of the CTest test: a tiny model trained for a few seconds and short searches.
// It checks that the pipeline's outputs are well formed, not what the model learnt.
void apply_small_sizes(Options& o) {
  for (auto& t : o.training) {
    t.shape = {.hidden = 32, .intermediate = 64, .layers = 1, .heads = 2, .kv_heads = 1, .max_positions = 32,
               .rope_theta = 10000};
    t.batch = 64;
    t.max_steps = 40;
    t.warmup = 10;
    t.eval_every = 20;
    t.validation_pairs = 100;
  }
  o.pairs = {50, 100};
  o.error_pairs = 100;
  o.analysis_pairs = 400;
  o.bins = 10;
  o.distill.niterations = 3;
  o.distill.populations = 4;
  o.distill.population_size = 20;
  o.distill.grid = 21;
}

void run(Options o) {
  at::set_num_threads(o.threads);
  if (o.pairs.empty()) throw std::invalid_argument("--pairs: at least one count");
  for (int n : o.pairs)
    if (n < 2) throw std::invalid_argument("--pairs: every count must be at least 2, got " + std::to_string(n));
  if (o.error_pairs < 2) throw std::invalid_argument("--error-pairs must be at least 2");
  if (o.analysis_pairs < 1) throw std::invalid_argument("--analysis-pairs must be positive");
  for (auto& t : o.training) t.seed = o.seed;
  o.distill.seed = o.seed;
  const std::filesystem::path out(o.out);
  std::filesystem::create_directories(out);
  const auto start = Clock::now();

  // 1. The models.
  json training = json::object();
  std::array<lm::Decoder, 2> models{lm::Decoder{nullptr}, lm::Decoder{nullptr}};
  for (int k = 0; k < 2; ++k) {
    const ar::Operation op = ar::kOperations[k];
    const auto& t = o.training[k];
    if (!o.model.empty()) {
      const auto dir = std::filesystem::path(o.model) / ar::name(op);
      models[k] = lm::load_decoder(dir);
      training[ar::name(op)] = {{"loaded_from", dir.string()}};
      std::printf("loaded %s\n", dir.c_str());
      continue;
    }
    auto trained = ar::train_model(op, t, std::cout);
    models[k] = trained.model;
    const auto dir = out / "model" / ar::name(op);
    lm::save_decoder(models[k], dir, {{"format", "pt"}, {"trained_by", "symtorch_arithmetic run"}});
    training[ar::name(op)] = {
        {"steps", trained.steps}, {"reached_stop_accuracy", trained.reached_stop_accuracy},
        {"stop_accuracy", t.stop_accuracy}, {"validation_accuracy", trained.validation_accuracy},
        {"validation_pairs", t.validation_pairs}, {"seconds", trained.seconds}, {"parameters", trained.parameters},
        {"config", lm::to_json(models[k]->config())}, {"batch", t.batch}, {"max_steps", t.max_steps},
        {"lr", t.lr}, {"warmup", t.warmup}, {"seed", o.seed}, {"threads", o.threads}, {"log", trained.log}};
    symtorch::examples::write_json_atomically((dir / "training.json").string(), training[ar::name(op)]);
    std::printf("%s: trained %lld steps in %.1f s, validation accuracy %.2f%%%s\n", ar::name(op),
                static_cast<long long>(trained.steps), trained.seconds, 100 * trained.validation_accuracy,
                trained.reached_stop_accuracy ? "" : " (stop accuracy not reached: stopped at the step limit)");
  }
  ar::Calculator calculator(models);

  // 2. Error analysis and heat maps on many pairs (their own stream of the seed).
  json analyses = json::object(), heat_maps = json::array();
  std::vector<ar::Outcome> outcomes[2];
  for (int k = 0; k < 2; ++k) {
    const ar::Operation op = ar::kOperations[k];
    const auto pairs = ar::random_pairs(static_cast<std::size_t>(o.analysis_pairs), o.seed * 1000003 + 11 + k);
    outcomes[k] = calculator.answer(op, pairs);
    const auto analysis = ar::analyse(op, outcomes[k]);
    std::cout << ar::report(analysis);
    analyses[ar::name(op)] = ar::to_json(analysis);
    const auto map = ar::bin_errors(op, outcomes[k], o.bins);
    std::string why_not;
    const auto png = ar::draw_heat_map(map, out / (std::string("heatmap_") + ar::name(op)), why_not);
    if (png) std::cout << "heat map: " << png->string() << "\n";
    else std::cout << "heat map of " << ar::name(op) << " not drawn: " << why_not << "\n";
    heat_maps.push_back({{"operation", ar::name(op)}, {"bins", o.bins},
                         {"png", png ? json(png->string()) : json(nullptr)},
                         {"data", (out / (std::string("heatmap_") + ar::name(op) + ".dat")).string()},
                         {"why_not", png ? json(nullptr) : json(why_not)}});
  }

  // 3. Distillation of the answer (at each pair count) and of the error.
  json fronts = json::array();
  for (int k = 0; k < 2; ++k) {
    const ar::Operation op = ar::kOperations[k];
    for (std::size_t c = 0; c < o.pairs.size(); ++c) {
      const auto pairs = ar::random_pairs(static_cast<std::size_t>(o.pairs[c]), o.seed * 7919 + 100 * k + c);
      fronts.push_back(ar::distill(calculator, op, ar::Target::Answer, pairs, outcomes[k], o.distill, std::cout));
    }
    const auto pairs = ar::random_pairs(static_cast<std::size_t>(o.error_pairs), o.seed * 7919 + 100 * k + 99);
    fronts.push_back(ar::distill(calculator, op, ar::Target::Error, pairs, outcomes[k], o.distill, std::cout));
  }

  const json study = {
      {"program", "symtorch_arithmetic"},
      {"options", {{"seed", o.seed}, {"threads", o.threads}, {"small", o.small}, {"pairs", o.pairs},
                   {"error_pairs", o.error_pairs}, {"analysis_pairs", o.analysis_pairs}, {"bins", o.bins}}},
      {"training", training},
      {"analysis", analyses},
      {"heat_maps", heat_maps},
      {"fronts", fronts},
      {"paper", {{"model", "Llama-3.2-1B"}, {"prompt", "What is {a}+{b}=?"}, {"pairs", 50},
                 {"addition", {{"exact_law_mse", 8858}, {"with_pole", "inv(x0 - 69.0) + (x0 + x1)"}}},
                 {"multiplication", {{"exact_law_mse", 1.68e10}, {"with_pole", "x0*(x1 + x0/(x1 - 982.95))"}}},
                 {"example", "972 + 373 answered 1445"}}},
      {"seconds", seconds_since(start)},
      {"model_calls", calculator.calls()}};
  symtorch::examples::write_json_atomically((out / "study.json").string(), study);
  std::printf("wrote %s (%.1f s)\n", (out / "study.json").c_str(), seconds_since(start));
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  CLI::App app{"symtorch_arithmetic: a decoder trained on 3-digit arithmetic, its errors, distilled into equations"};
  app.require_subcommand(1);
  Options o;
  for (int k = 1; k < argc; ++k)
    if (std::string(argv[k]) == "--small") o.small = true, apply_small_sizes(o);
  auto* c = app.add_subcommand("run", "train (or load), analyse the errors, distil; writes DIR/study.json");
  c->add_option("--out", o.out, "directory for the model, study.json and the heat maps")->required();
  c->add_option("--model", o.model, "DIR/model of an earlier run, holding addition/ and multiplication/ (skips training)");
  c->add_flag("--small", o.small, "reduced sizes (seconds): the CTest test");
  c->add_option("--seed", o.seed, "seed of training, pairs and searches")->capture_default_str();
  c->add_option("--threads", o.threads, "torch threads")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--search-threads", o.distill.threads, "threads of each search")->capture_default_str()->check(CLI::PositiveNumber);
  // Shape and optimiser options apply to both models; steps and the stop accuracy per operation.
  c->add_option_function<std::int64_t>("--hidden", [&o](std::int64_t v) { for (auto& t : o.training) t.shape.hidden = v; });
  c->add_option_function<std::int64_t>("--intermediate", [&o](std::int64_t v) { for (auto& t : o.training) t.shape.intermediate = v; });
  c->add_option_function<std::int64_t>("--layers", [&o](std::int64_t v) { for (auto& t : o.training) t.shape.layers = v; });
  c->add_option_function<std::int64_t>("--heads", [&o](std::int64_t v) { for (auto& t : o.training) t.shape.heads = v; });
  c->add_option_function<std::int64_t>("--kv-heads", [&o](std::int64_t v) { for (auto& t : o.training) t.shape.kv_heads = v; });
  c->add_option_function<std::int64_t>("--batch", [&o](std::int64_t v) { for (auto& t : o.training) t.batch = v; });
  c->add_option_function<std::int64_t>("--warmup", [&o](std::int64_t v) { for (auto& t : o.training) t.warmup = v; });
  c->add_option_function<double>("--lr", [&o](double v) { for (auto& t : o.training) t.lr = v; });
  c->add_option_function<std::int64_t>("--eval-every", [&o](std::int64_t v) { for (auto& t : o.training) t.eval_every = v; });
  c->add_option_function<int>("--validation-pairs", [&o](int v) { for (auto& t : o.training) t.validation_pairs = v; },
                              "held-out pairs per operation");
  c->add_option("--add-steps", o.training[0].max_steps, "most training steps of the addition model")->capture_default_str();
  c->add_option("--mul-steps", o.training[1].max_steps, "most training steps of the multiplication model")->capture_default_str();
  c->add_option("--add-stop-accuracy", o.training[0].stop_accuracy,
                "stop the addition model's training once its validation accuracy reaches this")->capture_default_str();
  c->add_option("--mul-stop-accuracy", o.training[1].stop_accuracy,
                "stop the multiplication model's training once its validation accuracy reaches this")->capture_default_str();
  c->add_option("--pairs", o.pairs, "random pairs per distillation of the answer (one run per count)")->capture_default_str();
  c->add_option("--error-pairs", o.error_pairs, "random pairs for the distillation of the error")->capture_default_str();
  c->add_option("--analysis-pairs", o.analysis_pairs, "random pairs per operation for the error analysis")->capture_default_str();
  c->add_option("--bins", o.bins, "heat map cells per axis")->capture_default_str();
  c->add_option("--niterations", o.distill.niterations)->capture_default_str();
  c->add_option("--populations", o.distill.populations)->capture_default_str();
  c->add_option("--maxsize", o.distill.maxsize)->capture_default_str();
  c->add_option("--operators", o.distill.operators)->capture_default_str();
  c->callback([&o] { run(o); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "symtorch_arithmetic: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
