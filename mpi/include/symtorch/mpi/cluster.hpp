// The distributed search over MPI: SearchCluster (symtorch/engine/search_cluster.hpp) on a
// communicator. Messages between iterations are point-to-point and non-blocking (MPI_Isend,
// MPI_Iprobe); the collectives (exchanges of a synchronous search, the start and the end) use
// MPI_Allgatherv / MPI_Gatherv. MPI is called from the calling thread only (the islands' TBB
// threads never call it), so MPI_THREAD_FUNNELED is enough.
//
//   MPI_Init(&argc, &argv);
//   symtorch::mpi::MpiCluster cluster(MPI_COMM_WORLD, symtorch::ClusterMode::Synchronous);
//   auto result = symtorch::run_search(data, options, cluster);   // on every rank
#pragma once

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "symtorch/engine/search_cluster.hpp"

namespace symtorch::mpi {

class MpiCluster final : public SearchCluster {
 public:
  // Uses a duplicate of `comm` (its messages cannot meet the caller's). MPI must be initialised.
  MpiCluster(MPI_Comm comm, ClusterMode mode);
  ~MpiCluster() override;
  MpiCluster(const MpiCluster&) = delete;
  MpiCluster& operator=(const MpiCluster&) = delete;

  // For a program started by an MPI launcher (mpirun, mpiexec, srun): initialises MPI, which
  // the returned cluster finalises when destroyed, on MPI_COMM_WORLD. Null when the process was
  // not started by a launcher (it then runs alone, without MPI).
  static std::unique_ptr<MpiCluster> from_launcher(ClusterMode mode);

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  ClusterMode mode() const override { return mode_; }
  // Ranks on this machine (sharing its cores).
  int local_ranks() const { return local_ranks_; }

  std::vector<std::string> all_gather(const std::string& bytes) override;
  std::vector<std::string> gather_to_head(const std::string& bytes) override;
  void post(const std::string& bytes, int to = -1) override;
  std::vector<ClusterMessage> arrived() override;
  std::vector<ClusterMessage> finish() override;
  [[noreturn]] void abort(const std::string& message) override;

  // This rank's traffic so far (benchmarks: messages and bytes per migration): point-to-point
  // messages posted (one per receiving rank) and their bytes; collectives joined and the bytes
  // this rank contributed to them.
  std::uint64_t messages_posted() const { return messages_posted_; }
  std::uint64_t bytes_posted() const { return bytes_posted_; }
  std::uint64_t collectives() const { return collectives_; }
  std::uint64_t collective_bytes() const { return collective_bytes_; }

 private:
  struct Pending {
    MPI_Request request;
    std::shared_ptr<const std::string> bytes;
  };
  void reap_sends();
  ClusterMessage receive(const MPI_Status& status);

  MPI_Comm comm_ = MPI_COMM_NULL;
  ClusterMode mode_;
  int rank_ = 0, size_ = 1, local_ranks_ = 1;
  bool finalize_ = false;
  std::vector<Pending> pending_;
  std::vector<std::uint64_t> sent_to_, received_from_;
  std::uint64_t messages_posted_ = 0, bytes_posted_ = 0, collectives_ = 0, collective_bytes_ = 0;
};

// Whether this process was started by an MPI launcher (Open MPI's mpirun, a PMI/PMIx launcher
// such as srun).
bool launched_by_mpi();

}  // namespace symtorch::mpi
