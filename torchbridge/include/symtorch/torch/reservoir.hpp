// Reservoir sampling: a uniform random sample of `capacity` rows out of a stream of batches of
// unknown total length (Li's "Algorithm L", ACM TOMS 20(4), 1994). After any number of rows,
// every row seen so far is in the sample with the same probability capacity / seen. Work per
// batch is proportional to the rows it selects, not to the batch size, once the reservoir is
// full (the gaps between selected rows are drawn directly).
//
// The sampler only decides which rows go where; the caller copies them. No torch header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "symtorch/engine/random.hpp"

namespace symtorch {

class ReservoirSampler {
 public:
  struct Placement {
    std::int64_t row;   // row of the offered batch
    std::int64_t slot;  // reservoir slot it overwrites (or fills)
  };

  // Throws std::invalid_argument for capacity 0.
  explicit ReservoirSampler(std::size_t capacity, std::uint64_t seed = 0);

  // Offers a batch of `rows` rows. Returns where selected rows go, rows in increasing order,
  // each slot at most once (when the same slot is chosen twice in one batch only the later row
  // is returned: it would overwrite the earlier one anyway).
  std::vector<Placement> offer(std::int64_t rows);

  std::size_t capacity() const { return capacity_; }
  std::int64_t seen() const { return seen_; }
  // Filled slots: min(seen, capacity).
  std::size_t size() const;
  void clear();

 private:
  void draw_next();

  std::size_t capacity_;
  std::uint64_t seed_;
  SearchRng rng_;
  std::int64_t seen_ = 0;
  double w_ = 0;            // Algorithm L's running weight
  std::int64_t next_ = 0;   // stream index of the next row to take once full
};

}  // namespace symtorch
