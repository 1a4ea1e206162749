#include "symtorch/torch/distill.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <stdexcept>

#include "symtorch/engine/detail/parallel_for.hpp"
#include "symtorch/engine/parser.hpp"
#include "symtorch/engine/printer.hpp"
#include "symtorch/engine/random.hpp"
#include "symtorch/engine/search.hpp"
#include "symtorch/engine/search_cluster.hpp"

namespace symtorch {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s;
}

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Names usable as parser variables: identifiers, not the constants inf/nan, all different.
void check_names(const std::vector<std::string>& names, const std::string& what) {
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (!is_identifier(n) || n == "inf" || n == "nan")
      throw std::invalid_argument(what + " '" + n + "' is not usable as a variable name (expected an identifier "
                                  "such as x1 or dx, other than inf and nan)");
    if (!seen.insert(n).second) throw std::invalid_argument(what + " '" + n + "' is given twice");
  }
}

std::vector<std::string> numbered(const std::string& prefix, std::size_t n) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < n; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

std::vector<std::string> feature_names_of(const std::vector<std::string>& input_names,
                                          const std::vector<InputTransform>& transforms, bool keep_inputs) {
  if (transforms.empty()) return input_names;
  std::vector<std::string> names;
  if (keep_inputs) names = input_names;
  for (const auto& t : transforms) names.push_back(t.name);
  return names;
}

// A front with the one exact equation of a constant target (the search refuses constant data,
// but a wide layer can well have a dead output).
TargetFit constant_fit(const std::string& name, double value) {
  FrontMember m;
  m.expression = Expression::constant(value);
  m.complexity = m.expression.complexity();
  m.loss = 0;
  TargetFit fit;
  fit.name = name;
  fit.front = ParetoFront::from_candidates({m});
  fit.chosen = 0;
  return fit;
}

}  // namespace

std::vector<std::string> resolve_input_names(const DistillOptions& options, std::size_t num_inputs) {
  if (options.input_names.empty()) return numbered("x", num_inputs);
  if (options.input_names.size() != num_inputs)
    throw std::invalid_argument("distill: " + std::to_string(options.input_names.size()) + " input names given (" +
                                join(options.input_names) + ") but the recorded inputs have " +
                                std::to_string(num_inputs) + " columns");
  check_names(options.input_names, "input name");
  return options.input_names;
}

std::vector<std::string> resolve_output_names(const DistillOptions& options, std::size_t num_outputs) {
  if (options.output_names.empty()) return numbered("y", num_outputs);
  if (options.output_names.size() != num_outputs)
    throw std::invalid_argument("distill: " + std::to_string(options.output_names.size()) + " output names given (" +
                                join(options.output_names) + ") but the recorded outputs have " +
                                std::to_string(num_outputs) + " columns");
  check_names(options.output_names, "output name");
  return options.output_names;
}

std::vector<Expression> parse_transforms(const std::vector<InputTransform>& transforms,
                                         const std::vector<std::string>& input_names, bool keep_inputs) {
  std::vector<Expression> out;
  for (const auto& t : transforms) {
    try {
      out.push_back(parse_expression(t.expression, input_names));
    } catch (const std::exception& e) {
      throw std::invalid_argument("input transform '" + t.name + "' = '" + t.expression + "': " + e.what() +
                                  " (the inputs are " + join(input_names) + ")");
    }
  }
  check_names(feature_names_of(input_names, transforms, keep_inputs), "feature name");
  return out;
}

std::string Distillation::equation(std::size_t j, std::size_t member) const {
  return targets.at(j).front.equation(member, variable_names);
}

std::size_t Distillation::member_at_complexity(std::size_t j, int complexity) const {
  const auto& front = targets.at(j).front;
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < front.size(); ++i)
    if (front[i].complexity <= complexity) found = i;
  if (!found)
    throw std::invalid_argument("target '" + targets[j].name + "' has no equation of complexity <= " +
                                std::to_string(complexity) + " (its simplest has complexity " +
                                std::to_string(front[0].complexity) + ")");
  return *found;
}

