// SymbolicModel: the SymTorch workflow (Wrap -> Distill -> Switch) on a LibTorch module.
//
//   auto mlp = torch::nn::Sequential(torch::nn::Linear(3, 64), torch::nn::Tanh(), torch::nn::Linear(64, 1));
//   ... train mlp ...
//   auto model = symtorch::SymbolicModel(mlp);                          // wrap
//   model->start_recording();
//   for (auto& batch : data) model->forward(batch);                     // record
//   symtorch::DistillOptions opt;
//   opt.input_names = {"a", "b", "c"};
//   model->distill(opt);                                                // distill
//   model->switch_to_symbolic();                                        // switch
//   std::cout << model->equations()[0];
//   model->save("model_dir");
//
// Modes:
//  - Neural: forward runs the wrapped module.
//  - Recording: forward runs the wrapped module and offers every call's rows to a uniform
//    random sample (reservoir) kept on the CPU. Inputs of any rank are flattened to rows: x of
//    shape [..., n_in] gives x.numel() / n_in rows; the output must be [..., n_out] with the same
//    leading dimensions, or [...] (one output, last dimension dropped). Copies off a GPU are
//    non-blocking into pinned memory and are completed at the next call (or when the sample is
//    needed), so recording does not wait for the forward pass to finish.
//  - Symbolic: forward evaluates the equations through the same input transforms and PCA as
//    distill() used, all of it one fused native kernel (fused_layer.hpp: compiled from the
//    equations' Expressions by the native JIT at the switch, with its backward; differentiable
//    with respect to the input). CPU only, float32 and float64 (a second dtype compiles on its
//    first use).
// No mode change touches the wrapped module's train/eval flag; the wrapper's own train()/eval()
// propagate to it as for any child module.
//
// Errors (std::invalid_argument or std::runtime_error; c10::Error from torch's own checks)
// name what was wrong, and leave the model as it was.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "symtorch/torch/distill.hpp"
#include "symtorch/torch/equation.hpp"
#include "symtorch/torch/pruning.hpp"
#include "symtorch/torch/reservoir.hpp"
#include "symtorch/torch/slime.hpp"

namespace symtorch {

enum class ModelMode { Neural, Recording, Symbolic };
const char* to_string(ModelMode mode);

struct RecordingOptions {
  std::size_t capacity = 20000;  // rows kept: a uniform sample of all rows seen
  std::uint64_t seed = 0;        // of the sampling
};

class SymbolicModelImpl : public torch::nn::Module {
 public:
  using Function = std::function<torch::Tensor(const torch::Tensor&)>;

  // Wraps a module (registered as the child "module": its parameters are the wrapper's).
  // The module's forward must take one tensor and return one tensor.
  explicit SymbolicModelImpl(torch::nn::AnyModule module, RecordingOptions recording = {});
  // A module holder (e.g. torch::nn::Linear, or a TORCH_MODULE of your own).
  template <typename ModuleType>
  explicit SymbolicModelImpl(torch::nn::ModuleHolder<ModuleType> module, RecordingOptions recording = {})
      : SymbolicModelImpl(torch::nn::AnyModule(module), recording) {}
  // A Sequential (which AnyModule cannot hold: its forward is a template).
  explicit SymbolicModelImpl(torch::nn::Sequential module, RecordingOptions recording = {});
  // Wraps a function (no parameters; save() writes no weights).
  explicit SymbolicModelImpl(Function function, RecordingOptions recording = {});

  torch::Tensor forward(const torch::Tensor& x);

  ModelMode mode() const { return mode_; }

  // --- recording ---
  void start_recording();  // mode -> Recording (the sample so far is kept)
  void stop_recording();   // Recording -> Neural; completes pending copies
  void clear_recording();  // forgets the sample and the recorded shapes
  std::size_t recorded_rows() const { return sampler_.size(); }
  std::int64_t seen_rows() const { return sampler_.seen(); }
  // The sample as CPU tensors: inputs [rows, n_in], outputs [rows, n_out] (completes pending
  // copies first). Undefined tensors when nothing was recorded.
  std::pair<torch::Tensor, torch::Tensor> recording();

  // --- distillation ---
  // Fits every output (in parallel) from the recording; may be called again with other options
  // (the recording is reused). Does not change the mode: a model in symbolic mode keeps the
  // equations it switched to until switch_to_symbolic() is called again. Throws, leaving the
  // previous result, when nothing was recorded or the options do not fit the recording.
  const Distillation& distill(const DistillOptions& options = {});
  // SLIME: a local surrogate around slime.point. Takes the recorded inputs' nearest rows and
  // Gaussian samples (slime.hpp, seeded with options.search.seed), runs the wrapped module or
  // function on them (no grad) and fits its outputs with the proximity weights. The result
  // replaces the distillation as distill() does (and saves as one). Throws, changing nothing,
  // for bad SLIME options or when nothing was recorded.
  const Distillation& distill_slime(const DistillOptions& options, const SlimeOptions& slime);
  bool has_distillation() const { return distillation_.has_value(); }
  const Distillation& distillation() const;  // throws std::logic_error if none

