// CudaError: a CUDA driver API call that failed, named by its error and the call, e.g.
// "CUDA_ERROR_INVALID_PTX in cuModuleLoadDataEx: a PTX JIT compilation failed; JIT log: ...".
#pragma once

#include <stdexcept>
#include <string>

namespace symtorch::cuda {

class CudaError : public std::runtime_error {
 public:
  CudaError(int code, std::string name, std::string call, const std::string& detail = {});

  int code() const { return code_; }
  const std::string& name() const { return name_; }  // e.g. "CUDA_ERROR_INVALID_PTX"
  const std::string& call() const { return call_; }  // e.g. "cuModuleLoadDataEx"

 private:
  int code_;
  std::string name_;
  std::string call_;
};

}  // namespace symtorch::cuda
