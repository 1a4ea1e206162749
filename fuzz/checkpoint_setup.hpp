// The data and options that the checkpoint fuzz target resumes with, shared with the program
// that writes its seed (make_checkpoint_seed.cpp): a checkpoint records a fingerprint of both, so
// only a checkpoint written for exactly these gets past the shape check into the members.
#pragma once

#include <cmath>

#include "symtorch/engine/dataset.hpp"
#include "symtorch/engine/search_options.hpp"

namespace symtorch::fuzz {

inline Dataset checkpoint_data() {
  Dataset d;
  d.feature_names = {"x0", "x1"};
  d.features.assign(2, {});
  for (int r = 0; r < 16; ++r) {
    const double x0 = -2.0 + 0.25 * r, x1 = 0.4 * r;
    d.features[0].push_back(x0);
    d.features[1].push_back(x1);
    d.target.push_back(x0 * x0 + std::cos(x1));
  }
  return d;
}

// Small enough that resuming for one iteration takes about a millisecond; subsets redrawn every
// iteration so that checkpoints hold problem views.
inline SearchOptions checkpoint_options() {
  SearchOptions o;
  o.binary_operators = {Op::Add, Op::Sub, Op::Mul, Op::Div};
  o.unary_operators = {Op::Cos, Op::Exp};
  o.populations = 2;
  o.population_size = 6;
  o.maxsize = 12;
  o.ncycles_per_iteration = 4;
  o.niterations = 3;
  o.subset_redraw_iterations = 1;
  o.polish_iterations = 2;
  o.tournament_selection_n = 3;
  o.threads = 1;
  o.seed = 1;
  return o;
}

}  // namespace symtorch::fuzz
