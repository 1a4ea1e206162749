#include "symtorch/cuda/device_buffer.hpp"

#include <stdexcept>
#include <string>

#include "context.hpp"

namespace symtorch::cuda {

DeviceBuffer::DeviceBuffer(const Device& device, std::size_t bytes) : state_(device.state()), bytes_(bytes) {
  if (bytes == 0) return;  // cuMemAlloc refuses 0 bytes; an empty buffer has address 0
  detail::ContextScope scope(*state_);
  detail::CUdeviceptr address = 0;
  state_->check(state_->api().cuMemAlloc(&address, bytes), "cuMemAlloc",
                std::to_string(bytes) + " bytes on " + state_->info.name);
  address_ = address;
}

DeviceBuffer::~DeviceBuffer() { release(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : state_(std::move(other.state_)), address_(other.address_), bytes_(other.bytes_) {
  other.address_ = 0;
  other.bytes_ = 0;
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    release();
    state_ = std::move(other.state_);
    address_ = other.address_;
    bytes_ = other.bytes_;
    other.address_ = 0;
    other.bytes_ = 0;
  }
  return *this;
}

void DeviceBuffer::release() noexcept {
  if (!address_) return;
  try {
    detail::ContextScope scope(*state_);
    state_->api().cuMemFree(address_);
  } catch (const std::exception&) {
    // The context is gone (driver shutting down): the memory went with it.
  }
  address_ = 0;
}

namespace {

void check_range(std::size_t offset, std::size_t bytes, std::size_t size, const char* what) {
  if (offset > size || bytes > size - offset)
    throw std::out_of_range(std::string(what) + ": bytes [" + std::to_string(offset) + ", " +
                            std::to_string(offset + bytes) + ") are outside the device buffer of " +
                            std::to_string(size) + " bytes");
}

}  // namespace

void DeviceBuffer::copy_from_host(const void* source, std::size_t bytes, std::size_t offset) {
  check_range(offset, bytes, bytes_, "copy to device");
  if (bytes == 0) return;
  detail::ContextScope scope(*state_);
  state_->check(state_->api().cuMemcpyHtoD(address_ + offset, source, bytes), "cuMemcpyHtoD");
}

void DeviceBuffer::copy_to_host(void* destination, std::size_t bytes, std::size_t offset) const {
  check_range(offset, bytes, bytes_, "copy from device");
  if (bytes == 0) return;
  detail::ContextScope scope(*state_);
  state_->check(state_->api().cuMemcpyDtoH(destination, address_ + offset, bytes), "cuMemcpyDtoH");
}

}  // namespace symtorch::cuda
