#include "windows.hpp"

#include <cstdio>

namespace governor::ledger {
namespace {

std::chrono::year_month_day utc_date(TimePoint t) {
  // floor, not duration_cast: an instant before the epoch still belongs to the day it is in.
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(t)};
}

}  // namespace

std::string day_window(TimePoint t) {
  const auto d = utc_date(t);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return text;
}

std::string month_window(TimePoint t) {
  const auto d = utc_date(t);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()));
  return text;
}

std::int64_t unix_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace governor::ledger
