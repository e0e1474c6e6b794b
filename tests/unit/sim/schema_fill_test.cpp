#include "sim/schema_fill.hpp"

#include <gtest/gtest.h>

namespace governor::sim {
namespace {

using nlohmann::json;

TEST(SchemaFill, FillsTypesBoundsEnumsAndNesting) {
  const auto schema = json::parse(R"({
    "type": "object",
    "properties": {
      "s": {"type": "string", "minLength": 12, "maxLength": 20},
      "i": {"type": "integer", "minimum": 500, "maximum": 510},
      "n": {"type": ["number", "null"], "maximum": 0.25},
      "b": {"type": "boolean"},
      "e": {"enum": ["x", "y"]},
      "c": {"const": 3},
      "a": {"type": "array", "items": {"type": "integer"}, "minItems": 2},
      "o": {"properties": {"deep": {"anyOf": [{"type": "null"}, {"type": "string", "format": "date"}]}}}
    },
    "required": ["s", "missing"]
  })");
  const auto value = fill_schema(schema, 1);
  EXPECT_GE(value["s"].get<std::string>().size(), 12U);
  EXPECT_LE(value["s"].get<std::string>().size(), 20U);
  EXPECT_GE(value["i"].get<int>(), 500);
  EXPECT_LE(value["i"].get<int>(), 510);
  EXPECT_LE(value["n"].get<double>(), 0.25);
  EXPECT_EQ(value["b"], true);
  EXPECT_EQ(value["e"], "x");
  EXPECT_EQ(value["c"], 3);
  EXPECT_EQ(value["a"].size(), 2U);
  EXPECT_TRUE(value["a"][0].is_number_integer());
  EXPECT_EQ(value["o"]["deep"], "2024-01-15");
  EXPECT_TRUE(value["missing"].is_string());
  EXPECT_EQ(fill_schema(schema, 1), value) << "deterministic";
}

TEST(SchemaFill, RecursiveAndOddSchemasTerminate) {
  const auto recursive = json::parse(R"({"type":"object","properties":{"self":{"$ref":"#"}}})");
  EXPECT_TRUE(fill_schema(recursive, 3)["self"].is_string());
  json deep = json::object();
  for (int i = 0; i < 50; ++i) {
    deep = {{"type", "array"}, {"items", deep}};
  }
  EXPECT_NO_THROW(fill_schema(deep, 3));
  EXPECT_TRUE(fill_schema(json(true), 3).is_string());
  EXPECT_TRUE(fill_schema(json::object(), 3).is_string());
}

}  // namespace
}  // namespace governor::sim
