#include "symtorch/cuda/device.hpp"

#include <stdexcept>

#include "context.hpp"

namespace symtorch::cuda {

namespace detail {

ContextState::~ContextState() {
  if (context) api().cuDevicePrimaryCtxRelease(device);  // nothing to do about a failure here
}

ContextScope::ContextScope(const ContextState& state) : state_(state) {
  state_.check(state_.api().cuCtxPushCurrent(state_.context), "cuCtxPushCurrent");
}

ContextScope::~ContextScope() {
  CUcontext popped = nullptr;
  state_.api().cuCtxPopCurrent(&popped);
}

}  // namespace detail

namespace {

int attribute(const detail::ContextState& s, int which, const char* what) {
  int value = 0;
  s.check(s.api().cuDeviceGetAttribute(&value, which, s.device), "cuDeviceGetAttribute", what);
  return value;
}

DeviceInfo query_info(const detail::ContextState& s, int ordinal) {
  DeviceInfo info;
  info.ordinal = ordinal;
  char name[256] = {};
  s.check(s.api().cuDeviceGetName(name, sizeof(name) - 1, s.device), "cuDeviceGetName");
  info.name = name;
  info.sm_major = attribute(s, detail::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "compute capability major");
  info.sm_minor = attribute(s, detail::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "compute capability minor");
  info.multiprocessors = attribute(s, detail::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, "multiprocessor count");
  s.check(s.api().cuDeviceTotalMem(&info.total_memory, s.device), "cuDeviceTotalMem");
  // Newer drivers may report 0 or fail for the memory clock; the peak is then unknown (0).
  int clock_khz = 0, bus_bits = 0;
  if (s.api().cuDeviceGetAttribute(&clock_khz, detail::CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, s.device) ==
          detail::CUDA_SUCCESS &&
      s.api().cuDeviceGetAttribute(&bus_bits, detail::CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, s.device) ==
          detail::CUDA_SUCCESS)
    info.peak_bandwidth = 2.0 * clock_khz * 1e3 * (bus_bits / 8.0);
  return info;
}

}  // namespace

Device::Device(int ordinal, std::shared_ptr<const Driver> driver) {
  if (ordinal < 0 || ordinal >= driver->device_count())
    throw std::out_of_range("CUDA device " + std::to_string(ordinal) + " does not exist (" + driver->library() +
                            " reports " + std::to_string(driver->device_count()) + " devices)");
  auto state = std::make_shared<detail::ContextState>();
  state->driver = std::move(driver);
  state->check(state->api().cuDeviceGet(&state->device, ordinal), "cuDeviceGet");
  state->check(state->api().cuDevicePrimaryCtxRetain(&state->context, state->device), "cuDevicePrimaryCtxRetain");
  state->info = query_info(*state, ordinal);
  state_ = std::move(state);
}

const DeviceInfo& Device::info() const { return state_->info; }
const Driver& Device::driver() const { return *state_->driver; }

void Device::synchronize() const {
  detail::ContextScope scope(*state_);
  state_->check(state_->api().cuCtxSynchronize(), "cuCtxSynchronize");
}

void Device::synchronize(Stream stream) const {
  detail::ContextScope scope(*state_);
  state_->check(state_->api().cuStreamSynchronize(static_cast<detail::CUstream>(stream)), "cuStreamSynchronize");
}

void copy_device_to_device(const Device& device, std::uint64_t destination, std::uint64_t source, std::size_t bytes) {
  const detail::ContextState& s = *device.state();
  detail::ContextScope scope(s);
  s.check(s.api().cuMemcpyDtoD(destination, source, bytes), "cuMemcpyDtoD");
}

Event::Event(const Device& device) : state_(device.state()) {
  detail::ContextScope scope(*state_);
  detail::CUevent event = nullptr;
  state_->check(state_->api().cuEventCreate(&event, detail::CU_EVENT_DEFAULT), "cuEventCreate");
  event_ = event;
}

Event::~Event() {
  if (!event_) return;
  try {
    detail::ContextScope scope(*state_);
    state_->api().cuEventDestroy(static_cast<detail::CUevent>(event_));
  } catch (const std::exception&) {
    // The context is gone (driver shutting down): nothing left to free.
  }
}

void Event::record(Stream stream) {
  detail::ContextScope scope(*state_);
  state_->check(state_->api().cuEventRecord(static_cast<detail::CUevent>(event_), static_cast<detail::CUstream>(stream)),
                "cuEventRecord");
}

void Event::synchronize() const {
  detail::ContextScope scope(*state_);
  state_->check(state_->api().cuEventSynchronize(static_cast<detail::CUevent>(event_)), "cuEventSynchronize");
}

float Event::elapsed_ms(const Event& start, const Event& end) {
  float ms = 0.0f;
  detail::ContextScope scope(*start.state_);
  start.state_->check(start.state_->api().cuEventElapsedTime(&ms, static_cast<detail::CUevent>(start.event_),
                                                             static_cast<detail::CUevent>(end.event_)),
                      "cuEventElapsedTime");
  return ms;
}

}  // namespace symtorch::cuda
