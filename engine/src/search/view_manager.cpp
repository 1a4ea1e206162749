#include "view_manager.hpp"

#include <algorithm>
#include <cmath>

#include "polish.hpp"

namespace symtorch::search_detail {

template <typename T>
ViewManager<T>::ViewManager(const Dataset& data, const SearchOptions& options, FullDataJudge<T>& judge)
    : data_(data),
      options_(options),
      judge_(judge),
      allowed_(options.operator_set()),
      schedule_(schedule_of(options)),
      active_(options.subset_redraw_iterations > 0 && !options.use_batching(data.rows())),
      epoch_(schedule_.at(0, options)) {
  names_ = data.feature_names;
  for (std::size_t k = names_.size(); k < data.num_features(); ++k) names_.push_back("x" + std::to_string(k));
}

template <typename T>
int ViewManager<T>::epoch_of(int iteration) const {
  return options_.subset_redraw_iterations > 0 ? iteration / options_.subset_redraw_iterations : 0;
}

template <typename T>
const std::vector<ViewPtr>& ViewManager<T>::applicable(const ViewKind& kind) {
  for (const auto& [k, views] : applicable_)
    if (k == &kind) return views;
  const Dataset& over = kind.over_merged_variables() && merge_ ? *merged_data_ : data_;
  applicable_.emplace_back(&kind, kind.applicable(ViewContext{over, allowed_, options_}));
  return applicable_.back().second;
}

template <typename T>
bool ViewManager<T>::set_epoch(int epoch) {
  epoch_ = schedule_.at(epoch, options_);
  if (!active_) return false;
  ViewPtr target;
  const ViewKind* kind = epoch_.view.empty() ? nullptr : find_view_kind(epoch_.view);
  if (kind && options_.view_enabled(kind->name())) {
    const auto& views = applicable(*kind);
    if (!views.empty()) target = views[static_cast<std::size_t>(epoch_.occurrence) % views.size()];
  }
  ViewPtr view;
  if (target && merge_) {
    view = std::make_shared<ChainView>(kind->over_merged_variables() ? std::vector<ViewPtr>{merge_, target}
                                                                     : std::vector<ViewPtr>{target, merge_});
  } else {
    view = target ? target : merge_;
  }
  const auto spec = [](const ViewPtr& v) { return v ? std::optional<ViewSpec>(v->spec()) : std::nullopt; };
  if (spec(view) == spec(view_)) return false;
  install(std::move(view));
  return true;
}

template <typename T>
void ViewManager<T>::install(ViewPtr view) {
  view_ = std::move(view);
  restored_.clear();
  context_.reset();
  view_data_.reset();
  if (!view_) return;
  view_data_ = std::make_unique<Dataset>(view_->transform(data_));
  context_ = std::make_unique<SearchContext<T>>(options_, *view_data_, weighted_variance(*view_data_));
  const SearchContext<T>& user = judge_.user();
  context_->stop = user.stop;
  context_->deadline = user.deadline;
  context_->cpu_deadline = user.cpu_deadline;
  described_ = false;
}

template <typename T>
void ViewManager<T>::note_searched() {
  if (!view_ || described_) return;
  described_ = true;
  const std::string text = view_->describe(names_);
  if (std::find(searched_.begin(), searched_.end(), text) == searched_.end()) searched_.push_back(text);
}

template <typename T>
void ViewManager<T>::resume(int epoch, const std::optional<ViewSpec>& epoch_view, const std::vector<ViewSpec>& found) {
  epoch_ = schedule_.at(epoch, options_);
  for (const auto& spec : found) {
    merge_ = view_from_spec(spec, data_);
    merged_data_ = std::make_unique<Dataset>(merge_->transform(data_));
  }
  if (epoch_view) install(view_from_spec(*epoch_view, data_));
}

template <typename T>
void ViewManager<T>::find_views(const HallOfFame& hof, double baseline_loss) {
  if (!active_) return;
  for (const ViewKind* kind : view_kinds()) {
    if (kind->role() != ViewKind::Role::Variables || !options_.view_enabled(kind->name())) continue;
    ViewContext context{data_, allowed_, options_};
    // A merge lasts for the rest of the search, so only equations good enough to be the law
    // are read: R² >= 0.9999, or, on noisy data, whose fit no equation can much improve on
    // (within a factor 2 of the best loss found, which sits at the noise floor there) if they
    // explain at least 99.9% of the variance of y.
    const double accurate = std::min(1e-3 * baseline_loss, std::max(1e-4 * baseline_loss, 2 * hof.best_loss()));
    for (const auto& slot : hof.slots())
      if (slot && slot->loss <= accurate && tested_.insert(slot->expr.hash(true)).second)
        context.accurate_equations.push_back(slot->expr);
    if (context.accurate_equations.empty()) continue;
    std::vector<ViewPtr> found;
    judge_.arena().execute([&] { found = kind->applicable(context); });
    // Keep the one with the fewest variables, if fewer than now: merges only ever go further.
    std::size_t fewest = merge_ ? merge_->transformed_variables(data_.num_features()) : data_.num_features();
    ViewPtr best;
    for (const auto& v : found)
      if (const std::size_t n = v->transformed_variables(data_.num_features()); n < fewest) {
        fewest = n;
        best = v;
      }
    if (!best) continue;
    merge_ = best;
    merged_data_ = std::make_unique<Dataset>(merge_->transform(data_));
    std::erase_if(applicable_, [](const auto& entry) { return entry.first->over_merged_variables(); });
  }
}

template <typename T>
std::optional<ViewSpec> ViewManager<T>::epoch_spec() const {
  return view_ ? std::optional<ViewSpec>(view_->spec()) : std::nullopt;
}

template <typename T>
std::vector<ViewSpec> ViewManager<T>::found_specs() const {
  return merge_ ? std::vector<ViewSpec>{merge_->spec()} : std::vector<ViewSpec>{};
}

template <typename T>
std::vector<std::string> ViewManager<T>::found_descriptions(const std::vector<std::string>& names) const {
  if (!merge_) return {};
  return merge_->transformed_names(names);
}

template <typename T>
void ViewManager<T>::restore(std::vector<Member>& members, bool scaled) {
  const SearchContext<T>& user = judge_.user();
  std::vector<Member*> todo;
  std::vector<std::uint64_t> keys;
  std::unordered_set<std::uint64_t> queued;
  for (auto& m : members) {
    m = explicit_member(m, scaled, options_, context_->baseline);
    m.expr = view_->restore(m.expr);
    m.complexity = m.expr.complexity();
    m.loss = kInf;
    m.cost = kInf;
    if (m.complexity > options_.maxsize || !user.constraints.satisfied(m.expr, m.complexity, options_.maxsize)) continue;
    const std::uint64_t key = m.expr.hash(true);
    if (restored_.count(key) || !queued.insert(key).second) continue;
    todo.push_back(&m);
    keys.push_back(key);
  }
  judge_.evaluate(todo, keys, restored_);
  for (auto& m : members) {
    const auto it = restored_.find(m.expr.hash(true));
    if (it == restored_.end() || !std::isfinite(it->second.loss)) continue;
    m.loss = it->second.loss;
    m.cost = user.cost(m.loss, m.complexity);
  }
}

template class ViewManager<float>;
template class ViewManager<double>;

}  // namespace symtorch::search_detail
