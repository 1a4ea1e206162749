// libFuzzer entry point for the safetensors property (safetensors_property.hpp).
#include <cstdint>
#include <string_view>

#include "safetensors_property.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  symtorch::fuzz::check_safetensors_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
