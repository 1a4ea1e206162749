// Infix parser: a tokenizer and an operator-precedence (shunting-yard) parser that emits the
// postfix node array directly. It keeps an explicit operator stack instead of recursing, so deeply
// nested text cannot overflow the call stack.
#include "symtorch/engine/parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

namespace symtorch {

ParseError::ParseError(const std::string& message, std::size_t column, std::string token)
    : std::runtime_error(message), column_(column), token_(std::move(token)) {}

namespace {

enum class TokenKind { Number, Identifier, Plus, Minus, Star, Slash, Caret, LParen, RParen, Comma, End };

struct Token {
  TokenKind kind = TokenKind::End;
  std::string_view text;
  std::size_t column = 0;  // 1-based
  double value = 0.0;      // for numbers
};

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

// Appends rather than `"'" + std::string(...)`, which trips GCC 12's false -Wrestrict warning.
std::string quoted(std::string_view s) {
  std::string r;
  r.reserve(s.size() + 2);
  r += '\'';
  r += s;
  r += '\'';
  return r;
}

std::string describe(const Token& t) {
  return t.kind == TokenKind::End ? std::string("end of input") : quoted(t.text);
}

[[noreturn]] void fail(const std::string& message, const Token& t) {
  throw ParseError(message, t.column, t.kind == TokenKind::End ? std::string() : std::string(t.text));
}

// Scans a numeric literal starting at `begin` (a digit, or '.' before a digit). The span is the
// maximal run of characters that could continue a literal, so "1.2.3" or "2x" are reported whole.
Token scan_number(std::string_view text, std::size_t begin) {
  const bool hex = text.size() > begin + 1 && text[begin] == '0' && (text[begin + 1] == 'x' || text[begin + 1] == 'X');
  std::size_t i = begin + (hex ? 2 : 0);
  while (i < text.size()) {
    const char c = text[i];
    if (is_ident_char(c) || c == '.') {
      ++i;
    } else if ((c == '+' || c == '-') && i > begin) {
      const char prev = text[i - 1];
      const bool exponent = hex ? (prev == 'p' || prev == 'P') : (prev == 'e' || prev == 'E');
      if (!exponent) break;
      ++i;
    } else {
      break;
    }
  }
  Token t{TokenKind::Number, text.substr(begin, i - begin), begin + 1, 0.0};
  const char* first = text.data() + begin + (hex ? 2 : 0);
  const char* last = text.data() + i;
  std::from_chars_result r{};
  // from_chars in hex mode also reads "nan" and "inf", which would let "0xnan" through.
  if (hex && (first == last || !(std::isxdigit(static_cast<unsigned char>(*first)) || *first == '.'))) {
    r = {first, std::errc::invalid_argument};
  } else {
    r = std::from_chars(first, last, t.value, hex ? std::chars_format::hex : std::chars_format::general);
  }
  if (r.ec == std::errc::result_out_of_range)
    fail("number '" + std::string(t.text) + "' at column " + std::to_string(t.column) +
             " is outside the range of double",
         t);
  if (r.ec != std::errc() || r.ptr != last)
    fail("malformed number '" + std::string(t.text) + "' at column " + std::to_string(t.column), t);
  return t;
}

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (is_digit(c) || (c == '.' && i + 1 < text.size() && is_digit(text[i + 1]))) {
      tokens.push_back(scan_number(text, i));
      i += tokens.back().text.size();
      continue;
    }
    if (is_ident_start(c)) {
      std::size_t j = i + 1;
      while (j < text.size() && is_ident_char(text[j])) ++j;
      tokens.push_back({TokenKind::Identifier, text.substr(i, j - i), i + 1, 0.0});
      i = j;
      continue;
    }
    TokenKind kind{};
    std::size_t len = 1;
    switch (c) {
      case '+': kind = TokenKind::Plus; break;
      case '-': kind = TokenKind::Minus; break;
      case '*':
        kind = TokenKind::Star;
        if (i + 1 < text.size() && text[i + 1] == '*') {
          kind = TokenKind::Caret;
          len = 2;
        }
        break;
      case '/': kind = TokenKind::Slash; break;
      case '^': kind = TokenKind::Caret; break;
      case '(': kind = TokenKind::LParen; break;
      case ')': kind = TokenKind::RParen; break;
      case ',': kind = TokenKind::Comma; break;
      default: {
        // Quote a whole UTF-8 sequence, not a lone lead byte, so the message stays valid text.
        const auto lead = static_cast<unsigned char>(c);
        const std::size_t len_utf8 = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        Token bad{TokenKind::Identifier, text.substr(i, std::min(len_utf8, text.size() - i)), i + 1, 0.0};
        fail("unexpected character '" + std::string(bad.text) + "' at column " + std::to_string(bad.column), bad);
      }
    }
    tokens.push_back({kind, text.substr(i, len), i + 1, 0.0});
    i += len;
  }
  tokens.push_back({TokenKind::End, std::string_view(), text.size() + 1, 0.0});
  return tokens;
}

