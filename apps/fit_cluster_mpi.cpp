#include <fmt/format.h>

#include <stdexcept>

#include "fit_cluster.hpp"
#include "symtorch/mpi/cluster.hpp"

namespace symtorch::cli {

namespace {

class MpiFitCluster final : public FitCluster {
 public:
  explicit MpiFitCluster(std::unique_ptr<mpi::MpiCluster> c) : cluster_(std::move(c)) {}
  SearchCluster& cluster() override { return *cluster_; }
  int local_ranks() const override { return cluster_->local_ranks(); }
  std::string traffic_summary() override {
    // Counted before this gather, so it is not in the figures.
    const std::string mine = fmt::format("{} {} {} {}", cluster_->messages_posted(), cluster_->bytes_posted(),
                                         cluster_->collectives(), cluster_->collective_bytes());
    const auto all = cluster_->all_gather(mine);
    unsigned long long messages = 0, bytes = 0, collectives = 0, collective_bytes = 0;
    for (const auto& line : all) {
      unsigned long long m = 0, b = 0, c = 0, cb = 0;
      if (std::sscanf(line.c_str(), "%llu %llu %llu %llu", &m, &b, &c, &cb) != 4)
        throw std::runtime_error("a rank's traffic counters are unreadable");
      messages += m;
      bytes += b;
      collectives = std::max(collectives, c);
      collective_bytes += cb;
    }
    return fmt::format("# mpi: {} ranks, {} mode: {} messages posted ({} bytes), {} collectives ({} bytes contributed)",
                       cluster_->size(), to_string(cluster_->mode()), messages, bytes, collectives, collective_bytes);
  }

 private:
  std::unique_ptr<mpi::MpiCluster> cluster_;
};

}  // namespace

std::unique_ptr<FitCluster> start_fit_cluster(const std::string& mode) {
  ClusterMode m;
  if (mode == "async") m = ClusterMode::Asynchronous;
  else if (mode == "sync") m = ClusterMode::Synchronous;
  else throw std::invalid_argument("--mpi-mode must be 'async' or 'sync', not '" + mode + "'");
  auto cluster = mpi::MpiCluster::from_launcher(m);
  if (!cluster) return nullptr;
  return std::make_unique<MpiFitCluster>(std::move(cluster));
}

}  // namespace symtorch::cli
