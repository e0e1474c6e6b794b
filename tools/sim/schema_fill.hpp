#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace governor::sim {

/** A deterministic example value for a JSON Schema: the common subset models are asked for
 *  (type, properties, required, items, enum, const, anyOf/oneOf/allOf, min/max bounds, a few
 *  string formats). Every property, required or not, is filled; enum → its first value;
 *  string → a vocabulary word chosen by `seed` and the property's path; integer/number → a
 *  small number within the bounds; array → one or more items. Unknown constructs ($ref, ...)
 *  yield a string. Depth is capped, so recursive schemas terminate. */
nlohmann::ordered_json fill_schema(const nlohmann::json& schema, std::uint64_t seed);

}  // namespace governor::sim
