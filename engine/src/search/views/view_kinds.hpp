// The view kinds, each defined in its own file; view_kinds() (problem_view.cpp) lists them.
#pragma once

#include "problem_view.hpp"

namespace symtorch::search_detail {

const ViewKind& outer_view_kind();      // outer_view.cpp
const ViewKind& numerator_view_kind();  // numerator_view.cpp
const ViewKind& envelope_view_kind();   // envelope_view.cpp
const ViewKind& merge_view_kind();      // merge_view.cpp

// `e` with every variable k replaced by definitions[k].
Expression substitute_variables(const Expression& e, const std::vector<Expression>& definitions);

}  // namespace symtorch::search_detail
