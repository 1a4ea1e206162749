#include "hand_written.hpp"

#include <cmath>

namespace symtorch::bench {

template <typename T>
void hand_arith20(const T* const* x, T* __restrict out, std::size_t n) {
  const T *__restrict x0 = x[0], *__restrict x1 = x[1], *__restrict x2 = x[2], *__restrict x3 = x[3],
          *__restrict x4 = x[4];
  for (std::size_t r = 0; r < n; ++r)
    out[r] = ((x0[r] * x1[r] + x2[r]) * (x3[r] - x4[r]) + x0[r] / (x1[r] + T(1.5))) * (x2[r] - T(0.25) * x3[r]);
}

template <typename T>
void hand_mixed20(const T* const* x, T* __restrict out, std::size_t n) {
  const T *__restrict x0 = x[0], *__restrict x1 = x[1], *__restrict x2 = x[2], *__restrict x3 = x[3],
          *__restrict x4 = x[4];
  for (std::size_t r = 0; r < n; ++r)
    out[r] = std::sin(x0[r] * x1[r]) + std::exp(T(0.5) * x2[r]) * (x3[r] - x4[r]) +
             std::log(std::fabs(x0[r]) + T(1)) * x1[r];
}

template <typename T>
void hand_arith50(const T* const* x, T* __restrict out, std::size_t n) {
  const T *__restrict x0 = x[0], *__restrict x1 = x[1], *__restrict x2 = x[2], *__restrict x3 = x[3],
          *__restrict x4 = x[4];
  for (std::size_t r = 0; r < n; ++r)
    out[r] = ((x0[r] * x1[r] + x2[r]) * (x3[r] - x4[r]) + x0[r] / (x1[r] + T(1.5))) * (x2[r] - T(0.25) * x3[r]) +
             (x4[r] * x4[r] - x0[r] * x3[r]) / (x2[r] * x2[r] + T(2)) - (x1[r] - x3[r]) * (x0[r] + x4[r] * T(0.75)) +
             x2[r] * (x0[r] - x1[r] * (x3[r] + T(0.5)));
}

template <typename T>
void hand_mixed50(const T* const* x, T* __restrict out, std::size_t n) {
  const T *__restrict x0 = x[0], *__restrict x1 = x[1], *__restrict x2 = x[2], *__restrict x3 = x[3],
          *__restrict x4 = x[4];
  for (std::size_t r = 0; r < n; ++r)
    out[r] = std::sin(x0[r] * x1[r]) + std::exp(T(0.5) * x2[r]) * (x3[r] - x4[r]) +
             std::log(std::fabs(x0[r]) + T(1)) * x1[r] +
             std::cos(x3[r] - x4[r] * T(0.3)) * std::sqrt(std::fabs(x2[r])) - std::tanh(x0[r] * x2[r]) * (x1[r] + T(2)) +
             x4[r] * x4[r] / (x1[r] * x1[r] + T(1)) + std::sin(x2[r] + x3[r]) * x0[r] - std::exp(-(x4[r] * x4[r]));
}

#define SYMTORCH_INSTANTIATE(T)                                    \
  template void hand_arith20<T>(const T* const*, T*, std::size_t); \
  template void hand_mixed20<T>(const T* const*, T*, std::size_t); \
  template void hand_arith50<T>(const T* const*, T*, std::size_t); \
  template void hand_mixed50<T>(const T* const*, T*, std::size_t);
SYMTORCH_INSTANTIATE(float)
SYMTORCH_INSTANTIATE(double)

}  // namespace symtorch::bench
