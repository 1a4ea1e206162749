#include "symtorch/cuda/throughput.hpp"

#include <stdexcept>

namespace symtorch::cuda {

Throughput measure_throughput(const Device& device, const CudaKernel& kernel, std::span<const std::uint64_t> inputs,
                              std::span<const std::uint64_t> outputs, std::int64_t rows, int repeat, Stream stream) {
  if (repeat < 1) throw std::invalid_argument("measure_throughput: repeat must be at least 1");
  if (rows < 1) throw std::invalid_argument("measure_throughput: rows must be at least 1");
  kernel.launch(inputs, outputs, rows, stream);  // warm-up: the first launch loads the code
  Event start(device), stop(device);
  start.record(stream);
  for (int r = 0; r < repeat; ++r) kernel.launch(inputs, outputs, rows, stream);
  stop.record(stream);
  stop.synchronize();
  const KernelSignature& s = kernel.signature();
  Throughput t;
  t.rows = rows;
  t.seconds = Event::elapsed_ms(start, stop) * 1e-3 / repeat;
  t.bytes_moved = static_cast<double>(rows) * static_cast<double>(s.num_inputs + s.num_outputs) *
                  static_cast<double>(element_size(s.type));
  if (t.seconds > 0) {
    t.rows_per_second = rows / t.seconds;
    t.elements_per_second = t.rows_per_second * static_cast<double>(s.num_outputs);
    t.bandwidth = t.bytes_moved / t.seconds;
  }
  return t;
}

double measure_copy_bandwidth(const Device& device, std::uint64_t destination, std::uint64_t source,
                              std::size_t bytes, int repeat) {
  if (repeat < 1) throw std::invalid_argument("measure_copy_bandwidth: repeat must be at least 1");
  copy_device_to_device(device, destination, source, bytes);  // warm-up
  Event start(device), stop(device);
  start.record();
  for (int r = 0; r < repeat; ++r) copy_device_to_device(device, destination, source, bytes);
  stop.record();
  stop.synchronize();
  const double seconds = Event::elapsed_ms(start, stop) * 1e-3;
  return seconds > 0 ? 2.0 * static_cast<double>(bytes) * repeat / seconds : 0.0;
}

}  // namespace symtorch::cuda
