#include "vector_width.hpp"

#include <llvm/MC/MCSubtargetInfo.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace symtorch::jit::detail {

unsigned widest_vector_bits(const llvm::MCSubtargetInfo& subtarget) {
  if (subtarget.checkFeatures("+avx512f") && subtarget.checkFeatures("+evex512")) return 512;
  if (subtarget.checkFeatures("+avx")) return 256;
  return 128;
}

unsigned choose_vector_bits(const llvm::MCSubtargetInfo& subtarget, int requested) {
  if (requested != 0 && requested != 128 && requested != 256 && requested != 512)
    throw std::invalid_argument("prefer_vector_width must be 0, 128, 256 or 512, not " + std::to_string(requested));
  const unsigned widest = widest_vector_bits(subtarget);
  return requested == 0 ? widest : std::min(widest, static_cast<unsigned>(requested));
}

}  // namespace symtorch::jit::detail
