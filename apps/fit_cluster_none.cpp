// The CLI without MPI: the search runs in this process alone.
#include <stdexcept>

#include "fit_cluster.hpp"

namespace symtorch::cli {

std::unique_ptr<FitCluster> start_fit_cluster(const std::string& mode) {
  if (mode != "async" && mode != "sync")
    throw std::invalid_argument("--mpi-mode must be 'async' or 'sync', not '" + mode + "'");
  return nullptr;
}

}  // namespace symtorch::cli
