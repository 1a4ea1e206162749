// Every damaged or mismatched checkpoint is refused naming the file and the tensor, and a decoder
// that a refused checkpoint was loaded into is unchanged.
#include <torch/torch.h>

#include <cstring>
#include <filesystem>

#include "../torchbridge/doctest_after_torch.hpp"
#include "../torchbridge/test_support.hpp"
#include "lm_test_support.hpp"
#include "symtorch/lm/checkpoint.hpp"
#include "symtorch/lm/safetensors.hpp"
#include "symtorch/lm/token_ids.hpp"

namespace {

namespace lm = symtorch::lm;
namespace fs = std::filesystem;
using symtorch::test::read_text;
using symtorch::test::write_text;

void write_raw_safetensors(const fs::path& path, const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(bytes.data(), &n, 8);
  write_text(path, bytes + header + data);
}

void write_config(const fs::path& dir, const nlohmann::json& config) { write_text(dir / "config.json", config.dump()); }

std::vector<std::pair<std::string, torch::Tensor>> tensors_of(const lm::Decoder& d) { return d->checkpoint_tensors(); }

// The message of what `f` throws (std::exception), or "" when it does not throw.
template <typename F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::vector<torch::Tensor> snapshot(const lm::Decoder& d) {
  std::vector<torch::Tensor> s;
  for (const auto& [_, p] : d->checkpoint_tensors()) s.push_back(p.detach().clone());
  return s;
}

bool unchanged(const lm::Decoder& d, const std::vector<torch::Tensor>& s) {
  const auto now = d->checkpoint_tensors();
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!torch::equal(now[i].second, s[i])) return false;
  return true;
}

}  // namespace

