// The English text the model here is trained on: the reStructuredText sources of Python's
// documentation as Debian's python3.11-doc ships them (/usr/share/doc/python3.11/html/_sources,
// 497 files, 11 MB): modern technical English prose with code examples, under the PSF licence,
// installable with apt on any Debian 12.
//
// The split is by whole file, so that no validation document is seen in part: the files are
// sorted by relative path and file i (from 0) is validation when i % 20 == 10, training
// otherwise (about 5% of the files). Neither the tokenizer nor the model is fitted on
// validation files; they are only evaluated on.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace symtorch::examples {

inline const char* kDefaultCorpus = "/usr/share/doc/python3.11/html/_sources";

struct CorpusFile {
  std::string relative_path;
  std::string text;
};

struct CorpusSplit {
  std::vector<CorpusFile> train, validation;
};

bool is_validation_file(std::size_t index_in_sorted_order);

// Every regular file under `root` whose name ends in ".rst.txt", split as above. Throws
// std::runtime_error naming the directory (and the Debian package) when there is none.
CorpusSplit read_corpus(const std::filesystem::path& root);

}  // namespace symtorch::examples
