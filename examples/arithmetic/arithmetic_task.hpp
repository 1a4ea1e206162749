// The arithmetic task the model learns: "a+b=" and "a*b=" over 3-digit operands, one token per
// digit, the answer written most significant digit first.
//
// Operands and answers are zero-padded to fixed widths (3 digits; 4 for a sum, 6 for a product),
// so that every prompt has 8 tokens and every answer of an operation has the same length: a
// batch of prompts is then one tensor with no padding or attention mask, and the position of a
// token says which digit it is. Most significant digit first makes the task hard in the way
// that shows in models' errors: the first digit of a sum depends on carries from every digit
// below it, which the model has to anticipate before writing any of them.
//
//   tokens: 0-9 the digits, 10 '+', 11 '*', 12 '=', 13 end of answer
//   "7+45=" is  0 0 7 + 0 4 5 =   and its answer 0 0 5 2 <end>
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace symtorch::examples::arithmetic {

enum class Operation { Add, Mul };
inline constexpr Operation kOperations[] = {Operation::Add, Operation::Mul};
const char* name(Operation op);    // "addition", "multiplication"
const char* symbol(Operation op);  // "+", "*"
// "add" / "mul" (also accepted: "+", "*", the names). Throws std::invalid_argument naming the text.
Operation parse_operation(const std::string& text);

inline constexpr std::int64_t kPlus = 10, kTimes = 11, kEquals = 12, kEnd = 13, kVocabularySize = 14;
inline constexpr int kOperandDigits = 3;
inline constexpr int kMaxOperand = 999;
inline constexpr int kPromptTokens = 2 * kOperandDigits + 2;
int answer_digits(Operation op);  // 4 or 6
// Answer digits plus the end token: the length of a training sequence's answer part.
inline int answer_tokens(Operation op) { return answer_digits(op) + 1; }

std::int64_t exact(Operation op, int a, int b);

// Throws std::invalid_argument naming the operand when a or b is outside [0, 999].
std::vector<std::int64_t> prompt_tokens(Operation op, int a, int b);
// The exact answer's tokens, end token included.
std::vector<std::int64_t> answer_token_ids(Operation op, int a, int b);

// What a model's generated tokens say. An answer is its digits up to the first end token; it is
// malformed when no end token comes, when anything but a digit comes before it, or when there is
// no digit at all (`text` then shows what was generated).
struct ParsedAnswer {
  std::optional<std::int64_t> value;
  std::string text;  // the generated tokens as characters ('$' for the end token)
};
ParsedAnswer parse_answer(std::span<const std::int64_t> generated);

std::string token_text(std::span<const std::int64_t> tokens);

struct Pair {
  int a = 0, b = 0;
};

}  // namespace symtorch::examples::arithmetic