void Distillation::validate() const {
  if (num_inputs == 0) throw std::invalid_argument("the model has no inputs");
  if (num_outputs == 0) throw std::invalid_argument("the model has no outputs");
  if (input_names.size() != num_inputs)
    throw std::invalid_argument(std::to_string(input_names.size()) + " input names for " + std::to_string(num_inputs) +
                                " inputs");
  check_names(input_names, "input name");
  parse_transforms(transforms, input_names, keep_inputs);
  if (feature_names != feature_names_of(input_names, transforms, keep_inputs))
    throw std::invalid_argument("feature names (" + join(feature_names) + ") do not follow from the inputs and transforms");
  if (input_pca) {
    input_pca->validate();
    if (input_pca->dims != feature_names.size())
      throw std::invalid_argument("input PCA has " + std::to_string(input_pca->dims) + " dimensions for " +
                                  std::to_string(feature_names.size()) + " features");
    if (variable_names != numbered("pc", input_pca->size()))
      throw std::invalid_argument("variable names (" + join(variable_names) + ") do not match " +
                                  std::to_string(input_pca->size()) + " input PCA components");
  } else if (variable_names != feature_names) {
    throw std::invalid_argument("variable names (" + join(variable_names) + ") differ from the features (" +
                                join(feature_names) + ")");
  }
  std::size_t expected_targets = num_outputs;
  if (output_pca) {
    output_pca->validate();
    if (output_pca->dims != num_outputs)
      throw std::invalid_argument("output PCA has " + std::to_string(output_pca->dims) + " dimensions for " +
                                  std::to_string(num_outputs) + " outputs");
    expected_targets = output_pca->size();
  }
  if (targets.size() != expected_targets)
    throw std::invalid_argument(std::to_string(targets.size()) + " targets, expected " + std::to_string(expected_targets));
  for (const auto& t : targets) {
    if (t.front.empty()) throw std::invalid_argument("target '" + t.name + "' has an empty front");
    if (t.chosen >= t.front.size())
      throw std::invalid_argument("target '" + t.name + "': chosen member " + std::to_string(t.chosen) +
                                  " is outside its front of " + std::to_string(t.front.size()));
    for (const auto& m : t.front.members())
      if (m.expression.empty() || m.expression.max_feature() > variable_names.size())
        throw std::invalid_argument("target '" + t.name + "': an equation uses a variable outside " +
                                    join(variable_names));
  }
}

