#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "records.hpp"

// The ledger's packed rows: BLOBs of varints and length-prefixed text (see docs/ledger.md).
// SQLite's cost of a row grows with its columns (about 300 instructions each, bound, checked and
// assembled into the record), so the rows written once per call keep few columns:
// - a `holds` row: the reservations one batch granted (one row per batch, not one per
//   reservation inserted and later deleted);
// - a `call_batches` row: the one-step calls one transaction settled, each with its record
//   (a one-step task's policy, budget and step).

namespace governor::ledger {

/** Appends `reservations` to `out` in the `holds` format: a version byte, a count, then each
 *  record (varints and length-prefixed text; see docs/ledger.md). */
void encode_holds(const std::vector<const ReservationRecord*>& reservations, std::string& out);

/** The records of a `holds` row; nullopt when the bytes are not that format (truncated,
 *  an unknown version, a field out of range). */
std::optional<std::vector<ReservationRecord>> decode_holds(std::string_view bytes);

/** Appends a one-step task's record and its one step, all but the step's decision (a column of its
 *  own) and what the row has elsewhere (its id, tenant) or derives (its spend is the step's cost;
 *  its step's time is the task's creation). */
void encode_call(const TaskRecord& task, const StepView& step, std::string& out);

/** Reads encode_call's bytes into `task` and `step` (all but step.decision and what encode_call
 *  leaves out); false when they are not that format. */
bool decode_call(std::string_view bytes, TaskRecord& task, StepView& step);

/** One call of a `call_batches` row: views into the bytes it is encoded from or decoded out of. */
struct CallEntry {
  std::uint64_t id = 0;
  std::string_view tenant;
  std::string_view record;    ///< encode_call's bytes
  std::string_view decision;  ///< its step's routing trace
};

/** Appends a `call_batches` row's BLOB: a version byte, a count, then each call: its id as the
 *  difference from the one before (the first's from `first_id`), its tenant, record and decision
 *  (each a varint length and its bytes). `calls` are in id order, the first at `first_id`. */
void encode_call_batch(std::uint64_t first_id, std::span<const CallEntry> calls, std::string& out);

/** Reads encode_call_batch's bytes into `out` (cleared first; its views point into `bytes`);
 *  false when they are not that format. */
bool decode_call_batch(std::string_view bytes, std::uint64_t first_id, std::vector<CallEntry>& out);

}  // namespace governor::ledger
