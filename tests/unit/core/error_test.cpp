#include "governor/core/error.hpp"

#include <gtest/gtest.h>

namespace governor {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) {
    return errc::invalid_request;
  }
  return v;
}

TEST(Errc, ConvertsToErrorCodeInGovernorCategory) {
  const boost::system::error_code ec = errc::budget_exhausted;
  EXPECT_EQ(&ec.category(), &governor_category());
  EXPECT_EQ(ec.message(), "budget exhausted");
  EXPECT_EQ(ec, errc::budget_exhausted);
  EXPECT_NE(ec, errc::invalid_request);
}

TEST(Result, CarriesValueOrError) {
  EXPECT_EQ(parse_positive(3).value(), 3);
  const auto bad = parse_positive(0);
  ASSERT_TRUE(bad.has_error());
  EXPECT_EQ(bad.error(), errc::invalid_request);
}

}  // namespace
}  // namespace governor
