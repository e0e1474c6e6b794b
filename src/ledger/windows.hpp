#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace governor::ledger {

using TimePoint = std::chrono::system_clock::time_point;

/** The UTC calendar day `t` is in (floored: an instant before the epoch is in the day before). */
std::chrono::sys_days utc_day(TimePoint t);

/** The UTC calendar day of `t` as "YYYY-MM-DD": the key of a tenant's daily spend window. */
std::string day_window(TimePoint t);

/** The UTC calendar month of `t` as "YYYY-MM": the key of a tenant's monthly spend window. */
std::string month_window(TimePoint t);

/** Milliseconds since the Unix epoch (what the database and the views store). */
std::int64_t unix_ms(TimePoint t);

}  // namespace governor::ledger
