// run_spread (search_cluster.hpp): results as messages. A front is sent as its members; the
// receiving rank rebuilds it with ParetoFront::from_candidates, which keeps every member of a
// front and recomputes the same scores, so it is the sender's front bit for bit.
#include <limits>
#include <stdexcept>

#include "symtorch/engine/search_cluster.hpp"
#include "symtorch/engine/operators.hpp"
#include "wire.hpp"

namespace symtorch {

namespace search_detail {
namespace {

void write_ops(WireWriter& out, const std::vector<Op>& ops) {
  out.u32(static_cast<std::uint32_t>(ops.size()));
  for (const Op op : ops) out.u8(static_cast<std::uint8_t>(op));
}

std::vector<Op> read_ops(WireReader& in) {
  const std::size_t n = in.count(1);
  std::vector<Op> ops;
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint8_t code = in.u8();
    if (code >= OperatorRegistry::instance().size()) in.fail("an unknown operator code");
    ops.push_back(static_cast<Op>(code));
  }
  return ops;
}

void write_texts(WireWriter& out, const std::vector<std::string>& texts) {
  out.u32(static_cast<std::uint32_t>(texts.size()));
  for (const auto& t : texts) out.text(t);
}

std::vector<std::string> read_texts(WireReader& in) {
  const std::size_t n = in.count(8);
  std::vector<std::string> out;
  for (std::size_t k = 0; k < n; ++k) out.push_back(in.text());
  return out;
}

std::string encode_result(const SearchResult& r) {
  WireWriter out;
  out.u8(1);  // a result
  out.u32(static_cast<std::uint32_t>(r.front.size()));
  for (const auto& m : r.front.members()) {
    out.expression(m.expression);
    out.u32(static_cast<std::uint32_t>(m.complexity));
    out.f64(m.loss);
  }
  out.f64(r.front.loss_floor());
  out.f64(r.front.samples());
  out.u8(r.front.operators().is_everything() ? 1 : 0);
  write_ops(out, r.front.operators().binary());
  write_ops(out, r.front.operators().unary());
  out.u64(r.chosen);
  out.u8(static_cast<std::uint8_t>(r.selection.rule));
  out.f64(r.selection.tolerance);
  out.u32(static_cast<std::uint32_t>(r.selection.complexity));
  const SearchStats& s = r.stats;
  out.u32(static_cast<std::uint32_t>(s.iterations));
  out.u64(s.evaluations);
  out.u64(s.cache_lookups);
  out.u64(s.cache_hits);
  out.f64(s.seconds);
  out.f64(s.cpu_seconds);
  out.u8(static_cast<std::uint8_t>(s.stop_reason));
  write_texts(out, s.merged_variables);
  write_texts(out, s.views_searched);
  write_texts(out, r.variable_names);
  out.text(r.target_name);
  return out.take();
}

SearchResult decode_result(const std::string& bytes, int source) {
  WireReader in(bytes, "a search result from rank " + std::to_string(source), std::numeric_limits<std::uint32_t>::max());
  if (in.u8() != 1) in.fail("not a search result");
  SearchResult r;
  std::vector<FrontMember> members(in.count(4 + 13 + 12));
  for (auto& m : members) {
    m.expression = in.expression();
    m.complexity = static_cast<int>(in.u32());
    m.loss = in.f64();
  }
  const double floor = in.f64(), samples = in.f64();
  const std::uint8_t everything = in.u8();
  const std::vector<Op> binary = read_ops(in), unary = read_ops(in);
  const std::size_t front_size = members.size();
  r.front = ParetoFront::from_candidates(std::move(members), floor, samples);
  if (r.front.size() != front_size) in.fail("its members are not a front");
  r.front.set_operators(everything ? OperatorSet::all() : OperatorSet(binary, unary));
  r.chosen = static_cast<std::size_t>(in.u64());
  if (r.chosen >= r.front.size()) in.fail("the chosen member is not on the front");
  const std::uint8_t rule = in.u8();
  if (rule > static_cast<std::uint8_t>(SelectionRule::Bic)) in.fail("an unknown selection rule");
  r.selection.rule = static_cast<SelectionRule>(rule);
  r.selection.tolerance = in.f64();
  r.selection.complexity = static_cast<int>(in.u32());
  SearchStats& s = r.stats;
  s.iterations = static_cast<int>(in.u32());
  s.evaluations = in.u64();
  s.cache_lookups = in.u64();
  s.cache_hits = in.u64();
  s.seconds = in.f64();
  s.cpu_seconds = in.f64();
  const std::uint8_t reason = in.u8();
  if (reason > static_cast<std::uint8_t>(StopReason::Requested)) in.fail("an unknown stop reason");
  s.stop_reason = static_cast<StopReason>(reason);
  s.merged_variables = read_texts(in);
  s.views_searched = read_texts(in);
  r.variable_names = read_texts(in);
  r.target_name = in.text();
  if (!in.done()) in.fail("bytes after its end");
  return r;
}

}  // namespace
}  // namespace search_detail

std::vector<SearchResult> run_spread(SearchCluster& cluster, std::size_t count,
                                     const std::function<SearchResult(std::size_t)>& search) {
  using namespace search_detail;
  const auto ranks = static_cast<std::size_t>(cluster.size()), rank = static_cast<std::size_t>(cluster.rank());
  // This rank's results, each as (ok flag, bytes or message), in order of j.
  WireWriter mine;
  for (std::size_t j = rank; j < count; j += ranks) {
    try {
      const SearchResult r = search(j);
      mine.u8(1);
      mine.text(encode_result(r));
    } catch (const std::exception& e) {
      mine.u8(0);
      mine.text("search " + std::to_string(j) + ": " + e.what());
      break;  // the job ends after the exchange: no point in the rest
    }
  }
  const std::vector<std::string> all = cluster.all_gather(mine.take());
  std::vector<std::vector<SearchResult>> by_rank(ranks);
  for (std::size_t r = 0; r < ranks; ++r) {
    WireReader in(all[r], "the search results of rank " + std::to_string(r), 0);
    while (!in.done()) {
      const std::uint8_t ok = in.u8();
      const std::string body = in.text();
      if (!ok) throw ClusterAgreedError("rank " + std::to_string(r) + " of " + std::to_string(ranks) + ": " + body);
      by_rank[r].push_back(decode_result(body, static_cast<int>(r)));
    }
  }
  std::vector<SearchResult> out;
  for (std::size_t j = 0; j < count; ++j) {
    auto& list = by_rank[j % ranks];
    const std::size_t k = j / ranks;
    if (k >= list.size())
      throw ClusterAgreedError("rank " + std::to_string(j % ranks) + " sent no result for search " + std::to_string(j));
    out.push_back(std::move(list[k]));
  }
  return out;
}

}  // namespace symtorch
