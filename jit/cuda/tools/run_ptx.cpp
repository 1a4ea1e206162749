// symtorch_run_ptx: runs symtorch PTX kernels made on another machine (where LLVM is), for GPU
// machines that have only this loader. Commands (also accepted one per line from a cases file):
//
//   probe
//       says whether a GPU is usable (exit 0) or why not (exit 2), and describes device 0.
//   check PTX KERNEL ROWS INPUTS REFERENCE RTOL ATOL [MAX_BAD_FRACTION [OUTPUTS]]
//       runs KERNEL on ROWS rows read from INPUTS and compares with REFERENCE, element by element:
//       |gpu - ref| <= ATOL + RTOL * |ref|, NaN equal to NaN, infinities equal when their signs
//       are. Passes when at most MAX_BAD_FRACTION of the values differ (default 0: none; random
//       expressions can be so ill-conditioned in places that two correct math libraries differ).
//       Writes the outputs to OUTPUTS when given.
//   bench PTX KERNEL ROWS REPEAT [LO HI]
//       times REPEAT launches on ROWS rows of inputs uniform in [LO, HI] (default -1 1) and
//       prints rows/s, elements/s (rows x outputs / s, as bench_jit counts) and the fraction of
//       the bandwidth bound: bytes moved by the kernel per second / peak DRAM bandwidth, and / the
//       bandwidth of a device-to-device copy measured here.
//   cases FILE
//       runs the commands in FILE (one per line, '#' starts a comment); paths are relative to
//       FILE's directory.
//
// Binary files are raw native-endian values of the kernel's element type, column after column:
// inputs K columns of ROWS values, outputs / reference M columns of ROWS values.
// Exit status: 0 all passed, 1 a check failed or an error, 2 no usable GPU.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "symtorch/cuda/device_buffer.hpp"
#include "symtorch/cuda/driver.hpp"
#include "symtorch/cuda/kernel.hpp"
#include "symtorch/cuda/throughput.hpp"

namespace fs = std::filesystem;
using namespace symtorch::cuda;

namespace {

struct NoGpu : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<char> read_binary(const fs::path& path, std::size_t expected_bytes) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) throw std::runtime_error("cannot read " + path.string() + ": " + ec.message());
  if (size != expected_bytes)
    throw std::runtime_error(path.string() + " has " + std::to_string(size) + " bytes, expected " +
                             std::to_string(expected_bytes));
  std::vector<char> data(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(data.data(), static_cast<std::streamsize>(size))) throw std::runtime_error("cannot read " + path.string());
  return data;
}

void write_binary(const fs::path& path, const std::vector<char>& data) {
  fs::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out.write(data.data(), static_cast<std::streamsize>(data.size())))
      throw std::runtime_error("cannot write " + temp.string());
  }
  fs::rename(temp, path);
}

const Device& device() {
  static const Device d = [] {
    std::string reason;
    if (!cuda_available(&reason)) throw NoGpu(reason);
    return Device(0);
  }();
  return d;
}

struct Loaded {
  CudaModule module;
  CudaKernel kernel;
};

Loaded load(const fs::path& ptx_path, const std::string& name) {
  CudaModule module = CudaModule::load(device(), read_text(ptx_path));
  CudaKernel kernel = module.kernel(name);
  return {std::move(module), std::move(kernel)};
}

std::int64_t parse_rows(const std::string& text) {
  std::size_t used = 0;
  const double value = std::stod(text, &used);  // accepts 1e8
  if (used != text.size() || value < 1 || value != std::floor(value) || value > 9e18)
    throw std::invalid_argument("ROWS '" + text + "' is not a positive whole number");
  return static_cast<std::int64_t>(value);
}

// Device columns for one launch, contiguous: K input columns then M output columns.
struct Columns {
  DeviceBuffer buffer;
  std::vector<std::uint64_t> inputs, outputs;
};

Columns allocate_columns(const KernelSignature& s, std::int64_t rows) {
  const std::size_t column_bytes = static_cast<std::size_t>(rows) * element_size(s.type);
  Columns c{DeviceBuffer(device(), column_bytes * (s.num_inputs + s.num_outputs)), {}, {}};
  for (std::size_t k = 0; k < s.num_inputs; ++k) c.inputs.push_back(c.buffer.address() + k * column_bytes);
  for (std::size_t j = 0; j < s.num_outputs; ++j)
    c.outputs.push_back(c.buffer.address() + (s.num_inputs + j) * column_bytes);
  return c;
}

