#include "cluster_messages.hpp"

#include <stdexcept>

#include "wire.hpp"

namespace symtorch::search_detail {

namespace {

std::string from(int source) { return "a message from rank " + std::to_string(source); }

std::uint8_t reason_code(const std::optional<StopReason>& r) { return r ? static_cast<std::uint8_t>(*r) + 1 : 0; }

std::optional<StopReason> reason_of(std::uint8_t code, WireReader& in) {
  if (code == 0) return std::nullopt;
  if (code > static_cast<std::uint8_t>(StopReason::Requested) + 1) in.fail("an unknown stop reason");
  return static_cast<StopReason>(code - 1);
}

void expect(WireReader& in, MessageKind kind) {
  if (in.u8() != static_cast<std::uint8_t>(kind)) in.fail("an unexpected message kind");
}

void expect_end(const WireReader& in) {
  if (!in.done()) in.fail("bytes after its end");
}

}  // namespace

MessageKind message_kind(const std::string& bytes, int source) {
  if (bytes.empty() || bytes[0] < 1 || bytes[0] > static_cast<char>(MessageKind::Islands))
    throw std::runtime_error(from(source) + " is damaged: an unknown message kind");
  return static_cast<MessageKind>(bytes[0]);
}

std::string encode(const ReportMessage& m) {
  WireWriter out;
  out.u8(static_cast<std::uint8_t>(MessageKind::Report));
  out.u32(static_cast<std::uint32_t>(m.rank));
  out.u8(reason_code(m.stop_wish));
  out.u64(m.evaluations);
  out.u32(static_cast<std::uint32_t>(m.reports.size()));
  for (const auto& r : m.reports) out.report(r);
  return out.take();
}

ReportMessage decode_report(const std::string& bytes, int source, const MessageLimits& limits) {
  WireReader in(bytes, from(source), limits.features);
  expect(in, MessageKind::Report);
  ReportMessage m;
  m.rank = static_cast<int>(in.u32());
  if (m.rank != source) in.fail("it says it is from rank " + std::to_string(m.rank));
  m.stop_wish = reason_of(in.u8(), in);
  m.evaluations = in.u64();
  const std::size_t n = in.count(4 * 4 + 1);
  for (std::size_t k = 0; k < n; ++k) m.reports.push_back(in.report());
  // No maxsize check: a view island's restored finds may be larger (with an infinite loss, so
  // the hall of fame skips them), as in a single process.
  expect_end(in);
  return m;
}

std::string encode_stop(StopReason reason) {
  WireWriter out;
  out.u8(static_cast<std::uint8_t>(MessageKind::Stop));
  out.u8(reason_code(reason));
  return out.take();
}

StopReason decode_stop(const std::string& bytes, int source) {
  WireReader in(bytes, from(source), 0);
  expect(in, MessageKind::Stop);
  const auto reason = reason_of(in.u8(), in);
  if (!reason) in.fail("a stop without a reason");
  expect_end(in);
  return *reason;
}

std::string encode_snapshot(const std::string& checkpoint_text) {
  return std::string(1, static_cast<char>(MessageKind::Snapshot)) + checkpoint_text;
}

std::string decode_snapshot(const std::string& bytes, int source) {
  if (message_kind(bytes, source) != MessageKind::Snapshot)
    throw std::runtime_error(from(source) + " is damaged: an unexpected message kind");
  return bytes.substr(1);
}

std::string encode(const FinalMessage& m) {
  WireWriter out;
  out.u8(static_cast<std::uint8_t>(MessageKind::Final));
  out.u8(reason_code(m.stop_reason));
  out.u32(static_cast<std::uint32_t>(m.iterations));
  out.u64(m.evaluations);
  out.u64(m.cache_lookups);
  out.u64(m.cache_hits);
  out.members(m.hall_of_fame);
  return out.take();
}

FinalMessage decode_final(const std::string& bytes, int source, const MessageLimits& limits) {
  WireReader in(bytes, from(source), limits.features);
  expect(in, MessageKind::Final);
  FinalMessage m;
  const auto reason = reason_of(in.u8(), in);
  if (!reason) in.fail("a final message without a stop reason");
  m.stop_reason = *reason;
  m.iterations = static_cast<int>(in.u32());
  m.evaluations = in.u64();
  m.cache_lookups = in.u64();
  m.cache_hits = in.u64();
  m.hall_of_fame = in.hall_of_fame(limits.maxsize);
  expect_end(in);
  return m;
}

std::string encode_islands(const std::vector<IslandState>& islands, std::uint64_t evaluations) {
  WireWriter out;
  out.u8(static_cast<std::uint8_t>(MessageKind::Islands));
  out.u64(evaluations);
  out.u32(static_cast<std::uint32_t>(islands.size()));
  for (const auto& s : islands) out.island(s);
  return out.take();
}

std::vector<IslandState> decode_islands(const std::string& bytes, int source, const MessageLimits& limits,
                                        std::uint64_t& evaluations) {
  WireReader in(bytes, from(source), limits.features);
  expect(in, MessageKind::Islands);
  evaluations = in.u64();
  const std::size_t n = in.count(4 + 5 * 8);
  std::vector<IslandState> out;
  for (std::size_t k = 0; k < n; ++k) out.push_back(in.island());
  expect_end(in);
  return out;
}

}  // namespace symtorch::search_detail
