// parse_json must read exactly what nlohmann::json::parse reads, and refuse exactly what it
// refuses: checked on hand-picked edge cases and on many random mutations of valid documents.
#include "json_parse.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "text_mutation.hpp"

namespace governor::openai {
namespace {

using nlohmann::json;

/** nlohmann's own verdict: the document, or nullopt when it refuses the text. */
std::optional<json> nlohmann_verdict(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return std::nullopt;
  }
  return doc;
}

/** A parsed document as nlohmann would hold it: an integer signed when negative, else
 *  unsigned. */
json to_nlohmann(const JsonValue& v) {
  if (v.IsNull()) {
    return nullptr;
  }
  if (v.IsBool()) {
    return v.GetBool();
  }
  if (v.IsDouble()) {
    return v.GetDouble();
  }
  if (v.IsUint64()) {
    return v.GetUint64();
  }
  if (v.IsInt64()) {
    return v.GetInt64();
  }
  if (v.IsString()) {
    return std::string(string_of(v));
  }
  if (v.IsArray()) {
    json out = json::array();
    for (const JsonValue& element : v.GetArray()) {
      out.push_back(to_nlohmann(element));
    }
    return out;
  }
  json out = json::object();
  for (const auto& member : v.GetObject()) {
    EXPECT_FALSE(out.contains(string_of(member.name))) << "a key kept twice";
    out[std::string(string_of(member.name))] = to_nlohmann(member.value);
  }
  return out;
}

std::optional<json> parsed_as_nlohmann(std::string_view text) {
  ParsedJson parsed = parse_json(text);
  if (!parsed.doc) {
    return std::nullopt;
  }
  return to_nlohmann(parsed.doc->root());
}

/** Same verdict, same values, same number types (an integer is one type: "-0" reads as RapidJSON's
 *  0), same serialization. */
void expect_same_as_nlohmann(std::string_view text) {
  const std::optional<json> want = nlohmann_verdict(text);
  const std::optional<json> got = parsed_as_nlohmann(text);
  ASSERT_EQ(got.has_value(), want.has_value()) << "text: " << text;
  if (!want) {
    return;
  }
  EXPECT_EQ(*got, *want) << "text: " << text;
  EXPECT_EQ(got->dump(), want->dump()) << "text: " << text;
  // dump() prints integers alike whether they are stored signed or unsigned: compare the types.
  std::vector<json::value_t> got_types, want_types;
  const auto collect = [](const json& doc, std::vector<json::value_t>& out) {
    const auto walk = [&out](const auto& self, const json& j) -> void {
      out.push_back(j.is_number_unsigned() ? json::value_t::number_integer : j.type());
      if (j.is_structured()) {
        for (const json& child : j) {
          self(self, child);
        }
      }
    };
    walk(walk, doc);
  };
  collect(*got, got_types);
  collect(*want, want_types);
  EXPECT_EQ(got_types, want_types) << "text: " << text;
}

TEST(JsonParse, EdgeCasesMatchNlohmann) {
  const std::vector<std::string> cases = {
      R"({"model":"auto","messages":[{"role":"user","content":"Hello!"}]})",
      R"({"a":1,"a":2})",  // the last duplicate wins
      R"([0,-0,1,-1,4294967295,4294967296,-2147483649,9223372036854775807])",
      R"([18446744073709551615,18446744073709551616,-9223372036854775809])",
      R"([0.1,0.7,1e-7,1E+2,2.5e308,-0.0,3.141592653589793,5e-324,1.7976931348623157e308])",
      R"({"t":0.30000000000000004,"u":123456789.12345678})",
      // zeros with large exponents (RapidJSON's full precision alone reads them wrongly)
      R"([0e300,0E168,-0e200,0.0e300,0e-300,0.000e250,0e308,-0.0e-5,0.5e-300])",
      // below the double range, and the integer types' edges
      R"([1e-400,-1e-400,4.9e-325,2.4703282292062328e-324,-2147483648,-2147483649,-0])",
      R"([123456789012345678901234567890,-123456789012345678901234567890,1e308,-1.5E-7])",
      R"(["\u00e9\u2615","\ud83d\ude00","a\u0000b","\"\\\/\b\f\n\r\t"])",
      "\xEF\xBB\xBF{\"bom\":true}",  // a leading BOM is skipped
      " \t\r\n{} \n",
      "\"just a string\"",
      "42",
      "null",
      "true",
      "",
      " ",
      "{",
      "}",
      "[1,]",
      "{\"a\":1,}",
      "[01]",
      "[1.]",
      "[.5]",
      "[+1]",
      "[1e]",
      "[NaN]",
      "[Infinity]",
      "{'a':1}",
      "{\"a\" 1}",
      "[\"\\x\"]",
      "[\"\\u12\"]",
      "[\"\\ud800\"]",
      "[\"\\udc00\"]",
      "[\"\\ud800x\"]",
      "[\"\\ud800\\u0041\"]",  // surrogates
      "[\"a\tb\"]",
      "[\"\xff\"]",
      "[\"\xc3\"]",
      "[\"\xed\xa0\x80\"]",  // bad UTF-8
      "{} {}",
      "[1] x",
      "/* c */ {}",
      "[1] // c",
  };
  for (const std::string& text : cases) {
    expect_same_as_nlohmann(text);
  }
}

