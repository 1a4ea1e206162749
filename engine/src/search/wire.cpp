#include "wire.hpp"

#include <cstring>
#include <stdexcept>

#include "symtorch/engine/operators.hpp"

namespace symtorch::search_detail {

namespace {
constexpr std::size_t kNodeBytes = 1 + 4 + 8;
constexpr std::size_t kMemberBytes = 4 + 4 * 8 + 8 + 4;  // node count, 4 doubles, birth, complexity
}  // namespace

void WireWriter::expression(const Expression& e) {
  u32(static_cast<std::uint32_t>(e.size()));
  for (const Node& n : e.nodes()) {
    u8(static_cast<std::uint8_t>(n.op));
    u32(n.feature);
    f64(n.value);
  }
}

void WireWriter::member(const Member& m) {
  expression(m.expr);
  f64(m.loss);
  f64(m.cost);
  u32(static_cast<std::uint32_t>(m.complexity));
  u64(m.birth);
  f64(m.scale);
  f64(m.offset);
}

void WireWriter::members(const std::vector<Member>& ms) {
  u32(static_cast<std::uint32_t>(ms.size()));
  for (const auto& m : ms) member(m);
}

void WireWriter::report(const IslandReport& r) {
  members(r.best_seen);
  members(r.top);
  members(r.top_in_view);
  u32(static_cast<std::uint32_t>(r.complexities.size()));
  for (const int c : r.complexities) u32(static_cast<std::uint32_t>(c));
  u8(r.in_view ? 1 : 0);
}

void WireWriter::island(const IslandState& s) {
  members(s.members);
  for (const std::uint64_t w : s.rng.state()) u64(w);
  u64(s.births);
}

void WireWriter::hall_of_fame(const HallOfFame& hof) {
  std::vector<Member> kept;
  for (const auto& slot : hof.slots())
    if (slot) kept.push_back(*slot);
  members(kept);
}

void WireReader::fail(const std::string& why) const {
  throw std::runtime_error(what_ + " is damaged: " + why + " (at byte " + std::to_string(at_) + " of " +
                           std::to_string(bytes_.size()) + ")");
}

void WireReader::raw(void* p, std::size_t n) {
  if (bytes_.size() - at_ < n) fail("it ends early");
  std::memcpy(p, bytes_.data() + at_, n);
  at_ += n;
}

std::uint8_t WireReader::u8() {
  std::uint8_t v = 0;
  raw(&v, sizeof v);
  return v;
}
std::uint32_t WireReader::u32() {
  std::uint32_t v = 0;
  raw(&v, sizeof v);
  return v;
}
std::uint64_t WireReader::u64() {
  std::uint64_t v = 0;
  raw(&v, sizeof v);
  return v;
}
double WireReader::f64() {
  double v = 0;
  raw(&v, sizeof v);
  return v;
}

std::string WireReader::text() {
  const std::uint64_t n = u64();
  if (n > bytes_.size() - at_) fail("a text of " + std::to_string(n) + " bytes is more than the message holds");
  std::string t = bytes_.substr(at_, static_cast<std::size_t>(n));
  at_ += static_cast<std::size_t>(n);
  return t;
}

std::size_t WireReader::count(std::size_t min_item_bytes) {
  const std::uint32_t n = u32();
  if (min_item_bytes > 0 && n > (bytes_.size() - at_) / min_item_bytes)
    fail("a count of " + std::to_string(n) + " is more than the message holds");
  return n;
}

Expression WireReader::expression() {
  const std::size_t n = count(kNodeBytes);
  if (n == 0) fail("an empty expression");
  std::vector<Node> nodes;
  nodes.reserve(n);
  const auto& registry = OperatorRegistry::instance();
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint8_t code = u8();
    const std::uint32_t feature = u32();
    const double value = f64();
    if (code >= registry.size()) fail("an unknown operator code " + std::to_string(code));
    const Op op = static_cast<Op>(code);
    if (op == Op::Const) nodes.push_back(Node::constant(value));
    else if (op == Op::Var) {
      if (feature >= features_) fail("a variable x" + std::to_string(feature) + " beyond the data's " +
                                     std::to_string(features_) + " features");
      nodes.push_back(Node::variable(feature));
    }
    else nodes.push_back(Node::function(op, op_info(op).arity));
  }
  try {
    return Expression(std::move(nodes));
  } catch (const std::invalid_argument& e) {
    fail(std::string("a malformed expression: ") + e.what());
  }
}

Member WireReader::member() {
  Member m;
  m.expr = expression();
  m.loss = f64();
  m.cost = f64();
  m.complexity = static_cast<int>(u32());
  if (m.complexity != m.expr.complexity())
    fail("a member's complexity " + std::to_string(m.complexity) + " is not its expression's (" +
         std::to_string(m.expr.complexity()) + ")");
  m.birth = u64();
  m.scale = f64();
  m.offset = f64();
  return m;
}

std::vector<Member> WireReader::members() {
  const std::size_t n = count(kMemberBytes + kNodeBytes);
  std::vector<Member> out;
  out.reserve(n);
  for (std::size_t k = 0; k < n; ++k) out.push_back(member());
  return out;
}

IslandReport WireReader::report() {
  IslandReport r;
  r.best_seen = members();
  r.top = members();
  r.top_in_view = members();
  const std::size_t n = count(4);
  r.complexities.reserve(n);
  for (std::size_t k = 0; k < n; ++k) r.complexities.push_back(static_cast<int>(u32()));
  const std::uint8_t flag = u8();
  if (flag > 1) fail("a bad view flag");
  r.in_view = flag == 1;
  return r;
}

IslandState WireReader::island() {
  IslandState s;
  s.members = members();
  SearchRng::State state{};
  for (auto& w : state) w = u64();
  s.rng.set_state(state);
  s.births = u64();
  return s;
}

std::vector<Member> WireReader::hall_of_fame(int maxsize) {
  std::vector<Member> out = members();
  for (const auto& m : out)
    if (m.complexity < 1 || m.complexity > maxsize)
      fail("a hall-of-fame member of complexity " + std::to_string(m.complexity) + " (maxsize " +
           std::to_string(maxsize) + ")");
  return out;
}

}  // namespace symtorch::search_detail
