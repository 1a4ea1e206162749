// A stand-in for libcuda.so.1 that the loader's tests open instead of the real driver, so its
// driver calls, parameter marshalling, error reporting and resource bookkeeping are tested on
// machines without a GPU. It executes no kernels: "device memory" is host memory, and a launch
// only records its configuration and parameter values for the test to inspect. GPU execution
// is tested against the real driver in tests/cuda/test_gpu_execution.cpp.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

using CUresult = int;
constexpr CUresult kSuccess = 0, kInvalidValue = 1, kInvalidDevice = 101, kInvalidPtx = 218, kNotFound = 500,
                   kInvalidHandle = 400;

struct Module {
  std::string ptx;
};
struct Function {
  std::string name;
  int num_params = 0;
};

struct State {
  CUresult init_result = kSuccess;
  CUresult launch_result = kSuccess;
  int device_count = 1;
  int context_depth = 0;
  int retained = 0;
  std::set<Module*> modules;
  std::vector<std::unique_ptr<Function>> functions;
  std::map<unsigned long long, std::vector<unsigned char>> allocations;
  unsigned long long next_address = 0x700000000000ull;
  int launches = 0;
  unsigned grid = 0, block = 0;
  void* stream = nullptr;
  std::vector<unsigned long long> params;
};

State& state() {
  static State s;
  return s;
}

int dummy_context;

// Host memory backing the device address, or null when [address, address + bytes) is not
// inside one allocation.
unsigned char* memory(unsigned long long address, std::size_t bytes) {
  auto& allocations = state().allocations;
  auto it = allocations.upper_bound(address);
  if (it == allocations.begin()) return nullptr;
  --it;
  const unsigned long long offset = address - it->first;
  if (offset + bytes > it->second.size()) return nullptr;
  return it->second.data() + offset;
}

}  // namespace

