#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace governor::testing {

/** `text` (valid JSON) as a RapidJSON document, the type Governor reads requests into: for tests
 *  of the code that reads a parsed request. */
inline rapidjson::Document json_text_doc(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

/** `value` as a RapidJSON document, so a test can write its request with nlohmann's literals. */
inline rapidjson::Document json_doc(const nlohmann::json& value) {
  return json_text_doc(value.dump());
}

}  // namespace governor::testing
