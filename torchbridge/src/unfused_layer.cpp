#include "symtorch/torch/unfused_layer.hpp"

#include <ATen/ATen.h>

namespace symtorch {

namespace {

at::Tensor to_tensor(const std::vector<double>& v) {
  return at::tensor(at::ArrayRef<double>(v), at::TensorOptions().dtype(at::kDouble));
}

at::Tensor to_tensor(const std::vector<std::vector<double>>& rows) {
  std::vector<at::Tensor> parts;
  for (const auto& r : rows) parts.push_back(to_tensor(r));
  return at::stack(parts);
}

}  // namespace

UnfusedLayer::UnfusedLayer(const Distillation& d, const std::vector<std::size_t>& members, at::ScalarType dtype) {
  const std::string name = dtype == at::kFloat ? "float32" : "float64";
  keep_inputs_ = d.keep_inputs;
  if (!d.transforms.empty()) {
    std::vector<std::string> texts;
    for (const auto& t : d.transforms) texts.push_back(t.expression);
    transforms_ = c10::make_intrusive<ops::Equation>(texts, d.input_names, name);
  }
  std::vector<std::string> texts;
  for (std::size_t j = 0; j < d.targets.size(); ++j) texts.push_back(d.equation(j, members.at(j)));
  equations_ = c10::make_intrusive<ops::Equation>(texts, d.variable_names, name);
  const auto opts = at::TensorOptions().dtype(dtype);
  if (d.input_pca) {
    in_mean_ = to_tensor(d.input_pca->mean).to(opts);
    in_components_ = to_tensor(d.input_pca->components).to(opts);  // [k, d]
  }
  if (d.output_pca) {
    out_mean_ = to_tensor(d.output_pca->mean).to(opts);
    out_components_ = to_tensor(d.output_pca->components).to(opts);  // [k, n_out]
  }
}

at::Tensor UnfusedLayer::forward(const at::Tensor& rows) const {
  at::Tensor features = rows;
  if (transforms_) {
    const at::Tensor t = transforms_->forward(rows);
    features = keep_inputs_ ? at::cat({rows, t}, 1) : t;
  }
  if (in_components_.defined()) features = (features - in_mean_).matmul(in_components_.t());
  at::Tensor out = equations_->forward(features.contiguous());
  if (out_components_.defined()) out = out.matmul(out_components_) + out_mean_;
  return out;
}

}  // namespace symtorch