extern "C" {

// ---- controls for the tests ----
void symtorch_fake_cuda_set(const char* what, int value) {
  const std::string w = what;
  if (w == "init_result") state().init_result = value;
  if (w == "launch_result") state().launch_result = value;
  if (w == "device_count") state().device_count = value;
}

long symtorch_fake_cuda_get(const char* what) {
  const std::string w = what;
  const State& s = state();
  if (w == "context_depth") return s.context_depth;
  if (w == "retained") return s.retained;
  if (w == "modules") return static_cast<long>(s.modules.size());
  if (w == "allocations") return static_cast<long>(s.allocations.size());
  if (w == "launches") return s.launches;
  if (w == "grid") return s.grid;
  if (w == "block") return s.block;
  if (w == "num_params") return static_cast<long>(s.params.size());
  return -1;
}

unsigned long long symtorch_fake_cuda_param(int index) { return state().params.at(static_cast<std::size_t>(index)); }
void* symtorch_fake_cuda_stream() { return state().stream; }

// ---- driver API ----
CUresult cuGetErrorName(CUresult error, const char** name) {
  switch (error) {
    case kSuccess: *name = "CUDA_SUCCESS"; return kSuccess;
    case kInvalidValue: *name = "CUDA_ERROR_INVALID_VALUE"; return kSuccess;
    case 100: *name = "CUDA_ERROR_NO_DEVICE"; return kSuccess;
    case kInvalidDevice: *name = "CUDA_ERROR_INVALID_DEVICE"; return kSuccess;
    case kInvalidPtx: *name = "CUDA_ERROR_INVALID_PTX"; return kSuccess;
    case kInvalidHandle: *name = "CUDA_ERROR_INVALID_HANDLE"; return kSuccess;
    case kNotFound: *name = "CUDA_ERROR_NOT_FOUND"; return kSuccess;
    case 701: *name = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"; return kSuccess;
    default: *name = nullptr; return kInvalidValue;
  }
}
CUresult cuGetErrorString(CUresult error, const char** text) { return cuGetErrorName(error, text); }
CUresult cuInit(unsigned) { return state().init_result; }
CUresult cuDriverGetVersion(int* version) {
  *version = 12040;
  return kSuccess;
}
CUresult cuDeviceGetCount(int* count) {
  *count = state().device_count;
  return kSuccess;
}
CUresult cuDeviceGet(int* device, int ordinal) {
  if (ordinal < 0 || ordinal >= state().device_count) return kInvalidDevice;
  *device = ordinal;
  return kSuccess;
}
CUresult cuDeviceGetName(char* name, int length, int) {
  std::strncpy(name, "symtorch fake device", static_cast<std::size_t>(length));
  return kSuccess;
}
CUresult cuDeviceGetAttribute(int* value, int attribute, int) {
  switch (attribute) {
    case 16: *value = 4; return kSuccess;          // multiprocessors
    case 36: *value = 1000000; return kSuccess;    // memory clock, kHz
    case 37: *value = 256; return kSuccess;        // bus width, bits
    case 75: *value = 8; return kSuccess;          // compute capability 8.0
    case 76: *value = 0; return kSuccess;
    default: return kInvalidValue;
  }
}
CUresult cuDeviceTotalMem_v2(std::size_t* bytes, int) {
  *bytes = std::size_t(1) << 30;
  return kSuccess;
}
CUresult cuDevicePrimaryCtxRetain(void** context, int) {
  ++state().retained;
  *context = &dummy_context;
  return kSuccess;
}
CUresult cuDevicePrimaryCtxRelease_v2(int) {
  --state().retained;
  return kSuccess;
}
CUresult cuCtxPushCurrent_v2(void* context) {
  if (context != &dummy_context) return kInvalidValue;
  ++state().context_depth;
  return kSuccess;
}
CUresult cuCtxPopCurrent_v2(void** context) {
  if (state().context_depth == 0) return kInvalidValue;
  --state().context_depth;
  if (context) *context = &dummy_context;
  return kSuccess;
}
CUresult cuCtxSynchronize() { return state().context_depth > 0 ? kSuccess : kInvalidValue; }

// Accepts any text with an .entry; otherwise fails like the JIT does, with a log.
CUresult cuModuleLoadDataEx(void** module, const void* image, unsigned num_options, int* options, void** values) {
  if (state().context_depth == 0) return kInvalidValue;
  const std::string ptx = static_cast<const char*>(image);
  if (ptx.find(".entry") == std::string::npos) {
    for (unsigned i = 0; i + 1 < num_options; ++i)
      if (options[i] == 5 && options[i + 1] == 6) {
        const auto size = reinterpret_cast<std::uintptr_t>(values[i + 1]);
        std::strncpy(static_cast<char*>(values[i]), "ptxas fatal   : fake driver: no .entry in the PTX", size);
      }
    return kInvalidPtx;
  }
  auto* m = new Module{ptx};
  state().modules.insert(m);
  *module = m;
  return kSuccess;
}
CUresult cuModuleUnload(void* module) {
  auto* m = static_cast<Module*>(module);
  if (!state().modules.erase(m)) return kInvalidHandle;
  delete m;
  return kSuccess;
}
// Finds ".entry NAME(" and counts the .param entries of its parameter list.
CUresult cuModuleGetFunction(void** function, void* module, const char* name) {
  auto* m = static_cast<Module*>(module);
  if (!state().modules.count(m)) return kInvalidHandle;
  const std::string head = std::string(".entry ") + name + "(";
  const std::size_t at = m->ptx.find(head);
  if (at == std::string::npos) return kNotFound;
  const std::size_t end = m->ptx.find(')', at);
  const std::string list = m->ptx.substr(at, end - at);
  auto f = std::make_unique<Function>();
  f->name = name;
  for (std::size_t p = list.find(".param"); p != std::string::npos; p = list.find(".param", p + 1)) ++f->num_params;
  *function = f.get();
  state().functions.push_back(std::move(f));
  return kSuccess;
}
CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int* blocks, void*, int block_size, std::size_t) {
  *blocks = 2048 / block_size;
  return kSuccess;
}
CUresult cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned, void* stream, void** params, void** extra) {
  State& s = state();
  if (s.context_depth == 0 || extra != nullptr || gy != 1 || gz != 1 || by != 1 || bz != 1) return kInvalidValue;
  if (s.launch_result != kSuccess) return s.launch_result;
  const auto* f = static_cast<const Function*>(function);
  ++s.launches;
  s.grid = gx;
  s.block = bx;
  s.stream = stream;
  s.params.clear();
  // Every v1 parameter is 8 bytes (.u64): column addresses and the row count.
  for (int i = 0; i < f->num_params; ++i) s.params.push_back(*static_cast<const unsigned long long*>(params[i]));
  return kSuccess;
}
CUresult cuMemAlloc_v2(unsigned long long* address, std::size_t bytes) {
  State& s = state();
  if (s.context_depth == 0 || bytes == 0) return kInvalidValue;
  *address = s.next_address;
  s.allocations[s.next_address].resize(bytes);
  s.next_address += (bytes + 0xfffff) & ~std::size_t(0xfffff);
  return kSuccess;
}
CUresult cuMemFree_v2(unsigned long long address) { return state().allocations.erase(address) ? kSuccess : kInvalidValue; }
CUresult cuMemcpyHtoD_v2(unsigned long long destination, const void* source, std::size_t bytes) {
  unsigned char* d = memory(destination, bytes);
  if (!d) return kInvalidValue;
  std::memcpy(d, source, bytes);
  return kSuccess;
}
CUresult cuMemcpyDtoH_v2(void* destination, unsigned long long source, std::size_t bytes) {
  const unsigned char* s = memory(source, bytes);
  if (!s) return kInvalidValue;
  std::memcpy(destination, s, bytes);
  return kSuccess;
}
CUresult cuMemcpyDtoD_v2(unsigned long long destination, unsigned long long source, std::size_t bytes) {
  unsigned char* d = memory(destination, bytes);
  const unsigned char* s = memory(source, bytes);
  if (!d || !s) return kInvalidValue;
  std::memmove(d, s, bytes);
  return kSuccess;
}
CUresult cuStreamSynchronize(void*) { return kSuccess; }
CUresult cuEventCreate(void** event, unsigned) {
  *event = new int(0);
  return kSuccess;
}
CUresult cuEventDestroy_v2(void* event) {
  delete static_cast<int*>(event);
  return kSuccess;
}
CUresult cuEventRecord(void* event, void*) {
  *static_cast<int*>(event) = state().launches;
  return kSuccess;
}
CUresult cuEventSynchronize(void*) { return kSuccess; }
// One "millisecond" per launch between the two events.
CUresult cuEventElapsedTime_v2(float* ms, void* start, void* end) {
  *ms = static_cast<float>(*static_cast<int*>(end) - *static_cast<int*>(start));
  return kSuccess;
}

}  // extern "C"
