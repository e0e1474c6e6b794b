// The RFC-4180 cases RouteLLM's CSVs exercise (quoted commas, doubled quotes, multi-line
// responses), the line numbers records and errors report, and CRLF files.
#include "csv_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace governor::training {
namespace {

using Fields = std::vector<std::string>;

std::vector<CsvRow> parse_ok(std::string_view text) {
  auto rows = parse_csv(text);
  EXPECT_TRUE(rows.has_value()) << (rows ? "" : rows.error().message);
  return rows ? *rows : std::vector<CsvRow>{};
}

TEST(CsvReader, PlainFieldsAndLines) {
  const auto rows = parse_ok("a,b,c\n1,2,3\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ(rows[1].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_EQ(rows[1].line, 2u);
}

TEST(CsvReader, NoTrailingNewlineAndEmptyFields) {
  const auto rows = parse_ok("a,,c\n,,");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (Fields{"a", "", "c"}));
  EXPECT_EQ(rows[1].fields, (Fields{"", "", ""}));
}

TEST(CsvReader, QuotedCommaAndDoubledQuotes) {
  const auto rows = parse_ok("\"a, b\",\"say \"\"hi\"\"\",\"\"\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (Fields{"a, b", "say \"hi\"", ""}));
}

TEST(CsvReader, QuotedFieldSpansLinesAndLaterLinesCountThem) {
  const auto rows = parse_ok("p,r\n\"line 1\nline 2\n\nline 4\",x\nnext,y\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].fields, (Fields{"line 1\nline 2\n\nline 4", "x"}));
  EXPECT_EQ(rows[1].line, 2u);
  EXPECT_EQ(rows[2].line, 6u);
}

TEST(CsvReader, CrlfEndsRecordsButStaysInsideQuotes) {
  const auto rows = parse_ok("a,b\r\n\"x\r\ny\",z\r\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (Fields{"a", "b"}));
  EXPECT_EQ(rows[1].fields, (Fields{"x\r\ny", "z"}));
}

TEST(CsvReader, EmptyLinesAreSkipped) {
  const auto rows = parse_ok("\na\n\r\n\nb\n\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, Fields{"a"});
  EXPECT_EQ(rows[0].line, 2u);
  EXPECT_EQ(rows[1].fields, Fields{"b"});
  EXPECT_EQ(rows[1].line, 5u);
}

TEST(CsvReader, StrayQuoteInUnquotedFieldIsText) {
  const auto rows = parse_ok("5\" screen,x\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (Fields{"5\" screen", "x"}));
}

TEST(CsvReader, EmptyInputHasNoRows) {
  EXPECT_TRUE(parse_ok("").empty());
}

TEST(CsvReader, UnterminatedQuoteNamesTheLineItOpenedOn) {
  const auto rows = parse_csv("a,b\nc,d\n\"never\nclosed,e\n");
  ASSERT_FALSE(rows.has_value());
  EXPECT_EQ(rows.error().line, 3u);
  EXPECT_NE(rows.error().message.find("unterminated"), std::string::npos);
}

TEST(CsvReader, TextAfterClosingQuoteIsAnError) {
  const auto rows = parse_csv("a\n\"x\"y,z\n");
  ASSERT_FALSE(rows.has_value());
  EXPECT_EQ(rows.error().line, 2u);
}

TEST(CsvReader, ValueThrowsOnError) {
  EXPECT_THROW((void)parse_csv("\"open").value(), std::runtime_error);
}

}  // namespace
}  // namespace governor::training