// Entries of the operator stack.
struct Pending {
  enum Kind { Binary, Negate, Paren, Call } kind;
  Op op = Op::Const;
  int arity = 0;  // for calls: the operator's arity
  int args = 0;   // for calls: operands seen so far (commas + 1)
  Token token;    // where it started, for error messages
};

constexpr int kAddPrecedence = 1;
constexpr int kMulPrecedence = 2;
constexpr int kNegPrecedence = 3;
constexpr int kPowPrecedence = 4;

int precedence(const Pending& p) {
  if (p.kind == Pending::Negate) return kNegPrecedence;
  switch (p.op) {
    case Op::Add:
    case Op::Sub: return kAddPrecedence;
    case Op::Mul:
    case Op::Div: return kMulPrecedence;
    default: return kPowPrecedence;
  }
}

std::optional<Op> binary_op(TokenKind k) {
  switch (k) {
    case TokenKind::Plus: return Op::Add;
    case TokenKind::Minus: return Op::Sub;
    case TokenKind::Star: return Op::Mul;
    case TokenKind::Slash: return Op::Div;
    case TokenKind::Caret: return Op::Pow;
    default: return std::nullopt;
  }
}

class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>& variables)
      : tokens_(tokenize(text)), variables_(variables) {
    for (std::size_t k = 0; k < variables.size(); ++k) {
      const std::string& name = variables[k];
      if (name == "inf" || name == "nan")
        throw std::invalid_argument("variable name '" + name + "' is reserved for a constant");
      if (!index_.emplace(name, static_cast<std::uint32_t>(k)).second)
        throw std::invalid_argument("variable name '" + name + "' appears twice");
    }
  }

  Expression parse() {
    std::size_t i = 0;
    bool expect_operand = true;
    while (true) {
      const Token& t = tokens_[i];
      if (expect_operand) {
        just_opened_ = false;
        i = operand(i);
        expect_operand = just_opened_;
        continue;
      }
      if (auto op = binary_op(t.kind)) {
        const Pending incoming{Pending::Binary, *op, 2, 0, t};
        const int p = precedence(incoming);
        const bool right_assoc = *op == Op::Pow;
        while (!stack_.empty() && (stack_.back().kind == Pending::Binary || stack_.back().kind == Pending::Negate)) {
          const int q = precedence(stack_.back());
          if (q > p || (q == p && !right_assoc)) pop_emit();
          else break;
        }
        stack_.push_back(incoming);
        expect_operand = true;
        ++i;
        continue;
      }
      if (t.kind == TokenKind::RParen) {
        close_group(t);
        ++i;
        continue;
      }
      if (t.kind == TokenKind::Comma) {
        pop_operators();
        if (stack_.empty() || stack_.back().kind != Pending::Call)
          fail("unexpected ',' at column " + std::to_string(t.column), t);
        Pending& call = stack_.back();
        if (++call.args > call.arity)
          fail("too many arguments for '" + std::string(call.token.text) + "' at column " + std::to_string(t.column) +
                   " (it takes " + std::to_string(call.arity) + ")",
               t);
        expect_operand = true;
        ++i;
        continue;
      }
      if (t.kind == TokenKind::End) {
        pop_operators();
        if (!stack_.empty())
          fail("expected ')' at column " + std::to_string(t.column) + ", got end of input", t);
        return Expression(std::move(nodes_));
      }
      const Pending* group = innermost_group();
      std::string expected = "an operator";
      if (!group) expected += " or end of input";
      else if (group->kind == Pending::Call && group->args < group->arity) expected += ", ',' or ')'";
      else expected += " or ')'";
      fail("expected " + expected + " at column " + std::to_string(t.column) + ", got " + describe(t), t);
    }
  }

 private:
  // Handles the tokens of one operand position starting at i; returns the next token index.
  // Sets just_opened_ when it pushed '(' / a call / a negation, i.e. still expects an operand.
  std::size_t operand(std::size_t i) {
    const Token& t = tokens_[i];
    switch (t.kind) {
      case TokenKind::Number:
        emit(Node::constant(t.value), t);
        return i + 1;
      case TokenKind::Minus: {
        const Token& next = tokens_[i + 1];
        const bool literal = next.kind == TokenKind::Number ||
                             (next.kind == TokenKind::Identifier && (next.text == "inf" || next.text == "nan") &&
                              tokens_[i + 2].kind != TokenKind::LParen);
        if (literal && tokens_[i + 2].kind != TokenKind::Caret) {
          emit(Node::constant(-literal_value(next)), t);
          return i + 2;
        }
        stack_.push_back({Pending::Negate, Op::Neg, 1, 0, t});
        just_opened_ = true;
        return i + 1;
      }
      case TokenKind::LParen:
        stack_.push_back({Pending::Paren, Op::Const, 0, 0, t});
        just_opened_ = true;
        return i + 1;
      case TokenKind::Identifier: {
        if (tokens_[i + 1].kind == TokenKind::LParen) {
          const auto op = OperatorRegistry::instance().find(t.text);
          if (!op) fail("unknown function '" + std::string(t.text) + "' at column " + std::to_string(t.column), t);
          const int arity = op_info(*op).arity;
          stack_.push_back({Pending::Call, *op, arity, 1, t});
          just_opened_ = true;
          return i + 2;
        }
        if (auto feature = lookup_variable(t.text)) {
          emit(Node::variable(*feature), t);
          return i + 1;
        }
        if (t.text == "inf" || t.text == "nan") {
          emit(Node::constant(literal_value(t)), t);
          return i + 1;
        }
        if (t.text == "pi") {  // unless a variable is named so (looked up above)
          emit(Node::constant(std::numbers::pi), t);
          return i + 1;
        }
        fail("unknown variable '" + std::string(t.text) + "' at column " + std::to_string(t.column), t);
      }
      default:
        fail("expected an operand at column " + std::to_string(t.column) + ", got " + describe(t), t);
    }
  }

  static double literal_value(const Token& t) {
    if (t.kind == TokenKind::Number) return t.value;
    return t.text == "inf" ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  }

  std::optional<std::uint32_t> lookup_variable(std::string_view name) const {
    if (!variables_.empty()) {
      auto it = index_.find(std::string(name));
      if (it == index_.end()) return std::nullopt;
      return it->second;
    }
    if (name.size() < 2 || name[0] != 'x') return std::nullopt;
    if (name.size() > 2 && name[1] == '0') return std::nullopt;  // only the canonical spelling
    std::uint32_t k = 0;
    const auto r = std::from_chars(name.data() + 1, name.data() + name.size(), k);
    if (r.ec != std::errc() || r.ptr != name.data() + name.size()) return std::nullopt;
    return k;
  }

  void emit(const Node& n, const Token& where) {
    if (nodes_.size() >= 65535)
      fail("expression has more than 65535 nodes at column " + std::to_string(where.column), where);
    nodes_.push_back(n);
  }

  void pop_emit() {
    const Pending p = stack_.back();
    stack_.pop_back();
    emit(Node::function(p.op, p.kind == Pending::Negate ? 1 : p.arity), p.token);
  }

  // Emits pending binary operators and negations down to the innermost '(' or call.
  void pop_operators() {
    while (!stack_.empty() && (stack_.back().kind == Pending::Binary || stack_.back().kind == Pending::Negate))
      pop_emit();
  }

  void close_group(const Token& t) {
    pop_operators();
    if (stack_.empty()) fail("unmatched ')' at column " + std::to_string(t.column), t);
    const Pending group = stack_.back();
    stack_.pop_back();
    if (group.kind == Pending::Call) {
      if (group.args != group.arity)
        fail("'" + std::string(group.token.text) + "' at column " + std::to_string(group.token.column) + " takes " +
                 std::to_string(group.arity) + (group.arity == 1 ? " argument" : " arguments") + ", got " +
                 std::to_string(group.args) + " (')' at column " + std::to_string(t.column) + ")",
             group.token);
      emit(Node::function(group.op, group.arity), group.token);
    }
  }

  const Pending* innermost_group() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      if (it->kind == Pending::Paren || it->kind == Pending::Call) return &*it;
    return nullptr;
  }

  std::vector<Token> tokens_;
  const std::vector<std::string>& variables_;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<Pending> stack_;
  std::vector<Node> nodes_;
  bool just_opened_ = false;
};

}  // namespace

Expression parse_expression(std::string_view text, const std::vector<std::string>& variables) {
  Parser parser(text, variables);
  return parser.parse();
}

}  // namespace symtorch
