#include "checkpoint.hpp"

#include "view_schedule.hpp"

#include <unistd.h>

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <limits>
#include <stdexcept>
#include <utility>

namespace symtorch::search_detail {
namespace {

// 5: problem views as (kind, parameters), the enabled views and the schedule in the shape.
// A new view kind needs no new version: its views are stored as data.
constexpr int kFormatVersion = 5;

using nlohmann::json;

// JSON has no inf/nan: non-finite numbers are written as strings.
json number_to_json(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
}

double number_from_json(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const auto s = j.get<std::string>();
    if (s == "nan") return std::nan("");
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  throw std::runtime_error("expected a number, got " + j.dump());
}

// An integer field as T. nlohmann's get<T>() converts a float or an out-of-range integer
// without a check (undefined behaviour for 1e30 as an integer), so the type and range are
// checked here first.
template <class T>
T integer_from_json(const json& j, const std::string& what) {
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  } else if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  }
  throw std::runtime_error(what + " must be an integer from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
                           std::to_string(std::numeric_limits<T>::max()) + ", got " + j.dump());
}

std::uint64_t data_fingerprint(const Dataset& data) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](double v) {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    for (int b = 0; b < 8; ++b) {
      h ^= (bits >> (8 * b)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  for (const auto& col : data.features)
    for (double v : col) mix(v);
  for (double v : data.target) mix(v);
  for (double v : data.weights) mix(v);
  return h;
}

json shape_of(const SearchOptions& o, const Dataset& data) {
  json ops = json::array();
  for (Op op : o.binary_operators) ops.push_back(op_info(op).name);
  for (Op op : o.unary_operators) ops.push_back(op_info(op).name);
  return {{"rows", data.rows()},
          {"features", data.num_features()},
          {"data_fingerprint", data_fingerprint(data)},
          {"populations", o.populations},
          {"population_size", o.population_size},
          {"maxsize", o.maxsize},
          {"operators", ops},
          {"linear_scaling", o.linear_scaling},
          {"operator_subsets", o.operator_subsets},
          {"subset_redraw_iterations", o.subset_redraw_iterations},
          {"views", o.views},
          {"schedule", schedule_of(o).text()},
          {"scale_numerator_views", o.scale_numerator_views},
          {"seed", o.seed}};
}

json member_to_json(const Member& m) {
  return {{"expr", expression_to_json(m.expr)}, {"loss", number_to_json(m.loss)}, {"cost", number_to_json(m.cost)},
          {"complexity", m.complexity},          {"birth", m.birth},               {"scale", number_to_json(m.scale)},
          {"offset", number_to_json(m.offset)}};
}

Member member_from_json(const json& j) {
  Member m;
  m.expr = expression_from_json(j.at("expr"));
  m.loss = number_from_json(j.at("loss"));
  m.cost = number_from_json(j.at("cost"));
  m.complexity = integer_from_json<int>(j.at("complexity"), "a member's complexity");
  if (m.complexity != m.expr.complexity())
    throw std::runtime_error("a member's complexity " + std::to_string(m.complexity) + " is not its expression's (" +
                             std::to_string(m.expr.complexity()) + ")");
  m.birth = integer_from_json<std::uint64_t>(j.at("birth"), "a member's birth");
  m.scale = number_from_json(j.at("scale"));
  m.offset = number_from_json(j.at("offset"));
  return m;
}

// A saved member with an operator outside the search's set (a damaged or edited checkpoint).
void check_operators(const Expression& e, const OperatorSet& allowed, const std::string& what) {
  if (const auto op = allowed.first_outside(e))
    throw std::runtime_error(what + " uses the operator '" + op_info(*op).name + "', which is not among the allowed "
                             "operators (" + allowed.describe() + ")");
}

json view_to_json(const ViewSpec& v) { return {{"kind", v.kind}, {"parameters", v.parameters}}; }

ViewSpec view_from_json(const json& j) {
  if (!j.is_object() || !j.contains("kind") || !j.at("kind").is_string())
    throw std::runtime_error("a problem view needs a kind");
  return {j.at("kind").get<std::string>(), j.value("parameters", json())};
}

}  // namespace

json expression_to_json(const Expression& e) {
  // Postfix tokens: a number is a constant, "$k" is variable k, anything else an operator name.
  json out = json::array();
  for (const Node& n : e.nodes()) {
    if (n.op == Op::Const) out.push_back(std::isfinite(n.value) ? json(n.value) : json{{"const", number_to_json(n.value)}});
    else if (n.op == Op::Var) out.push_back(std::string("$").append(std::to_string(n.feature)));
    else out.push_back(op_info(n.op).name);
  }
  return out;
}

Expression expression_from_json(const json& j) {
  if (!j.is_array()) throw std::runtime_error("an expression must be a JSON array of postfix tokens");
  std::vector<Node> nodes;
  for (const auto& t : j) {
    if (t.is_number()) {
      nodes.push_back(Node::constant(t.get<double>()));
    } else if (t.is_object()) {
      nodes.push_back(Node::constant(number_from_json(t.at("const"))));
    } else if (t.is_string()) {
      const auto s = t.get<std::string>();
      if (!s.empty() && s[0] == '$') {
        std::uint32_t feature = 0;
        const char* end = s.data() + s.size();
        const auto r = std::from_chars(s.data() + 1, end, feature);
        if (r.ec != std::errc() || r.ptr != end || s.size() == 1)
          throw std::runtime_error("bad variable token '" + s + "' in a saved expression (expected '$' and a feature index)");
        nodes.push_back(Node::variable(feature));
      } else {
        const auto op = OperatorRegistry::instance().find(s);
        if (!op) throw std::runtime_error("unknown operator '" + s + "' in a saved expression");
        nodes.push_back(Node::function(*op, op_info(*op).arity));
      }
    } else {
      throw std::runtime_error("bad token " + t.dump() + " in a saved expression");
    }
  }
  try {
    return Expression(std::move(nodes));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("malformed saved expression: ") + e.what());
  }
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::filesystem::path target(path);
  const std::filesystem::path temp =
      target.parent_path() / std::string(".").append(target.filename().string()).append(".tmp").append(std::to_string(::getpid()));
  {
    std::ofstream f(temp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot write '" + temp.string() + "'");
    f << text;
    f.flush();
    if (!f) {
      std::error_code ec;
      std::filesystem::remove(temp, ec);
      throw std::runtime_error("error while writing '" + temp.string() + "'");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, target, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    throw std::runtime_error("cannot replace '" + path + "': " + ec.message());
  }
}

std::string search_shape(const SearchOptions& options, const Dataset& data) { return shape_of(options, data).dump(); }

void save_checkpoint(const std::string& path, const SearchState& state, const SearchOptions& options,
                     const Dataset& data) {
  write_file_atomically(path, checkpoint_text(state, options, data));
}

std::string checkpoint_text(const SearchState& state, const SearchOptions& options, const Dataset& data) {
  json j;
  j["format"] = "symtorch-checkpoint";
  j["version"] = kFormatVersion;
  j["shape"] = shape_of(options, data);
  j["iteration"] = state.iteration;
  j["evaluations"] = state.evaluations;
  json islands = json::array();
  for (const auto& island : state.islands) {
    json members = json::array();
    for (const auto& m : island.members) members.push_back(member_to_json(m));
    const auto& rs = island.rng.state();
    islands.push_back({{"members", members}, {"rng", {rs[0], rs[1], rs[2], rs[3]}}, {"births", island.births}});
  }
  j["islands"] = islands;
  json hof = json::array();
  for (const auto& slot : state.hall_of_fame.slots())
    if (slot) hof.push_back(member_to_json(*slot));
  j["hall_of_fame"] = hof;
  j["frequencies"] = state.frequencies.counts();
  j["epoch_view"] = state.epoch_view ? view_to_json(*state.epoch_view) : json(nullptr);
  json found = json::array();
  for (const auto& v : state.found_views) found.push_back(view_to_json(v));
  j["found_views"] = found;
  return j.dump();
}

SearchState load_checkpoint(const std::string& path, const SearchOptions& options, const Dataset& data) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open checkpoint '" + path + "'");
  std::stringstream buffer;
  buffer << f.rdbuf();
  return checkpoint_from_text(buffer.str(), path, options, data);
}


namespace {

json parse_checkpoint(const std::string& text, const std::string& path) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw std::runtime_error("checkpoint '" + path + "' is not valid JSON: " + e.what());
  }
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open checkpoint '" + path + "'");
  std::stringstream buffer;
  buffer << f.rdbuf();
  return buffer.str();
}

