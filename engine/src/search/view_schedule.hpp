// The schedule of the operator-subset islands: which unary operators they grow new nodes from
// in each epoch (subset_redraw_iterations iterations), and which kind of problem view they
// search. It is data: a list of epoch specs run once, then a list repeated for the rest of the
// search (SearchOptions::schedule gives it as text, e.g. the standard one
// "none, each | half:outer, half:numerator, half:outer, half:envelope").
//
// Subsets: none (no unary operator), each (one epoch per unary operator, alone, in the order
// given), half (each unary operator kept with probability 1/2, drawn from (seed, epoch)), all.
// A view kind's k-th epoch takes its k-th applicable view (cyclically: outer views take sqrt,
// log, exp in turn); where none applies, or the kind is not enabled (SearchOptions::views), the
// epoch searches the user's problem with its subset.
#pragma once

#include <string>
#include <vector>

#include "symtorch/engine/search_options.hpp"

namespace symtorch::search_detail {

enum class Subset { None, Each, Half, All };

struct EpochSpec {
  Subset subset = Subset::Half;
  std::string view;  // a view kind's name; empty = the user's problem
  int alone = -1;    // for an expanded `each`: the index of the unary operator
  bool operator==(const EpochSpec&) const = default;
};

// What one epoch does, resolved for a given set of unary operators.
struct Epoch {
  std::vector<Op> unary;     // the subset islands' unary operators
  std::string view;          // the view kind (empty = none)
  int occurrence = 0;        // how many epochs of this view kind came before
};

class ViewSchedule {
 public:
  // The standard schedule (the text above).
  static ViewSchedule standard();
  // Parses "spec, spec | spec, ..." (spec = subset[:view]); the part after '|' repeats (without
  // a '|', the whole list repeats). Throws std::invalid_argument naming the bad item.
  static ViewSchedule parse(const std::string& text);
  std::string text() const;

  // Epoch `epoch` of a search with these options (subset draws from options.seed).
  Epoch at(int epoch, const SearchOptions& options) const;

  const std::vector<EpochSpec>& once() const { return once_; }
  const std::vector<EpochSpec>& repeated() const { return repeated_; }

 private:
  // The specs with each `each` expanded into one epoch per unary operator.
  std::vector<EpochSpec> expanded(const std::vector<EpochSpec>& specs, std::size_t unary) const;
  std::vector<EpochSpec> once_, repeated_;
};

// The schedule of `options` (SearchOptions::schedule, or the standard one when empty).
ViewSchedule schedule_of(const SearchOptions& options);

}  // namespace symtorch::search_detail
