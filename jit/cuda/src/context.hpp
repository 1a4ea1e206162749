// Internal: a device's retained primary context, shared by everything created on the device,
// and the scope that makes it current on the calling thread for one group of driver calls.
#pragma once

#include <memory>

#include "driver_api.hpp"
#include "symtorch/cuda/device.hpp"
#include "symtorch/cuda/driver.hpp"

namespace symtorch::cuda::detail {

struct ContextState {
  std::shared_ptr<const Driver> driver;
  CUdevice device = 0;
  CUcontext context = nullptr;
  DeviceInfo info;

  ContextState() = default;
  ContextState(const ContextState&) = delete;
  ContextState& operator=(const ContextState&) = delete;
  ~ContextState();

  const DriverApi& api() const { return driver->api(); }
  void check(CUresult result, const char* call, const std::string& detail = {}) const {
    driver->check(result, call, detail);
  }
};

// Pushes the context (cuCtxPushCurrent) and pops it again, so the caller's current context
// (torch's, another library's, or none) is left as it was.
class ContextScope {
 public:
  explicit ContextScope(const ContextState& state);
  ~ContextScope();
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  const ContextState& state_;
};

}  // namespace symtorch::cuda::detail
