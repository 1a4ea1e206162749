#include "symtorch/mpi/cluster.hpp"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace symtorch::mpi {

namespace {

// The tag of every posted message; collectives do not use tags.
constexpr int kTag = 23;

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(what) + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

int int_size(const std::string& bytes) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::runtime_error("a message of " + std::to_string(bytes.size()) + " bytes is over MPI's 2 GiB count limit");
  return static_cast<int>(bytes.size());
}

std::vector<std::string> split(const std::vector<char>& all, const std::vector<int>& sizes) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (const int n : sizes) {
    out.emplace_back(all.data() + at, static_cast<std::size_t>(n));
    at += static_cast<std::size_t>(n);
  }
  return out;
}

std::vector<int> offsets(const std::vector<int>& sizes, long long& total) {
  std::vector<int> out(sizes.size());
  total = 0;
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    if (total > std::numeric_limits<int>::max()) throw std::runtime_error("a gathered message is over MPI's 2 GiB limit");
    out[r] = static_cast<int>(total);
    total += sizes[r];
  }
  if (total > std::numeric_limits<int>::max()) throw std::runtime_error("a gathered message is over MPI's 2 GiB limit");
  return out;
}

}  // namespace

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

MpiCluster::MpiCluster(MPI_Comm comm, ClusterMode mode) : mode_(mode) {
  check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup");
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  MPI_Comm local;
  check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local), "MPI_Comm_split_type");
  MPI_Comm_size(local, &local_ranks_);
  MPI_Comm_free(&local);
  sent_to_.assign(static_cast<std::size_t>(size_), 0);
  received_from_.assign(static_cast<std::size_t>(size_), 0);
}

MpiCluster::~MpiCluster() {
  // Posted messages not yet delivered (an exception unwound past finish()) are cancelled so
  // that finalising does not wait for them.
  for (auto& p : pending_) {
    MPI_Cancel(&p.request);
    MPI_Request_free(&p.request);
  }
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  if (finalize_) MPI_Finalize();
}

std::unique_ptr<MpiCluster> MpiCluster::from_launcher(ClusterMode mode) {
  if (!launched_by_mpi()) return nullptr;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  // Errors come back as codes (turned into exceptions) instead of ending the job unexplained.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  auto cluster = std::make_unique<MpiCluster>(MPI_COMM_WORLD, mode);
  MPI_Comm_set_errhandler(cluster->comm_, MPI_ERRORS_RETURN);
  cluster->finalize_ = true;
  return cluster;
}

std::vector<std::string> MpiCluster::all_gather(const std::string& bytes) {
  int mine = int_size(bytes);
  ++collectives_;
  collective_bytes_ += bytes.size();
  std::vector<int> sizes(static_cast<std::size_t>(size_));
  check(MPI_Allgather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, comm_), "MPI_Allgather");
  long long total = 0;
  const std::vector<int> at = offsets(sizes, total);
  std::vector<char> all(static_cast<std::size_t>(total));
  check(MPI_Allgatherv(bytes.data(), mine, MPI_BYTE, all.data(), sizes.data(), at.data(), MPI_BYTE, comm_),
        "MPI_Allgatherv");
  return split(all, sizes);
}

std::vector<std::string> MpiCluster::gather_to_head(const std::string& bytes) {
  int mine = int_size(bytes);
  ++collectives_;
  collective_bytes_ += bytes.size();
  std::vector<int> sizes(static_cast<std::size_t>(size_));
  check(MPI_Gather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, comm_), "MPI_Gather");
  long long total = 0;
  const std::vector<int> at = rank_ == 0 ? offsets(sizes, total) : std::vector<int>(sizes.size());
  std::vector<char> all(static_cast<std::size_t>(total));
  check(MPI_Gatherv(bytes.data(), mine, MPI_BYTE, all.data(), sizes.data(), at.data(), MPI_BYTE, 0, comm_),
        "MPI_Gatherv");
  if (rank_ != 0) return {};
  return split(all, sizes);
}

void MpiCluster::post(const std::string& bytes, int to) {
  reap_sends();
  const int count = int_size(bytes);
  auto shared = std::make_shared<const std::string>(bytes);
  for (int peer = 0; peer < size_; ++peer) {
    if (peer == rank_ || (to >= 0 && peer != to)) continue;
    Pending p{MPI_REQUEST_NULL, shared};
    check(MPI_Isend(shared->data(), count, MPI_BYTE, peer, kTag, comm_, &p.request), "MPI_Isend");
    pending_.push_back(std::move(p));
    ++sent_to_[static_cast<std::size_t>(peer)];
    ++messages_posted_;
    bytes_posted_ += bytes.size();
  }
}

void MpiCluster::reap_sends() {
  std::size_t kept = 0;
  for (auto& p : pending_) {
    int done = 0;
    check(MPI_Test(&p.request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (!done) pending_[kept++] = std::move(p);
  }
  pending_.resize(kept);
}

ClusterMessage MpiCluster::receive(const MPI_Status& status) {
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  ClusterMessage m;
  m.source = status.MPI_SOURCE;
  m.bytes.resize(static_cast<std::size_t>(count));
  check(MPI_Recv(m.bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, kTag, comm_, MPI_STATUS_IGNORE), "MPI_Recv");
  ++received_from_[static_cast<std::size_t>(m.source)];
  return m;
}

std::vector<ClusterMessage> MpiCluster::arrived() {
  reap_sends();
  std::vector<ClusterMessage> out;
  for (;;) {
    int flag = 0;
    MPI_Status status;
    check(MPI_Iprobe(MPI_ANY_SOURCE, kTag, comm_, &flag, &status), "MPI_Iprobe");
    if (!flag) return out;
    out.push_back(receive(status));
  }
}

std::vector<ClusterMessage> MpiCluster::finish() {
  // Each rank learns how many messages every other rank posted to it, and receives them all,
  // so that no message is left in flight when the search ends.
  std::vector<std::uint64_t> expected(static_cast<std::size_t>(size_));
  check(MPI_Alltoall(sent_to_.data(), 1, MPI_UINT64_T, expected.data(), 1, MPI_UINT64_T, comm_), "MPI_Alltoall");
  std::vector<ClusterMessage> out;
  for (int peer = 0; peer < size_; ++peer)
    while (received_from_[static_cast<std::size_t>(peer)] < expected[static_cast<std::size_t>(peer)]) {
      MPI_Status status;
      check(MPI_Probe(peer, kTag, comm_, &status), "MPI_Probe");
      out.push_back(receive(status));
    }
  for (auto& p : pending_) check(MPI_Wait(&p.request, MPI_STATUS_IGNORE), "MPI_Wait");
  pending_.clear();
  return out;
}

void MpiCluster::abort(const std::string& message) {
  std::fprintf(stderr, "symtorch: error on rank %d of %d: %s\n", rank_, size_, message.c_str());
  std::fflush(stderr);
  MPI_Abort(comm_, 1);
  std::abort();
}

}  // namespace symtorch::mpi