template <class T>
std::size_t count_mismatches(const T* gpu, const T* ref, std::size_t count, std::size_t rows, double rtol,
                             double atol) {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const double g = gpu[i], r = ref[i];
    const bool same = (std::isnan(g) && std::isnan(r)) || (std::isinf(r) && g == r) ||
                      (std::isfinite(r) && std::isfinite(g) && std::fabs(g - r) <= atol + rtol * std::fabs(r));
    if (!same && ++bad <= 5)
      std::printf("    mismatch output %zu row %zu: gpu %.17g reference %.17g\n", i / rows, i % rows, g, r);
  }
  return bad;
}

bool run_check(const std::vector<std::string>& a, const fs::path& base) {
  if (a.size() < 8 || a.size() > 10)
    throw std::invalid_argument("usage: check PTX KERNEL ROWS INPUTS REFERENCE RTOL ATOL [MAX_BAD_FRACTION [OUTPUTS]]");
  Loaded k = load(base / a[1], a[2]);
  const KernelSignature& s = k.kernel.signature();
  const std::int64_t rows = parse_rows(a[3]);
  const std::size_t column_bytes = static_cast<std::size_t>(rows) * element_size(s.type);
  std::vector<char> inputs = read_binary(base / a[4], column_bytes * s.num_inputs);
  std::vector<char> reference = read_binary(base / a[5], column_bytes * s.num_outputs);
  const double rtol = std::stod(a[6]), atol = std::stod(a[7]);
  const double max_bad_fraction = a.size() >= 9 ? std::stod(a[8]) : 0.0;

  Columns c = allocate_columns(s, rows);
  c.buffer.copy_from_host(inputs.data(), inputs.size());
  k.kernel.launch(std::span<const std::uint64_t>(c.inputs), std::span<const std::uint64_t>(c.outputs), rows);
  device().synchronize();
  std::vector<char> outputs(reference.size());
  c.buffer.copy_to_host(outputs.data(), outputs.size(), inputs.size());
  if (a.size() == 10) write_binary(base / a[9], outputs);

  const std::size_t count = static_cast<std::size_t>(rows) * s.num_outputs;
  const std::size_t bad =
      s.type == ElementType::Float32
          ? count_mismatches(reinterpret_cast<const float*>(outputs.data()),
                             reinterpret_cast<const float*>(reference.data()), count, rows, rtol, atol)
          : count_mismatches(reinterpret_cast<const double*>(outputs.data()),
                             reinterpret_cast<const double*>(reference.data()), count, rows, rtol, atol);
  const bool ok = static_cast<double>(bad) <= max_bad_fraction * static_cast<double>(count);
  std::printf("check %s %s rows=%lld outputs=%zu: %s (%zu of %zu values differ)\n", a[1].c_str(), s.name.c_str(),
              static_cast<long long>(rows), s.num_outputs, ok ? "ok" : "FAIL", bad, count);
  return ok;
}

// Deterministic inputs (SplitMix64), so runs on different machines time the same data.
template <class T>
void fill_uniform(std::vector<char>& bytes, double lo, double hi, std::uint64_t seed) {
  T* v = reinterpret_cast<T*>(bytes.data());
  const std::size_t count = bytes.size() / sizeof(T);
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < count; ++i) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    v[i] = static_cast<T>(lo + (hi - lo) * (static_cast<double>(z >> 11) * 0x1.0p-53));
  }
}

