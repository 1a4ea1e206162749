#include "view_schedule.hpp"

#include <stdexcept>
#include <string_view>

#include "../text_fields.hpp"
#include "symtorch/engine/random.hpp"
#include "views/problem_view.hpp"

namespace symtorch::search_detail {
namespace {

const char* subset_name(Subset s) {
  switch (s) {
    case Subset::None: return "none";
    case Subset::Each: return "each";
    case Subset::Half: return "half";
    case Subset::All: return "all";
  }
  return "?";
}

std::vector<EpochSpec> parse_list(std::string_view text, const std::string& whole) {
  std::vector<EpochSpec> out;
  for (const std::string& item : detail::split_fields(text, ',')) {
    if (item.empty()) throw std::invalid_argument("empty epoch in schedule '" + whole + "'");
    const std::size_t colon = item.find(':');
    const std::string subset = detail::trim(std::string_view(item).substr(0, colon));
    EpochSpec spec;
    if (subset == "none") spec.subset = Subset::None;
    else if (subset == "each") spec.subset = Subset::Each;
    else if (subset == "half") spec.subset = Subset::Half;
    else if (subset == "all") spec.subset = Subset::All;
    else
      throw std::invalid_argument("unknown operator subset '" + subset + "' in schedule epoch '" + item +
                                  "' (known: none, each, half, all)");
    if (colon != std::string::npos) {
      spec.view = detail::trim(std::string_view(item).substr(colon + 1));
      const ViewKind* kind = find_view_kind(spec.view);
      if (!kind || kind->role() != ViewKind::Role::Target) {
        std::string known;
        for (const ViewKind* k : view_kinds())
          if (k->role() == ViewKind::Role::Target) known += (known.empty() ? "" : ", ") + k->name();
        throw std::invalid_argument("unknown problem view '" + spec.view + "' in schedule epoch '" + item +
                                    "' (views an epoch can search: " + known + ")");
      }
    }
    out.push_back(spec);
  }
  return out;
}

std::string list_text(const std::vector<EpochSpec>& specs) {
  std::string out;
  for (const auto& s : specs) out += (out.empty() ? "" : ", ") + std::string(subset_name(s.subset)) + (s.view.empty() ? "" : ":" + s.view);
  return out;
}

}  // namespace

ViewSchedule ViewSchedule::standard() {
  return parse("none, each | half:outer, half:numerator, half:outer, half:envelope");
}

ViewSchedule ViewSchedule::parse(const std::string& text) {
  ViewSchedule s;
  const std::size_t bar = text.find('|');
  if (bar == std::string::npos) {
    s.repeated_ = parse_list(text, text);
  } else {
    if (text.find('|', bar + 1) != std::string::npos)
      throw std::invalid_argument("schedule '" + text + "' has more than one '|'");
    s.once_ = parse_list(std::string_view(text).substr(0, bar), text);
    s.repeated_ = parse_list(std::string_view(text).substr(bar + 1), text);
  }
  return s;
}

std::string ViewSchedule::text() const {
  return once_.empty() ? list_text(repeated_) : list_text(once_) + " | " + list_text(repeated_);
}

std::vector<EpochSpec> ViewSchedule::expanded(const std::vector<EpochSpec>& specs, std::size_t unary) const {
  std::vector<EpochSpec> out;
  for (const auto& s : specs) {
    if (s.subset != Subset::Each) {
      out.push_back(s);
      continue;
    }
    for (std::size_t k = 0; k < unary; ++k) {
      EpochSpec one = s;
      one.alone = static_cast<int>(k);
      out.push_back(one);
    }
  }
  return out;
}

Epoch ViewSchedule::at(int epoch, const SearchOptions& o) const {
  const std::size_t unary = o.unary_operators.size();
  const std::vector<EpochSpec> once = expanded(once_, unary), repeated = expanded(repeated_, unary);
  const auto e = static_cast<std::size_t>(epoch);
  // The spec of epoch e and how many epochs before it searched the same view kind.
  auto count = [](const std::vector<EpochSpec>& specs, std::size_t n, const std::string& view) {
    int c = 0;
    for (std::size_t i = 0; i < n && i < specs.size(); ++i) c += specs[i].view == view;
    return c;
  };
  EpochSpec spec;
  int occurrence = 0;
  if (e < once.size() || repeated.empty()) {
    spec = e < once.size() ? once[e] : (once.empty() ? EpochSpec{Subset::None, "", -1} : once.back());
    occurrence = count(once, e, spec.view);
  } else {
    const std::size_t k = e - once.size();
    spec = repeated[k % repeated.size()];
    occurrence = count(once, once.size(), spec.view) +
                 static_cast<int>(k / repeated.size()) * count(repeated, repeated.size(), spec.view) +
                 count(repeated, k % repeated.size(), spec.view);
  }
  Epoch out;
  out.view = spec.view;
  out.occurrence = occurrence;
  switch (spec.subset) {
    case Subset::None: break;
    case Subset::Each:
      if (spec.alone >= 0) out.unary = {o.unary_operators[static_cast<std::size_t>(spec.alone)]};
      break;
    case Subset::All: out.unary = o.unary_operators; break;
    case Subset::Half: {
      // From its own stream, so the draw does not shift any other random draw.
      auto rng = SearchRng::stream(o.seed ^ 0x5EB5E7ull, static_cast<std::uint64_t>(epoch));
      for (const Op op : o.unary_operators)
        if (rng.coin()) out.unary.push_back(op);
      break;
    }
  }
  return out;
}

ViewSchedule schedule_of(const SearchOptions& options) {
  return options.schedule.empty() ? ViewSchedule::standard() : ViewSchedule::parse(options.schedule);
}

}  // namespace symtorch::search_detail
