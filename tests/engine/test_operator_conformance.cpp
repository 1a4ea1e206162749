// Operator conformance of the batch interpreter, float and double (tests/common/
// operator_conformance.hpp): every built-in operator alone against the reference evaluator.
#include <doctest/doctest.h>

#include "../common/operator_conformance.hpp"
#include "symtorch/engine/interpreter.hpp"

using namespace symtorch;
using namespace symtorch::testing;

namespace {

template <typename T>
void check_interpreter() {
  Interpreter<T> interpreter;
  for (const Op op : conformance_operators()) {
    const auto rows = conformance_rows<T>(op);
    std::vector<T> x0, x1, out(rows.size());
    for (const auto& r : rows) {
      x0.push_back(static_cast<T>(r[0]));
      x1.push_back(static_cast<T>(r[1]));
    }
    const T* columns[] = {x0.data(), x1.data()};
    interpreter.evaluate(single_operator(op), columns, rows.size(), out);
    const std::vector<double> got(out.begin(), out.end());
    const std::size_t compared = check_against_reference<T>(sizeof(T) == 4 ? "interpreter float" : "interpreter double",
                                                            op, rows, got);
    CHECK_MESSAGE(compared * 2 >= rows.size(), op_info(op).name << ": only " << compared << " of " << rows.size());
  }
}

}  // namespace

TEST_CASE("conformance: every operator in the interpreter equals the reference, double") { check_interpreter<double>(); }
TEST_CASE("conformance: every operator in the interpreter equals the reference, float") { check_interpreter<float>(); }
