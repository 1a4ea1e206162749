#include "text_corpus.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace symtorch::examples {

bool is_validation_file(std::size_t index) { return index % 20 == 10; }

CorpusSplit read_corpus(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(root))
    throw std::runtime_error(root.string() + ": no such directory (the default corpus comes with the Debian package "
                             "python3.11-doc; ./setup.sh installs it)");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() > 8 && name.ends_with(".rst.txt")) files.push_back(fs::relative(e.path(), root));
  }
  if (files.empty()) throw std::runtime_error(root.string() + ": no .rst.txt files");
  std::sort(files.begin(), files.end());
  CorpusSplit split;
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(root / files[i], std::ios::binary);
    if (!in) throw std::runtime_error((root / files[i]).string() + ": cannot read");
    CorpusFile f{files[i].string(), std::string(std::istreambuf_iterator<char>(in), {})};
    (is_validation_file(i) ? split.validation : split.train).push_back(std::move(f));
  }
  return split;
}

}  // namespace symtorch::examples
