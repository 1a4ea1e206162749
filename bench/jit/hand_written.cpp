#include "hand_written.hpp"

#include <cmath>

// The simd declarations glibc's <bits/math-vector.h> makes only under -ffast-math; with them
// GCC vectorises the calls into libmvec's _ZGV* functions, as the JIT does.
extern "C" {
#pragma omp declare simd notinbranch
double sin(double) noexcept;
#pragma omp declare simd notinbranch
double cos(double) noexcept;
#pragma omp declare simd notinbranch
double exp(double) noexcept;
#pragma omp declare simd notinbranch
double log(double) noexcept;
#pragma omp declare simd notinbranch
float sinf(float) noexcept;
#pragma omp declare simd notinbranch
float cosf(float) noexcept;
#pragma omp declare simd notinbranch
float expf(float) noexcept;
#pragma omp declare simd notinbranch
float logf(float) noexcept;
}

namespace symtorch::bench {
namespace {

inline float vsin(float x) { return sinf(x); }
inline double vsin(double x) { return sin(x); }
inline float vcos(float x) { return cosf(x); }
inline double vcos(double x) { return cos(x); }
inline float vexp(float x) { return expf(x); }
inline double vexp(double x) { return exp(x); }
inline float vlog(float x) { return logf(x); }
inline double vlog(double x) { return log(x); }

// 1.5 x^3 - 2.25 x^2 y + 0.5 x y^2 - 3 y^3 + 0.75 x - 1.25 y + 2
template <typename T>
void polynomial(const T* const* in, T* const* out, std::int64_t n) {
  const T *__restrict x = in[0], *__restrict y = in[1];
  T* __restrict o = out[0];
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i)
    o[i] = T(1.5) * x[i] * x[i] * x[i] - T(2.25) * x[i] * x[i] * y[i] + T(0.5) * x[i] * y[i] * y[i] -
           T(3) * y[i] * y[i] * y[i] + T(0.75) * x[i] - T(1.25) * y[i] + T(2);
}

// (x^2 + 2 x y - 0.5) / (1 + x^2 + y^2)
template <typename T>
void rational(const T* const* in, T* const* out, std::int64_t n) {
  const T *__restrict x = in[0], *__restrict y = in[1];
  T* __restrict o = out[0];
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i)
    o[i] = (x[i] * x[i] + T(2) * x[i] * y[i] - T(0.5)) / (T(1) + x[i] * x[i] + y[i] * y[i]);
}

// sin(x) exp(-0.5 y) + cos(x y) exp(x - y)
template <typename T>
void sin_exp(const T* const* in, T* const* out, std::int64_t n) {
  const T *__restrict x = in[0], *__restrict y = in[1];
  T* __restrict o = out[0];
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i)
    o[i] = vsin(x[i]) * vexp(T(-0.5) * y[i]) + vcos(x[i] * y[i]) * vexp(x[i] - y[i]);
}

// log(1 + x^2) sqrt(y) + sqrt(x^2 + y^2) - log(y)
template <typename T>
void log_sqrt(const T* const* in, T* const* out, std::int64_t n) {
  const T *__restrict x = in[0], *__restrict y = in[1];
  T* __restrict o = out[0];
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i)
    o[i] = vlog(T(1) + x[i] * x[i]) * std::sqrt(y[i]) + std::sqrt(x[i] * x[i] + y[i] * y[i]) - vlog(y[i]);
}

