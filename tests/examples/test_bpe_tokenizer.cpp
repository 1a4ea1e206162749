// The project's byte-level BPE tokenizer (examples/lm): pieces, training, exact round trips,
// saving and loading.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

#include "bpe_tokenizer.hpp"
#include "text_corpus.hpp"

namespace {

using symtorch::examples::BpeTokenizer;

const std::vector<std::string> kDocuments = {
    "The quick brown fox jumps over the lazy dog.\n\n   >>> print('the fox')\n   the fox\n",
    "Theory of the thing: the theme is the thesis. 12345 + 678 = 13023\n\tTabs\r\n",
    "Unicode: caf\xc3\xa9 na\xc3\xafve \xe2\x80\x94 the end\n"};

}  // namespace

TEST_SUITE("examples") {
  TEST_CASE("BPE pieces: words keep one leading space, runs of one kind stay together") {
    const auto p = BpeTokenizer::pieces("Hello  world, 42x\n\n  >>> caf\xc3\xa9");
    const std::vector<std::string> expected = {"Hello", " ", " world", ",", " 42", "x", "\n\n", " ", " >>>", " caf\xc3\xa9"};
    REQUIRE(p.size() == expected.size());
    for (std::size_t i = 0; i < p.size(); ++i) CHECK(std::string(p[i]) == expected[i]);
  }

  TEST_CASE("BPE training merges the most frequent pair first and encodes text shorter, decoding exactly") {
    const auto t = BpeTokenizer::train(kDocuments, 300);
    REQUIRE(t.vocab_size() > 257);
    CHECK(t.vocab_size() <= 300);
    // " the" (with its space) is the most frequent piece: its first pair is among the first merges.
    const auto first = t.merges().front();
    CHECK(first.first < 256);
    for (const auto& d : kDocuments) {
      const auto ids = t.encode(d);
      CHECK(ids.size() < d.size());
      CHECK(t.decode(ids) == d);
    }
    // Any bytes at all round-trip, including invalid UTF-8 and NULs.
    std::mt19937 rng(3);
    std::string noise;
    for (int i = 0; i < 2000; ++i) noise += static_cast<char>(rng() & 0xff);
    CHECK(t.decode(t.encode(noise)) == noise);
    // Deterministic.
    CHECK(BpeTokenizer::train(kDocuments, 300).merges() == t.merges());
  }

  TEST_CASE("BPE save and load round-trip; a damaged file is refused naming the merge") {
    const auto dir = std::filesystem::temp_directory_path() / ("symtorch-bpe-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto t = BpeTokenizer::train(kDocuments, 280);
    t.save(dir / "tokenizer.json");
    const auto u = BpeTokenizer::load(dir / "tokenizer.json");
    CHECK(u.merges() == t.merges());
    CHECK(u.encode(kDocuments[1]) == t.encode(kDocuments[1]));
    std::ofstream(dir / "bad.json") << R"({"format": "symtorch byte-level BPE", "version": 1, "vocab_size": 259, "merges": [[97, 98], [300, 97]]})";
    CHECK_THROWS_WITH(BpeTokenizer::load(dir / "bad.json"), doctest::Contains("merge 1 [300,97] must be two earlier token ids"));
    std::ofstream(dir / "count.json") << R"({"format": "symtorch byte-level BPE", "version": 1, "vocab_size": 999, "merges": [[97, 98]]})";
    CHECK_THROWS_WITH(BpeTokenizer::load(dir / "count.json"), doctest::Contains("vocab_size 999 does not match the merges (258)"));
    std::filesystem::remove_all(dir);
  }

  TEST_CASE("corpus split: whole files, every 20th from the 11th is validation") {
    CHECK(!symtorch::examples::is_validation_file(0));
    CHECK(symtorch::examples::is_validation_file(10));
    CHECK(symtorch::examples::is_validation_file(30));
    CHECK(!symtorch::examples::is_validation_file(20));
    CHECK_THROWS_WITH(symtorch::examples::read_corpus("/nonexistent-corpus"), doctest::Contains("python3.11-doc"));
  }
}
