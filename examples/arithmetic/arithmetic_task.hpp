// The arithmetic task the model learns: "a+b=" and "a*b=" over 3-digit operands, one token per
// digit, every number written least significant digit first (the "reversed" format of the
// literature on small arithmetic transformers).
//
// Operands and answers are zero-padded to fixed widths (3 digits; 4 for a sum, 6 for a product),
// so that every prompt has 8 tokens and every answer of an operation has the same length: a
// batch of prompts is then one tensor with no padding or attention mask, and the position of a
// token says which digit it is. Least significant digit first is the order of written addition:
// digit k of the answer needs the operands' digits k (always 7 and 3 positions back from where
// it is predicted) and the carry out of digit k - 1, so a small model trained for minutes
// learns it. Written in the usual order (operands and answer most significant digit first), a
// 2-layer model trained on both operations for 6 CPU-minutes stayed near 1% on addition, and
// with only the answer reversed near 10% after 3 minutes: each digit's operands then sit at a
// distance that differs per digit. The model's remaining errors are about carries, which the analysis looks for.
//
//   tokens: 0-9 the digits, 10 '+', 11 '*', 12 '=', 13 end of answer
//   "7+45=" is  7 0 0 + 5 4 0 =   and its answer 52 is  2 5 0 0 <end>
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

// What a model's generated tokens say. An answer is its digits (least significant first) up to
// the first end token; it is
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
