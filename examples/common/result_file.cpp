#include "result_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace symtorch::examples {

void write_json_atomically(const std::string& path, const nlohmann::json& document) {
  if (path.empty()) throw std::runtime_error("result file: empty path");
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("result file: cannot open '" + temporary + "': " + std::strerror(errno));
    out << document.dump(2) << '\n';
    out.flush();
    if (!out) throw std::runtime_error("result file: cannot write '" + temporary + "'");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary);
    throw std::runtime_error("result file: cannot rename '" + temporary + "' to '" + path + "': " + ec.message());
  }
}

}  // namespace symtorch::examples
