// torch.classes.symtorch.Regressor: SearchJob (search_job.hpp) behind tensors, for the Python
// package (python/symtorch_cpp). A TorchScript custom class rather than a pybind11 module: the
// op library is already loaded by torch.ops.load_library for Equation, so Python needs no
// second extension built against its own headers, and the class works in any Python that has
// the torch this library was built with.
//
//   r = torch.classes.symtorch.Regressor(options_json)
//   r.start(X, Y, weights, names, output_names)   # X [n, k], Y [n, m] (or [n]), weights [n] or None
//   while not r.wait(0.1): pass                    # Ctrl-C between polls: r.request_stop()
//   result = json.loads(r.result())
//
// Engine errors arrive as Python ValueError (bad data or options) or RuntimeError (anything
// else), with the engine's message.
#include <torch/custom_class.h>
#include <torch/library.h>

#include <memory>
#include <sstream>
#include <stdexcept>

#include "symtorch/torch/search_job.hpp"

namespace symtorch::ops {
namespace {

template <typename F>
auto translating_errors(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    throw c10::ValueError({__func__, __FILE__, static_cast<std::uint32_t>(__LINE__)}, e.what());
  } catch (const c10::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw c10::Error({__func__, __FILE__, static_cast<std::uint32_t>(__LINE__)}, e.what());
  }
}

std::string shape_text(const at::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

// Row-major doubles of a CPU floating tensor.
std::vector<double> rows_of(const at::Tensor& t, const char* what) {
  TORCH_CHECK_TYPE(at::isFloatingType(t.scalar_type()), "Regressor.fit: ", what, " must be a floating-point tensor, got ",
                   c10::toString(t.scalar_type()));
  const at::Tensor d = t.detach().to(at::kCPU, at::kDouble).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

}  // namespace

class Regressor : public torch::CustomClassHolder {
 public:
  explicit Regressor(const std::string& options_json)
      : job_(translating_errors([&] { return std::make_unique<SearchJob>(options_json); })) {}

  void start(const at::Tensor& x, const at::Tensor& y, const c10::optional<at::Tensor>& weights,
             const std::vector<std::string>& names, const std::vector<std::string>& output_names) {
    TORCH_CHECK_VALUE(x.dim() == 2, "Regressor.fit: X must have shape [rows, features], got shape ", shape_text(x));
    TORCH_CHECK_VALUE(y.dim() == 1 || y.dim() == 2, "Regressor.fit: y must have shape [rows] or [rows, outputs], got shape ",
                      shape_text(y));
    TORCH_CHECK_VALUE(y.size(0) == x.size(0), "Regressor.fit: X has ", x.size(0), " rows but y has ", y.size(0),
                      " (shapes ", shape_text(x), " and ", shape_text(y), ")");
    std::vector<double> w;
    if (weights) {
      TORCH_CHECK_VALUE(weights->dim() == 1 && weights->size(0) == x.size(0), "Regressor.fit: weights must have shape [",
                        x.size(0), "] (one per row of X), got shape ", shape_text(*weights));
      w = rows_of(*weights, "weights");
    }
    const auto rows = static_cast<std::size_t>(x.size(0));
    const auto outputs = static_cast<std::size_t>(y.dim() == 1 ? 1 : y.size(1));
    translating_errors([&] {
      job_->start(rows_of(x, "X"), rows_of(y, "y"), rows, static_cast<std::size_t>(x.size(1)), outputs, std::move(w),
                  names, output_names);
      return 0;
    });
  }

  bool wait(double seconds) { return translating_errors([&] { return job_->wait(seconds); }); }
  bool running() const { return job_->running(); }
  void request_stop() { job_->request_stop(); }
  std::string result() { return translating_errors([&] { return job_->result_json(); }); }

 private:
  std::unique_ptr<SearchJob> job_;
};

}  // namespace symtorch::ops

TORCH_LIBRARY_FRAGMENT(symtorch, m) {
  using symtorch::ops::Regressor;
  m.class_<Regressor>("Regressor")
      .def(torch::init<std::string>())
      .def("start", &Regressor::start)
      .def("wait", &Regressor::wait)
      .def("running", &Regressor::running)
      .def("request_stop", &Regressor::request_stop)
      .def("result", &Regressor::result);
}
