// symtorch_lm prepare: trains the tokenizer on the training files only, then writes the token ids
// of both splits (each document followed by <|endoftext|>) and split.json, which lists every
// file of each split.
#include <torch/torch.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bpe_tokenizer.hpp"
#include "commands.hpp"
#include "result_file.hpp"
#include "symtorch/lm/token_ids.hpp"
#include "text_corpus.hpp"

namespace symtorch::examples::lm_commands {
namespace {

struct PrepareOptions {
  std::string corpus = kDefaultCorpus;
  std::string out;
  int vocab_size = 4096;
};

torch::Tensor encode_all(const BpeTokenizer& tokenizer, const std::vector<CorpusFile>& files, nlohmann::json& listing) {
  std::vector<std::int32_t> ids;
  for (const auto& f : files) {
    const auto before = ids.size();
    const auto t = tokenizer.encode(f.text);
    ids.insert(ids.end(), t.begin(), t.end());
    ids.push_back(BpeTokenizer::kEndOfText);
    listing.push_back({{"file", f.relative_path}, {"bytes", f.text.size()}, {"tokens", ids.size() - before}});
  }
  return torch::tensor(ids, torch::kInt64);
}

void run(const PrepareOptions& o) {
  const auto start = Clock::now();
  const auto split = read_corpus(o.corpus);
  std::vector<std::string> training_text;
  std::size_t train_bytes = 0, validation_bytes = 0;
  for (const auto& f : split.train) training_text.push_back(f.text), train_bytes += f.text.size();
  for (const auto& f : split.validation) validation_bytes += f.text.size();
  std::cout << "corpus " << o.corpus << ": " << split.train.size() << " training files (" << train_bytes << " bytes), "
            << split.validation.size() << " validation files (" << validation_bytes << " bytes)\n";
  const auto tokenizer = BpeTokenizer::train(training_text, o.vocab_size);
  std::cout << "tokenizer: " << tokenizer.vocab_size() << " tokens (" << tokenizer.merges().size() << " merges) in "
            << seconds_since(start) << " s\n";
  const std::filesystem::path out(o.out);
  std::filesystem::create_directories(out);
  tokenizer.save(out / "tokenizer.json");
  nlohmann::json train_files = nlohmann::json::array(), validation_files = nlohmann::json::array();
  const auto train_ids = encode_all(tokenizer, split.train, train_files);
  const auto validation_ids = encode_all(tokenizer, split.validation, validation_files);
  symtorch::lm::write_token_ids(out / "train.npy", train_ids);
  symtorch::lm::write_token_ids(out / "validation.npy", validation_ids);
  const nlohmann::json summary = {
      {"corpus", o.corpus},
      {"rule", "files sorted by relative path; file i is validation when i % 20 == 10"},
      {"vocab_size", tokenizer.vocab_size()},
      {"train", {{"files", split.train.size()}, {"bytes", train_bytes}, {"tokens", train_ids.numel()}}},
      {"validation", {{"files", split.validation.size()}, {"bytes", validation_bytes}, {"tokens", validation_ids.numel()}}},
      {"bytes_per_token", static_cast<double>(train_bytes) / static_cast<double>(train_ids.numel())},
      {"train_files", train_files},
      {"validation_files", validation_files}};
  write_json_atomically((out / "split.json").string(), summary);
  std::cout << "train.npy " << train_ids.numel() << " tokens, validation.npy " << validation_ids.numel() << " tokens ("
            << summary["bytes_per_token"].get<double>() << " bytes/token) in " << out.string() << ", "
            << seconds_since(start) << " s\n";
}

}  // namespace

void add_prepare(CLI::App& app) {
  auto o = std::make_shared<PrepareOptions>();
  auto* c = app.add_subcommand("prepare", "train the tokenizer on the training split and tokenize both splits");
  c->add_option("--corpus", o->corpus, "directory of .rst.txt files")->capture_default_str();
  c->add_option("--out", o->out, "output directory")->required();
  c->add_option("--vocab", o->vocab_size, "tokenizer vocabulary size")->capture_default_str()->check(CLI::Range(257, 65536));
  c->callback([o] { run(*o); });
}

}  // namespace symtorch::examples::lm_commands
