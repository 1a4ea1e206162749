// The native JIT's property: for an expression that parses, the kernel compiled from it (float
// and double) and the batch interpreter both equal the bounded reference evaluator on every row
// where its bound is trustworthy (tests/common/bounded_reference.hpp: within 2E of the
// reference, the bound E built from the operations' ulp errors; the same NaN/+-inf class where
// the exact result is non-finite). This is the rule tests/jit/test_native_random.cpp applies to
// random trees; here the trees and the data come from the fuzzer.
//
// Input: the expression text (variables x0, x1, x2) up to the first newline; each byte after it
// is one data value: bytes 0-13 pick a domain edge (NaN, +-inf, +-0, +-1, pi, overflow of exp
// and of squares in the type, a subnormal), the others a point of a grid on [-4, 4]. Values
// fill rows of three columns; at least 19 rows are made (repeating the values), so that a
// vector body and a scalar tail run for every vector width.
#pragma once

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "../tests/common/bounded_reference.hpp"
#include "property_violation.hpp"
#include "symtorch/engine/interpreter.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/jit/native_kernel.hpp"

namespace symtorch::fuzz {

namespace jit_detail {

constexpr std::uint32_t kInputs = 3;

template <typename T>
double data_value(unsigned char b) {
  const bool single = sizeof(T) == 4;
  const double edges[] = {std::numeric_limits<double>::quiet_NaN(),
                          std::numeric_limits<double>::infinity(),
                          -std::numeric_limits<double>::infinity(),
                          0.0, -0.0, 1.0, -1.0, 3.141592653589793,
                          single ? 90.0 : 710.0, single ? -104.0 : -746.0,
                          single ? 1e30 : 1e300, single ? -1e30 : -1e300,
                          single ? 1e-40 : 1e-310, 0.5};
  constexpr unsigned kEdges = sizeof(edges) / sizeof(edges[0]);
  if (b < kEdges) return edges[b];
  return -4.0 + 8.0 * (b - kEdges) / (255.0 - kEdges);
}

// Throws PropertyViolation at the first row where `got` (from `who`) differs from the bounded
// reference of `e` on `columns`.
template <typename T>
void check_against_reference(const Expression& e, const std::vector<std::vector<T>>& columns, const std::vector<T>& got,
                             const std::string& who) {
  testing::BoundedReference<T> bounded;
  std::vector<double> row(columns.size());
  for (std::size_t r = 0; r < got.size(); ++r) {
    for (std::size_t k = 0; k < columns.size(); ++k) row[k] = static_cast<double>(columns[k][r]);
    const testing::Bounded ref = bounded.evaluate(e, row);
    if (!ref.stable()) continue;
    const double value = static_cast<double>(got[r]);
    const bool ok = std::isfinite(ref.v) ? std::isfinite(value) && std::fabs(value - ref.v) <= 2.0 * ref.e
                                         : (std::isnan(ref.v) ? std::isnan(value) : value == ref.v);
    if (!ok) {
      std::string at;
      for (std::size_t k = 0; k < row.size(); ++k) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s%.17g", k ? ", " : "", row[k]);
        at += buf;
      }
      char buf[160];
      std::snprintf(buf, sizeof buf, "): got %.17g, reference %.17g, bound %.3g", value, ref.v, ref.e);
      throw PropertyViolation(who + " differs from the reference for '" + to_string(e) + "' at (" + at + buf);
    }
  }
}

template <typename T>
std::vector<std::vector<T>> make_columns(std::string_view data) {
  std::vector<std::vector<T>> columns(kInputs);
  const std::size_t values = std::max<std::size_t>(data.size(), 1);
  const std::size_t rows = std::max<std::size_t>(19, (values + kInputs - 1) / kInputs);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::uint32_t k = 0; k < kInputs; ++k) {
      const std::size_t i = (r * kInputs + k) % values;
      const unsigned char b = data.empty() ? static_cast<unsigned char>(14 + 37 * i) : static_cast<unsigned char>(data[i]);
      columns[k].push_back(static_cast<T>(data_value<T>(b)));
    }
  return columns;
}

template <typename T>
void check_type(const Expression& e, std::string_view data, jit::ScalarType type) {
  const auto columns = make_columns<T>(data);
  const std::size_t rows = columns[0].size();
  std::vector<const T*> in;
  for (const auto& c : columns) in.push_back(c.data());

  jit::KernelSpec spec;
  spec.type = type;
  spec.equations.num_inputs = kInputs;
  spec.equations.outputs.push_back(e);
  jit::CompileOptions options;
  options.use_cache = false;  // every input would add an object to the disk cache
  const jit::NativeKernel kernel = jit::NativeKernel::compile(spec, options);
  std::vector<T> native(rows, T(-12345)), interpreted(rows);
  T* out = native.data();
  kernel.run(in.data(), &out, static_cast<std::int64_t>(rows));
  Interpreter<T> interpreter;
  interpreter.evaluate(e, std::span<const T* const>(in), rows, std::span<T>(interpreted));
  const std::string type_name(jit::c_type_name(type));
  check_against_reference(e, columns, native, "native " + type_name + " kernel");
  check_against_reference(e, columns, interpreted, type_name + " interpreter");
}

}  // namespace jit_detail

inline void check_jit_input(std::string_view bytes) {
  const std::size_t newline = bytes.find('\n');
  const std::string_view text = bytes.substr(0, newline);
  const std::string_view data = newline == std::string_view::npos ? std::string_view{} : bytes.substr(newline + 1);
  Expression e;
  try {
    e = parse_expression(text);
  } catch (const ParseError&) {
    return;
  }
  if (e.max_feature() > jit_detail::kInputs) return;
  jit_detail::check_type<double>(e, data, jit::ScalarType::Float64);
  jit_detail::check_type<float>(e, data, jit::ScalarType::Float32);
}

}  // namespace symtorch::fuzz
