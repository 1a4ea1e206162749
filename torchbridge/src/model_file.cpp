#include "symtorch/torch/model_file.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "symtorch/engine/operators.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"

namespace symtorch {

namespace {

using json = nlohmann::json;

// --- writing ---

json pca_to_json(const std::optional<Pca>& p) {
  if (!p) return nullptr;
  return {{"mean", p->mean},
          {"components", p->components},
          {"explained_variance", p->explained_variance},
          {"total_variance", p->total_variance}};
}

std::vector<std::string> op_names(const std::vector<Op>& ops) {
  std::vector<std::string> names;
  for (Op op : ops) names.push_back(op_info(op).name);
  return names;
}

json options_summary(const SearchOptions& s) {
  return {{"seed", s.seed},
          {"niterations", s.niterations},
          {"populations", s.populations},
          {"population_size", s.population_size},
          {"ncycles_per_iteration", s.ncycles_per_iteration},
          {"maxsize", s.maxsize},
          {"parsimony", s.parsimony},
          {"binary_operators", op_names(s.binary_operators)},
          {"unary_operators", op_names(s.unary_operators)},
          {"time_limit_seconds", s.time_limit_seconds}};
}

json distillation_to_json(const Distillation& d, const std::vector<std::size_t>& selected) {
  json transforms = json::array();
  for (const auto& t : d.transforms) transforms.push_back({{"name", t.name}, {"expression", t.expression}});
  json targets = json::array();
  for (std::size_t j = 0; j < d.targets.size(); ++j) {
    const auto& t = d.targets[j];
    json front = json::array();
    for (std::size_t i = 0; i < t.front.size(); ++i)
      front.push_back({{"complexity", t.front[i].complexity},
                       {"loss", t.front[i].loss},
                       {"score", t.front[i].score},
                       {"equation", d.equation(j, i)}});
    targets.push_back({{"name", t.name}, {"chosen", t.chosen}, {"loss_floor", t.front.loss_floor()}, {"front", front}});
  }
  return {{"inputs", d.num_inputs},
          {"outputs", d.num_outputs},
          {"input_names", d.input_names},
          {"transforms", transforms},
          {"keep_inputs", d.keep_inputs},
          {"feature_names", d.feature_names},
          {"variable_names", d.variable_names},
          {"input_pca", pca_to_json(d.input_pca)},
          {"output_pca", pca_to_json(d.output_pca)},
          {"rows", d.rows},
          {"selection", d.selection},
          {"options", options_summary(d.search)},
          {"targets", targets},
          {"selected", selected}};
}

// --- reading: every access names its path in the document ---

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
    throw std::invalid_argument(source_ + ": " + path + ": " + problem);
  }

  const json& field(const json& obj, const std::string& path, const std::string& key) const {
    if (!obj.is_object()) fail(path, std::string("expected an object, got ") + obj.type_name());
    const auto it = obj.find(key);
    if (it == obj.end()) fail(path.empty() ? key : path + "." + key, "missing");
    return *it;
  }

  std::string string(const json& obj, const std::string& path, const std::string& key) const {
    const json& v = field(obj, path, key);
    if (!v.is_string()) fail(join(path, key), std::string("expected a string, got ") + v.type_name());
    return v.get<std::string>();
  }
  double number(const json& v, const std::string& path) const {
    if (!v.is_number()) fail(path, std::string("expected a number, got ") + v.type_name());
    return v.get<double>();
  }
  double number(const json& obj, const std::string& path, const std::string& key) const {
    return number(field(obj, path, key), join(path, key));
  }
  std::int64_t integer(const json& v, const std::string& path, std::int64_t min) const {
    if (!v.is_number_integer()) fail(path, std::string("expected an integer, got ") + v.type_name());
    const auto i = v.get<std::int64_t>();
    if (i < min) fail(path, "expected an integer >= " + std::to_string(min) + ", got " + std::to_string(i));
    return i;
  }
  std::int64_t integer(const json& obj, const std::string& path, const std::string& key, std::int64_t min) const {
    return integer(field(obj, path, key), join(path, key), min);
  }
  bool boolean(const json& obj, const std::string& path, const std::string& key) const {
    const json& v = field(obj, path, key);
    if (!v.is_boolean()) fail(join(path, key), std::string("expected true or false, got ") + v.type_name());
    return v.get<bool>();
  }
  const json& array(const json& obj, const std::string& path, const std::string& key) const {
    const json& v = field(obj, path, key);
    if (!v.is_array()) fail(join(path, key), std::string("expected an array, got ") + v.type_name());
    return v;
  }
  std::vector<std::string> strings(const json& obj, const std::string& path, const std::string& key) const {
    const json& a = array(obj, path, key);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) fail(index(join(path, key), i), std::string("expected a string, got ") + a[i].type_name());
      out.push_back(a[i].get<std::string>());
    }
    return out;
  }
  std::vector<double> numbers(const json& a, const std::string& path) const {
    if (!a.is_array()) fail(path, std::string("expected an array, got ") + a.type_name());
    std::vector<double> out;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double v = number(a[i], index(path, i));
      if (!std::isfinite(v)) fail(index(path, i), "not finite");
      out.push_back(v);
    }
    return out;
  }

  static std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
  static std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

 private:
  std::string source_;
};

