// Throughput of a kernel on the GPU, against the memory-bandwidth bound: an element-wise kernel
// must read every input column and write every output column once, so its time is at least
// bytes moved / bandwidth. Both the theoretical peak (DeviceInfo::peak_bandwidth) and the
// bandwidth of a device-to-device copy measured in the same run are reported as bounds.
#pragma once

#include <cstdint>
#include <span>

#include "symtorch/cuda/device.hpp"
#include "symtorch/cuda/kernel.hpp"

namespace symtorch::cuda {

struct Throughput {
  std::int64_t rows = 0;
  double seconds = 0;        // per launch, mean over the timed launches (cuEvent clock)
  double bytes_moved = 0;    // rows * (inputs + outputs) * element size
  double rows_per_second = 0;
  double elements_per_second = 0;  // rows * outputs per second
  double bandwidth = 0;            // bytes_moved / seconds
};

// One warm-up launch, then `repeat` timed launches on `stream` (synchronised at the end).
Throughput measure_throughput(const Device& device, const CudaKernel& kernel, std::span<const std::uint64_t> inputs,
                              std::span<const std::uint64_t> outputs, std::int64_t rows, int repeat,
                              Stream stream = nullptr);

// Bytes per second (read + written) of cuMemcpyDtoD copying `bytes` from source to destination,
// mean of `repeat` copies after a warm-up; 0 if the clock shows no elapsed time.
double measure_copy_bandwidth(const Device& device, std::uint64_t destination, std::uint64_t source,
                              std::size_t bytes, int repeat);

}  // namespace symtorch::cuda
