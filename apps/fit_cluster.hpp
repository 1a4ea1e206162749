// The ranks of `mpirun -np N symtorch fit ...`: when the CLI is built with MPI (symtorch::mpi)
// and started by an MPI launcher (mpirun, srun), the search's islands are spread over the
// ranks; otherwise it runs in this process alone. MPI headers stay in fit_cluster_mpi.cpp.
#pragma once

#include <memory>
#include <string>

#include "symtorch/engine/search_cluster.hpp"

namespace symtorch::cli {

class FitCluster {
 public:
  virtual ~FitCluster() = default;
  virtual SearchCluster& cluster() = 0;
  // Ranks on this machine, which share its cores.
  virtual int local_ranks() const = 0;
  // Collective: every rank's message traffic, summed, as one line for rank 0 to print.
  virtual std::string traffic_summary() = 0;
};

// Null unless built with MPI and started by an MPI launcher. `mode`: "async" or "sync"
// (checked here, before MPI starts, so every rank refuses a bad one alike).
std::unique_ptr<FitCluster> start_fit_cluster(const std::string& mode);

}  // namespace symtorch::cli
