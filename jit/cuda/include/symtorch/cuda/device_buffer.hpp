// DeviceBuffer: an owned block of device memory (cuMemAlloc / cuMemFree) with blocking copies
// to and from the host. For tests, tools and benchmarks; torch callers pass their own pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "symtorch/cuda/device.hpp"

namespace symtorch::cuda {

class DeviceBuffer {
 public:
  DeviceBuffer(const Device& device, std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  std::uint64_t address() const { return address_; }
  void* pointer() const { return reinterpret_cast<void*>(static_cast<std::uintptr_t>(address_)); }
  std::size_t bytes() const { return bytes_; }

  // Throw std::out_of_range when [offset, offset + bytes) is not inside the buffer.
  void copy_from_host(const void* source, std::size_t bytes, std::size_t offset = 0);
  void copy_to_host(void* destination, std::size_t bytes, std::size_t offset = 0) const;

  template <class T>
  void upload(std::span<const T> values) {
    copy_from_host(values.data(), values.size_bytes());
  }
  template <class T>
  std::vector<T> download(std::size_t count) const {
    std::vector<T> out(count);
    copy_to_host(out.data(), count * sizeof(T));
    return out;
  }

 private:
  void release() noexcept;
  std::shared_ptr<detail::ContextState> state_;
  std::uint64_t address_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace symtorch::cuda