SearchState state_from_json(const json& j, const std::string& path, const SearchOptions& options, const Dataset& data,
                            std::size_t islands);

constexpr const char* kRankFormat = "symtorch-mpi-checkpoint";

}  // namespace

void save_rank_checkpoints(const std::string& path, const std::vector<std::string>& rank_texts) {
  json states = json::array();
  for (const auto& t : rank_texts) states.push_back(json::parse(t));
  json j{{"format", kRankFormat}, {"version", 1}, {"ranks", rank_texts.size()}, {"states", states}};
  write_file_atomically(path, j.dump());
}

RankCheckpoint load_rank_checkpoint(const std::string& path, const SearchOptions& options, const Dataset& data,
                                    int rank, int ranks, std::size_t own_islands) {
  const json j = parse_checkpoint(read_text(path), path);
  RankCheckpoint out;
  if (j.is_object() && j.value("format", "") == kRankFormat) {
    const json written = j.value("ranks", json());
    const json states = j.value("states", json());
    if (!states.is_array() || written != json(states.size()))
      throw std::runtime_error("checkpoint '" + path + "' is incomplete: its per-rank states do not match its rank count");
    if (written != json(ranks))
      throw std::runtime_error("cannot resume from checkpoint '" + path + "': it was written by an asynchronous search on " +
                               written.dump() + " ranks, this run has " + std::to_string(ranks) +
                               " (resume with the same rank count)");
    out.state = state_from_json(states.at(static_cast<std::size_t>(rank)), path, options, data, own_islands);
    out.per_rank = true;
    return out;
  }
  out.state = state_from_json(j, path, options, data, static_cast<std::size_t>(options.populations));
  return out;
}

