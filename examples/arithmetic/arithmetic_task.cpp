#include "arithmetic_task.hpp"

#include <algorithm>
#include <stdexcept>

namespace symtorch::examples::arithmetic {

const char* name(Operation op) { return op == Operation::Add ? "addition" : "multiplication"; }
const char* symbol(Operation op) { return op == Operation::Add ? "+" : "*"; }

Operation parse_operation(const std::string& text) {
  if (text == "add" || text == "+" || text == "addition") return Operation::Add;
  if (text == "mul" || text == "*" || text == "multiplication") return Operation::Mul;
  throw std::invalid_argument("unknown operation '" + text + "' (expected add or mul)");
}

int answer_digits(Operation op) { return op == Operation::Add ? 4 : 6; }

std::int64_t exact(Operation op, int a, int b) {
  return op == Operation::Add ? std::int64_t{a} + b : std::int64_t{a} * b;
}

namespace {

void append_digits(std::vector<std::int64_t>& out, std::int64_t value, int digits) {
  std::int64_t scale = 1;
  for (int k = 1; k < digits; ++k) scale *= 10;
  for (; scale > 0; scale /= 10) out.push_back((value / scale) % 10);
}

void check_operand(int v, const char* which) {
  if (v < 0 || v > kMaxOperand)
    throw std::invalid_argument(std::string("operand ") + which + " = " + std::to_string(v) +
                                " is outside [0, " + std::to_string(kMaxOperand) + "]");
}

}  // namespace

std::vector<std::int64_t> prompt_tokens(Operation op, int a, int b) {
  check_operand(a, "a");
  check_operand(b, "b");
  std::vector<std::int64_t> t;
  t.reserve(kPromptTokens);
  append_digits(t, a, kOperandDigits);
  std::reverse(t.begin(), t.end());  // least significant digit first
  t.push_back(op == Operation::Add ? kPlus : kTimes);
  append_digits(t, b, kOperandDigits);
  std::reverse(t.begin() + kOperandDigits + 1, t.end());
  t.push_back(kEquals);
  return t;
}

std::vector<std::int64_t> answer_token_ids(Operation op, int a, int b) {
  check_operand(a, "a");
  check_operand(b, "b");
  std::vector<std::int64_t> t;
  append_digits(t, exact(op, a, b), answer_digits(op));
  std::reverse(t.begin(), t.end());  // least significant digit first
  t.push_back(kEnd);
  return t;
}

std::string token_text(std::span<const std::int64_t> tokens) {
  std::string s;
  for (const auto t : tokens) {
    if (t >= 0 && t <= 9) s += static_cast<char>('0' + t);
    else if (t == kPlus) s += '+';
    else if (t == kTimes) s += '*';
    else if (t == kEquals) s += '=';
    else if (t == kEnd) s += '$';
    else s += '?';
  }
  return s;
}

ParsedAnswer parse_answer(std::span<const std::int64_t> generated) {
  ParsedAnswer p;
  std::int64_t value = 0, scale = 1;
  int digits = 0;
  std::size_t end = 0;
  for (; end < generated.size() && generated[end] != kEnd; ++end) {
    const auto t = generated[end];
    if (t < 0 || t > 9 || digits >= 18) {  // 18 digits: no overflow of int64
      p.text = token_text(generated);
      return p;
    }
    value += t * scale;  // least significant digit first
    scale *= 10;
    ++digits;
  }
  p.text = token_text(generated.first(std::min(end + 1, generated.size())));
  if (end == generated.size() || digits == 0) return p;
  p.value = value;
  return p;
}

}  // namespace symtorch::examples::arithmetic
