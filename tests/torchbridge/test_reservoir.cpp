// ReservoirSampler (Algorithm L): fill phase, uniformity over a long stream, batch handling.
#include <doctest/doctest.h>

#include <set>
#include <stdexcept>
#include <vector>

#include "symtorch/torch/reservoir.hpp"

using symtorch::ReservoirSampler;

namespace {
// Plays a stream through a sampler in batches; returns the stream index held by each slot.
// Checks each batch's placements: rows increasing and inside the batch, each slot once.
std::vector<std::int64_t> play(ReservoirSampler& s, const std::vector<std::int64_t>& batches) {
  std::vector<std::int64_t> slots(s.capacity(), -1);
  std::int64_t offset = 0;
  bool well_formed = true;
  for (std::int64_t rows : batches) {
    std::set<std::int64_t> used_slots;
    std::int64_t last_row = -1;
    for (const auto& p : s.offer(rows)) {
      well_formed = well_formed && p.row > last_row && p.row < rows && p.slot >= 0 &&
                    p.slot < static_cast<std::int64_t>(s.capacity()) && used_slots.insert(p.slot).second;
      last_row = p.row;
      if (well_formed) slots[static_cast<std::size_t>(p.slot)] = offset + p.row;
    }
    offset += rows;
  }
  REQUIRE(well_formed);
  return slots;
}
}  // namespace

TEST_CASE("reservoir fills slots in order until full") {
  ReservoirSampler s(10, 1);
  const auto slots = play(s, {3, 4});
  CHECK(s.seen() == 7);
  CHECK(s.size() == 7);
  for (std::int64_t i = 0; i < 7; ++i) CHECK(slots[static_cast<std::size_t>(i)] == i);
  CHECK(slots[7] == -1);
}

TEST_CASE("reservoir sample is uniform over the whole stream") {
  // 400 seeds x 100 slots over a stream of 10000 rows in uneven batches: each tenth of the
  // stream should hold 10% of the 40000 sampled rows. Binomial sd = sqrt(40000*0.1*0.9) = 60;
  // the tolerance of 300 is 5 sd (the seeds are fixed, so the test is deterministic).
  std::vector<int> per_tenth(10, 0);
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    ReservoirSampler s(100, seed);
    std::vector<std::int64_t> batches;
    for (std::int64_t total = 0; total < 10000;) {
      const std::int64_t b = std::min<std::int64_t>(1 + static_cast<std::int64_t>((seed * 7 + total) % 700), 10000 - total);
      batches.push_back(b);
      total += b;
    }
    const auto slots = play(s, batches);
    CHECK(s.size() == 100);
    std::set<std::int64_t> distinct(slots.begin(), slots.end());
    CHECK(distinct.size() == 100);
    for (auto idx : slots) per_tenth.at(static_cast<std::size_t>(idx / 1000))++;
  }
  for (int t = 0; t < 10; ++t) {
    CAPTURE(t);
    CHECK(std::abs(per_tenth[t] - 4000) < 300);
  }
}

TEST_CASE("reservoir batch larger than the capacity, clear, and bad arguments") {
  ReservoirSampler s(5, 3);
  const auto first = s.offer(1000);
  CHECK(first.size() >= 5);
  std::set<std::int64_t> slots;
  for (const auto& p : first) slots.insert(p.slot);
  CHECK(slots.size() == 5);  // every slot filled by this one batch
  s.clear();
  CHECK(s.seen() == 0);
  CHECK(s.size() == 0);
  CHECK(s.offer(1000).size() == first.size());  // clear() restarts the same random stream
  CHECK_THROWS_AS(ReservoirSampler(0), std::invalid_argument);
  CHECK_THROWS_AS(s.offer(-1), std::invalid_argument);
}
