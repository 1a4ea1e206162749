// libFuzzer entry point for the model_file property (model_file_property.hpp).
#include <cstdint>
#include <string_view>

#include "model_file_property.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  symtorch::fuzz::check_model_file_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
