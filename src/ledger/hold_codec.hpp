#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "records.hpp"

// The bytes of a `holds` row: the reservations one batch granted, in one BLOB. One row per batch
// instead of one per reservation makes a grant's durable record an append of a few dozen bytes
// (a row of its own, inserted and later deleted, was a fifth of the ledger thread's work).

namespace governor::ledger {

/** Appends `reservations` to `out` in the `holds` format: a version byte, a count, then each
 *  record (varints and length-prefixed text; see docs/ledger.md). */
void encode_holds(const std::vector<const ReservationRecord*>& reservations, std::string& out);

/** The records of a `holds` row; nullopt when the bytes are not that format (truncated,
 *  an unknown version, a field out of range). */
std::optional<std::vector<ReservationRecord>> decode_holds(std::string_view bytes);

}  // namespace governor::ledger
