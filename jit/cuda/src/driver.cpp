#include "symtorch/cuda/driver.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <variant>

#include "driver_api.hpp"
#include "symtorch/cuda/error.hpp"

namespace symtorch::cuda {

CudaError::CudaError(int code, std::string name, std::string call, const std::string& detail)
    : std::runtime_error(name + " in " + call + (detail.empty() ? "" : ": " + detail)),
      code_(code),
      name_(std::move(name)),
      call_(std::move(call)) {}

namespace detail {

std::string error_name(const DriverApi& api, CUresult code) {
  const char* name = nullptr;
  if (api.cuGetErrorName && api.cuGetErrorName(code, &name) == CUDA_SUCCESS && name) return name;
  return "CUDA error " + std::to_string(code);
}

}  // namespace detail

namespace {

// Resolves the first of `names` that the library exports (newer drivers export versioned
// names such as cuMemAlloc_v2 next to the original ABI; the versioned one is what cuda.h uses).
template <class Fn>
void resolve(void* handle, const std::string& library, Fn& slot, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (void* symbol = dlsym(handle, name)) {
      slot = reinterpret_cast<Fn>(symbol);
      return;
    }
  }
  throw std::runtime_error(library + " does not export " + *names.begin() +
                           " (is it the NVIDIA driver library, and recent enough?)");
}

void resolve_all(void* h, const std::string& lib, detail::DriverApi& a) {
  resolve(h, lib, a.cuGetErrorName, {"cuGetErrorName"});
  resolve(h, lib, a.cuGetErrorString, {"cuGetErrorString"});
  resolve(h, lib, a.cuInit, {"cuInit"});
  resolve(h, lib, a.cuDriverGetVersion, {"cuDriverGetVersion"});
  resolve(h, lib, a.cuDeviceGetCount, {"cuDeviceGetCount"});
  resolve(h, lib, a.cuDeviceGet, {"cuDeviceGet"});
  resolve(h, lib, a.cuDeviceGetName, {"cuDeviceGetName"});
  resolve(h, lib, a.cuDeviceGetAttribute, {"cuDeviceGetAttribute"});
  resolve(h, lib, a.cuDeviceTotalMem, {"cuDeviceTotalMem_v2"});
  resolve(h, lib, a.cuDevicePrimaryCtxRetain, {"cuDevicePrimaryCtxRetain"});
  resolve(h, lib, a.cuDevicePrimaryCtxRelease, {"cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease"});
  resolve(h, lib, a.cuCtxPushCurrent, {"cuCtxPushCurrent_v2"});
  resolve(h, lib, a.cuCtxPopCurrent, {"cuCtxPopCurrent_v2"});
  resolve(h, lib, a.cuCtxSynchronize, {"cuCtxSynchronize"});
  resolve(h, lib, a.cuModuleLoadDataEx, {"cuModuleLoadDataEx"});
  resolve(h, lib, a.cuModuleUnload, {"cuModuleUnload"});
  resolve(h, lib, a.cuModuleGetFunction, {"cuModuleGetFunction"});
  resolve(h, lib, a.cuOccupancyMaxActiveBlocksPerMultiprocessor, {"cuOccupancyMaxActiveBlocksPerMultiprocessor"});
  resolve(h, lib, a.cuLaunchKernel, {"cuLaunchKernel"});
  resolve(h, lib, a.cuMemAlloc, {"cuMemAlloc_v2"});
  resolve(h, lib, a.cuMemFree, {"cuMemFree_v2"});
  resolve(h, lib, a.cuMemcpyHtoD, {"cuMemcpyHtoD_v2"});
  resolve(h, lib, a.cuMemcpyDtoH, {"cuMemcpyDtoH_v2"});
  resolve(h, lib, a.cuMemcpyDtoD, {"cuMemcpyDtoD_v2"});
  resolve(h, lib, a.cuStreamSynchronize, {"cuStreamSynchronize"});
  resolve(h, lib, a.cuEventCreate, {"cuEventCreate"});
  resolve(h, lib, a.cuEventDestroy, {"cuEventDestroy_v2", "cuEventDestroy"});
  resolve(h, lib, a.cuEventRecord, {"cuEventRecord"});
  resolve(h, lib, a.cuEventSynchronize, {"cuEventSynchronize"});
  resolve(h, lib, a.cuEventElapsedTime, {"cuEventElapsedTime_v2", "cuEventElapsedTime"});
}

}  // namespace

std::shared_ptr<const Driver> Driver::open(const std::string& library) {
  // RTLD_LOCAL: the driver's symbols stay out of the global namespace (torch may load its own).
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw std::runtime_error("cannot open " + library + " (the NVIDIA driver library): " +
                             (why ? why : "unknown dlopen error"));
  }
  std::shared_ptr<Driver> driver(new Driver());
  driver->handle_ = handle;
  driver->library_ = library;
  driver->api_ = std::make_unique<detail::DriverApi>();
  resolve_all(handle, library, *driver->api_);
  const detail::DriverApi& api = *driver->api_;
  driver->check(api.cuInit(0), "cuInit");
  driver->check(api.cuDriverGetVersion(&driver->version_), "cuDriverGetVersion");
  driver->check(api.cuDeviceGetCount(&driver->device_count_), "cuDeviceGetCount");
  return driver;
}

Driver::~Driver() {
  // The library stays loaded: the driver keeps internal threads and atexit handlers that must
  // not outlive its code, so unloading it before process exit is unsafe.
}

void Driver::check(int result, const char* call, const std::string& detail) const {
  if (result == detail::CUDA_SUCCESS) return;
  throw CudaError(result, error_name(result), call, detail);
}

std::string Driver::error_name(int result) const { return detail::error_name(*api_, result); }

std::string default_library() {
  const char* env = std::getenv("SYMTORCH_LIBCUDA");
  return env && *env ? env : "libcuda.so.1";
}

std::shared_ptr<const Driver> Driver::system() {
  // The outcome of the first attempt, success or the error text (retrying cuInit after a
  // failure does not help: its result is sticky for the process).
  static const std::variant<std::shared_ptr<const Driver>, std::string> outcome =
      []() -> std::variant<std::shared_ptr<const Driver>, std::string> {
    try {
      return open(default_library());
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  }();
  if (const auto* driver = std::get_if<std::shared_ptr<const Driver>>(&outcome)) return *driver;
  throw std::runtime_error(std::get<std::string>(outcome));
}

namespace {

Availability describe(const std::string& library, std::shared_ptr<const Driver> (*get)(const std::string&)) {
  Availability a;
  a.library = library;
  try {
    auto driver = get(library);
    a.driver_version = driver->version();
    a.device_count = driver->device_count();
    if (a.device_count == 0)
      a.reason = library + " loaded (driver " + std::to_string(a.driver_version) + ") but reports no CUDA device";
    else
      a.available = true;
  } catch (const std::exception& e) {
    a.reason = e.what();
  }
  return a;
}

}  // namespace

Availability probe(const std::string& library) { return describe(library, &Driver::open); }

const Availability& availability() {
  static const Availability a =
      describe(default_library(), [](const std::string&) { return Driver::system(); });
  return a;
}

bool cuda_available(std::string* reason) {
  const Availability& a = availability();
  if (reason) *reason = a.reason;
  return a.available;
}

}  // namespace symtorch::cuda
