#include "bpe_tokenizer.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <queue>
#include <stdexcept>
#include <unordered_set>

namespace symtorch::examples {
namespace {

enum class Kind { Letter, Digit, Other, Space, Newline, Whitespace };

Kind kind_of(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80) return Kind::Letter;
  if (c >= '0' && c <= '9') return Kind::Digit;
  if (c == ' ') return Kind::Space;
  if (c == '\n') return Kind::Newline;
  if (c == '\t' || c == '\r' || c == '\f' || c == '\v' || c < 0x20 || c == 0x7f) return Kind::Whitespace;
  return Kind::Other;
}

bool visible(Kind k) { return k == Kind::Letter || k == Kind::Digit || k == Kind::Other; }

std::uint64_t pair_key(std::int32_t a, std::int32_t b) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
}

constexpr std::int32_t kFirstMerge = BpeTokenizer::kEndOfText + 1;

}  // namespace

std::vector<std::string_view> BpeTokenizer::pieces(std::string_view text) {
  std::vector<std::string_view> out;
  const std::size_t n = text.size();
  std::size_t i = 0;
  auto kind_at = [&](std::size_t j) { return kind_of(static_cast<unsigned char>(text[j])); };
  while (i < n) {
    const Kind k = kind_at(i);
    if (k == Kind::Space) {
      std::size_t j = i;
      while (j < n && text[j] == ' ') ++j;
      if (j == n || !visible(kind_at(j))) {
        out.push_back(text.substr(i, j - i));
        i = j;
        continue;
      }
      if (j - 1 > i) out.push_back(text.substr(i, j - 1 - i));  // the last space goes with the word
      const std::size_t start = j - 1;
      const Kind w = kind_at(j);
      while (j < n && kind_at(j) == w) ++j;
      out.push_back(text.substr(start, j - start));
      i = j;
      continue;
    }
    std::size_t j = i + 1;
    while (j < n && kind_at(j) == k) ++j;
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

BpeTokenizer::BpeTokenizer(std::vector<std::pair<std::int32_t, std::int32_t>> merges) : merges_(std::move(merges)) {
  for (int b = 0; b < 256; ++b) token_bytes_.emplace_back(1, static_cast<char>(b));
  token_bytes_.emplace_back("<|endoftext|>");
  for (std::size_t m = 0; m < merges_.size(); ++m) {
    const auto [a, b] = merges_[m];
    rank_[pair_key(a, b)] = static_cast<std::int32_t>(m);
    token_bytes_.push_back(token_bytes_[static_cast<std::size_t>(a)] + token_bytes_[static_cast<std::size_t>(b)]);
  }
}

BpeTokenizer BpeTokenizer::train(const std::vector<std::string>& documents, std::int32_t vocab_size) {
  if (vocab_size < kFirstMerge)
    throw std::invalid_argument("BPE: vocab_size must be at least " + std::to_string(kFirstMerge));
  std::map<std::string_view, std::int64_t> piece_counts;  // ordered: word order, hence ties, are deterministic
  for (const auto& d : documents)
    for (auto p : pieces(d)) ++piece_counts[p];

  std::vector<std::vector<std::int32_t>> words;
  std::vector<std::int64_t> freq;
  for (const auto& [p, c] : piece_counts) {
    if (p.size() < 2) continue;  // a single byte has no pair
    words.emplace_back(p.begin(), p.end());
    for (auto& s : words.back()) s = static_cast<unsigned char>(s);
    freq.push_back(c);
  }
  std::unordered_map<std::uint64_t, std::int64_t> count;
  std::unordered_map<std::uint64_t, std::vector<std::int32_t>> where;
  auto add_pairs = [&](std::int32_t w, std::int64_t sign, std::unordered_set<std::uint64_t>* changed) {
    const auto& s = words[static_cast<std::size_t>(w)];
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
      const auto k = pair_key(s[i], s[i + 1]);
      count[k] += sign * freq[static_cast<std::size_t>(w)];
      if (sign > 0) {
        auto& list = where[k];
        if (list.empty() || list.back() != w) list.push_back(w);
      }
      if (changed) changed->insert(k);
    }
  };
  for (std::int32_t w = 0; w < static_cast<std::int32_t>(words.size()); ++w) add_pairs(w, +1, nullptr);

  // Max-heap of (count, pair) with stale entries skipped on pop; ties go to the smaller pair key.
  using Entry = std::pair<std::int64_t, std::uint64_t>;
  auto lower = [](const Entry& x, const Entry& y) { return x.first != y.first ? x.first < y.first : x.second > y.second; };
  std::priority_queue<Entry, std::vector<Entry>, decltype(lower)> heap(lower);
  for (const auto& [k, c] : count) heap.emplace(c, k);

  std::vector<std::pair<std::int32_t, std::int32_t>> merges;
  std::vector<std::int32_t> seen(words.size(), -1);
  while (kFirstMerge + static_cast<std::int32_t>(merges.size()) < vocab_size) {
    while (!heap.empty() && count[heap.top().second] != heap.top().first) heap.pop();
    if (heap.empty() || heap.top().first < 2) break;
    const std::uint64_t best = heap.top().second;
    heap.pop();
    const auto a = static_cast<std::int32_t>(best >> 32), b = static_cast<std::int32_t>(best & 0xffffffffu);
    const auto merged = kFirstMerge + static_cast<std::int32_t>(merges.size());
    merges.emplace_back(a, b);
    std::unordered_set<std::uint64_t> changed;
    const auto affected = std::move(where[best]);
    where.erase(best);
    for (const auto w : affected) {
      if (seen[static_cast<std::size_t>(w)] == merged) continue;
      seen[static_cast<std::size_t>(w)] = merged;
      auto& s = words[static_cast<std::size_t>(w)];
      add_pairs(w, -1, &changed);
      std::vector<std::int32_t> next;
      next.reserve(s.size());
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
          next.push_back(merged);
          ++i;
        } else {
          next.push_back(s[i]);
        }
      }
      s = std::move(next);
      add_pairs(w, +1, &changed);
    }
    count.erase(best);
    changed.erase(best);
    for (const auto k : changed) {
      const auto it = count.find(k);
      if (it == count.end()) continue;
      if (it->second > 0) heap.emplace(it->second, k);
      else count.erase(it);
    }
  }
  return BpeTokenizer(std::move(merges));
}