std::optional<Pca> pca_from_json(const Reader& r, const json& obj, const std::string& path, const std::string& key) {
  const json& v = r.field(obj, path, key);
  const std::string p = Reader::join(path, key);
  if (v.is_null()) return std::nullopt;
  Pca pca;
  pca.mean = r.numbers(r.field(v, p, "mean"), p + ".mean");
  pca.dims = pca.mean.size();
  const json& comps = r.array(v, p, "components");
  for (std::size_t i = 0; i < comps.size(); ++i) pca.components.push_back(r.numbers(comps[i], Reader::index(p + ".components", i)));
  pca.explained_variance = r.numbers(r.field(v, p, "explained_variance"), p + ".explained_variance");
  pca.total_variance = r.number(v, p, "total_variance");
  try {
    pca.validate();
  } catch (const std::exception& e) {
    r.fail(p, e.what());
  }
  return pca;
}

Distillation distillation_from_json(const Reader& r, const json& v, const std::string& p,
                                    std::vector<std::size_t>& selected) {
  Distillation d;
  d.num_inputs = static_cast<std::size_t>(r.integer(v, p, "inputs", 1));
  d.num_outputs = static_cast<std::size_t>(r.integer(v, p, "outputs", 1));
  d.input_names = r.strings(v, p, "input_names");
  const json& transforms = r.array(v, p, "transforms");
  for (std::size_t i = 0; i < transforms.size(); ++i) {
    const std::string tp = Reader::index(p + ".transforms", i);
    d.transforms.push_back({r.string(transforms[i], tp, "name"), r.string(transforms[i], tp, "expression")});
  }
  d.keep_inputs = r.boolean(v, p, "keep_inputs");
  d.feature_names = r.strings(v, p, "feature_names");
  d.variable_names = r.strings(v, p, "variable_names");
  d.input_pca = pca_from_json(r, v, p, "input_pca");
  d.output_pca = pca_from_json(r, v, p, "output_pca");
  d.rows = static_cast<std::size_t>(r.integer(v, p, "rows", 0));
  d.selection = r.string(v, p, "selection");
  try {
    parse_selection(d.selection);
  } catch (const std::exception& e) {
    r.fail(p + ".selection", e.what());
  }
  // Only the seed of the options summary matters for re-running; the rest is for readers.
  const json& options = r.field(v, p, "options");
  d.search.seed = static_cast<std::uint64_t>(r.integer(options, p + ".options", "seed", 0));

  const json& targets = r.array(v, p, "targets");
  for (std::size_t j = 0; j < targets.size(); ++j) {
    const std::string tp = Reader::index(p + ".targets", j);
    TargetFit t;
    t.name = r.string(targets[j], tp, "name");
    const double floor = r.number(targets[j], tp, "loss_floor");
    const json& front = r.array(targets[j], tp, "front");
    if (front.empty()) r.fail(tp + ".front", "empty");
    std::vector<FrontMember> members;
    for (std::size_t i = 0; i < front.size(); ++i) {
      const std::string mp = Reader::index(tp + ".front", i);
      FrontMember m;
      m.complexity = static_cast<int>(r.integer(front[i], mp, "complexity", 1));
      m.loss = r.number(front[i], mp, "loss");
      m.score = r.number(front[i], mp, "score");
      const std::string text = r.string(front[i], mp, "equation");
      try {
        m.expression = parse_expression(text, d.variable_names);
      } catch (const std::exception& e) {
        r.fail(mp + ".equation", "'" + text + "': " + e.what());
      }
      if (!std::isfinite(m.loss) || m.loss < 0) r.fail(mp + ".loss", "expected a finite loss >= 0");
      if (i > 0 && m.complexity <= members.back().complexity)
        r.fail(mp + ".complexity", "front members must have increasing complexity");
      members.push_back(std::move(m));
    }
    t.front = ParetoFront::from_candidates(members, floor);
    if (t.front.size() != members.size())
      r.fail(tp + ".front", "the members are not a Pareto front (a more complex member does not lower the loss)");
    t.chosen = static_cast<std::size_t>(r.integer(targets[j], tp, "chosen", 0));
    if (t.chosen >= t.front.size()) r.fail(tp + ".chosen", "outside the front of " + std::to_string(t.front.size()));
    d.targets.push_back(std::move(t));
  }
  const json& sel = r.array(v, p, "selected");
  for (std::size_t j = 0; j < sel.size(); ++j)
    selected.push_back(static_cast<std::size_t>(r.integer(sel[j], Reader::index(p + ".selected", j), 0)));
  try {
    d.validate();
  } catch (const std::exception& e) {
    r.fail(p, e.what());
  }
  if (selected.size() != d.targets.size())
    r.fail(p + ".selected", std::to_string(selected.size()) + " members for " + std::to_string(d.targets.size()) + " targets");
  for (std::size_t j = 0; j < selected.size(); ++j)
    if (selected[j] >= d.targets[j].front.size())
      r.fail(Reader::index(p + ".selected", j), "outside the front of " + std::to_string(d.targets[j].front.size()));
  return d;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path.string() + ": cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

json pruning_to_json(const PruningState& p) {
  return {{"initial_dim", p.options.initial_dim}, {"target_dim", p.options.target_dim},
          {"total_steps", p.options.total_steps}, {"end_step_frac", p.options.end_step_frac},
          {"decay_rate", to_string(p.options.decay)},  {"active", p.active}};
}

PruningState pruning_from_json(const Reader& r, const json& j, std::int64_t outputs) {
  PruningState p;
  p.options.initial_dim = r.integer(j, "pruning", "initial_dim", 1);
  p.options.target_dim = r.integer(j, "pruning", "target_dim", 1);
  p.options.total_steps = r.integer(j, "pruning", "total_steps", 1);
  p.options.end_step_frac = r.number(j, "pruning", "end_step_frac");
  try {
    p.options.decay = parse_pruning_decay(r.string(j, "pruning", "decay_rate"));
    check(p.options);
  } catch (const std::invalid_argument& e) {
    r.fail("pruning", e.what());
  }
  if (outputs > 0 && p.options.initial_dim != outputs)
    r.fail("pruning.initial_dim", "is " + std::to_string(p.options.initial_dim) + ", the model has " +
                                      std::to_string(outputs) + " outputs");
  const json& active = r.array(j, "pruning", "active");
  for (std::size_t i = 0; i < active.size(); ++i) {
    const std::int64_t d = r.integer(active[i], Reader::index("pruning.active", i), 0);
    if (d >= p.options.initial_dim || (!p.active.empty() && d <= p.active.back()))
      r.fail(Reader::index("pruning.active", i), "expected increasing dimensions below initial_dim " +
                                                    std::to_string(p.options.initial_dim) + ", got " + std::to_string(d));
    p.active.push_back(d);
  }
  if (static_cast<std::int64_t>(p.active.size()) < p.options.target_dim)
    r.fail("pruning.active", std::to_string(p.active.size()) + " active dimensions, fewer than target_dim " +
                                 std::to_string(p.options.target_dim));
  return p;
}

}  // namespace