  // Symbolic mode with each target's chosen member (by the options' selection), or the member
  // at the given complexity per target (the largest complexity <= it). Compiles the equations
  // first; throws, leaving the mode, with no distillation or a bad complexity list.
  void switch_to_symbolic();
  void switch_to_symbolic(const std::vector<int>& complexity_per_target);
  void switch_to_neural();

  // The equations symbolic mode evaluates (after a switch), or else the chosen members of the
  // latest distillation; over distillation().variable_names. Empty if neither exists.
  std::vector<std::string> equations() const;
  // Front member index per target that equations() reports.
  std::vector<std::size_t> selected_members() const;

  // --- pruning (SymTorch's setup_pruning / prune) ---
  // With pruning set up, every forward (neural, recording and symbolic) multiplies the outputs
  // by the mask of active dimensions, so training sees only those, recordings hold zeros in
  // the pruned ones (which distill() fits as the constant 0, without a search) and the switch
  // keeps them zero. setup_pruning checks the options (pruning.hpp) and, where the model has
  // recorded or loaded its outputs, that initial_dim is their number; it makes every
  // dimension active. Throws std::invalid_argument, changing nothing.
  void setup_pruning(const PruningOptions& options);
  // Keeps the schedule's number of dimensions at `step` (nothing happens for a step outside
  // 0 .. total_steps - 1): those whose outputs on `sample_inputs` [..., n_in] (the wrapped
  // module or function run without gradients, the mask not applied) have the largest standard
  // deviation. Throws std::logic_error before setup_pruning, std::invalid_argument when the
  // outputs' width is not initial_dim; the mask is unchanged then.
  void prune(std::int64_t step, const torch::Tensor& sample_inputs);
  bool pruning_enabled() const { return pruning_.has_value(); }
  // The active dimensions, increasing; throws std::logic_error before setup_pruning.
  const std::vector<std::int64_t>& active_dimensions() const;
  // Active dimensions per step of the schedule set up.
  const std::vector<std::int64_t>& pruning_steps() const { return pruning_schedule_; }

  // --- persistence ---
  // Writes DIR/symbolic_model.json (equations, fronts, PCA bases, transforms, options summary,
  // metadata; readable) and DIR/module.pt (the wrapped module's parameters and buffers,
  // torch::serialize), each to a temporary file renamed into place. Creates DIR.
  void save(const std::string& dir) const;
  // Reads what save() wrote into this model (same architecture). Everything is read and
  // checked (JSON structure, equations, PCA shapes, weight names and shapes, weight file
  // checksum) before anything changes; a damaged or mismatched directory is refused with the
  // file and the problem named, and the model stays as it was. Restores the saved mode
  // (recording becomes neural: the sample is not saved).
  void load(const std::string& dir);

  // The wrapped module; null when a function is wrapped.
  std::shared_ptr<torch::nn::Module> wrapped_module() const { return module_; }

 private:
  struct Symbolic;  // compiled equations per dtype, PCA tensors
  struct PendingCopy;

  torch::Tensor run_wrapped(const torch::Tensor& x);
  void record(const torch::Tensor& x, const torch::Tensor& y);
  void complete_copies(bool wait);
  torch::Tensor forward_symbolic(const torch::Tensor& x);
  torch::Tensor masked(const torch::Tensor& y) const;  // y times the pruning mask (none: y)
  void set_pruning(std::optional<PruningState> state);
  std::shared_ptr<Symbolic> build_symbolic(const Distillation& d, const std::vector<std::size_t>& members) const;
  void check_input_shape(const torch::Tensor& x, const char* what) const;

  std::shared_ptr<torch::nn::Module> module_;  // parameters, buffers, save/load; null for a function
  Function call_;                               // runs the wrapped module or function
  ModelMode mode_ = ModelMode::Neural;

  RecordingOptions recording_options_;
  ReservoirSampler sampler_;
  torch::Tensor sample_x_, sample_y_;       // CPU [capacity, n_in] / [capacity, n_out]
  std::int64_t num_inputs_ = 0, num_outputs_ = 0;
  bool output_squeezed_ = false;             // the module returns [...] rather than [..., 1]
  std::vector<std::shared_ptr<PendingCopy>> pending_;

  std::optional<Distillation> distillation_;
  std::shared_ptr<Symbolic> symbolic_;

  std::optional<PruningState> pruning_;
  std::vector<std::int64_t> pruning_schedule_;  // active dimensions per step
  torch::Tensor pruning_mask_;                  // CPU float64 [initial_dim], 1 where active
};

TORCH_MODULE(SymbolicModel);

// Replaces `parent`'s child `name` by a SymbolicModel wrapping it, in place, and returns the
// wrapper. `parent` must be a torch::nn::Sequential (or hold the child in one under a dotted
// path, e.g. "encoder.2"): Sequential calls its children through its own list, which is
// updated together with the registered child, so the parent's forward now runs the wrapper.
// A plain Module calls its children through C++ members that cannot be redirected; declare
// such a member as a symtorch::SymbolicModel instead. Throws std::invalid_argument naming the
// missing child or the parent type.
SymbolicModel wrap(torch::nn::Module& parent, const std::string& name, RecordingOptions recording = {});

}  // namespace symtorch
