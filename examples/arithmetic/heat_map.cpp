#include "heat_map.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace symtorch::examples::arithmetic {

HeatMap bin_errors(Operation op, std::span<const Outcome> outcomes, int bins) {
  if (bins < 1 || bins > kMaxOperand + 1)
    throw std::invalid_argument("heat map: bins must be in [1, 1000], got " + std::to_string(bins));
  HeatMap m;
  m.op = op;
  m.bins = bins;
  m.width = static_cast<double>(kMaxOperand + 1) / bins;
  const auto cells = static_cast<std::size_t>(bins) * static_cast<std::size_t>(bins);
  m.pairs.assign(cells, 0);
  std::vector<std::int64_t> wrong(cells, 0), formed(cells, 0);
  std::vector<double> error_sum(cells, 0);
  for (const auto& o : outcomes) {
    const auto cell = static_cast<std::size_t>(o.pair.a * bins / (kMaxOperand + 1)) * static_cast<std::size_t>(bins) +
                      static_cast<std::size_t>(o.pair.b * bins / (kMaxOperand + 1));
    ++m.pairs[cell];
    if (o.wrong()) ++wrong[cell];
    if (o.answer) {
      ++formed[cell];
      const double e = static_cast<double>(*o.answer - o.exact);
      error_sum[cell] += op == Operation::Add ? e : e / std::max<double>(1, static_cast<double>(o.exact));
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  m.wrong_fraction.resize(cells);
  m.mean_error.resize(cells);
  for (std::size_t c = 0; c < cells; ++c) {
    m.wrong_fraction[c] = m.pairs[c] ? static_cast<double>(wrong[c]) / static_cast<double>(m.pairs[c]) : nan;
    m.mean_error[c] = formed[c] ? error_sum[c] / static_cast<double>(formed[c]) : nan;
  }
  return m;
}

std::optional<std::filesystem::path> find_gnuplot() {
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const auto candidate = std::filesystem::path(dir) / "gnuplot";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

namespace {

// A path inside single quotes for gnuplot (which has no escape in single-quoted strings but '').
std::string gnuplot_quoted(const std::filesystem::path& p) {
  std::string s = "'";
  for (char c : p.string()) s += c == '\'' ? std::string("''") : std::string(1, c);
  return s + "'";
}

// A path inside single quotes for /bin/sh.
std::string shell_quoted(const std::filesystem::path& p) {
  std::string s = "'";
  for (char c : p.string()) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return s + "'";
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

std::optional<std::filesystem::path> draw_heat_map(const HeatMap& m, const std::filesystem::path& stem,
                                                   std::string& why_not) {
  const std::filesystem::path data = stem.string() + ".dat", script = stem.string() + ".gp",
                              png = stem.string() + ".png", png_tmp = stem.string() + ".png.tmp";
  // Columns: a at the cell's centre, b at the cell's centre, pairs, wrong fraction, mean error;
  // a blank line after each a (gnuplot's grid format for `with image`). Empty cells are "nan",
  // which gnuplot draws blank (a missing point would break the grid).
  std::ostringstream d;
  d << "# a b pairs wrong_fraction mean_" << (m.op == Operation::Add ? "error" : "relative_error") << "\n";
  for (int i = 0; i < m.bins; ++i) {
    for (int j = 0; j < m.bins; ++j) {
      const auto c = static_cast<std::size_t>(i) * static_cast<std::size_t>(m.bins) + static_cast<std::size_t>(j);
      d << (i + 0.5) * m.width << " " << (j + 0.5) * m.width << " " << m.pairs[c] << " " << m.wrong_fraction[c] << " "
        << m.mean_error[c] << "\n";
    }
    d << "\n";
  }
  write_file(data, d.str());

  const bool add = m.op == Operation::Add;
  // A colour range symmetric about 0, so that white is "no systematic error", reaching the 95th
  // percentile of the cells' |mean error|: a few cells of tiny products (relative errors of
  // 20 where the exact product is 0 or 1) would otherwise wash every other cell out to white.
  // Cells beyond it take the extreme colour.
  std::vector<double> magnitudes;
  for (const double e : m.mean_error)
    if (std::isfinite(e)) magnitudes.push_back(std::abs(e));
  double range = 0;
  if (!magnitudes.empty()) {
    const auto k = static_cast<std::size_t>(0.95 * static_cast<double>(magnitudes.size() - 1));
    std::nth_element(magnitudes.begin(), magnitudes.begin() + static_cast<std::ptrdiff_t>(k), magnitudes.end());
    range = magnitudes[k];
  }
  if (!(range > 0)) range = 1;
  std::ostringstream g;
  g << "set terminal pngcairo size 1400,620 font 'DejaVu Sans,11'\n"
    << "set output " << gnuplot_quoted(png_tmp) << "\n"
    << "set xrange [0:1000]; set yrange [0:1000]; set size ratio -1\n"
    << "set xlabel 'a'; set ylabel 'b'\n"
    << "set multiplot layout 1,2 title '" << name(m.op) << " a " << symbol(m.op) << " b: the model''s errors over "
    << m.bins << " x " << m.bins << " cells'\n"
    << "set title 'fraction of wrong answers'\n"
    << "set palette defined (0 'white', 0.25 'yellow', 0.6 'orange', 1 'dark-red')\n"
    << "set cbrange [0:*]\n";
  if (add) g << "set arrow 1 from 1,999 to 999,1 nohead dt 2 lc 'black' front\n";  // a + b = 1000
  g << "plot " << gnuplot_quoted(data) << " using 1:2:4 with image notitle\n"
    << "set title '" << (add ? "mean error (answer - exact)" : "mean relative error (answer - exact) / exact") << "'\n"
    << "set palette defined (-1 'blue', 0 'white', 1 'red')\n"
    << "set cbrange [" << -range << ":" << range << "]\n"
    << "plot " << gnuplot_quoted(data) << " using 1:2:5 with image notitle\n"
    << "unset multiplot\n";
  write_file(script, g.str());

  const auto gnuplot = find_gnuplot();
  if (!gnuplot) {
    why_not = "gnuplot is not on PATH (Debian package gnuplot-nox); the data and script are in " + data.string() +
              " and " + script.string();
    return std::nullopt;
  }
  const std::string command =
      shell_quoted(*gnuplot) + " " + shell_quoted(script) + " > " + shell_quoted(stem.string() + ".gnuplot.log") + " 2>&1";
  const int status = std::system(command.c_str());
  if (status != 0 || !std::filesystem::exists(png_tmp)) {
    std::filesystem::remove(png_tmp);
    why_not = "gnuplot failed (status " + std::to_string(status) + ") on " + script.string() + "; see " +
              stem.string() + ".gnuplot.log";
    return std::nullopt;
  }
  std::filesystem::rename(png_tmp, png);
  return png;
}

}  // namespace symtorch::examples::arithmetic
