// The CUDA driver, opened at run time: nothing links against CUDA, so everything builds and runs
// on machines without it, and cuda_available() says why there is no GPU instead of failing.
//
// Library: $SYMTORCH_LIBCUDA if set (a path or a soname), else "libcuda.so.1" (the driver's
// soname, installed with the NVIDIA driver, not with the toolkit).
#pragma once

#include <memory>
#include <string>

namespace symtorch::cuda {

namespace detail {
struct DriverApi;
}

class Driver {
 public:
  // The process-wide driver (default_library()), opened and initialised (cuInit) on first use;
  // later calls return the same object or throw the same error again. Throws std::runtime_error
  // when the library cannot be opened or lacks an entry point, CudaError when cuInit fails.
  static std::shared_ptr<const Driver> system();
  // A driver from an explicit library (tests use a stand-in library); not cached.
  static std::shared_ptr<const Driver> open(const std::string& library);

  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  const std::string& library() const { return library_; }
  int version() const { return version_; }  // cuDriverGetVersion, e.g. 12040 for 12.4
  int device_count() const { return device_count_; }

  // Throws CudaError(result, call, detail) unless result is CUDA_SUCCESS.
  void check(int result, const char* call, const std::string& detail = {}) const;
  std::string error_name(int result) const;
  const detail::DriverApi& api() const { return *api_; }

 private:
  Driver() = default;
  void* handle_ = nullptr;
  std::unique_ptr<detail::DriverApi> api_;
  std::string library_;
  int version_ = 0;
  int device_count_ = 0;
};

std::string default_library();

struct Availability {
  bool available = false;
  std::string reason;   // why not (empty when available)
  std::string library;  // the library tried
  int driver_version = 0;
  int device_count = 0;
};

// Never throws. probe() opens `library` afresh; availability() probes the system driver once.
Availability probe(const std::string& library);
const Availability& availability();
// True when the system driver loads and has at least one device; otherwise false and *reason
// (when given) says why, e.g. "cannot open libcuda.so.1 (the NVIDIA driver library): ...".
bool cuda_available(std::string* reason = nullptr);

}  // namespace symtorch::cuda
