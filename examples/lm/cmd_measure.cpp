// symtorch_lm measure: the SymTorch study's measurements on any Qwen2 / Llama checkpoint
// directory (config.json + safetensors) and a .npy of token ids made by the model's tokenizer:
//  - perplexity with stride = context (symtorch/lm/perplexity.hpp);
//  - prefill of batch 1 x context tokens: warm-up runs, then timed runs; tokens/s, mean and p95
//    latency;
//  - the share of the forward time spent in each layer's MLP (a timing module in the MLP slots,
//    over separate runs so that the prefill figures carry no timing overhead);
//  - decoding with the KV cache: greedy, one token per step after a prompt; tokens/s;
//  - optionally the same prefill in Python torch (tests/lm/reference_decoder.py, the independent
//    implementation the tests check against) in the same run, with the same thread count.
// Writes everything as JSON.
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <numeric>

#include "commands.hpp"
#include "result_file.hpp"
#include "symtorch/lm/checkpoint.hpp"
#include "symtorch/lm/perplexity.hpp"
#include "symtorch/lm/token_ids.hpp"
#include "timed_module.hpp"

#ifndef SYMTORCH_REFERENCE_DECODER
#define SYMTORCH_REFERENCE_DECODER ""
#endif

namespace symtorch::examples::lm_commands {
namespace {

namespace lm = symtorch::lm;
using nlohmann::json;

struct MeasureOptions {
  std::string model, tokens, json_path;
  std::int64_t context = 0;       // 0: min(1024, max_position_embeddings)
  std::int64_t ppl_context = 0;   // 0: context
  std::int64_t ppl_tokens = 0;    // 0: all
  std::int64_t ppl_batch = 1;     // chunks per forward: a real model's logits are large
  // threads: one by default for the reason given in cmd_train.cpp (shared cores); a user's own
  // machine will want its core count.
  int warmup = 3, runs = 10, threads = 1;
  std::int64_t decode_prompt = 128, decode_tokens = 128;
  int decode_runs = 3;
  bool python = false;
  std::string python_exe = "/usr/bin/python3";
  std::string reference = SYMTORCH_REFERENCE_DECODER;
};

struct Timing {
  std::vector<double> runs_s;
  double mean() const { return std::accumulate(runs_s.begin(), runs_s.end(), 0.0) / static_cast<double>(runs_s.size()); }
  // Nearest-rank percentile.
  double percentile(double p) const {
    auto s = runs_s;
    std::sort(s.begin(), s.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(s.size())));
    return s[std::clamp<std::size_t>(rank, 1, s.size()) - 1];
  }
  json to_json(std::int64_t tokens) const {
    return {{"runs_s", runs_s}, {"mean_s", mean()}, {"p50_s", percentile(50)}, {"p95_s", percentile(95)},
            {"tokens_per_s", static_cast<double>(tokens) / mean()}};
  }
};

template <typename F>
Timing time_runs(int warmup, int runs, F&& f) {
  Timing t;
  for (int i = 0; i < warmup + runs; ++i) {
    const auto start = Clock::now();
    f();
    if (i >= warmup) t.runs_s.push_back(seconds_since(start));
  }
  return t;
}

json mlp_share(lm::Decoder& model, const torch::Tensor& ids, const MeasureOptions& o) {
  const auto layers = model->num_layers();
  std::vector<double> seconds(static_cast<std::size_t>(layers), 0.0);
  for (std::int64_t i = 0; i < layers; ++i)
    model->layer(i)->replace_mlp(torch::nn::AnyModule(
        TimedModule(torch::nn::AnyModule(model->layer(i)->mlp()), &seconds[static_cast<std::size_t>(i)])));
  model->forward(ids);  // warm-up
  std::fill(seconds.begin(), seconds.end(), 0.0);
  const auto forward = time_runs(0, o.runs, [&] { model->forward(ids); });
  for (std::int64_t i = 0; i < layers; ++i) model->layer(i)->restore_mlp();
  const double total = std::accumulate(forward.runs_s.begin(), forward.runs_s.end(), 0.0);
  json per_layer = json::array();
  double mlp_total = 0;
  for (std::int64_t i = 0; i < layers; ++i) {
    const double s = seconds[static_cast<std::size_t>(i)];
    mlp_total += s;
    per_layer.push_back({{"layer", i}, {"mlp_mean_s", s / o.runs}, {"share_of_forward", s / total}});
  }
  return {{"runs", o.runs}, {"forward_mean_s", total / o.runs}, {"mlp_share_of_forward", mlp_total / total},
          {"per_layer", per_layer}};
}

json decode(lm::Decoder& model, const torch::Tensor& tokens, const MeasureOptions& o) {
  const auto prompt = tokens.narrow(0, 0, o.decode_prompt).unsqueeze(0);
  std::vector<std::int64_t> generated;
  auto run_once = [&](bool keep) {
    lm::KVCache cache;
    auto next = model->forward(prompt, &cache).select(1, -1).argmax(-1, true);
    const auto start = Clock::now();
    for (std::int64_t t = 0; t < o.decode_tokens; ++t) {
      if (keep) generated.push_back(next.item<std::int64_t>());
      next = model->forward(next, &cache).select(1, -1).argmax(-1, true);
    }
    return seconds_since(start);
  };
  run_once(false);  // warm-up
  Timing t;
  for (int r = 0; r < o.decode_runs; ++r) t.runs_s.push_back(run_once(r == 0));
  json j = t.to_json(o.decode_tokens);
  j["prompt_tokens"] = o.decode_prompt;
  j["generated_tokens"] = o.decode_tokens;
  j["runs"] = o.decode_runs;
  j["greedy_ids_first_run"] = generated;
  return j;
}

json python_prefill(const MeasureOptions& o, std::int64_t context) {
  const std::string command = o.python_exe + " '" + o.reference + "' time '" + o.model + "' --context " +
                              std::to_string(context) + " --warmup " + std::to_string(o.warmup) + " --runs " +
                              std::to_string(o.runs) + " --threads " + std::to_string(o.threads);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  if (::pclose(pipe) != 0) throw std::runtime_error("the Python reference failed: " + command + "\n" + out);
  const json r = json::parse(out);
  Timing t{r.at("runs_s").get<std::vector<double>>()};
  json j = t.to_json(context);
  j["command"] = command;
  j["torch"] = r.at("torch");
  j["threads"] = r.at("threads");
  return j;
}

void run(const MeasureOptions& o) {
  torch::set_num_threads(o.threads);
  torch::InferenceMode inference;
  const auto load_start = Clock::now();
  auto model = lm::load_decoder(o.model);
  const double load_s = seconds_since(load_start);
  const auto& c = model->config();
  const auto tokens = lm::read_token_ids(o.tokens);
  const auto context = o.context > 0 ? o.context : std::min<std::int64_t>(1024, c.max_position_embeddings);
  const auto ppl_context = o.ppl_context > 0 ? o.ppl_context : context;
  if (tokens.numel() < std::max(context, o.decode_prompt))
    throw std::invalid_argument(o.tokens + ": " + std::to_string(tokens.numel()) + " tokens, fewer than the context (" +
                                std::to_string(context) + ") or the decode prompt (" + std::to_string(o.decode_prompt) + ")");
  std::int64_t parameters = 0, mlp_parameters = 0;
  for (const auto& [name, p] : model->checkpoint_tensors()) {
    parameters += p.numel();
    if (name.find(".mlp.") != std::string::npos) mlp_parameters += p.numel();
  }
  std::cout << "model " << o.model << ": " << lm::to_string(c.architecture) << ", " << parameters << " parameters ("
            << mlp_parameters << " in MLPs), loaded in " << load_s << " s; " << o.threads << " threads\n";

  json result = {{"model", o.model}, {"tokens_file", o.tokens}, {"threads", o.threads}, {"parameters", parameters},
                 {"mlp_parameters", mlp_parameters}, {"config", lm::to_json(c)}, {"load_s", load_s}};
  const auto ppl_ids = o.ppl_tokens > 0 ? tokens.narrow(0, 0, std::min(o.ppl_tokens, tokens.numel())) : tokens;
  const auto ppl_start = Clock::now();
  const auto ppl = lm::perplexity(model, ppl_ids, ppl_context, o.ppl_batch);
  result["perplexity"] = {{"context", ppl_context}, {"stride", ppl_context}, {"mean_nll", ppl.mean_nll},
                          {"perplexity", ppl.perplexity}, {"predicted_tokens", ppl.predicted_tokens},
                          {"chunks", ppl.chunks}, {"seconds", seconds_since(ppl_start)}};
  std::cout << "perplexity " << ppl.perplexity << " (mean NLL " << ppl.mean_nll << " over " << ppl.predicted_tokens
            << " tokens, context " << ppl_context << ")\n";

  const auto ids = tokens.narrow(0, 0, context).unsqueeze(0);
  const auto prefill = time_runs(o.warmup, o.runs, [&] { model->forward(ids); });
  result["prefill"] = prefill.to_json(context);
  result["prefill"]["context"] = context;
  result["prefill"]["warmup"] = o.warmup;
  std::cout << "prefill 1 x " << context << ": " << static_cast<double>(context) / prefill.mean() << " tokens/s, mean "
            << prefill.mean() * 1e3 << " ms, p95 " << prefill.percentile(95) * 1e3 << " ms (" << o.runs << " runs after "
            << o.warmup << " warm-up)\n";

  result["mlp_time"] = mlp_share(model, ids, o);
  std::cout << "MLP share of forward time: " << result["mlp_time"]["mlp_share_of_forward"].get<double>() << " (per layer:";
  for (const auto& l : result["mlp_time"]["per_layer"]) std::cout << " " << l["share_of_forward"].get<double>();
  std::cout << ")\n";

  result["decode"] = decode(model, tokens, o);
  std::cout << "decode (KV cache, greedy, " << o.decode_tokens << " tokens after " << o.decode_prompt
            << "): " << result["decode"]["tokens_per_s"].get<double>() << " tokens/s\n";

  if (o.python) {
    result["python_prefill"] = python_prefill(o, context);
    const double ratio = result["prefill"]["tokens_per_s"].get<double>() / result["python_prefill"]["tokens_per_s"].get<double>();
    result["cpp_over_python_prefill_speed"] = ratio;
    std::cout << "Python torch prefill: " << result["python_prefill"]["tokens_per_s"].get<double>()
              << " tokens/s, mean " << result["python_prefill"]["mean_s"].get<double>() * 1e3 << " ms; C++ / Python = "
              << ratio << "\n";
  }
  if (!o.json_path.empty()) {
    write_json_atomically(o.json_path, result);
    std::cout << "wrote " << o.json_path << "\n";
  }
}

}  // namespace