Distillation distill_rows(const double* x, const double* y, std::size_t rows, std::size_t num_inputs,
                          std::size_t num_outputs, const DistillOptions& options,
                          std::span<const double> weights, std::stop_token stop) {
  if (rows == 0) throw std::invalid_argument("distill: nothing was recorded");
  if (!weights.empty() && weights.size() != rows)
    throw std::invalid_argument("distill: " + std::to_string(weights.size()) + " weights given for " +
                                std::to_string(rows) + " rows");
  // A random subset of max_rows rows (the first rows of a reservoir that never filled are the
  // first rows seen, so taking a prefix would not be a uniform sample).
  std::vector<double> x_subset, y_subset, w_subset;
  if (options.max_rows > 0 && options.max_rows < rows) {
    std::vector<std::size_t> order(rows);
    for (std::size_t i = 0; i < rows; ++i) order[i] = i;
    SearchRng rng(options.search.seed);
    for (std::size_t i = 0; i < options.max_rows; ++i) std::swap(order[i], order[i + rng.below(rows - i)]);
    order.resize(options.max_rows);
    std::sort(order.begin(), order.end());
    for (std::size_t r : order) {
      x_subset.insert(x_subset.end(), x + r * num_inputs, x + (r + 1) * num_inputs);
      y_subset.insert(y_subset.end(), y + r * num_outputs, y + (r + 1) * num_outputs);
      if (!weights.empty()) w_subset.push_back(weights[r]);
    }
    x = x_subset.data();
    y = y_subset.data();
    if (!weights.empty()) weights = w_subset;
    rows = options.max_rows;
  }
  if (rows < kMinSearchRows)
    throw std::invalid_argument("distill: " + std::to_string(rows) + " recorded rows; a fit needs at least " +
                                std::to_string(kMinSearchRows));
  options.search.validate();
  if (options.pca_inputs < 0 || options.pca_outputs < 0)
    throw std::invalid_argument("distill: PCA component counts must be >= 0");

  Distillation d;
  d.num_inputs = num_inputs;
  d.num_outputs = num_outputs;
  d.rows = rows;
  d.search = options.search;
  d.selection = selection_text(options.selection);
  d.input_names = resolve_input_names(options, num_inputs);
  const auto output_names = resolve_output_names(options, num_outputs);
  d.transforms = options.transforms;
  d.keep_inputs = options.keep_inputs;
  const auto transform_exprs = parse_transforms(d.transforms, d.input_names, d.keep_inputs);
  d.feature_names = feature_names_of(d.input_names, d.transforms, d.keep_inputs);
  const std::size_t nf = d.feature_names.size();
  if (static_cast<std::size_t>(options.pca_inputs) > nf)
    throw std::invalid_argument("distill: " + std::to_string(options.pca_inputs) + " input PCA components requested, but " +
                                "there are only " + std::to_string(nf) + " features (" + join(d.feature_names) + ")");
  if (static_cast<std::size_t>(options.pca_outputs) > num_outputs)
    throw std::invalid_argument("distill: " + std::to_string(options.pca_outputs) +
                                " output PCA components requested, but the model has only " +
                                std::to_string(num_outputs) + " outputs");

  // Features, row-major.
  std::vector<double> features(rows * nf);
  const std::size_t raw_kept = d.transforms.empty() || d.keep_inputs ? num_inputs : 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const double* xr = x + r * num_inputs;
    double* fr = features.data() + r * nf;
    std::copy(xr, xr + raw_kept, fr);
    for (std::size_t t = 0; t < transform_exprs.size(); ++t) {
      const double v = evaluate_reference(transform_exprs[t], {xr, num_inputs});
      if (!std::isfinite(v))
        throw std::invalid_argument("distill: input transform '" + d.transforms[t].name + "' is " + std::to_string(v) +
                                    " at recorded row " + std::to_string(r));
      fr[raw_kept + t] = v;
    }
  }

  std::vector<double> variables = features;
  std::size_t nv = nf;
  if (options.pca_inputs > 0) {
    d.input_pca = Pca::fit(features.data(), rows, nf, static_cast<std::size_t>(options.pca_inputs));
    variables = d.input_pca->project(features.data(), rows);
    nv = d.input_pca->size();
    d.variable_names = numbered("pc", nv);
  } else {
    d.variable_names = d.feature_names;
  }

  std::vector<double> targets(y, y + rows * num_outputs);
  std::size_t nt = num_outputs;
  std::vector<std::string> target_names = output_names;
  if (options.pca_outputs > 0) {
    d.output_pca = Pca::fit(y, rows, num_outputs, static_cast<std::size_t>(options.pca_outputs));
    targets = d.output_pca->project(y, rows);
    nt = d.output_pca->size();
    target_names = numbered("pc_y", nt);
  }

  // One data set per target (column-major features shared by value; they are small).
  std::vector<Dataset> data(nt);
  for (std::size_t j = 0; j < nt; ++j) {
    Dataset& ds = data[j];
    ds.feature_names = d.variable_names;
    ds.features.assign(nv, std::vector<double>(rows));
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t k = 0; k < nv; ++k) ds.features[k][r] = variables[r * nv + k];
    ds.target.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) ds.target[r] = targets[r * nt + j];
    ds.target_name = target_names[j];
    ds.weights.assign(weights.begin(), weights.end());
    const bool constant =
        std::all_of(ds.target.begin(), ds.target.end(), [&](double v) { return v == ds.target[0]; });
    if (!constant) {
      try {
        validate_dataset(ds);
      } catch (const std::exception& e) {
        throw std::invalid_argument(std::string("distill: ") + e.what());
      }
    }
  }

  d.targets.resize(nt);
  auto fit_one = [&](std::size_t j) {
    const Dataset& ds = data[j];
    if (std::all_of(ds.target.begin(), ds.target.end(), [&](double v) { return v == ds.target[0]; })) {
      d.targets[j] = constant_fit(ds.target_name, ds.target[0]);
      return;
    }
    SearchOptions search = options.search;
    search.seed = options.search.seed + j;
    const SearchResult result = run_search(ds, search, options.selection, stop);
    d.targets[j].name = ds.target_name;
    d.targets[j].front = result.front;
    d.targets[j].chosen = result.chosen;
    d.targets[j].stats = result.stats;
  };
  if (options.cluster) {
    // Constant targets are fitted on every rank (no search); the others are spread.
    std::vector<std::size_t> searched;
    for (std::size_t j = 0; j < nt; ++j) {
      const Dataset& ds = data[j];
      if (std::all_of(ds.target.begin(), ds.target.end(), [&](double v) { return v == ds.target[0]; })) fit_one(j);
      else searched.push_back(j);
    }
    const std::vector<SearchResult> results = run_spread(*options.cluster, searched.size(), [&](std::size_t k) {
      SearchOptions search = options.search;
      search.seed = options.search.seed + searched[k];
      return run_search(data[searched[k]], search, options.selection, stop);
    });
    for (std::size_t k = 0; k < searched.size(); ++k) {
      TargetFit& t = d.targets[searched[k]];
      t.name = data[searched[k]].target_name;
      t.front = results[k].front;
      t.chosen = results[k].chosen;
      t.stats = results[k].stats;
    }
  } else if (options.parallel_targets && nt > 1)
    detail::parallel_for(std::size_t{0}, nt, fit_one);
  else
    for (std::size_t j = 0; j < nt; ++j) fit_one(j);
  return d;
}

}  // namespace symtorch
