// distill_rows (symtorch/torch/distill.hpp) with its targets spread over the ranks of an MPI
// job (DistillOptions::cluster), or in one process when not started by mpirun. Prints every
// target's front on rank 0, so check_mpi.sh can compare the two: they must be equal.
#include <cmath>
#include <cstdio>
#include <exception>
#include <vector>

#include "symtorch/mpi/cluster.hpp"
#include "symtorch/torch/distill.hpp"

int main() {
  try {
    auto cluster = symtorch::mpi::MpiCluster::from_launcher(symtorch::ClusterMode::Asynchronous);
    const std::size_t rows = 80, inputs = 2, outputs = 3;
    std::vector<double> x(rows * inputs), y(rows * outputs);
    for (std::size_t r = 0; r < rows; ++r) {
      const double a = 2 * std::sin(1.7 * static_cast<double>(r)), b = 2 * std::cos(0.37 * static_cast<double>(r));
      x[r * inputs] = a;
      x[r * inputs + 1] = b;
      y[r * outputs] = a * b + 1;
      y[r * outputs + 1] = a - 2 * b;
      y[r * outputs + 2] = a * a * b;
    }
    symtorch::DistillOptions options;
    options.search.populations = 4;
    options.search.population_size = 20;
    options.search.ncycles_per_iteration = 50;
    options.search.niterations = 6;
    options.search.threads = 1;
    options.search.stop_on_exact_fit = false;
    options.search.seed = 11;
    options.cluster = cluster.get();
    const symtorch::Distillation d = symtorch::distill_rows(x.data(), y.data(), rows, inputs, outputs, options);
    if (!cluster || cluster->rank() == 0) {
      std::printf("ranks %d\n", cluster ? cluster->size() : 0);
      for (std::size_t j = 0; j < d.targets.size(); ++j)
        std::printf("target %s (chosen %zu)\n%s", d.targets[j].name.c_str(), d.targets[j].chosen,
                    d.targets[j].front.table(d.variable_names, d.targets[j].chosen).c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "distill_ranks: error: %s\n", e.what());
    return 1;
  }
}
