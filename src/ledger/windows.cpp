#include "windows.hpp"

#include <cstdio>

namespace governor::ledger {
namespace {

using Days = std::chrono::sys_days;

/** The keys of one day, formatted once: every reservation needs both, and snprintf for each
 *  was about 3% of the ledger thread. One entry per thread (the ledger has one thread, and
 *  the day changes once a day), so no lock. */
struct DayKeys {
  Days day = Days::max();
  std::string day_text;
  std::string month_text;
};

const DayKeys& keys_of(TimePoint t) {
  thread_local DayKeys cached;
  const Days day = utc_day(t);
  if (day != cached.day) {
    const std::chrono::year_month_day d{day};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    cached.day_text = text;
    cached.month_text.assign(cached.day_text, 0, cached.day_text.size() - 3);  // less "-DD"
    cached.day = day;
  }
  return cached;
}

}  // namespace

std::chrono::sys_days utc_day(TimePoint t) {
  // floor, not duration_cast: an instant before the epoch still belongs to the day it is in.
  return std::chrono::floor<std::chrono::days>(t);
}

std::string day_window(TimePoint t) {
  return keys_of(t).day_text;
}

std::string month_window(TimePoint t) {
  return keys_of(t).month_text;
}

std::int64_t unix_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace governor::ledger
