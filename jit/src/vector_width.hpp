// Internal: how wide the vectors of a host kernel are, from the target's CPU features.
#pragma once

namespace llvm {
class MCSubtargetInfo;
}

namespace symtorch::jit::detail {

// The widest vector registers the target has, in bits: 512 with AVX-512F (and EVEX-512
// encodings, which an AVX10/256-only feature string turns off), 256 with AVX, else 128.
unsigned widest_vector_bits(const llvm::MCSubtargetInfo& subtarget);

// The vector width a kernel is compiled for. `requested` = 0 chooses the widest the target has;
// LLVM's own tuning would pick 256 bits on every Intel AVX-512 CPU (and on x86-64-v4) to avoid
// the clock drop heavy 512-bit instructions cause on some of them, but a kernel spends its time
// in one long vector loop, mostly in vector-math calls, where the 16-lane float / 8-lane double
// functions do twice the work per call: g++ calls those on the same CPUs, and JIT code limited
// to 256 bits falls well behind it there (bench/jit).
// A nonzero request (128, 256, 512; anything else is an std::invalid_argument) is honoured up
// to the widest the target has: it is a preference, so asking for 512 on an AVX2 CPU gives 256.
unsigned choose_vector_bits(const llvm::MCSubtargetInfo& subtarget, int requested);

}  // namespace symtorch::jit::detail
