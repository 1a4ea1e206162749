// The model's error over the (a, b) square as a picture: outcomes binned into bins x bins cells,
// each cell's fraction of wrong answers and mean signed error (relative to the exact answer for
// multiplication, whose errors grow with the product), drawn by gnuplot as two heat maps side
// by side in one PNG.
//
// gnuplot (Debian's gnuplot-nox) is looked up on PATH; without it no PNG is written and the
// caller is told why. The data and script are kept beside the PNG so that the picture can be
// redrawn or restyled; the PNG is written to a temporary file and renamed into place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "error_analysis.hpp"

namespace symtorch::examples::arithmetic {

struct HeatMap {
  Operation op = Operation::Add;
  int bins = 0;
  double width = 0;                     // operand range per cell
  std::vector<std::int64_t> pairs;      // [a_bin * bins + b_bin]
  std::vector<double> wrong_fraction;   // NaN where a cell has no pair
  std::vector<double> mean_error;       // addition: answer - exact; multiplication: relative
};

// Throws std::invalid_argument for bins outside [1, 1000].
HeatMap bin_errors(Operation op, std::span<const Outcome> outcomes, int bins);

// The gnuplot executable on PATH, if any.
std::optional<std::filesystem::path> find_gnuplot();

// Writes STEM.dat, STEM.gp and, with gnuplot, STEM.png (png_path). Returns the PNG's path, or
// nothing with `why_not` set when gnuplot is absent or failed (its exit status named).
std::optional<std::filesystem::path> draw_heat_map(const HeatMap& map, const std::filesystem::path& stem,
                                                   std::string& why_not);

}  // namespace symtorch::examples::arithmetic