json to_json(const ModelFile& f) {
  json weights = nullptr;
  if (f.weights) weights = {{"file", f.weights->file}, {"bytes", f.weights->bytes}, {"fnv1a64", f.weights->fnv1a64}};
  return {{"format", ModelFile::kFormat},
          {"version", ModelFile::kVersion},
          {"mode", f.mode},
          {"inputs", f.num_inputs},
          {"outputs", f.num_outputs},
          {"output_squeezed", f.output_squeezed},
          {"weights", weights},
          {"distillation", f.distillation ? distillation_to_json(*f.distillation, f.selected) : json(nullptr)},
          {"pruning", f.pruning ? pruning_to_json(*f.pruning) : json(nullptr)},
          {"metadata", f.metadata}};
}

ModelFile model_file_from_json(const json& j, const std::string& source) {
  const Reader r(source);
  ModelFile f;
  if (!j.is_object()) r.fail("(top level)", std::string("expected an object, got ") + j.type_name());
  if (r.string(j, "", "format") != ModelFile::kFormat)
    r.fail("format", std::string("expected \"") + ModelFile::kFormat + "\"");
  const auto version = r.integer(j, "", "version", 0);
  if (version != ModelFile::kVersion)
    r.fail("version", "this build reads version " + std::to_string(ModelFile::kVersion) + ", got " + std::to_string(version));
  f.mode = r.string(j, "", "mode");
  if (f.mode != "neural" && f.mode != "symbolic") r.fail("mode", "expected \"neural\" or \"symbolic\", got \"" + f.mode + "\"");
  f.num_inputs = r.integer(j, "", "inputs", 0);
  f.num_outputs = r.integer(j, "", "outputs", 0);
  f.output_squeezed = r.boolean(j, "", "output_squeezed");
  if (f.output_squeezed && f.num_outputs != 1) r.fail("output_squeezed", "only a single output can be squeezed");
  const json& w = r.field(j, "", "weights");
  if (!w.is_null()) {
    WeightsFile wf;
    wf.file = r.string(w, "weights", "file");
    if (wf.file.empty() || wf.file.find('/') != std::string::npos || wf.file == "." || wf.file == "..")
      r.fail("weights.file", "expected a file name inside the model directory, got \"" + wf.file + "\"");
    wf.bytes = static_cast<std::uint64_t>(r.integer(w, "weights", "bytes", 0));
    wf.fnv1a64 = r.string(w, "weights", "fnv1a64");
    f.weights = wf;
  }
  const json& d = r.field(j, "", "distillation");
  if (!d.is_null()) {
    f.distillation = distillation_from_json(r, d, "distillation", f.selected);
    if (f.num_inputs != static_cast<std::int64_t>(f.distillation->num_inputs) ||
        f.num_outputs != static_cast<std::int64_t>(f.distillation->num_outputs))
      r.fail("distillation", "its inputs/outputs (" + std::to_string(f.distillation->num_inputs) + "/" +
                                 std::to_string(f.distillation->num_outputs) + ") differ from the model's (" +
                                 std::to_string(f.num_inputs) + "/" + std::to_string(f.num_outputs) + ")");
  }
  if (f.mode == "symbolic" && !f.distillation) r.fail("mode", "\"symbolic\" without a distillation");
  if (const auto it = j.find("pruning"); it != j.end() && !it->is_null()) f.pruning = pruning_from_json(r, *it, f.num_outputs);
  const json& meta = r.field(j, "", "metadata");
  if (!meta.is_object()) r.fail("metadata", std::string("expected an object, got ") + meta.type_name());
  f.metadata = meta;
  return f;
}

ModelFile read_model_file(const std::filesystem::path& path) {
  const std::string text = read_text(path);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw std::invalid_argument(path.string() + ": not valid JSON (" + e.what() + ")");
  }
  return model_file_from_json(j, path.string());
}

std::string fnv1a64_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot be read");
  std::uint64_t h = 0xcbf29ce484222325ull;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      h ^= static_cast<unsigned char>(buf[i]);
      h *= 0x100000001b3ull;
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(tmp.string() + ": cannot be written");
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw std::runtime_error(tmp.string() + ": write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error(path.string() + ": cannot rename the temporary file into place: " + ec.message());
  }
}

}  // namespace symtorch
