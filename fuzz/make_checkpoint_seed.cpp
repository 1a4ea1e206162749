// Writes a checkpoint of a short search with the checkpoint fuzz target's data and options
// (checkpoint_setup.hpp): the seed that lets the fuzzer mutate members, views and statistics
// instead of stopping at the shape check. fuzz/run.sh writes a fresh one before each run, so the
// seed follows the checkpoint format.
#include <cstdio>

#include "checkpoint_setup.hpp"
#include "symtorch/engine/search.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CHECKPOINT.json\n", argv[0]);
    return 2;
  }
  auto options = symtorch::fuzz::checkpoint_options();
  options.checkpoint_path = argv[1];
  symtorch::run_search(symtorch::fuzz::checkpoint_data(), options);
  return 0;
}
