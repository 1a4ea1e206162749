// Damaged checkpoints that fuzz/fuzz_checkpoint found crashing or passing the loader: each is
// refused with a std::runtime_error naming the field. The damage is applied to a checkpoint of
// the current format, written by a short search with the fuzz target's data and options.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "../../fuzz/checkpoint_property.hpp"
#include "../../fuzz/checkpoint_setup.hpp"

namespace {

using nlohmann::json;

json fresh_checkpoint() {
  const std::string path = (std::filesystem::temp_directory_path() / "symtorch_checkpoint_refusals.json").string();
  auto options = symtorch::fuzz::checkpoint_options();
  options.checkpoint_path = path;
  (void)symtorch::run_search(symtorch::fuzz::checkpoint_data(), options);
  std::ifstream f(path);
  std::ostringstream s;
  s << f.rdbuf();
  std::filesystem::remove(path);
  return json::parse(s.str());
}

// The loader's message for the checkpoint after `damage`, or "" if it loads.
std::string refusal(const std::function<void(json&)>& damage) {
  static const json original = fresh_checkpoint();
  json j = original;
  damage(j);
  try {
    (void)symtorch::search_detail::checkpoint_from_text(j.dump(), "damaged.json", symtorch::fuzz::checkpoint_options(),
                                                         symtorch::fuzz::checkpoint_data());
  } catch (const std::runtime_error& e) {
    // The fuzz property agrees: refused, not crashed.
    CHECK_NOTHROW(symtorch::fuzz::check_checkpoint_input(j.dump()));
    return e.what();
  }
  return "";
}

json& first_member(json& j) { return j.at("islands").at(0).at("members").at(0); }

}  // namespace

TEST_CASE("checkpoint refusals: the undamaged checkpoint loads and resumes") {
  CHECK(refusal([](json&) {}).empty());
  CHECK_NOTHROW(symtorch::fuzz::check_checkpoint_input(fresh_checkpoint().dump()));
}

TEST_CASE("checkpoint refusals: a variable token that is not '$' and an index") {
  // std::stoul threw std::invalid_argument("stoul"), which escaped the loader's handlers.
  for (const char* token : {"$x", "$", "$-1", "$99999999999", "$1 "}) {
    INFO(token);
    const std::string m = refusal([&](json& j) { first_member(j).at("expr") = json::array({token}); });
    CHECK(m == std::string("cannot resume from checkpoint 'damaged.json': bad variable token '") + token +
                   "' in a saved expression (expected '$' and a feature index)");
  }
}

TEST_CASE("checkpoint refusals: integers that are floats or out of range") {
  // nlohmann's get<std::uint64_t>() of 1e30 is undefined behaviour (UBSan in fuzz_checkpoint).
  CHECK(refusal([](json& j) { j.at("islands").at(0).at("rng").at(2) = 1e30; }) ==
        "cannot resume from checkpoint 'damaged.json': an RNG state word must be an integer from 0 to "
        "18446744073709551615, got 1e+30");
  CHECK(refusal([](json& j) { j.at("islands").at(0).at("rng").at(0) = -1; }).find("an RNG state word must be") !=
        std::string::npos);
  CHECK(refusal([](json& j) { j.at("islands").at(0).at("rng") = json::array({1, 2, 3}); }) ==
        "cannot resume from checkpoint 'damaged.json': bad RNG state (expected 4 integers): [1,2,3]");
  CHECK(refusal([](json& j) { j.at("iteration") = 2.5; }) ==
        "cannot resume from checkpoint 'damaged.json': the iteration must be an integer from -2147483648 to "
        "2147483647, got 2.5");
  CHECK(refusal([](json& j) { j.at("iteration") = -1; }) ==
        "cannot resume from checkpoint 'damaged.json': the iteration is negative (-1)");
  CHECK(refusal([](json& j) { first_member(j).at("birth") = 1e30; }).find("a member's birth must be an integer") !=
        std::string::npos);
  CHECK(refusal([](json& j) { j.at("evaluations") = "many"; }).find("the evaluation count must be an integer") !=
        std::string::npos);
  CHECK(refusal([](json& j) { j.at("version") = j.at("version").get<double>() + 0.5; }).find("not a symtorch checkpoint") !=
        std::string::npos);
}

TEST_CASE("checkpoint refusals: a member whose complexity is not its expression's") {
  const std::string m = refusal([](json& j) {
    first_member(j).at("expr") = json::array({"$0", "$1", "+"});
    first_member(j).at("complexity") = 7;
  });
  CHECK(m == "cannot resume from checkpoint 'damaged.json': a member's complexity 7 is not its expression's (3)");
}

TEST_CASE("checkpoint refusals: a hall-of-fame member with a feature the data lacks") {
  const std::string m = refusal([](json& j) {
    json& member = j.at("hall_of_fame").at(0);
    member.at("expr") = json::array({"$5"});
    member.at("complexity") = 1;
  });
  CHECK(m == "cannot resume from checkpoint 'damaged.json': a hall-of-fame member uses a missing feature");
}
