// Binary messages between the ranks of a distributed search (search_cluster.hpp): members as
// serialised postfix expressions (op code, feature, constant per node) with their losses, bit
// for bit, so that a synchronous search on several ranks is the single-process search. The byte
// order is the host's: the ranks of one job are assumed to share an architecture, as on every
// cluster MPI targets. Reading checks every count and code and throws std::runtime_error naming
// what is wrong, so a damaged message is refused, never trusted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "barrier.hpp"
#include "search_state.hpp"

namespace symtorch::search_detail {

class WireWriter {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { raw(&v, sizeof v); }
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void text(const std::string& t) {
    u64(t.size());
    out_ += t;
  }
  void expression(const Expression& e);
  void member(const Member& m);
  void members(const std::vector<Member>& ms);
  void report(const IslandReport& r);
  void island(const IslandState& s);
  void hall_of_fame(const HallOfFame& hof);
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void raw(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string out_;
};

class WireReader {
 public:
  // `what` names the message in errors ("a report from rank 1"); variables index below
  // `features`.
  WireReader(const std::string& bytes, std::string what, std::size_t features)
      : bytes_(bytes), what_(std::move(what)), features_(features) {}
  std::uint8_t u8();
  std::uint32_t u32();
  std::uint64_t u64();
  double f64();
  std::string text();
  // A count of items that each take at least `min_item_bytes`, checked against what is left.
  std::size_t count(std::size_t min_item_bytes);
  Expression expression();
  Member member();
  std::vector<Member> members();
  IslandReport report();
  IslandState island();
  // Members of a hall of fame (its non-empty slots), complexity checked against `maxsize`.
  std::vector<Member> hall_of_fame(int maxsize);
  bool done() const { return at_ == bytes_.size(); }
  [[noreturn]] void fail(const std::string& why) const;

 private:
  void raw(void* p, std::size_t n);
  const std::string& bytes_;
  std::string what_;
  std::size_t features_;
  std::size_t at_ = 0;
};

}  // namespace symtorch::search_detail
