// The benchmark expressions written by hand, the baseline the interpreter is measured against.
// Compiled in their own TU with -O3 -march=native (see CMakeLists.txt) and nothing else.
#pragma once

#include <cstddef>

namespace symtorch::bench {

template <typename T>
void hand_arith20(const T* const* x, T* out, std::size_t n);
template <typename T>
void hand_mixed20(const T* const* x, T* out, std::size_t n);
template <typename T>
void hand_arith50(const T* const* x, T* out, std::size_t n);
template <typename T>
void hand_mixed50(const T* const* x, T* out, std::size_t n);

}  // namespace symtorch::bench
