// Internal: linking an object file into the process-wide JIT session (native_kernel.cpp), for
// kernels other than NativeKernel (fused_kernel.cpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vector_math.hpp"

namespace symtorch::jit::detail {

struct LinkedCode {
  std::shared_ptr<void> owner;  // the object's own JITDylib; its code is freed with the last copy
  void* function = nullptr;     // address of the symbol asked for
};

// Links `object` (in its own JITDylib, resolving vector math through `math` first) and looks
// up `symbol`. Throws std::runtime_error naming the symbol if either fails.
LinkedCode link_object(const std::vector<char>& object, const std::string& symbol, const VectorMathLibrary& math);

}  // namespace symtorch::jit::detail