TEST_SUITE("lm") {
  TEST_CASE("a saved checkpoint loads back exactly, single-file and sharded") {
    symtorch::test::TempDir dir("lm-roundtrip");
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_llama_config_json(), 41);
    lm::save_decoder(d, dir.path() / "single");
    auto loaded = lm::load_decoder(dir.path() / "single");
    const auto a = tensors_of(d), b = tensors_of(loaded);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(torch::equal(a[i].second, b[i].second));

    // Two shards: the embeddings and the head in one, the rest in the other.
    const fs::path sharded = dir.path() / "sharded";
    fs::create_directories(sharded);
    write_config(sharded, symtorch::test::tiny_llama_config_json());
    std::vector<std::pair<std::string, torch::Tensor>> first, second;
    nlohmann::json map;
    for (const auto& [name, t] : a) {
      const bool in_first = name == "model.embed_tokens.weight" || name == "lm_head.weight";
      (in_first ? first : second).emplace_back(name, t);
      map[name] = in_first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
    }
    lm::write_safetensors(sharded / "model-00001-of-00002.safetensors", first, lm::StoredDtype::BF16);
    lm::write_safetensors(sharded / "model-00002-of-00002.safetensors", second, lm::StoredDtype::BF16);
    write_text(sharded / "model.safetensors.index.json", nlohmann::json{{"metadata", {{"total_size", 0}}}, {"weight_map", map}}.dump());
    auto from_shards = lm::load_decoder(sharded);
    const auto c = tensors_of(from_shards);
    for (std::size_t i = 0; i < a.size(); ++i)
      CHECK(torch::equal(c[i].second, a[i].second.to(torch::kBFloat16).to(torch::kFloat32)));

    SUBCASE("an index naming a shard that does not exist") {
      map["model.norm.weight"] = "model-00003-of-00002.safetensors";
      write_text(sharded / "model.safetensors.index.json", nlohmann::json{{"weight_map", map}}.dump());
      const auto m = refusal([&] { lm::load_decoder(sharded); });
      CHECK(m.find("model.safetensors.index.json") != std::string::npos);
      CHECK(m.find("shard 'model-00003-of-00002.safetensors' (of tensor 'model.norm.weight') does not exist") != std::string::npos);
    }
    SUBCASE("an index mapping a tensor to a shard that lacks it") {
      map["model.norm.weight"] = "model-00001-of-00002.safetensors";
      write_text(sharded / "model.safetensors.index.json", nlohmann::json{{"weight_map", map}}.dump());
      const auto m = refusal([&] { lm::load_decoder(sharded); });
      CHECK(m.find("maps tensor 'model.norm.weight' to 'model-00001-of-00002.safetensors', which does not contain it") != std::string::npos);
    }
    SUBCASE("a shard holding a tensor the index does not list") {
      map.erase("model.norm.weight");
      write_text(sharded / "model.safetensors.index.json", nlohmann::json{{"weight_map", map}}.dump());
      const auto m = refusal([&] { lm::load_decoder(sharded); });
      CHECK(m.find("model-00002-of-00002.safetensors: tensor 'model.norm.weight' is not in the index") != std::string::npos);
    }
  }

  TEST_CASE("damaged safetensors files are refused naming the file and the tensor") {
    symtorch::test::TempDir dir("lm-damaged");
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_qwen2_config_json(), 42);
    lm::save_decoder(d, dir.path());
    const fs::path file = dir.path() / "model.safetensors";
    const std::string good = read_text(file);

    SUBCASE("truncated data") {
      write_text(file, good.substr(0, good.size() - 100));
      const auto m = refusal([&] { lm::load_decoder(dir.path()); });
      CHECK(m.find(file.string() + ": tensor 'model.norm.weight': data_offsets") != std::string::npos);
      CHECK(m.find("lie outside the data section") != std::string::npos);
    }
    SUBCASE("truncated inside the header length") {
      write_text(file, good.substr(0, 5));
      CHECK(refusal([&] { lm::load_decoder(dir.path()); }).find("truncated: 5 bytes") != std::string::npos);
    }
    SUBCASE("header length beyond the file") {
      std::string bad = good;
      const std::uint64_t huge = 1u << 30;
      std::memcpy(bad.data(), &huge, 8);
      write_text(file, bad);
      CHECK(refusal([&] { lm::load_decoder(dir.path()); }).find("header length 1073741824 exceeds the file") != std::string::npos);
    }
    SUBCASE("header that is not JSON") {
      write_raw_safetensors(file, "{\"model.norm.weight\": {", std::string(128, '\0'));
      CHECK(refusal([&] { lm::load_decoder(dir.path()); }).find("header is not valid JSON") != std::string::npos);
    }
    SUBCASE("offsets out of range, too short for the shape, overlapping; a bad dtype") {
      const std::string data(64, '\0');
      write_raw_safetensors(file, R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [60, 76]}})", data);
      CHECK(refusal([&] { lm::SafetensorsFile f(file); }).find("tensor 'a': data_offsets [60, 76] lie outside the data section (64 bytes)") != std::string::npos);
      write_raw_safetensors(file, R"({"a": {"dtype": "F32", "shape": [5], "data_offsets": [0, 16]}})", data);
      CHECK(refusal([&] { lm::SafetensorsFile f(file); }).find("tensor 'a': shape [5] of F32 needs 20 bytes, data_offsets give 16") != std::string::npos);
      write_raw_safetensors(file, R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "b": {"dtype": "F16", "shape": [4], "data_offsets": [8, 16]}})", data);
      CHECK(refusal([&] { lm::SafetensorsFile f(file); }).find("tensor 'b': its data overlaps that of tensor 'a'") != std::string::npos);
      write_raw_safetensors(file, R"({"a": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}})", data);
      CHECK(refusal([&] { lm::SafetensorsFile f(file); }).find(file.string() + ": tensor 'a': dtype 'I64' is not supported") != std::string::npos);
      write_raw_safetensors(file, R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 16]}})", data);
      CHECK(refusal([&] { lm::SafetensorsFile f(file); }).find("tensor 'a': 'shape' entries must be non-negative integers") != std::string::npos);
      write_raw_safetensors(file, R"({"a": {"dtype": "F32", "shape": [4]}})", data);
      CHECK(refusal([&] { lm::SafetensorsFile f(file); }).find("tensor 'a': header entry has no 'data_offsets'") != std::string::npos);
    }
  }

  TEST_CASE("checkpoints that do not match the config are refused, and the decoder is left unchanged") {
    symtorch::test::TempDir dir("lm-mismatch");
    auto d = symtorch::test::random_decoder(symtorch::test::tiny_qwen2_config_json(), 43);
    const fs::path file = dir.path() / "model.safetensors";
    auto target = symtorch::test::random_decoder(symtorch::test::tiny_qwen2_config_json(), 44);
    const auto before = snapshot(target);
    auto refused = [&](std::vector<std::pair<std::string, torch::Tensor>> tensors) {
      lm::write_safetensors(file, tensors);
      const auto m = refusal([&] { lm::load_weights(target, lm::SafetensorsCheckpoint(dir.path())); });
      CHECK(unchanged(target, before));
      return m;
    };

    SUBCASE("wrong shape") {
      auto t = tensors_of(d);
      for (auto& [name, tensor] : t)
        if (name == "model.layers.1.mlp.up_proj.weight") tensor = torch::zeros({90, 32});
      CHECK(refused(t) == file.string() + ": tensor 'model.layers.1.mlp.up_proj.weight' has shape [90, 32], the config needs [88, 32]");
    }
    SUBCASE("missing tensor") {
      auto t = tensors_of(d);
      std::erase_if(t, [](const auto& e) { return e.first == "model.layers.0.self_attn.k_proj.bias"; });
      CHECK(refused(t) == file.string() + ": missing tensor 'model.layers.0.self_attn.k_proj.bias'");
    }
    SUBCASE("unexpected tensor") {
      auto t = tensors_of(d);
      t.emplace_back("model.layers.0.self_attn.o_proj.bias", torch::zeros({32}));
      CHECK(refused(t).find(file.string() + ": unexpected tensor 'model.layers.0.self_attn.o_proj.bias'") == 0);
    }
    SUBCASE("a tied model's lm_head.weight that differs from the embeddings (found after reading all data)") {
      auto t = tensors_of(d);
      t.emplace_back("lm_head.weight", torch::randn({97, 32}));
      CHECK(refused(t).find("tensor 'lm_head.weight' differs from 'model.embed_tokens.weight'") != std::string::npos);
    }
    SUBCASE("accepted extras: a tied lm_head.weight equal to the embeddings, rotary inv_freq buffers") {
      auto t = tensors_of(d);
      t.emplace_back("lm_head.weight", t[0].second);
      t.emplace_back("model.layers.0.self_attn.rotary_emb.inv_freq", torch::ones({4}));
      lm::write_safetensors(file, t);
      lm::load_weights(target, lm::SafetensorsCheckpoint(dir.path()));
      CHECK(torch::equal(target->model->embed_tokens->weight, d->model->embed_tokens->weight));
    }
  }

  TEST_CASE("bad config.json files are refused naming the key") {
    auto bad = [](nlohmann::json c) { return refusal([&] { lm::parse_config(c, "config.json"); }); };
    auto c = symtorch::test::tiny_qwen2_config_json();
    c["model_type"] = "gpt2";
    CHECK(bad(c) == "config.json: model_type 'gpt2' is not supported (only \"qwen2\" and \"llama\")");
    c = symtorch::test::tiny_qwen2_config_json();
    c["num_key_value_heads"] = 3;
    CHECK(bad(c).find("num_attention_heads (4) is not a multiple of num_key_value_heads (3)") != std::string::npos);
    c = symtorch::test::tiny_qwen2_config_json();
    c.erase("hidden_size");
    CHECK(bad(c) == "config.json: missing key 'hidden_size'");
    c = symtorch::test::tiny_qwen2_config_json();
    c["use_sliding_window"] = true;
    CHECK(bad(c).find("sliding-window attention is not implemented") != std::string::npos);
    c = symtorch::test::tiny_llama_config_json();
    c["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
    CHECK(bad(c).find("rope_scaling type 'yarn' is not supported") != std::string::npos);
    c = symtorch::test::tiny_llama_config_json();
    c["hidden_act"] = "gelu";
    CHECK(bad(c).find("hidden_act \"gelu\" is not supported") != std::string::npos);
  }

  TEST_CASE("token id files: round trip, and refusals naming the file") {
    symtorch::test::TempDir dir("lm-ids");
    const auto ids = torch::arange(0, 1000, torch::kInt64);
    lm::write_token_ids(dir.path() / "ids.npy", ids);
    CHECK(torch::equal(lm::read_token_ids(dir.path() / "ids.npy"), ids));
    const std::string good = read_text(dir.path() / "ids.npy");
    write_text(dir.path() / "short.npy", good.substr(0, good.size() - 4));
    CHECK(refusal([&] { lm::read_token_ids(dir.path() / "short.npy"); }).find("short.npy: truncated: the header announces 1000 ids") != std::string::npos);
    std::string floats = good;
    floats.replace(floats.find("<i4"), 3, "<f4");
    write_text(dir.path() / "floats.npy", floats);
    CHECK(refusal([&] { lm::read_token_ids(dir.path() / "floats.npy"); }).find("dtype '<f4' is not an integer type") != std::string::npos);
    write_text(dir.path() / "text.npy", "hello");
    CHECK(refusal([&] { lm::read_token_ids(dir.path() / "text.npy"); }).find("not a .npy file") != std::string::npos);
    // numpy's own files, when Debian's python has numpy: uint16 ids (a common tokenizer output).
    const auto r = symtorch::test::run_command(std::string(SYMTORCH_TORCH_PYTHON) +
                                               " -c \"import numpy; numpy.save('" + (dir.path() / "u16.npy").string() +
                                               "', numpy.array([[5, 65535, 7]], dtype=numpy.uint16))\"");
    REQUIRE(r.exit_code == 0);
    CHECK(torch::equal(lm::read_token_ids(dir.path() / "u16.npy"), torch::tensor({5, 65535, 7}, torch::kInt64)));
  }
}
