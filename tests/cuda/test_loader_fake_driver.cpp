// The loader's host side against a stand-in driver library (fake_driver/fake_libcuda.cpp):
// symbol resolution, context push/pop, error names, JIT log forwarding, launch parameters and
// configuration, device memory bookkeeping. No kernel runs here; see test_gpu_execution.cpp.
#include <dlfcn.h>
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "symtorch/cuda/device_buffer.hpp"
#include "symtorch/cuda/driver.hpp"
#include "symtorch/cuda/error.hpp"
#include "symtorch/cuda/kernel.hpp"

using namespace symtorch::cuda;

namespace {

// The fake's controls, from the same (already loaded) library the Driver opened.
struct FakeControls {
  void (*set)(const char*, int);
  long (*get)(const char*);
  unsigned long long (*param)(int);
  void* (*stream)();

  FakeControls() {
    void* handle = dlopen(SYMTORCH_FAKE_LIBCUDA, RTLD_NOW | RTLD_LOCAL);
    REQUIRE(handle != nullptr);
    set = reinterpret_cast<void (*)(const char*, int)>(dlsym(handle, "symtorch_fake_cuda_set"));
    get = reinterpret_cast<long (*)(const char*)>(dlsym(handle, "symtorch_fake_cuda_get"));
    param = reinterpret_cast<unsigned long long (*)(int)>(dlsym(handle, "symtorch_fake_cuda_param"));
    stream = reinterpret_cast<void* (*)()>(dlsym(handle, "symtorch_fake_cuda_stream"));
    REQUIRE((set && get && param && stream));
  }
};

const char* kTwoKernels = R"(// symtorch-kernel v1 name=add type=float64 inputs=2 outputs=1
// symtorch-kernel v1 name=pair type=float32 inputs=1 outputs=2
.version 7.0
.target sm_80
.address_size 64
.visible .entry add(.param .u64 add_param_0, .param .u64 add_param_1, .param .u64 add_param_2, .param .u64 add_param_3)
{ ret; }
.visible .entry pair(.param .u64 pair_param_0, .param .u64 pair_param_1, .param .u64 pair_param_2, .param .u64 pair_param_3)
{ ret; }
)";

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("the system driver's availability is reported with a reason when it is missing") {
  std::string reason;
  const bool available = cuda_available(&reason);
  const Availability& a = availability();
  CHECK(a.available == available);
  if (available) {
    CHECK(reason.empty());
    CHECK(a.device_count > 0);
  } else {
    CHECK_FALSE(reason.empty());
    MESSAGE("no GPU here: " << reason);
  }
}

TEST_CASE("a library that does not exist is unavailable, naming the library") {
  Availability a = probe("/nonexistent/libcuda.so.1");
  CHECK_FALSE(a.available);
  CHECK(a.reason.find("cannot open /nonexistent/libcuda.so.1") != std::string::npos);
  CHECK_THROWS_WITH_AS(Driver::open("/nonexistent/libcuda.so.1"), doctest::Contains("NVIDIA driver library"),
                       std::runtime_error);
}

TEST_CASE("a library without the driver API is refused, naming the missing entry point") {
  // libdl/libc are real shared libraries without cuInit & co.
  const std::string error = error_of([] { Driver::open("libc.so.6"); });
  CHECK(error.find("libc.so.6 does not export cuGetErrorName") != std::string::npos);
}

TEST_CASE("driver errors become CudaError naming the error and the call") {
  FakeControls fake;
  fake.set("init_result", 100);
  Availability a = probe(SYMTORCH_FAKE_LIBCUDA);
  CHECK_FALSE(a.available);
  CHECK(a.reason == "CUDA_ERROR_NO_DEVICE in cuInit");
  try {
    Driver::open(SYMTORCH_FAKE_LIBCUDA);
    FAIL("cuInit failure not reported");
  } catch (const CudaError& e) {
    CHECK(e.code() == 100);
    CHECK(e.name() == "CUDA_ERROR_NO_DEVICE");
    CHECK(e.call() == "cuInit");
  }
  fake.set("init_result", 0);

  fake.set("device_count", 0);
  a = probe(SYMTORCH_FAKE_LIBCUDA);
  CHECK_FALSE(a.available);
  CHECK(a.reason.find("reports no CUDA device") != std::string::npos);
  fake.set("device_count", 1);

  a = probe(SYMTORCH_FAKE_LIBCUDA);
  CHECK(a.available);
  CHECK(a.driver_version == 12040);
  // An unknown code still gets a name.
  auto driver = Driver::open(SYMTORCH_FAKE_LIBCUDA);
  CHECK(driver->error_name(999) == "CUDA error 999");
}

