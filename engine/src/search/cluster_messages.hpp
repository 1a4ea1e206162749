// The messages of a distributed search (symtorch/engine/search_cluster.hpp), one kind byte
// first. Reports carry a rank's island reports after an iteration; a stop ends every rank
// (asynchronous mode); a snapshot is a rank's checkpoint text for rank 0 (asynchronous mode);
// the final message carries a rank's hall of fame and counters when the search ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "barrier.hpp"
#include "search_state.hpp"
#include "symtorch/engine/search.hpp"

namespace symtorch::search_detail {

enum class MessageKind : std::uint8_t { Report = 1, Stop = 2, Snapshot = 3, Final = 4, Islands = 5 };

struct ReportMessage {
  int rank = 0;
  std::optional<StopReason> stop_wish;  // the rank's own reason to stop (synchronous mode)
  std::uint64_t evaluations = 0;        // the rank's evaluations so far
  std::vector<IslandReport> reports;    // of its islands, in island order
};

struct FinalMessage {
  StopReason stop_reason = StopReason::Iterations;
  int iterations = 0;
  std::uint64_t evaluations = 0, cache_lookups = 0, cache_hits = 0;
  std::vector<Member> hall_of_fame;
};

// What a message holds, for a reader to check against the search's limits.
struct MessageLimits {
  std::size_t features = 0;
  int maxsize = 0;
};

MessageKind message_kind(const std::string& bytes, int source);

std::string encode(const ReportMessage& m);
ReportMessage decode_report(const std::string& bytes, int source, const MessageLimits& limits);

std::string encode_stop(StopReason reason);
StopReason decode_stop(const std::string& bytes, int source);

std::string encode_snapshot(const std::string& checkpoint_text);
std::string decode_snapshot(const std::string& bytes, int source);

std::string encode(const FinalMessage& m);
FinalMessage decode_final(const std::string& bytes, int source, const MessageLimits& limits);

// A rank's islands (synchronous checkpoints: gathered on rank 0) with its evaluation count.
std::string encode_islands(const std::vector<IslandState>& islands, std::uint64_t evaluations);
std::vector<IslandState> decode_islands(const std::string& bytes, int source, const MessageLimits& limits,
                                        std::uint64_t& evaluations);

}  // namespace symtorch::search_detail
