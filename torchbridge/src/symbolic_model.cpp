// SymbolicModel: modes, recording, symbolic forward, switching, save/load, wrap.
// (The torch-free parts live in distill.cpp, model_file.cpp, reservoir.cpp and pca.cpp.)
#include "symtorch/torch/symbolic_model.hpp"

#include <c10/core/Event.h>
#include <c10/core/impl/VirtualGuardImpl.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/version.h>

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "symtorch/engine/printer.hpp"
#include "symtorch/torch/fused_layer.hpp"
#include "symtorch/torch/model_file.hpp"

namespace symtorch {

namespace fs = std::filesystem;

const char* to_string(ModelMode mode) {
  switch (mode) {
    case ModelMode::Neural: return "neural";
    case ModelMode::Recording: return "recording";
    case ModelMode::Symbolic: return "symbolic";
  }
  return "?";
}

namespace {

constexpr const char* kWeightsFile = "module.pt";

std::string shape_text(at::IntArrayRef sizes) {
  std::ostringstream s;
  s << sizes;
  return s.str();
}

bool is_float_type(at::ScalarType t) { return t == at::kFloat || t == at::kDouble; }

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Parameters and buffers of `m` (recursively) read from `archive` into new tensors, paired with
// the tensors they will replace. Checks names, shapes and dtypes; changes nothing.
void read_weights(torch::nn::Module& m, torch::serialize::InputArchive& archive, const std::string& prefix,
                  const std::string& file, std::vector<std::pair<at::Tensor, at::Tensor>>& out) {
  auto take = [&](const std::string& name, const at::Tensor& target, bool is_buffer) {
    at::Tensor value;
    if (!archive.try_read(name, value, is_buffer))
      throw std::invalid_argument(file + ": has no " + (is_buffer ? "buffer" : "parameter") + " '" + prefix + name +
                                  "' (a different module architecture?)");
    if (value.sizes() != target.sizes() || value.scalar_type() != target.scalar_type())
      throw std::invalid_argument(file + ": '" + prefix + name + "' has shape " + shape_text(value.sizes()) + " " +
                                  c10::toString(value.scalar_type()) + ", the module's has " +
                                  shape_text(target.sizes()) + " " + c10::toString(target.scalar_type()));
    out.emplace_back(target, value);
  };
  for (const auto& p : m.named_parameters(/*recurse=*/false)) take(p.key(), p.value(), false);
  for (const auto& b : m.named_buffers(/*recurse=*/false)) take(b.key(), b.value(), true);
  for (const auto& c : m.named_children()) {
    torch::serialize::InputArchive child;
    if (!archive.try_read(c.key(), child))
      throw std::invalid_argument(file + ": has no submodule '" + prefix + c.key() + "' (a different module architecture?)");
    read_weights(*c.value(), child, prefix + c.key() + ".", file, out);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Symbolic program: the distillation's transforms, PCA and chosen equations, compiled per dtype.

struct SymbolicModelImpl::Symbolic {
  Distillation distillation;
  std::vector<std::size_t> members;
  std::vector<std::string> equation_texts;  // over distillation.variable_names (for equations())

  std::mutex mutex;
  std::map<at::ScalarType, std::shared_ptr<const FusedLayer>> layers;

  // The fused kernel (forward and backward) for one dtype, compiled on first use.
  std::shared_ptr<const FusedLayer> get(at::ScalarType type) {
    std::lock_guard lock(mutex);
    if (auto it = layers.find(type); it != layers.end()) return it->second;
    auto layer = std::make_shared<const FusedLayer>(distillation, members, type);
    return layers.emplace(type, std::move(layer)).first->second;
  }
};

struct SymbolicModelImpl::PendingCopy {
  at::Tensor x, y;      // pinned host tensors being filled by a device-to-host copy
  at::Tensor slots;     // int64 CPU: reservoir slot of each row
  c10::Stream stream;   // the stream the copies were queued on
  c10::Event done;      // recorded on `stream` after the copies

  explicit PendingCopy(c10::Stream s) : stream(s), done(s.device_type()) {}
};

// ---------------------------------------------------------------------------------------------

SymbolicModelImpl::SymbolicModelImpl(torch::nn::AnyModule module, RecordingOptions recording)
    : recording_options_(recording), sampler_(recording.capacity, recording.seed) {
  if (module.is_empty()) throw std::invalid_argument("SymbolicModel: the AnyModule to wrap is empty");
  module_ = register_module("module", module.ptr());
  call_ = [any = std::move(module)](const torch::Tensor& x) mutable { return any.forward(x); };
}

SymbolicModelImpl::SymbolicModelImpl(torch::nn::Sequential module, RecordingOptions recording)
    : recording_options_(recording), sampler_(recording.capacity, recording.seed) {
  if (module.is_empty()) throw std::invalid_argument("SymbolicModel: the Sequential to wrap is empty");
  module_ = register_module("module", module.ptr());
  call_ = [seq = std::move(module)](const torch::Tensor& x) mutable { return seq->forward(x); };
}

SymbolicModelImpl::SymbolicModelImpl(Function function, RecordingOptions recording)
    : call_(std::move(function)), recording_options_(recording), sampler_(recording.capacity, recording.seed) {
  if (!call_) throw std::invalid_argument("SymbolicModel: the function to wrap is empty");
}

torch::Tensor SymbolicModelImpl::run_wrapped(const torch::Tensor& x) { return call_(x); }

void SymbolicModelImpl::check_input_shape(const torch::Tensor& x, const char* what) const {
  TORCH_CHECK(x.defined(), "SymbolicModel.", what, ": expected a tensor, got an undefined tensor");
  const std::int64_t n_in = num_inputs_ > 0                ? num_inputs_
                            : distillation_ ? static_cast<std::int64_t>(distillation_->num_inputs)
                                            : 0;
  TORCH_CHECK_VALUE(x.dim() >= 1, "SymbolicModel.", what,
                    ": expected a tensor of shape [..., inputs], got a 0-dimensional tensor");
  TORCH_CHECK_VALUE(n_in == 0 || x.size(-1) == n_in, "SymbolicModel.", what, ": expected a tensor of shape [..., ",
                    n_in, "] (the inputs this model recorded), got shape ", shape_text(x.sizes()));
}

torch::Tensor SymbolicModelImpl::forward(const torch::Tensor& x) {
  switch (mode_) {
    case ModelMode::Neural: return masked(run_wrapped(x));
    case ModelMode::Recording: {
      check_input_shape(x, "forward (recording)");
      torch::Tensor y = masked(run_wrapped(x));
      record(x, y);
      return y;
    }
    case ModelMode::Symbolic: return masked(forward_symbolic(x));
  }
  throw std::logic_error("SymbolicModel: invalid mode");
}

// ---------------------------------------------------------------------------------------------
// Recording

void SymbolicModelImpl::start_recording() { mode_ = ModelMode::Recording; }

void SymbolicModelImpl::stop_recording() {
  complete_copies(/*wait=*/true);
  if (mode_ == ModelMode::Recording) mode_ = ModelMode::Neural;
}

void SymbolicModelImpl::clear_recording() {
  pending_.clear();
  sampler_.clear();
  sample_x_ = sample_y_ = torch::Tensor();
  if (!distillation_) num_inputs_ = num_outputs_ = 0, output_squeezed_ = false;
}

std::pair<torch::Tensor, torch::Tensor> SymbolicModelImpl::recording() {
  complete_copies(/*wait=*/true);
  if (sampler_.size() == 0) return {};
  const auto n = static_cast<std::int64_t>(sampler_.size());
  return {sample_x_.narrow(0, 0, n).clone(), sample_y_.narrow(0, 0, n).clone()};
}

void SymbolicModelImpl::record(const torch::Tensor& x, const torch::Tensor& y) {
  complete_copies(/*wait=*/false);
  TORCH_CHECK_TYPE(is_float_type(x.scalar_type()),
                   "SymbolicModel recording: expected float32 or float64 inputs, got ", x.scalar_type());
  TORCH_CHECK(y.defined() && is_float_type(y.scalar_type()),
              "SymbolicModel recording: expected the wrapped module to return a float32 or float64 tensor");
  TORCH_CHECK(y.device() == x.device(), "SymbolicModel recording: the output is on ", y.device(),
              ", the input on ", x.device());
  const std::int64_t n_in = x.size(-1);
  const auto lead = x.sizes().slice(0, x.dim() - 1);
  std::int64_t n_out = 0;
  bool squeezed = false;
  if (y.dim() == x.dim() && y.sizes().slice(0, y.dim() - 1) == lead) {
    n_out = y.size(-1);
  } else if (y.dim() == x.dim() - 1 && y.sizes() == lead) {
    n_out = 1;
    squeezed = true;
  } else {
    TORCH_CHECK_VALUE(false, "SymbolicModel recording: for input shape ", shape_text(x.sizes()),
                      " the wrapped module returned shape ", shape_text(y.sizes()), "; expected ",
                      shape_text(lead), " + [outputs] (or ", shape_text(lead), " for one output)");
  }
  if (num_outputs_ > 0 || sample_x_.defined()) {
    TORCH_CHECK_VALUE(n_out == num_outputs_ && squeezed == output_squeezed_,
                      "SymbolicModel recording: the wrapped module returned ", n_out, " outputs", squeezed ? " (squeezed)" : "",
                      " per row, earlier calls ", num_outputs_, output_squeezed_ ? " (squeezed)" : "");
  }
  if (y.numel() == 0) return;
  if (!sample_x_.defined()) {
    const auto cap = static_cast<std::int64_t>(sampler_.capacity());
    sample_x_ = torch::empty({cap, n_in}, at::TensorOptions().dtype(x.scalar_type()));
    sample_y_ = torch::empty({cap, n_out}, at::TensorOptions().dtype(y.scalar_type()));
  }
  num_inputs_ = n_in;
  num_outputs_ = n_out;
  output_squeezed_ = squeezed;

  const std::int64_t rows = x.numel() / n_in;
  const auto placements = sampler_.offer(rows);
  if (placements.empty()) return;
  std::vector<std::int64_t> row_index, slot_index;
  row_index.reserve(placements.size());
  slot_index.reserve(placements.size());
  for (const auto& p : placements) {
    row_index.push_back(p.row);
    slot_index.push_back(p.slot);
  }
  const auto i64 = at::TensorOptions().dtype(at::kLong);
  const at::Tensor rows_cpu = torch::tensor(row_index, i64);
  const at::Tensor slots = torch::tensor(slot_index, i64);
  const at::Tensor x2 = x.detach().reshape({rows, n_in});
  const at::Tensor y2 = y.detach().reshape({rows, n_out});
  if (x.device().is_cpu()) {
    sample_x_.index_copy_(0, slots, x2.index_select(0, rows_cpu).to(sample_x_.scalar_type()));
    sample_y_.index_copy_(0, slots, y2.index_select(0, rows_cpu).to(sample_y_.scalar_type()));
    return;
  }
  // Off a GPU: gather the selected rows there, copy them into pinned host memory without
  // waiting, and note an event; the copy is scattered into the sample once the event is done.
  const at::Tensor rows_dev = rows_cpu.pin_memory().to(x.device(), /*non_blocking=*/true);
  const at::Tensor gx = x2.index_select(0, rows_dev).to(sample_x_.scalar_type());
  const at::Tensor gy = y2.index_select(0, rows_dev).to(sample_y_.scalar_type());
  const c10::impl::VirtualGuardImpl guard(x.device().type());
  auto pending = std::make_shared<PendingCopy>(guard.getStream(x.device()));
  pending->x = torch::empty(gx.sizes(), gx.options().device(at::kCPU).pinned_memory(true));
  pending->y = torch::empty(gy.sizes(), gy.options().device(at::kCPU).pinned_memory(true));
  pending->x.copy_(gx, /*non_blocking=*/true);
  pending->y.copy_(gy, /*non_blocking=*/true);
  pending->slots = slots;
  pending->done.record(pending->stream);
  pending_.push_back(std::move(pending));
}

void SymbolicModelImpl::complete_copies(bool wait) {
  // In order: a later copy may overwrite a slot of an earlier one.
  std::size_t done = 0;
  for (; done < pending_.size(); ++done) {
    auto& p = *pending_[done];
    if (wait)
      p.stream.synchronize();  // c10::Event has no synchronize() in this libtorch
    else if (!p.done.query())
      break;
    sample_x_.index_copy_(0, p.slots, p.x);
    sample_y_.index_copy_(0, p.slots, p.y);
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(done));
}

// ---------------------------------------------------------------------------------------------
// Distillation and switching

const Distillation& SymbolicModelImpl::distill(const DistillOptions& options) {
  complete_copies(/*wait=*/true);
  if (sampler_.size() == 0)
    throw std::invalid_argument(
        "SymbolicModel.distill: nothing recorded; call start_recording() and run the model on data first");
  const auto n = static_cast<std::int64_t>(sampler_.size());
  const at::Tensor x = sample_x_.narrow(0, 0, n).to(at::kDouble).contiguous();
  const at::Tensor y = sample_y_.narrow(0, 0, n).to(at::kDouble).contiguous();
  Distillation d = distill_rows(x.data_ptr<double>(), y.data_ptr<double>(), static_cast<std::size_t>(n),
                                static_cast<std::size_t>(num_inputs_), static_cast<std::size_t>(num_outputs_), options);
  distillation_ = std::move(d);
  return *distillation_;
}

const Distillation& SymbolicModelImpl::distill_slime(const DistillOptions& options, const SlimeOptions& slime) {
  complete_copies(/*wait=*/true);
  if (sampler_.size() == 0)
    throw std::invalid_argument(
        "SymbolicModel.distill_slime: nothing recorded; call start_recording() and run the model on data first");
  const auto n = static_cast<std::int64_t>(sampler_.size());
  const at::Tensor x = sample_x_.narrow(0, 0, n).to(at::kDouble).contiguous();
  const SlimeSample sample = slime_sample(x.data_ptr<double>(), static_cast<std::size_t>(n),
                                          static_cast<std::size_t>(num_inputs_), slime, options.search.seed);
  const auto rows = static_cast<std::int64_t>(sample.count());
  at::Tensor y;
  {
    torch::NoGradGuard no_grad;
    const at::Tensor xs = torch::from_blob(const_cast<double*>(sample.rows.data()), {rows, num_inputs_}, at::kDouble)
                              .to(sample_x_.scalar_type());
    y = run_wrapped(xs);
  }
  y = y.reshape({rows, num_outputs_}).to(at::kCPU, at::kDouble).contiguous();
  Distillation d = distill_rows(sample.rows.data(), y.data_ptr<double>(), sample.count(),
                                static_cast<std::size_t>(num_inputs_), static_cast<std::size_t>(num_outputs_), options,
                                sample.weights);
  distillation_ = std::move(d);
  return *distillation_;
}

const Distillation& SymbolicModelImpl::distillation() const {
  if (!distillation_) throw std::logic_error("SymbolicModel: no distillation yet; call distill() first");
  return *distillation_;
}

std::shared_ptr<SymbolicModelImpl::Symbolic> SymbolicModelImpl::build_symbolic(
    const Distillation& d, const std::vector<std::size_t>& members) const {
  auto s = std::make_shared<Symbolic>();
  s->distillation = d;
  s->members = members;
  for (std::size_t j = 0; j < d.targets.size(); ++j) s->equation_texts.push_back(d.equation(j, members[j]));
  // Compile the fused kernel, forward and backward, now for the dtype the model will most likely
  // see, so that errors show at the switch and the first backward finds its kernel ready.
  s->get(sample_x_.defined() ? sample_x_.scalar_type() : at::kFloat);
  return s;
}

namespace {
[[noreturn]] void no_equations(const char* what) {
  throw std::logic_error(std::string("SymbolicModel.") + what +
                         ": no equations; record (start_recording() and forward passes), then distill(), or "
                         "load() a saved model");
}
}  // namespace

void SymbolicModelImpl::switch_to_symbolic() {
  if (!distillation_) no_equations("switch_to_symbolic");
  std::vector<std::size_t> members;
  for (const auto& t : distillation_->targets) members.push_back(t.chosen);
  symbolic_ = build_symbolic(*distillation_, members);
  mode_ = ModelMode::Symbolic;
}

void SymbolicModelImpl::switch_to_symbolic(const std::vector<int>& complexity_per_target) {
  if (!distillation_) no_equations("switch_to_symbolic");
  const auto& targets = distillation_->targets;
  if (complexity_per_target.size() != targets.size())
    throw std::invalid_argument("SymbolicModel.switch_to_symbolic: " + std::to_string(complexity_per_target.size()) +
                                " complexities given for " + std::to_string(targets.size()) + " targets");
  std::vector<std::size_t> members;
  for (std::size_t j = 0; j < targets.size(); ++j)
    members.push_back(distillation_->member_at_complexity(j, complexity_per_target[j]));
  symbolic_ = build_symbolic(*distillation_, members);
  mode_ = ModelMode::Symbolic;
}

void SymbolicModelImpl::switch_to_neural() { mode_ = ModelMode::Neural; }

std::vector<std::size_t> SymbolicModelImpl::selected_members() const {
  if (symbolic_) return symbolic_->members;
  std::vector<std::size_t> members;
  if (distillation_)
    for (const auto& t : distillation_->targets) members.push_back(t.chosen);
  return members;
}

std::vector<std::string> SymbolicModelImpl::equations() const {
  if (symbolic_) return symbolic_->equation_texts;
  std::vector<std::string> out;
  if (distillation_)
    for (std::size_t j = 0; j < distillation_->targets.size(); ++j)
      out.push_back(distillation_->equation(j, distillation_->targets[j].chosen));
  return out;
}

torch::Tensor SymbolicModelImpl::forward_symbolic(const torch::Tensor& x) {
  if (!symbolic_) no_equations("forward");
  const Distillation& d = symbolic_->distillation;
  const auto n_in = static_cast<std::int64_t>(d.num_inputs);
  TORCH_CHECK(x.defined(), "SymbolicModel.forward: expected a tensor, got an undefined tensor");
  TORCH_CHECK_VALUE(x.dim() >= 1 && x.size(-1) == n_in, "SymbolicModel.forward: expected a tensor of shape [..., ",
                    n_in, "] (inputs ", c10::Join(", ", d.input_names), "), got shape ", shape_text(x.sizes()));
  TORCH_CHECK_TYPE(is_float_type(x.scalar_type()), "SymbolicModel.forward: expected a float32 or float64 tensor, got ",
                   x.scalar_type());
  TORCH_CHECK(x.device().is_cpu(), "SymbolicModel.forward: expected a CPU tensor, got a tensor on ", x.device(),
              " (CUDA tensors are not supported by this build: its libtorch is CPU-only)");
  const auto layer = symbolic_->get(x.scalar_type());
  const at::Tensor out = layer->forward(x.reshape({-1, n_in}).contiguous());
  std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end() - 1);
  const bool squeezed = output_squeezed_ && static_cast<std::int64_t>(d.num_outputs) == 1;
  if (!squeezed) shape.push_back(static_cast<std::int64_t>(d.num_outputs));
  return out.reshape(shape);
}

// ---------------------------------------------------------------------------------------------
// Pruning

torch::Tensor SymbolicModelImpl::masked(const torch::Tensor& y) const {
  if (!pruning_) return y;
  const std::int64_t width = pruning_mask_.size(0);
  TORCH_CHECK_VALUE(y.dim() >= 1 && (y.size(-1) == width || (width == 1 && output_squeezed_)),
                    "SymbolicModel.forward: pruning was set up for ", width, " output dimensions, the output has shape ",
                    shape_text(y.sizes()));
  const at::Tensor mask = pruning_mask_.to(y.device(), y.scalar_type());
  return y.size(-1) == width ? y * mask : y * mask[0];
}

void SymbolicModelImpl::set_pruning(std::optional<PruningState> state) {
  if (!state) {
    pruning_.reset();
    pruning_schedule_.clear();
    pruning_mask_ = at::Tensor();
    return;
  }
  std::vector<std::int64_t> schedule = pruning_schedule(state->options);
  at::Tensor mask = torch::zeros({state->options.initial_dim}, torch::kFloat64);
  for (const std::int64_t d : state->active) mask[d] = 1.0;
  pruning_schedule_ = std::move(schedule);
  pruning_mask_ = mask;
  pruning_ = std::move(state);
}

void SymbolicModelImpl::setup_pruning(const PruningOptions& options) {
  check(options);
  const std::int64_t outputs = distillation_ ? static_cast<std::int64_t>(distillation_->num_outputs) : num_outputs_;
  if (outputs > 0 && options.initial_dim != outputs)
    throw std::invalid_argument("SymbolicModel.setup_pruning: initial_dim is " + std::to_string(options.initial_dim) +
                                ", the wrapped block has " + std::to_string(outputs) + " outputs");
  PruningState state{options, {}};
  for (std::int64_t d = 0; d < options.initial_dim; ++d) state.active.push_back(d);
  set_pruning(std::move(state));
}

void SymbolicModelImpl::prune(std::int64_t step, const torch::Tensor& sample_inputs) {
  if (!pruning_) throw std::logic_error("SymbolicModel.prune: pruning is not set up; call setup_pruning() first");
  if (step < 0 || step >= pruning_->options.total_steps) return;
  TORCH_CHECK(sample_inputs.defined(), "SymbolicModel.prune: expected a tensor of sample inputs, got an undefined tensor");
  TORCH_CHECK_VALUE(sample_inputs.dim() >= 1, "SymbolicModel.prune: expected sample inputs of shape [..., n_in], got a scalar");
  at::Tensor y;
  {
    torch::NoGradGuard no_grad;
    y = run_wrapped(sample_inputs);
  }
  const std::int64_t width = pruning_->options.initial_dim;
  const bool one_per_row = width == 1 && y.dim() == sample_inputs.dim() - 1;  // a block that returns [...]
  if (!one_per_row && (y.dim() < 1 || y.size(-1) != width))
    throw std::invalid_argument("SymbolicModel.prune: pruning was set up for " + std::to_string(width) +
                                " output dimensions, the block's output on the sample has shape " + shape_text(y.sizes()));
  const at::Tensor rows = y.detach().to(torch::kCPU, torch::kFloat64).reshape({-1, width});
  if (rows.size(0) < 2)
    throw std::invalid_argument("SymbolicModel.prune: the sample gives " + std::to_string(rows.size(0)) +
                                " row(s); the spread of an output needs at least 2");
  const at::Tensor spread = rows.std(0).contiguous();
  const std::vector<double> values(spread.data_ptr<double>(), spread.data_ptr<double>() + width);
  PruningState state = *pruning_;
  state.active = dimensions_of_largest_spread(values, static_cast<std::size_t>(pruning_schedule_[static_cast<std::size_t>(step)]));
  set_pruning(std::move(state));
}

const std::vector<std::int64_t>& SymbolicModelImpl::active_dimensions() const {
  if (!pruning_) throw std::logic_error("SymbolicModel.active_dimensions: pruning is not set up; call setup_pruning() first");
  return pruning_->active;
}

// ---------------------------------------------------------------------------------------------
// Persistence

void SymbolicModelImpl::save(const std::string& dir) const {
  const fs::path root(dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the directory: " + ec.message());

  ModelFile f;
  f.mode = mode_ == ModelMode::Symbolic ? "symbolic" : "neural";
  f.num_inputs = num_inputs_;
  f.num_outputs = num_outputs_;
  f.output_squeezed = output_squeezed_;
  if (distillation_) {
    f.num_inputs = static_cast<std::int64_t>(distillation_->num_inputs);
    f.num_outputs = static_cast<std::int64_t>(distillation_->num_outputs);
    f.distillation = symbolic_ && mode_ == ModelMode::Symbolic ? symbolic_->distillation : *distillation_;
    f.selected = symbolic_ && mode_ == ModelMode::Symbolic ? symbolic_->members : selected_members();
  } else if (mode_ == ModelMode::Symbolic) {
    f.mode = "neural";
  }
  f.pruning = pruning_;
  if (module_) {
    const fs::path weights = root / kWeightsFile;
    const fs::path tmp = weights.string() + ".tmp-" + std::to_string(::getpid());
    torch::serialize::OutputArchive archive;
    module_->save(archive);
    archive.save_to(tmp.string());
    fs::rename(tmp, weights, ec);
    if (ec) {
      fs::remove(tmp, ec);
      throw std::runtime_error(weights.string() + ": cannot rename the temporary file into place");
    }
    f.weights = WeightsFile{kWeightsFile, fs::file_size(weights), fnv1a64_file(weights)};
  }
  f.metadata = {{"symtorch_version", "0.1.0"},
                {"torch_version", TORCH_VERSION},
                {"saved_utc", utc_now()},
                {"recorded_rows", sampler_.size()},
                {"seen_rows", sampler_.seen()}};
  write_file_atomically(root / ModelFile::kFileName, to_json(f).dump(2) + "\n");
}

void SymbolicModelImpl::load(const std::string& dir) {
  const fs::path root(dir);
  const ModelFile f = read_model_file(root / ModelFile::kFileName);

  // Dimensions must agree with what this model already recorded.
  if (sample_x_.defined() && f.num_inputs > 0 &&
      (f.num_inputs != num_inputs_ || f.num_outputs != num_outputs_ || f.output_squeezed != output_squeezed_))
    throw std::invalid_argument(dir + ": the saved model has " + std::to_string(f.num_inputs) + " inputs and " +
                                std::to_string(f.num_outputs) + " outputs, this model recorded " +
                                std::to_string(num_inputs_) + " and " + std::to_string(num_outputs_));

  std::vector<std::pair<at::Tensor, at::Tensor>> weights;
  if (f.weights) {
    if (!module_)
      throw std::invalid_argument(dir + ": the saved model has module weights, but this SymbolicModel wraps a function");
    const fs::path path = root / f.weights->file;
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) throw std::invalid_argument(path.string() + ": cannot be read (" + ec.message() + ")");
    if (size != f.weights->bytes || fnv1a64_file(path) != f.weights->fnv1a64)
      throw std::invalid_argument(path.string() + ": damaged or replaced (size or checksum differs from " +
                                  ModelFile::kFileName + ")");
    torch::serialize::InputArchive archive;
    try {
      archive.load_from(path.string());
    } catch (const c10::Error& e) {
      throw std::invalid_argument(path.string() + ": not a torch archive (" + e.what_without_backtrace() + ")");
    }
    read_weights(*module_, archive, "", path.string(), weights);
  } else if (module_) {
    throw std::invalid_argument(dir + ": the saved model has no module weights, but this SymbolicModel wraps a module");
  }

  std::shared_ptr<Symbolic> symbolic;
  if (f.mode == "symbolic") symbolic = build_symbolic(*f.distillation, f.selected);

  // Nothing below throws: commit.
  {
    torch::NoGradGuard no_grad;
    for (auto& [target, value] : weights) target.copy_(value);
  }
  pending_.clear();
  if (!sample_x_.defined()) {
    num_inputs_ = f.num_inputs;
    num_outputs_ = f.num_outputs;
    output_squeezed_ = f.output_squeezed;
  }
  distillation_ = f.distillation;
  symbolic_ = symbolic;
  set_pruning(f.pruning);
  mode_ = f.mode == "symbolic" ? ModelMode::Symbolic : ModelMode::Neural;
}

// ---------------------------------------------------------------------------------------------

SymbolicModel wrap(torch::nn::Module& parent, const std::string& name, RecordingOptions recording) {
  torch::nn::Module* holder = &parent;
  std::string last = name, walked;
  for (auto dot = last.find('.'); dot != std::string::npos; dot = last.find('.')) {
    const std::string head = last.substr(0, dot);
    const auto children = holder->named_children();
    if (!children.contains(head))
      throw std::invalid_argument("wrap: '" + walked + head + "' is not a submodule of " + parent.name());
    holder = children[head].get();
    walked += head + ".";
    last = last.substr(dot + 1);
  }
  auto* seq = dynamic_cast<torch::nn::SequentialImpl*>(holder);
  if (!seq)
    throw std::invalid_argument("wrap: the parent of '" + name + "' is a " + holder->name() +
                                ", not a torch::nn::Sequential; a plain Module calls its children through C++ "
                                "members that cannot be redirected: declare the member as a symtorch::SymbolicModel");
  const auto children = seq->named_children();
  std::size_t index = 0;
  for (; index < children.size(); ++index)
    if (children.keys()[index] == last) break;
  if (index == children.size() || children.size() != seq->size())
    throw std::invalid_argument("wrap: '" + name + "' is not a submodule of " + parent.name() + " (it has " +
                                c10::Join(", ", children.keys()) + ")");
  torch::nn::AnyModule& slot = *(seq->begin() + static_cast<std::ptrdiff_t>(index));
  SymbolicModel wrapper(slot, recording);
  slot = torch::nn::AnyModule(wrapper);
  seq->replace_module(last, wrapper.ptr());
  return wrapper;
}

}  // namespace symtorch