TEST_CASE("a device reports its properties and releases its context") {
  FakeControls fake;
  auto driver = Driver::open(SYMTORCH_FAKE_LIBCUDA);
  const long retained = fake.get("retained");
  {
    Device device(0, driver);
    CHECK(fake.get("retained") == retained + 1);
    const DeviceInfo& info = device.info();
    CHECK(info.name == "symtorch fake device");
    CHECK(info.sm() == 80);
    CHECK(info.multiprocessors == 4);
    CHECK(info.peak_bandwidth == doctest::Approx(2.0 * 1e9 * 32));  // 2 * 1 GHz * 256 bit / 8
    device.synchronize();
    CHECK(fake.get("context_depth") == 0);  // every push was popped
    Device copy = device;                  // copies share the context
    CHECK(fake.get("retained") == retained + 1);
  }
  CHECK(fake.get("retained") == retained);
  CHECK_THROWS_WITH_AS(Device(3, driver), doctest::Contains("CUDA device 3 does not exist"), std::out_of_range);
}

TEST_CASE("device buffers copy to and from the device and are freed") {
  FakeControls fake;
  Device device(0, Driver::open(SYMTORCH_FAKE_LIBCUDA));
  const long before = fake.get("allocations");
  {
    DeviceBuffer buffer(device, 5 * sizeof(double));
    CHECK(fake.get("allocations") == before + 1);
    const std::vector<double> values = {1, 2, 3, 4, 5};
    buffer.upload(std::span<const double>(values));
    CHECK(buffer.download<double>(5) == values);
    double tail[2] = {};
    buffer.copy_to_host(tail, sizeof(tail), 3 * sizeof(double));
    CHECK(tail[0] == 4);
    CHECK(tail[1] == 5);
    CHECK_THROWS_WITH_AS(buffer.copy_to_host(tail, sizeof(tail), 4 * sizeof(double)),
                         doctest::Contains("outside the device buffer of 40 bytes"), std::out_of_range);
    DeviceBuffer moved = std::move(buffer);
    CHECK(buffer.address() == 0);
    CHECK(fake.get("allocations") == before + 1);
    DeviceBuffer empty(device, 0);  // no allocation at all
    CHECK(empty.address() == 0);
    CHECK(fake.get("allocations") == before + 1);
  }
  CHECK(fake.get("allocations") == before);
  CHECK(fake.get("context_depth") == 0);
}

TEST_CASE("PTX that the driver rejects gives the error, the call and the JIT log") {
  FakeControls fake;
  Device device(0, Driver::open(SYMTORCH_FAKE_LIBCUDA));
  const long modules = fake.get("modules");
  try {
    CudaModule::load(device, "// symtorch-kernel v1 name=k type=float32 inputs=1 outputs=1\nnot ptx\n");
    FAIL("invalid PTX accepted");
  } catch (const CudaError& e) {
    CHECK(e.name() == "CUDA_ERROR_INVALID_PTX");
    CHECK(e.call() == "cuModuleLoadDataEx");
    const std::string what = e.what();
    CHECK(what.find("CUDA_ERROR_INVALID_PTX in cuModuleLoadDataEx") == 0);
    CHECK(what.find("symtorch fake device (sm_80)") != std::string::npos);
    CHECK(what.find("JIT log: ptxas fatal   : fake driver: no .entry in the PTX") != std::string::npos);
  }
  CHECK(fake.get("modules") == modules);
  CHECK(fake.get("context_depth") == 0);
}

