// Vectorised transcendental functions for the interpreter, through SLEEF at the widest vector
// width the build targets. SLEEF's u10 functions are within 1 ulp and follow C99 Annex F on
// special values (exp(-inf) = 0, pow(-inf, 3) = -inf, ...), which Eigen's packet math does not
// always do; the interpreter's results must match the scalar reference semantics.
// The tail of a block (len % width rows) goes through a padded vector, so every row is
// computed by the same code.
#pragma once

#include <immintrin.h>
#include <sleef.h>

#include <algorithm>
#include <cstddef>

namespace symtorch::vecmath {

enum class Fn { Sin, Cos, Tan, Tanh, Exp, Log };

#if defined(__AVX512F__)
struct F32 { using V = __m512; static constexpr std::size_t W = 16;
  static V load(const float* p) { return _mm512_loadu_ps(p); } static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V sin(V x) { return Sleef_sinf16_u10(x); } static V cos(V x) { return Sleef_cosf16_u10(x); }
  static V tan(V x) { return Sleef_tanf16_u10(x); } static V tanh(V x) { return Sleef_tanhf16_u10(x); }
  static V exp(V x) { return Sleef_expf16_u10(x); } static V log(V x) { return Sleef_logf16_u10(x); }
  static V pow(V x, V y) { return Sleef_powf16_u10(x, y); } };
struct F64 { using V = __m512d; static constexpr std::size_t W = 8;
  static V load(const double* p) { return _mm512_loadu_pd(p); } static void store(double* p, V v) { _mm512_storeu_pd(p, v); }
  static V sin(V x) { return Sleef_sind8_u10(x); } static V cos(V x) { return Sleef_cosd8_u10(x); }
  static V tan(V x) { return Sleef_tand8_u10(x); } static V tanh(V x) { return Sleef_tanhd8_u10(x); }
  static V exp(V x) { return Sleef_expd8_u10(x); } static V log(V x) { return Sleef_logd8_u10(x); }
  static V pow(V x, V y) { return Sleef_powd8_u10(x, y); } };
#elif defined(__AVX2__) || defined(__AVX__)
struct F32 { using V = __m256; static constexpr std::size_t W = 8;
  static V load(const float* p) { return _mm256_loadu_ps(p); } static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V sin(V x) { return Sleef_sinf8_u10(x); } static V cos(V x) { return Sleef_cosf8_u10(x); }
  static V tan(V x) { return Sleef_tanf8_u10(x); } static V tanh(V x) { return Sleef_tanhf8_u10(x); }
  static V exp(V x) { return Sleef_expf8_u10(x); } static V log(V x) { return Sleef_logf8_u10(x); }
  static V pow(V x, V y) { return Sleef_powf8_u10(x, y); } };
struct F64 { using V = __m256d; static constexpr std::size_t W = 4;
  static V load(const double* p) { return _mm256_loadu_pd(p); } static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
  static V sin(V x) { return Sleef_sind4_u10(x); } static V cos(V x) { return Sleef_cosd4_u10(x); }
  static V tan(V x) { return Sleef_tand4_u10(x); } static V tanh(V x) { return Sleef_tanhd4_u10(x); }
  static V exp(V x) { return Sleef_expd4_u10(x); } static V log(V x) { return Sleef_logd4_u10(x); }
  static V pow(V x, V y) { return Sleef_powd4_u10(x, y); } };
#else
struct F32 { using V = __m128; static constexpr std::size_t W = 4;
  static V load(const float* p) { return _mm_loadu_ps(p); } static void store(float* p, V v) { _mm_storeu_ps(p, v); }
  static V sin(V x) { return Sleef_sinf4_u10(x); } static V cos(V x) { return Sleef_cosf4_u10(x); }
  static V tan(V x) { return Sleef_tanf4_u10(x); } static V tanh(V x) { return Sleef_tanhf4_u10(x); }
  static V exp(V x) { return Sleef_expf4_u10(x); } static V log(V x) { return Sleef_logf4_u10(x); }
  static V pow(V x, V y) { return Sleef_powf4_u10(x, y); } };
struct F64 { using V = __m128d; static constexpr std::size_t W = 2;
  static V load(const double* p) { return _mm_loadu_pd(p); } static void store(double* p, V v) { _mm_storeu_pd(p, v); }
  static V sin(V x) { return Sleef_sind2_u10(x); } static V cos(V x) { return Sleef_cosd2_u10(x); }
  static V tan(V x) { return Sleef_tand2_u10(x); } static V tanh(V x) { return Sleef_tanhd2_u10(x); }
  static V exp(V x) { return Sleef_expd2_u10(x); } static V log(V x) { return Sleef_logd2_u10(x); }
  static V pow(V x, V y) { return Sleef_powd2_u10(x, y); } };
#endif

template <typename T>
using Traits = std::conditional_t<sizeof(T) == 4, F32, F64>;

template <typename T>
inline typename Traits<T>::V apply(Fn fn, typename Traits<T>::V x) {
  using Tr = Traits<T>;
  switch (fn) {
    case Fn::Sin: return Tr::sin(x);
    case Fn::Cos: return Tr::cos(x);
    case Fn::Tan: return Tr::tan(x);
    case Fn::Tanh: return Tr::tanh(x);
    case Fn::Exp: return Tr::exp(x);
    default: return Tr::log(x);
  }
}

template <typename T>
void unary(Fn fn, const T* a, T* out, std::size_t len) {
  using Tr = Traits<T>;
  std::size_t r = 0;
  for (; r + Tr::W <= len; r += Tr::W) Tr::store(out + r, apply<T>(fn, Tr::load(a + r)));
  if (r < len) {
    alignas(64) T buf[Tr::W] = {};
    std::copy(a + r, a + len, buf);
    Tr::store(buf, apply<T>(fn, Tr::load(buf)));
    std::copy(buf, buf + (len - r), out + r);
  }
}

template <typename T>
void pow(const T* a, const T* b, T* out, std::size_t len) {
  using Tr = Traits<T>;
  std::size_t r = 0;
  for (; r + Tr::W <= len; r += Tr::W) Tr::store(out + r, Tr::pow(Tr::load(a + r), Tr::load(b + r)));
  if (r < len) {
    alignas(64) T ba[Tr::W] = {}, bb[Tr::W] = {};
    std::copy(a + r, a + len, ba);
    std::copy(b + r, b + len, bb);
    Tr::store(ba, Tr::pow(Tr::load(ba), Tr::load(bb)));
    std::copy(ba, ba + (len - r), out + r);
  }
}

}  // namespace symtorch::vecmath
