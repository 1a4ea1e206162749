#include "symtorch/engine/search_cluster.hpp"

#include <stdexcept>


namespace symtorch {

const char* to_string(ClusterMode m) { return m == ClusterMode::Synchronous ? "sync" : "async"; }

void agree_ready(SearchCluster& cluster, const std::string& error) {
  const std::string mine = error.empty() ? std::string("+") : "-" + error;
  const std::vector<std::string> all = cluster.all_gather(mine);
  for (std::size_t r = 0; r < all.size(); ++r)
    if (!all[r].empty() && all[r][0] == '-')
      throw ClusterAgreedError("rank " + std::to_string(r) + " of " + std::to_string(all.size()) + ": " +
                                  all[r].substr(1));
}

}  // namespace symtorch