bool run_bench(const std::vector<std::string>& a, const fs::path& base) {
  if (a.size() != 5 && a.size() != 7) throw std::invalid_argument("usage: bench PTX KERNEL ROWS REPEAT [LO HI]");
  Loaded k = load(base / a[1], a[2]);
  const KernelSignature& s = k.kernel.signature();
  const std::int64_t rows = parse_rows(a[3]);
  const int repeat = std::stoi(a[4]);
  if (repeat < 1) throw std::invalid_argument("REPEAT must be at least 1");
  const double lo = a.size() == 7 ? std::stod(a[5]) : -1.0, hi = a.size() == 7 ? std::stod(a[6]) : 1.0;
  const std::size_t column_bytes = static_cast<std::size_t>(rows) * element_size(s.type);

  Columns c = allocate_columns(s, rows);
  {
    std::vector<char> inputs(column_bytes * s.num_inputs);
    if (s.type == ElementType::Float32)
      fill_uniform<float>(inputs, lo, hi, 42);
    else
      fill_uniform<double>(inputs, lo, hi, 42);
    c.buffer.copy_from_host(inputs.data(), inputs.size());
  }
  const Throughput t = measure_throughput(device(), k.kernel, std::span<const std::uint64_t>(c.inputs),
                                          std::span<const std::uint64_t>(c.outputs), rows, repeat);
  // Practical bound: a device-to-device copy as large as half the columns (it reads and writes
  // that many bytes, as a kernel with as many inputs as outputs would).
  const std::size_t half = c.buffer.bytes() / 2;
  const double copy_bandwidth = measure_copy_bandwidth(device(), c.buffer.address() + half, c.buffer.address(), half, 3);

  const DeviceInfo& info = device().info();
  std::printf(
      "bench %s %s device=\"%s\" sm_%d rows=%lld type=%s inputs=%zu outputs=%zu ms=%.4f rows_per_s=%.4g "
      "elements_per_s=%.4g "
      "bytes_per_s=%.4g peak_bandwidth=%.4g fraction_of_peak=%.3f copy_bandwidth=%.4g fraction_of_copy=%.3f\n",
      a[1].c_str(), s.name.c_str(), info.name.c_str(), info.sm(), static_cast<long long>(rows),
      std::string(element_type_name(s.type)).c_str(), s.num_inputs, s.num_outputs, t.seconds * 1e3, t.rows_per_second,
      t.elements_per_second, t.bandwidth, info.peak_bandwidth,
      info.peak_bandwidth > 0 ? t.bandwidth / info.peak_bandwidth : 0.0, copy_bandwidth,
      copy_bandwidth > 0 ? t.bandwidth / copy_bandwidth : 0.0);
  return true;
}

bool run_probe() {
  const Availability& a = availability();
  if (!a.available) throw NoGpu(a.reason);
  const DeviceInfo& info = device().info();
  std::printf("CUDA available: %s, driver %d, %d device(s); device 0: %s sm_%d, %d SMs, %.1f GiB, peak %.0f GB/s\n",
              a.library.c_str(), a.driver_version, a.device_count, info.name.c_str(), info.sm(), info.multiprocessors,
              info.total_memory / 1073741824.0, info.peak_bandwidth / 1e9);
  return true;
}

bool run_command(const std::vector<std::string>& a, const fs::path& base);

bool run_cases(const std::vector<std::string>& a) {
  if (a.size() != 2) throw std::invalid_argument("usage: cases FILE");
  const fs::path file = a[1];
  std::istringstream lines(read_text(file));
  std::string line;
  bool all_ok = true;
  int line_number = 0;
  while (std::getline(lines, line)) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::vector<std::string> command;
    for (std::string w; words >> w;) command.push_back(w);
    if (command.empty()) continue;
    if (command[0] == "cases") throw std::invalid_argument(file.string() + ":" + std::to_string(line_number) + ": nested cases");
    try {
      all_ok = run_command(command, file.parent_path()) && all_ok;
    } catch (const NoGpu&) {
      throw;
    } catch (const std::exception& e) {
      std::printf("%s:%d: error: %s\n", file.string().c_str(), line_number, e.what());
      all_ok = false;
    }
  }
  return all_ok;
}

bool run_command(const std::vector<std::string>& a, const fs::path& base) {
  if (a[0] == "probe") return run_probe();
  if (a[0] == "check") return run_check(a, base);
  if (a[0] == "bench") return run_bench(a, base);
  if (a[0] == "cases") return run_cases(a);
  throw std::invalid_argument("unknown command '" + a[0] + "' (expected probe, check, bench or cases)");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fprintf(stderr, "usage: %s probe | check ... | bench ... | cases FILE (see the top of run_ptx.cpp)\n", argv[0]);
    return 1;
  }
  try {
    const bool ok = run_command(args, fs::current_path());
    std::fflush(stdout);
    return ok ? 0 : 1;
  } catch (const NoGpu& e) {
    std::printf("no usable GPU, nothing was run: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "symtorch_run_ptx: error: %s\n", e.what());
    return 1;
  }
}