// Shared features s1 = a b, s2 = sin(c), s3 = exp(-(d^2)), s4 = sqrt(a^2 + b^2); eight outputs,
// each a different linear combination of them plus one input.
template <typename T>
void pca8(const T* const* in, T* const* out, std::int64_t n) {
  const T *__restrict a = in[0], *__restrict b = in[1], *__restrict c = in[2], *__restrict d = in[3];
  T *__restrict o0 = out[0], *__restrict o1 = out[1], *__restrict o2 = out[2], *__restrict o3 = out[3];
  T *__restrict o4 = out[4], *__restrict o5 = out[5], *__restrict o6 = out[6], *__restrict o7 = out[7];
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    const T s1 = a[i] * b[i], s2 = vsin(c[i]), s3 = vexp(-(d[i] * d[i])), s4 = std::sqrt(a[i] * a[i] + b[i] * b[i]);
    o0[i] = T(0.5) * s1 + T(0.25) * s2 - T(1.5) * s3 + T(0.75) * s4 + a[i];
    o1[i] = T(-0.3) * s1 + T(1.2) * s2 + T(0.4) * s3 - T(0.9) * s4 + b[i];
    o2[i] = T(0.8) * s1 - T(0.6) * s2 + T(1.1) * s3 + T(0.2) * s4 + c[i];
    o3[i] = T(1.3) * s1 + T(0.7) * s2 - T(0.2) * s3 - T(0.4) * s4 + d[i];
    o4[i] = T(-1.1) * s1 - T(0.9) * s2 + T(0.6) * s3 + T(1.4) * s4 - a[i];
    o5[i] = T(0.2) * s1 + T(0.3) * s2 + T(0.5) * s3 - T(0.7) * s4 - b[i];
    o6[i] = T(0.9) * s1 - T(1.7) * s2 - T(0.8) * s3 + T(0.1) * s4 - c[i];
    o7[i] = T(-0.4) * s1 + T(0.5) * s2 + T(1.9) * s3 + T(0.6) * s4 - d[i];
  }
}

}  // namespace

const std::vector<ReferenceExpression>& reference_expressions() {
  // The equations are written to parse into the same operation order as the C++ above
  // (left-associative + - * /), so both compute the same IEEE operations.
  static const std::vector<ReferenceExpression> list = {
      {"polynomial",
       {"1.5*x*x*x - 2.25*x*x*y + 0.5*x*y*y - 3*y*y*y + 0.75*x - 1.25*y + 2"},
       {"x", "y"},
       polynomial<float>,
       polynomial<double>},
      {"rational", {"(x*x + 2*x*y - 0.5) / (1 + x*x + y*y)"}, {"x", "y"}, rational<float>, rational<double>},
      {"sin/exp", {"sin(x)*exp(-0.5*y) + cos(x*y)*exp(x - y)"}, {"x", "y"}, sin_exp<float>, sin_exp<double>},
      {"log/sqrt", {"log(1 + x*x)*sqrt(y) + sqrt(x*x + y*y) - log(y)"}, {"x", "y"}, log_sqrt<float>, log_sqrt<double>},
      {"pca8",
       {"0.5*(a*b) + 0.25*sin(c) - 1.5*exp(-(d*d)) + 0.75*sqrt(a*a + b*b) + a",
        "-0.3*(a*b) + 1.2*sin(c) + 0.4*exp(-(d*d)) - 0.9*sqrt(a*a + b*b) + b",
        "0.8*(a*b) - 0.6*sin(c) + 1.1*exp(-(d*d)) + 0.2*sqrt(a*a + b*b) + c",
        "1.3*(a*b) + 0.7*sin(c) - 0.2*exp(-(d*d)) - 0.4*sqrt(a*a + b*b) + d",
        "-1.1*(a*b) - 0.9*sin(c) + 0.6*exp(-(d*d)) + 1.4*sqrt(a*a + b*b) - a",
        "0.2*(a*b) + 0.3*sin(c) + 0.5*exp(-(d*d)) - 0.7*sqrt(a*a + b*b) - b",
        "0.9*(a*b) - 1.7*sin(c) - 0.8*exp(-(d*d)) + 0.1*sqrt(a*a + b*b) - c",
        "-0.4*(a*b) + 0.5*sin(c) + 1.9*exp(-(d*d)) + 0.6*sqrt(a*a + b*b) - d"},
       {"a", "b", "c", "d"},
       pca8<float>,
       pca8<double>},
  };
  return list;
}

}  // namespace symtorch::bench
