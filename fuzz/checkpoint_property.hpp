// The checkpoint loader's property: a damaged checkpoint is refused with std::runtime_error
// (search.hpp); one that loads is a state the search continues from for an iteration without
// crashing or throwing anything else.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

#include "../engine/src/search/checkpoint.hpp"
#include "checkpoint_setup.hpp"
#include "property_violation.hpp"
#include "symtorch/engine/search.hpp"

namespace symtorch::fuzz {

inline void check_checkpoint_input(std::string_view bytes) {
  static const Dataset dataset = checkpoint_data();
  const std::string text(bytes);
  auto options = checkpoint_options();
  search_detail::SearchState state;
  try {
    state = search_detail::checkpoint_from_text(text, "fuzz.json", options, dataset);
  } catch (const std::runtime_error&) {
    return;
  }
  if (state.iteration >= std::numeric_limits<int>::max() - 1) return;  // niterations = iteration + 1 below
  // run_search resumes from a file.
  const std::string path = "/tmp/symtorch_fuzz_checkpoint_" + std::to_string(::getpid()) + ".json";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  options.resume_path = path;
  options.niterations = state.iteration + 1;
  try {
    (void)run_search(dataset, options);
  } catch (const std::runtime_error& e) {
    std::remove(path.c_str());
    throw PropertyViolation(std::string("a checkpoint that loads fails to resume: ") + e.what());
  }
  std::remove(path.c_str());
}

}  // namespace symtorch::fuzz
