// Device: one GPU and its primary context (the context the CUDA runtime and torch use too, so
// pointers and streams from them can be passed straight to CudaKernel::launch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "symtorch/cuda/driver.hpp"

namespace symtorch::cuda {

// A CUstream / cudaStream_t; nullptr is the legacy default stream.
using Stream = void*;

namespace detail {
struct ContextState;
}

struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  int sm_major = 0, sm_minor = 0;
  int multiprocessors = 0;
  std::size_t total_memory = 0;  // bytes
  // Theoretical peak DRAM bandwidth in bytes/s: 2 (double data rate) * memory clock * bus width;
  // 0 when the driver does not report the clock.
  double peak_bandwidth = 0.0;
  int sm() const { return sm_major * 10 + sm_minor; }
};

class Device {
 public:
  // Retains the device's primary context for the lifetime of this Device and its copies.
  // Throws std::out_of_range for an ordinal the driver does not have.
  explicit Device(int ordinal = 0, std::shared_ptr<const Driver> driver = Driver::system());

  const DeviceInfo& info() const;
  const Driver& driver() const;
  void synchronize() const;               // cuCtxSynchronize
  void synchronize(Stream stream) const;  // cuStreamSynchronize

  const std::shared_ptr<detail::ContextState>& state() const { return state_; }

 private:
  std::shared_ptr<detail::ContextState> state_;
};

// Device-to-device copy of `bytes` (used as the practical bandwidth bound in benchmarks).
void copy_device_to_device(const Device& device, std::uint64_t destination, std::uint64_t source, std::size_t bytes);

// Timing on the GPU's clock (cuEvent).
class Event {
 public:
  explicit Event(const Device& device);
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  void record(Stream stream = nullptr);
  void synchronize() const;
  // Milliseconds between two recorded events (both must have completed).
  static float elapsed_ms(const Event& start, const Event& end);

 private:
  std::shared_ptr<detail::ContextState> state_;
  void* event_ = nullptr;
};

}  // namespace symtorch::cuda
