#include "windows.hpp"

#include <gtest/gtest.h>

#include "ledger_test_support.hpp"

namespace governor::ledger {
namespace {

using namespace std::chrono;
using testing::at;

TEST(Windows, UtcDayAndMonthKeys) {
  struct Case {
    TimePoint t;
    const char* day;
    const char* month;
  };
  const Case cases[] = {
      {TimePoint{}, "1970-01-01", "1970-01"},
      {at(2024y / March / 31, 23h + 59min + 59s), "2024-03-31", "2024-03"},
      {at(2024y / April / 1), "2024-04-01", "2024-04"},
      {at(2024y / February / 29, 12h), "2024-02-29", "2024-02"},
      {at(2025y / December / 31, 23h + 59min), "2025-12-31", "2025-12"},
      {at(2026y / January / 1), "2026-01-01", "2026-01"},
      {TimePoint{} - 1ms, "1969-12-31", "1969-12"},  // floor, not truncation toward zero
  };
  for (const Case& c : cases) {
    EXPECT_EQ(day_window(c.t), c.day);
    EXPECT_EQ(month_window(c.t), c.month);
  }
}

TEST(Windows, UnixMilliseconds) {
  EXPECT_EQ(unix_ms(TimePoint{} + 1500ms), 1500);
  EXPECT_EQ(unix_ms(at(2024y / January / 1)), 1'704'067'200'000);
}

}  // namespace
}  // namespace governor::ledger