SearchState checkpoint_from_text(const std::string& text, const std::string& path, const SearchOptions& options,
                                 const Dataset& data) {
  return state_from_json(parse_checkpoint(text, path), path, options, data, static_cast<std::size_t>(options.populations));
}

namespace {

SearchState state_from_json(const json& j, const std::string& path, const SearchOptions& options, const Dataset& data,
                            std::size_t islands) {
  try {
    if (j.value("format", "") != "symtorch-checkpoint" || j.value("version", json()) != json(kFormatVersion))
      throw std::runtime_error("not a symtorch checkpoint of format version " + std::to_string(kFormatVersion));
    const json expected = shape_of(options, data);
    for (const auto& [key, value] : expected.items())
      if (j.at("shape").value(key, json()) != value)
        throw std::runtime_error("it was written for " + key + " = " + j.at("shape").value(key, json()).dump() +
                                 ", this run has " + value.dump());
    const OperatorSet allowed = options.operator_set();
    SearchState state;
    state.iteration = integer_from_json<int>(j.at("iteration"), "the iteration");
    if (state.iteration < 0) throw std::runtime_error("the iteration is negative (" + std::to_string(state.iteration) + ")");
    state.evaluations = integer_from_json<std::uint64_t>(j.at("evaluations"), "the evaluation count");
    for (const auto& island : j.at("islands")) {
      IslandState s;
      for (const auto& m : island.at("members")) s.members.push_back(member_from_json(m));
      const json& rng = island.at("rng");
      if (!rng.is_array() || rng.size() != 4) throw std::runtime_error("bad RNG state (expected 4 integers): " + rng.dump());
      std::array<std::uint64_t, 4> rs{};
      for (std::size_t k = 0; k < 4; ++k) rs[k] = integer_from_json<std::uint64_t>(rng[k], "an RNG state word");
      s.rng.set_state(rs);
      s.births = integer_from_json<std::uint64_t>(island.at("births"), "an island's birth count");
      if (s.members.size() != static_cast<std::size_t>(options.population_size))
        throw std::runtime_error("an island has " + std::to_string(s.members.size()) + " members");
      for (const auto& m : s.members) {
        if (m.expr.max_feature() > data.num_features()) throw std::runtime_error("an expression uses a missing feature");
        check_operators(m.expr, allowed, "an island member");
      }
      state.islands.push_back(std::move(s));
    }
    if (state.islands.size() != islands)
      throw std::runtime_error("it has " + std::to_string(state.islands.size()) + " islands");
    state.hall_of_fame = HallOfFame(options.maxsize);
    for (const auto& m : j.at("hall_of_fame")) {
      const Member member = member_from_json(m);
      if (member.expr.max_feature() > data.num_features())
        throw std::runtime_error("a hall-of-fame member uses a missing feature");
      check_operators(member.expr, allowed, "a hall-of-fame member");
      state.hall_of_fame.update(member);
    }
    state.frequencies = ComplexityFrequencies(options.maxsize);
    const auto counts = j.at("frequencies").get<std::vector<double>>();
    if (counts.size() != state.frequencies.counts().size()) throw std::runtime_error("bad complexity statistics");
    state.frequencies.counts() = counts;
    // Views are rebuilt from their specs here, so a malformed one is refused now.
    auto check_view = [&](const ViewSpec& spec) {
      for (const Op op : view_from_spec(spec, data)->added_operators())
        if (!allowed.allows(op))
          throw std::runtime_error("a problem view (" + spec.kind + ") writes the operator '" + op_info(op).name +
                                   "', which is not among the allowed operators (" + allowed.describe() + ")");
    };
    for (const auto& v : j.at("found_views")) {
      state.found_views.push_back(view_from_json(v));
      check_view(state.found_views.back());
    }
    if (!j.at("epoch_view").is_null()) {
      state.epoch_view = view_from_json(j.at("epoch_view"));
      check_view(*state.epoch_view);
    }
    return state;
  } catch (const json::exception& e) {
    throw std::runtime_error("checkpoint '" + path + "' is incomplete: " + e.what());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("cannot resume from checkpoint '" + path + "': " + e.what());
  }
}

}  // namespace

}  // namespace symtorch::search_detail