void BpeTokenizer::encode_piece(std::string_view piece, std::vector<std::int32_t>& out) const {
  const std::string key(piece);
  if (const auto it = cache_.find(key); it != cache_.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
    return;
  }
  std::vector<std::int32_t> s(piece.begin(), piece.end());
  for (auto& x : s) x = static_cast<unsigned char>(x);
  for (;;) {
    std::int32_t best = std::numeric_limits<std::int32_t>::max();
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
      if (const auto it = rank_.find(pair_key(s[i], s[i + 1])); it != rank_.end()) best = std::min(best, it->second);
    if (best == std::numeric_limits<std::int32_t>::max()) break;
    const auto [a, b] = merges_[static_cast<std::size_t>(best)];
    std::vector<std::int32_t> next;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
        next.push_back(kFirstMerge + best);
        ++i;
      } else {
        next.push_back(s[i]);
      }
    }
    s = std::move(next);
  }
  out.insert(out.end(), s.begin(), s.end());
  cache_.emplace(key, std::move(s));
}

std::vector<std::int32_t> BpeTokenizer::encode(std::string_view text) const {
  std::vector<std::int32_t> out;
  for (auto p : pieces(text)) encode_piece(p, out);
  return out;
}

std::string BpeTokenizer::decode(const std::vector<std::int32_t>& ids) const {
  std::string s;
  for (const auto id : ids) {
    if (id < 0 || id >= vocab_size())
      throw std::invalid_argument("BPE: token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                  std::to_string(vocab_size()) + ")");
    s += token_bytes_[static_cast<std::size_t>(id)];
  }
  return s;
}

void BpeTokenizer::save(const std::filesystem::path& path) const {
  nlohmann::json merges = nlohmann::json::array();
  for (const auto& [a, b] : merges_) merges.push_back({a, b});
  const nlohmann::json d = {{"format", "symtorch byte-level BPE"}, {"version", 1}, {"vocab_size", vocab_size()},
                            {"end_of_text", kEndOfText}, {"merges", merges}};
  const auto temporary = std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << d.dump() << '\n';
    out.flush();
    if (!out) throw std::runtime_error(temporary.string() + ": write failed");
  }
  std::filesystem::rename(temporary, path);
}

BpeTokenizer BpeTokenizer::load(const std::filesystem::path& path) {
  auto fail = [&](const std::string& what) -> void { throw std::invalid_argument(path.string() + ": " + what); };
  std::ifstream in(path);
  if (!in) fail("cannot open");
  nlohmann::json d;
  try {
    d = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("not valid JSON: ") + e.what());
  }
  if (!d.is_object() || d.value("format", "") != "symtorch byte-level BPE" || d.value("version", 0) != 1)
    fail("not a symtorch byte-level BPE tokenizer (format/version)");
  if (!d.contains("merges") || !d.at("merges").is_array()) fail("no 'merges' list");
  std::vector<std::pair<std::int32_t, std::int32_t>> merges;
  for (std::size_t m = 0; m < d.at("merges").size(); ++m) {
    const auto& e = d.at("merges")[m];
    const auto limit = kFirstMerge + static_cast<std::int64_t>(m);
    if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_number_integer() ||
        e[0].get<std::int64_t>() < 0 || e[1].get<std::int64_t>() < 0 || e[0].get<std::int64_t>() >= limit ||
        e[1].get<std::int64_t>() >= limit || e[0] == kEndOfText || e[1] == kEndOfText)
      fail("merge " + std::to_string(m) + " " + e.dump() + " must be two earlier token ids other than " +
           std::to_string(kEndOfText));
    merges.emplace_back(e[0].get<std::int32_t>(), e[1].get<std::int32_t>());
  }
  BpeTokenizer t(std::move(merges));
  if (d.value("vocab_size", -1) != t.vocab_size())
    fail("vocab_size " + d.value("vocab_size", nlohmann::json()).dump() + " does not match the merges (" +
         std::to_string(t.vocab_size()) + ")");
  return t;
}

}  // namespace symtorch::examples