void add_measure(CLI::App& app) {
  auto o = std::make_shared<MeasureOptions>();
  auto* c = app.add_subcommand("measure", "perplexity, prefill and decode throughput, MLP share of forward time");
  c->add_option("--model", o->model, "checkpoint directory (config.json + safetensors)")->required();
  c->add_option("--tokens", o->tokens, ".npy of token ids from the model's tokenizer")->required();
  c->add_option("--json", o->json_path, "write the results here");
  c->add_option("--context", o->context, "prefill length (0: min(1024, max_position_embeddings))")->capture_default_str();
  c->add_option("--ppl-context", o->ppl_context, "perplexity chunk length = stride (0: --context)")->capture_default_str();
  c->add_option("--ppl-tokens", o->ppl_tokens, "score only the first N tokens (0: all)")->capture_default_str();
  c->add_option("--ppl-batch", o->ppl_batch, "chunks per forward pass")->capture_default_str();
  c->add_option("--warmup", o->warmup)->capture_default_str();
  c->add_option("--runs", o->runs)->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--threads", o->threads)->capture_default_str();
  c->add_option("--decode-prompt", o->decode_prompt)->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--decode-tokens", o->decode_tokens)->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--decode-runs", o->decode_runs)->capture_default_str()->check(CLI::PositiveNumber);
  c->add_flag("--python", o->python, "also time the prefill in Python torch (tests/lm/reference_decoder.py)");
  c->add_option("--python-exe", o->python_exe)->capture_default_str();
  c->add_option("--reference", o->reference, "the Python reference decoder")->capture_default_str();
  c->callback([o] { run(*o); });
}

}  // namespace symtorch::examples::lm_commands
