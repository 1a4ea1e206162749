// A directory of PTX, inputs and reference outputs made here (where LLVM is) for a GPU machine
// that has only the standalone loader: `symtorch_run_ptx cases DIR/cases.txt` checks every
// kernel against the native kernel's outputs and benchmarks the reference expressions there;
// `torch_eager.py DIR/torch_eager.txt` times the same expressions as torch CUDA operations.
// See jit/cuda/README.md.
#pragma once

#include <cstdint>
#include <filesystem>

namespace symtorch::bench {

struct BundleOptions {
  int sm = 80;                    // PTX target (the driver JIT-compiles it for newer GPUs)
  std::int64_t bench_rows = 100'000'000;
  int bench_repeat = 20;
  std::size_t check_rows = 4099;  // not a multiple of the block size: the ragged end is checked
  int random_expressions = 20;
};

// Writes the bundle into `dir` (created if needed); returns the number of check cases.
int write_gpu_bundle(const std::filesystem::path& dir, const BundleOptions& options);

}  // namespace symtorch::bench
