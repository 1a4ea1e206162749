// Byte-level byte-pair encoding (BPE), trained by this project on its training text.
//
// Why BPE over raw bytes: at a few thousand tokens a token covers ~3.5 bytes of English, so a
// context of 256 tokens sees ~900 bytes of text, and a small model's capacity goes to words
// rather than spelling; and perplexity per token is then comparable in kind to a real model's.
//
// Tokens: ids 0..255 are the bytes, 256 is <|endoftext|> (separates documents), 257.. are merges
// in the order learnt. Text is first cut into pieces that merges never cross (pre-tokenisation):
// a run of letters (bytes >= 0x80 count as letters, so UTF-8 characters stay whole), of digits,
// or of other visible characters, each with at most one space in front; a run of newlines; other
// whitespace runs. Encoding applies merges to each piece by rank (earliest learnt first), as
// GPT-2's BPE does, so it is deterministic and decoding is the exact inverse.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace symtorch::examples {

class BpeTokenizer {
 public:
  static constexpr std::int32_t kEndOfText = 256;

  // Learns merges until the vocabulary has `vocab_size` tokens (>= 257) or no pair occurs twice.
  static BpeTokenizer train(const std::vector<std::string>& documents, std::int32_t vocab_size);
  // Reads what save() wrote; throws std::invalid_argument naming the file and the problem.
  static BpeTokenizer load(const std::filesystem::path& path);
  void save(const std::filesystem::path& path) const;

  std::vector<std::int32_t> encode(std::string_view text) const;
  std::string decode(const std::vector<std::int32_t>& ids) const;  // <|endoftext|> prints as itself
  std::int32_t vocab_size() const { return static_cast<std::int32_t>(token_bytes_.size()); }
  const std::vector<std::pair<std::int32_t, std::int32_t>>& merges() const { return merges_; }

  // The pre-tokenisation pieces of `text` (exposed for tests).
  static std::vector<std::string_view> pieces(std::string_view text);

 private:
  explicit BpeTokenizer(std::vector<std::pair<std::int32_t, std::int32_t>> merges);
  void encode_piece(std::string_view piece, std::vector<std::int32_t>& out) const;

  std::vector<std::pair<std::int32_t, std::int32_t>> merges_;
  std::unordered_map<std::uint64_t, std::int32_t> rank_;  // pair -> merge index
  std::vector<std::string> token_bytes_;
  mutable std::unordered_map<std::string, std::vector<std::int32_t>> cache_;
};

}  // namespace symtorch::examples
