// A search spread over several processes (ranks): each rank evolves a contiguous block of the
// islands with oneTBB, and the barrier between iterations (hall of fame, complexity statistics,
// migrant pools) runs on island reports exchanged between ranks as byte messages (serialised
// postfix expressions). The engine knows no MPI: SearchCluster is the transport, implemented
// over an MPI communicator by symtorch::mpi (mpi/include/symtorch/mpi/cluster.hpp).
//
// Modes:
// - Synchronous: every iteration ends in a collective exchange of every island's report, and
//   every rank runs the same barrier on the same reports in island order. The hall of fame is
//   then the same on every rank, and the front is the one a single process with the same
//   options and seed finds, whatever the rank count (and resuming works with any rank count).
// - Asynchronous (the default): after each iteration a rank posts its islands' reports to the
//   other ranks without waiting, and its barrier takes its own reports and whichever others have
//   arrived. No rank waits for the slowest, but the result depends on timing. Checkpoints hold
//   one state per rank, so resuming needs the same rank count.
// In both, stopping (iterations, time limit, target loss, exact fit, a stop request on any rank)
// ends every rank, the hall-of-fame members of every rank are gathered, and every rank returns
// the same polished front.
#pragma once

#include <functional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

#include "symtorch/engine/search.hpp"

namespace symtorch {

enum class ClusterMode { Asynchronous, Synchronous };
const char* to_string(ClusterMode m);

struct ClusterMessage {
  int source = 0;
  std::string bytes;
};

class SearchCluster {
 public:
  virtual ~SearchCluster() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual ClusterMode mode() const = 0;

  // Collective: every rank's bytes, in rank order.
  virtual std::vector<std::string> all_gather(const std::string& bytes) = 0;
  // Collective: every rank's bytes in rank order on rank 0; empty elsewhere.
  virtual std::vector<std::string> gather_to_head(const std::string& bytes) = 0;
  // Sends bytes to every other rank (to < 0) or to rank `to`, without waiting for delivery.
  virtual void post(const std::string& bytes, int to = -1) = 0;
  // The posted messages that have arrived here since the last call, without waiting.
  virtual std::vector<ClusterMessage> arrived() = 0;
  // Collective: ends the posted traffic. Returns every message posted to this rank that
  // arrived() has not returned yet, and waits until this rank's posts are delivered.
  virtual std::vector<ClusterMessage> finish() = 0;
  // Ends the whole job from this rank after printing `message` (a failure that the other
  // ranks cannot learn of through a collective, e.g. mid-search).
  [[noreturn]] virtual void abort(const std::string& message) = 0;
};

// A failure known to every rank alike (agree_ready): each rank throws it, none waits.
struct ClusterAgreedError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Collective: whether every rank is ready. `error` is this rank's failure (empty if none).
// If any rank failed, throws ClusterAgreedError on every rank with the first failed rank's
// message, prefixed with its rank, so a bad input on one rank ends the job with that message
// instead of leaving the others waiting.
void agree_ready(SearchCluster& cluster, const std::string& error);

// run_search with the islands spread over `cluster`'s ranks (options.populations is the total
// island count, at least the rank count). Every rank must call it with the same data and
// options (checked: a mismatch is refused on every rank); rank 0 alone writes the checkpoint,
// and `progress` is called where it is set (normally on rank 0 only).
SearchResult run_search(const Dataset& data, const SearchOptions& options, SearchCluster& cluster,
                        const Selection& selection = {}, std::stop_token stop = {},
                        const ProgressCallback& progress = {});

// Independent searches (e.g. one per output of a layer to distil) spread over the ranks: search
// j runs on rank j mod size, in that rank alone (with its threads), and every result is gathered
// on every rank, so each rank returns the same results in order j = 0..count-1, equal to running
// them all in one process. `search(j)` is called for this rank's j only. A search that throws
// ends it on every rank with that search's message (ClusterAgreedError naming the rank).
std::vector<SearchResult> run_spread(SearchCluster& cluster, std::size_t count,
                                     const std::function<SearchResult(std::size_t)>& search);

}  // namespace symtorch