TEST_CASE("kernels are found by the manifest and launched with columns by value") {
  FakeControls fake;
  Device device(0, Driver::open(SYMTORCH_FAKE_LIBCUDA));
  const long modules = fake.get("modules");
  {
    CudaModule module = CudaModule::load(device, kTwoKernels);
    CHECK(fake.get("modules") == modules + 1);
    REQUIRE(module.manifest().size() == 2);
    CHECK(module.manifest()[1] == KernelSignature{"pair", ElementType::Float32, 1, 2});

    CHECK_THROWS_WITH_AS(module.kernel("nope"), doctest::Contains("lists no kernel 'nope' (it lists: add, pair)"),
                         std::invalid_argument);
    // Listed by the caller but absent from the PTX: the driver's error.
    CHECK_THROWS_WITH_AS(module.kernel(KernelSignature{"ghost", ElementType::Float32, 1, 1}),
                         "CUDA_ERROR_NOT_FOUND in cuModuleGetFunction: kernel 'ghost'", CudaError);

    CudaKernel add = module.kernel("add");
    const std::uint64_t in[] = {0x1000, 0x2000}, out[] = {0x3000};
    const long launches = fake.get("launches");
    auto* stream = reinterpret_cast<Stream>(std::uintptr_t{0x5});
    add.launch(std::span<const std::uint64_t>(in), std::span<const std::uint64_t>(out), 1000, stream);
    CHECK(fake.get("launches") == launches + 1);
    REQUIRE(fake.get("num_params") == 4);
    CHECK(fake.param(0) == 0x1000);
    CHECK(fake.param(1) == 0x2000);
    CHECK(fake.param(2) == 0x3000);
    CHECK(fake.param(3) == 1000);
    CHECK(fake.stream() == stream);
    CHECK(fake.get("block") == CudaKernel::kBlockSize);
    CHECK(fake.get("grid") == 4);  // ceil(1000 / 256)

    // Large n: the grid stops at full occupancy (4 SMs * 8 blocks of 256 in the fake) and the
    // kernel's grid-stride loop covers the rest.
    add.launch(std::span<const std::uint64_t>(in), std::span<const std::uint64_t>(out), std::int64_t{1} << 40);
    CHECK(fake.get("grid") == 32);
    CHECK(fake.param(3) == (std::uint64_t{1} << 40));
    CHECK(add.grid_size(1) == 1);
    CHECK(add.grid_size(0) == 0);

    // Pointer form (torch data pointers).
    std::vector<const void*> in_ptrs = {reinterpret_cast<const void*>(std::uintptr_t{0x10}),
                                        reinterpret_cast<const void*>(std::uintptr_t{0x20})};
    std::vector<void*> out_ptrs = {reinterpret_cast<void*>(std::uintptr_t{0x30})};
    add.launch(in_ptrs, out_ptrs, 7);
    CHECK(fake.param(0) == 0x10);
    CHECK(fake.param(2) == 0x30);
    CHECK(fake.param(3) == 7);

    const long after = fake.get("launches");
    add.launch(std::span<const std::uint64_t>(in), std::span<const std::uint64_t>(out), 0);
    CHECK(fake.get("launches") == after);  // nothing to do
    CHECK_THROWS_WITH_AS(add.launch(std::span<const std::uint64_t>(in, 1), std::span<const std::uint64_t>(out), 5),
                         "kernel 'add' takes 2 inputs and 1 outputs, got 1 and 1", std::invalid_argument);
    CHECK_THROWS_WITH_AS(add.launch(std::span<const std::uint64_t>(in), std::span<const std::uint64_t>(out), -1),
                         "kernel 'add': negative row count -1", std::invalid_argument);
    const std::uint64_t null_out[] = {0};
    CHECK_THROWS_WITH_AS(add.launch(std::span<const std::uint64_t>(in), std::span<const std::uint64_t>(null_out), 5),
                         "kernel 'add': output 0 is null", std::invalid_argument);

    fake.set("launch_result", 701);
    CHECK_THROWS_WITH_AS(add.launch(std::span<const std::uint64_t>(in), std::span<const std::uint64_t>(out), 5),
                         "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES in cuLaunchKernel: kernel 'add', 5 rows", CudaError);
    fake.set("launch_result", 0);
    CHECK(fake.get("context_depth") == 0);
  }
  CHECK(fake.get("modules") == modules);  // unloaded with its last kernel
}

TEST_CASE("events time on the driver's clock") {
  FakeControls fake;
  Device device(0, Driver::open(SYMTORCH_FAKE_LIBCUDA));
  CudaModule module = CudaModule::load(device, kTwoKernels);
  CudaKernel pair = module.kernel("pair");
  Event start(device), stop(device);
  const std::uint64_t in[] = {0x100}, out[] = {0x200, 0x300};
  start.record();
  for (int i = 0; i < 3; ++i) pair.launch(std::span<const std::uint64_t>(in), std::span<const std::uint64_t>(out), 10);
  stop.record();
  stop.synchronize();
  CHECK(Event::elapsed_ms(start, stop) == 3.0f);  // the fake counts one "ms" per launch
}