TEST(JsonParse, ANulOutsideAStringIsInvalidUnlikeNlohmann) {
  const std::string text("{}\0{\"x\"", 7);
  EXPECT_TRUE(nlohmann_verdict(text).has_value()) << "nlohmann stops at the NUL";
  EXPECT_FALSE(parse_json(text).doc.has_value());
}

TEST(JsonParse, ADocumentDeeperThanTheBoundIsRefusedAsTooDeep) {
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  EXPECT_TRUE(parse_json(nested(8), 8).doc.has_value());
  const ParsedJson deeper = parse_json(nested(9), 8);
  EXPECT_FALSE(deeper.doc.has_value());
  EXPECT_TRUE(deeper.too_deep);
  // Refused where it goes too deep, even when the rest would not parse.
  EXPECT_TRUE(parse_json(std::string(100'000, '['), 8).too_deep);
  // Invalid within the bound is only invalid.
  const ParsedJson invalid = parse_json("[[1,]]", 8);
  EXPECT_FALSE(invalid.doc.has_value());
  EXPECT_FALSE(invalid.too_deep);
  // Objects count as arrays do, and with no bound any depth is read.
  EXPECT_TRUE(parse_json(R"({"a":{"b":{"c":[{}]}}})", 5).doc.has_value());
  EXPECT_TRUE(parse_json(R"({"a":{"b":{"c":[{}]}}})", 4).too_deep);
  EXPECT_TRUE(parse_json(nested(10'000)).doc.has_value());
}

TEST(JsonParse, RepeatedKeysKeepTheLastValueOnceInSmallAndLargeObjects) {
  std::string large = "{";
  for (int i = 0; i < 40; ++i) {
    large += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  }
  large += R"("k5":"again","k39":[{"x":1,"x":{"y":2,"y":3}}],"k5":"last"})";
  for (const std::string& text : {large, "[" + large + "," + large + "]",
                                  std::string(R"({"a":1,"b":2,"a":3,"b":4,"a":5})")}) {
    ASSERT_NO_FATAL_FAILURE(expect_same_as_nlohmann(text));
  }
  const ParsedJson parsed = parse_json(large);
  ASSERT_TRUE(parsed.doc);
  EXPECT_EQ(parsed.doc->root().MemberCount(), 40u);
  EXPECT_EQ(string_of(*find_member(parsed.doc->root(), "k5")), "last");
}

TEST(JsonParse, TheRootsMemberLookupFindsEveryNameAndOnlyThose) {
  const std::vector<std::string> names = {"model",
                                          "messages",
                                          "stream",
                                          "stream_options",
                                          "max_tokens",
                                          "max_completion_tokens",
                                          "n",
                                          "seed",
                                          "temperature",
                                          "top_p",
                                          "tools",
                                          "tool_choice",
                                          "metadata",
                                          "user",
                                          "stop",
                                          "logprobs",
                                          "top_logprobs",
                                          "response_format",
                                          "",
                                          "x",
                                          "é"};
  for (std::size_t present = 0; present <= names.size(); ++present) {
    std::string text = "{";
    for (std::size_t i = 0; i < present; ++i) {
      text += (i > 0 ? ",\"" : "\"") + names[i] + "\":" + std::to_string(i);
    }
    text += "}";
    const ParsedJson parsed = parse_json(text);
    ASSERT_TRUE(parsed.doc) << text;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const JsonValue* found = parsed.doc->member(names[i]);
      if (i < present) {
        ASSERT_NE(found, nullptr) << names[i] << " in " << text;
        EXPECT_EQ(found->GetInt64(), static_cast<std::int64_t>(i));
      } else {
        EXPECT_EQ(found, nullptr) << names[i] << " in " << text;
      }
    }
    EXPECT_EQ(parsed.doc->member("absent"), nullptr);
  }
}

TEST(JsonParse, MemberSpansHoldExactlyTheValuesText) {
  const std::string text =
      "\xEF\xBB\xBF{ \"a\\\"b\" :\t [1, {\"c\":2}] ,\n \"d\":\"x,}\\\"\" , \"e\" : null }";
  std::vector<RawMember> members;
  ASSERT_TRUE(parse_json(text, members).doc);
  ASSERT_EQ(members.size(), 3u);
  const auto span = [&](const RawMember& m) {
    return text.substr(m.value_begin, m.value_end - m.value_begin);
  };
  EXPECT_EQ(members[0].key, "a\"b");
  EXPECT_EQ(span(members[0]), R"([1, {"c":2}])");
  EXPECT_EQ(members[1].key, "d");
  EXPECT_EQ(span(members[1]), R"("x,}\"")");
  EXPECT_EQ(members[2].key, "e");
  EXPECT_EQ(span(members[2]), "null");
}

TEST(JsonParse, MutationsOfValidDocumentsMatchNlohmann) {
  const std::vector<std::string> seeds = {
      R"({"model":"auto","stream":true,"stream_options":{"include_usage":true},"max_tokens":100,"temperature":0.5,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Café ☕ \u00e9"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]})",
      R"({"model":"auto","messages":[{"role":"tool","tool_call_id":"c1","content":"42"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"integer","minimum":-5,"maximum":1e3}}}}}],"top_logprobs":2,"seed":-17,"logit_bias":{"50256":-100}})",
  };
  std::mt19937 rng(20261123);
  int valid = 0;
  for (int i = 0; i < 30'000; ++i) {
    const std::string text = testing::mutate(seeds[i % seeds.size()], rng);
    valid += nlohmann_verdict(text).has_value() ? 1 : 0;
    ASSERT_NO_FATAL_FAILURE(expect_same_as_nlohmann(text));
    // Each top-level member's span holds exactly its value's text.
    std::vector<RawMember> members;
    ParsedJson parsed = parse_json(text, members);
    const std::optional<json> doc =
        parsed.doc ? std::optional<json>(to_nlohmann(parsed.doc->root())) : std::nullopt;
    if (doc && doc->is_object()) {
      ASSERT_EQ(members.size(), doc->size()) << text;  // a repeated key listed once
      for (const RawMember& m : members) {
        const auto value = json::parse(text.substr(m.value_begin, m.value_end - m.value_begin),
                                       nullptr, /*allow_exceptions=*/false);
        ASSERT_FALSE(value.is_discarded()) << m.key << " in " << text;
        EXPECT_EQ(value, doc->at(m.key)) << m.key << " in " << text;
      }
    } else {
      EXPECT_TRUE(members.empty());
    }
  }
  // The mutations must exercise both verdicts.
  EXPECT_GT(valid, 1000);
  EXPECT_LT(valid, 29'000);
}

}  // namespace
}  // namespace governor::openai
