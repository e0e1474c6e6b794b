// Request bodies to RouteInput, and RouteInput plus task history to the feature vector: every
// named feature of a hand-built conversation checked against a value worked out by hand.
#include "governor/routing/features.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "governor/routing/route_input.hpp"
#include "support/json_doc.hpp"
#include "text_scan.hpp"

namespace governor::routing {
namespace {

using nlohmann::json;

json tool_call(const char* id) {
  return {{"id", id},
          {"type", "function"},
          {"function", {{"name", "get_weather"}, {"arguments", "{\"city\":\"Paris\"}"}}}};
}

TEST(RouteInputFromBody, ReadsAToolConversation) {
  const json body = {{"model", "auto"},
                     {"messages",
                      {{{"role", "system"}, {"content", "You are terse."}},
                       {{"role", "user"}, {"content", "Weather in Paris?"}},
                       {{"role", "assistant"},
                        {"content", nullptr},
                        {"tool_calls", {tool_call("c1"), tool_call("c2")}}},
                       {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "{\"temp\": 21}"}}}},
                     {"tools", json::array({json::object(), json::object(), json::object()})},
                     {"tool_choice", "auto"},
                     {"max_tokens", 100}};
  const auto body_doc = governor::testing::json_doc(body);
  const RouteInput input = route_input_from_body(body_doc, 1234);

  EXPECT_EQ(4u, input.message_count);
  EXPECT_EQ(1234u, input.body_bytes);
  // The assistant's null content gives no part; its tool calls are counted.
  ASSERT_EQ(3u, input.parts.size());
  EXPECT_EQ(Role::system, input.parts[0].role);
  EXPECT_EQ(0u, input.parts[0].message);
  EXPECT_EQ("You are terse.", input.parts[0].text);
  EXPECT_EQ(Role::user, input.parts[1].role);
  EXPECT_EQ(1u, input.parts[1].message);
  EXPECT_EQ("Weather in Paris?", input.parts[1].text);
  EXPECT_EQ(Role::tool, input.parts[2].role);
  EXPECT_EQ(3u, input.parts[2].message);
  EXPECT_EQ(2u, input.assistant_tool_calls);
  EXPECT_EQ(3u, input.tools_offered);
  EXPECT_EQ(ToolChoice::automatic, input.tool_choice);
  EXPECT_EQ(ResponseFormat::text, input.response_format);
  EXPECT_EQ(Role::tool, input.last_role);
  ASSERT_TRUE(input.max_tokens.has_value());
  EXPECT_EQ(100, *input.max_tokens);
  EXPECT_EQ(0u, input.media_parts);
  // The parts are views into the document, not copies.
  EXPECT_EQ(body_doc["messages"][1]["content"].GetString(), input.parts[1].text.data());
}

TEST(RouteInputFromBody, ArrayContentKeepsTextPartsAndCountsMedia) {
  const json body = {
      {"messages",
       {{{"role", "developer"}, {"content", "Rules."}},
        {{"role", "user"},
         {"content",
          {{{"type", "text"}, {"text", "Describe this"}},
           {{"type", "image_url"}, {"image_url", {{"url", "https://example.com/a.png"}}}},
           {{"type", "input_audio"}, {"input_audio", {{"data", "AAAA"}, {"format", "wav"}}}},
           {{"type", "text"}, {"text", "briefly."}}}}}}}};
  const auto body_doc = governor::testing::json_doc(body);
  const RouteInput input = route_input_from_body(body_doc, 0);

  EXPECT_EQ(2u, input.message_count);
  EXPECT_EQ(2u, input.media_parts);
  ASSERT_EQ(3u, input.parts.size());
  EXPECT_EQ(Role::system, input.parts[0].role);  // developer counts as system
  EXPECT_EQ(Role::user, input.parts[1].role);
  EXPECT_EQ(1u, input.parts[1].message);
  EXPECT_EQ("Describe this", input.parts[1].text);
  EXPECT_EQ(Role::user, input.parts[2].role);
  EXPECT_EQ(1u, input.parts[2].message);
  EXPECT_EQ("briefly.", input.parts[2].text);
  EXPECT_EQ(Role::user, input.last_role);
  EXPECT_FALSE(input.max_tokens.has_value());
  EXPECT_EQ(ToolChoice::absent, input.tool_choice);
}

TEST(RouteInputFromBody, ToolChoiceVariants) {
  struct Case {
    json value;
    ToolChoice expected;
  };
  const std::vector<Case> cases{
      {nullptr, ToolChoice::absent},
      {"none", ToolChoice::none},
      {"auto", ToolChoice::automatic},
      {"required", ToolChoice::required},
      {{{"type", "function"}, {"function", {{"name", "get_weather"}}}}, ToolChoice::named},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.value.dump());
    json body = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    if (!c.value.is_null()) {
      body["tool_choice"] = c.value;
    }
    EXPECT_EQ(c.expected, route_input_from_body(governor::testing::json_doc(body), 0).tool_choice);
  }
}

TEST(RouteInputFromBody, ResponseFormatVariants) {
  struct Case {
    json value;
    ResponseFormat expected;
  };
  const std::vector<Case> cases{
      {nullptr, ResponseFormat::text},
      {{{"type", "text"}}, ResponseFormat::text},
      {{{"type", "json_object"}}, ResponseFormat::json_object},
      {{{"type", "json_schema"}, {"json_schema", {{"name", "x"}, {"schema", json::object()}}}},
       ResponseFormat::json_schema},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.value.dump());
    json body = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    if (!c.value.is_null()) {
      body["response_format"] = c.value;
    }
    EXPECT_EQ(c.expected,
              route_input_from_body(governor::testing::json_doc(body), 0).response_format);
  }
}

TEST(RouteInputFromBody, MaxCompletionTokensWinsOverMaxTokens) {
  json body = {{"messages", {{{"role", "user"}, {"content", "hi"}}}},
               {"max_tokens", 100},
               {"max_completion_tokens", 50}};
  EXPECT_EQ(50,
            route_input_from_body(governor::testing::json_doc(body), 0).max_tokens.value_or(-1));
  body.erase("max_completion_tokens");
  EXPECT_EQ(100,
            route_input_from_body(governor::testing::json_doc(body), 0).max_tokens.value_or(-1));
  body.erase("max_tokens");
  EXPECT_FALSE(route_input_from_body(governor::testing::json_doc(body), 0).max_tokens.has_value());
}

TEST(RouteInputFromPrompt, OneUserMessage) {
  const RouteInput input = route_input_from_prompt("What is 2 + 2?");
  ASSERT_EQ(1u, input.parts.size());
  EXPECT_EQ(Role::user, input.parts[0].role);
  EXPECT_EQ(0u, input.parts[0].message);
  EXPECT_EQ("What is 2 + 2?", input.parts[0].text);
  EXPECT_EQ(1u, input.message_count);
  EXPECT_EQ(14u, input.body_bytes);
  EXPECT_EQ(Role::user, input.last_role);
}

/** A conversation where every feature has a value worked out by hand. */
RouteInput hand_built_input() {
  RouteInput input;
  input.parts = {
      {Role::system, 0, "Be brief."},          // 9 bytes
      {Role::user, 1, "Earlier question"},     // 16
      {Role::assistant, 2, "Earlier answer"},  // 14
      {Role::user, 3, "What is 3 + 4?"},       // 14: the prompt, first part
      {Role::user, 3, "Answer in JSON."},      // 15: the prompt, second part
      {Role::tool, 4, "{\"result\": 7}"},      // 13
  };
  input.message_count = 5;
  input.messages_by_role = {1, 2, 1, 1};  // system, user, assistant, tool
  input.last_user_message = 3;
  input.media_parts = 1;
  input.tools_offered = 2;
  input.assistant_tool_calls = 1;
  input.tool_choice = ToolChoice::required;
  input.response_format = ResponseFormat::json_object;
  input.max_tokens = 256;
  input.body_bytes = 999;
  input.last_role = Role::tool;
  return input;
}

TEST(ExtractFeatures, EveryNamedFeatureOfAHandBuiltInput) {
  const RouteInput input = hand_built_input();
  const TaskHistory history{
      .step_index = 3, .retries = 1, .failures = 2, .previous_confidence = 0.25};
  auto f = std::make_unique<FeatureVector>();
  extract_features(input, history, *f);

  struct Case {
    Feature feature;
    float expected;
  };
  const std::vector<Case> cases{
      // 9 + 16 + 14 + 14 + 15 + 13 = 81 bytes: 81 / 4 + 2000 for the one media part.
      {Feature::input_tokens, 81.0f / 4.0f + 2000.0f},
      {Feature::message_count, 5},
      {Feature::system_messages, 1},
      {Feature::user_messages, 2},  // messages 1 and 3 (two parts, one message)
      {Feature::assistant_messages, 1},
      {Feature::tool_messages, 1},
      {Feature::conversation_depth, 2},
      {Feature::tools_offered, 2},
      {Feature::tool_choice, 3},      // ToolChoice::required
      {Feature::response_format, 1},  // ResponseFormat::json_object
      {Feature::last_is_tool_result, 1},
      {Feature::assistant_tool_calls, 1},
      {Feature::max_tokens, 256},
      {Feature::media_parts, 1},
      // The prompt is message 3 only: "What is 3 + 4?" and "Answer in JSON.".
      {Feature::prompt_chars, 29},
      {Feature::prompt_words, 5},      // What is / Answer in JSON
      {Feature::prompt_sentences, 2},  // '?' and the final '.'
      {Feature::prompt_questions, 1},
      {Feature::prompt_numbers, 2},  // 3, 4
      {Feature::prompt_digit_share, 2.0f / 29.0f},
      {Feature::prompt_mean_word_length, 18.0f / 5.0f},  // 4+2+6+2+4 letters
      {Feature::prompt_long_words, 0},
      {Feature::prompt_lines, 2},  // one per part
      {Feature::prompt_options, 0},
      {Feature::code_signal, 0},
      {Feature::math_signal, 1},  // "3 + 4"
      {Feature::json_signal, 1},  // "JSON"; the tool result's "result": is not the prompt
      {Feature::money_or_percent, 0},
      {Feature::context_chars, 9 + 16},  // system and earlier user text, not assistant/tool
      {Feature::step_index, 3},
      {Feature::retries, 1},
      {Feature::failures, 2},
      {Feature::previous_confidence, 0.25f},
  };
  for (const auto& c : cases) {
    EXPECT_FLOAT_EQ(c.expected, (*f)[c.feature]) << feature_name(c.feature);
  }
  for (const Feature prior :
       {Feature::prior_weak, Feature::prior_strong, Feature::prior_gain, Feature::prior_coverage,
        Feature::prior_bigram_weak, Feature::prior_bigram_gain}) {
    EXPECT_TRUE(std::isnan((*f)[prior])) << feature_name(prior) << " before a model fills it";
  }
  // "what is # #" gives 4 + 3 n-grams and "answer in json" 3 + 2: bigrams do not cross parts.
  EXPECT_EQ(12u, f->ngram_count);
  std::uint32_t bigrams = 0;
  for (std::uint32_t i = 0; i < f->ngram_count; ++i) {
    bigrams += (f->ngrams[i] & kBigramFlag) != 0 ? 1 : 0;
    EXPECT_LT(f->ngrams[i] & ~kBigramFlag, kNgramBuckets);
  }
  EXPECT_EQ(5u, bigrams);
}

// DISABLED: reveals a bug. Messages are counted from their text parts, so an assistant turn
// that only made tool calls (content null) and a user turn that only sent an image count as
// no message at all, and the prompt features then read the previous user message. Fixing it
// needs per-role message counts (and the last user message's index) in RouteInput.
TEST(ExtractFeatures, CountsMessagesWithoutText) {
  const json body = {
      {"messages",
       {{{"role", "system"}, {"content", "S"}},
        {{"role", "user"}, {"content", "Weather?"}},
        {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {tool_call("c1")}}},
        {{"role", "tool"}, {"content", "21"}},
        {{"role", "user"},
         {"content", {{{"type", "image_url"}, {"image_url", {{"url", "https://x/a.png"}}}}}}}}}};
  const auto body_doc = governor::testing::json_doc(body);
  const RouteInput input = route_input_from_body(body_doc, 0);
  auto f = std::make_unique<FeatureVector>();
  extract_features(input, TaskHistory{}, *f);
  EXPECT_FLOAT_EQ(5.0f, (*f)[Feature::message_count]);
  EXPECT_FLOAT_EQ(1.0f, (*f)[Feature::assistant_messages]);  // got 0
  EXPECT_FLOAT_EQ(2.0f, (*f)[Feature::user_messages]);       // got 1
  EXPECT_FLOAT_EQ(2.0f, (*f)[Feature::conversation_depth]);  // got 1
  // The last user message has no text: the prompt is empty and "Weather?" is context.
  EXPECT_FLOAT_EQ(0.0f, (*f)[Feature::prompt_chars]);   // got 8
  EXPECT_FLOAT_EQ(9.0f, (*f)[Feature::context_chars]);  // got 1
}

TEST(ExtractFeatures, MissingValuesAreNaN) {
  RouteInput input = route_input_from_prompt("hello there");
  auto f = std::make_unique<FeatureVector>();
  extract_features(input, TaskHistory{}, *f);
  EXPECT_TRUE(std::isnan((*f)[Feature::max_tokens]));
  EXPECT_TRUE(std::isnan((*f)[Feature::previous_confidence]));
  EXPECT_FLOAT_EQ(0.0f, (*f)[Feature::step_index]);
  EXPECT_FLOAT_EQ(0.0f, (*f)[Feature::last_is_tool_result]);
  EXPECT_FLOAT_EQ(0.0f, (*f)[Feature::context_chars]);
  EXPECT_FLOAT_EQ(11.0f, (*f)[Feature::prompt_chars]);
}

TEST(ExtractFeatures, NoUserMessageMeansNoPrompt) {
  RouteInput input;
  input.parts = {{Role::system, 0, "Only a system prompt."}};
  input.message_count = 1;
  input.last_role = Role::system;
  auto f = std::make_unique<FeatureVector>();
  extract_features(input, TaskHistory{}, *f);
  EXPECT_FLOAT_EQ(0.0f, (*f)[Feature::prompt_chars]);
  EXPECT_FLOAT_EQ(0.0f, (*f)[Feature::prompt_words]);
  EXPECT_FLOAT_EQ(21.0f, (*f)[Feature::context_chars]);
  EXPECT_EQ(0u, f->ngram_count);
}

TEST(ExtractFeatures, NgramsCappedForAHugePrompt) {
  std::string prompt;
  for (int i = 0; i < 5000; ++i) {
    prompt += "word" + std::to_string(i % 97) + " ";
  }
  auto f = std::make_unique<FeatureVector>();
  extract_features(route_input_from_prompt(prompt), TaskHistory{}, *f);
  EXPECT_EQ(kMaxNgrams, f->ngram_count);
  EXPECT_FLOAT_EQ(5000.0f, (*f)[Feature::prompt_words]);  // the text features see it all
  // The kept n-grams are the prompt's first ones (the hashing stops after the last kept).
  std::vector<std::uint32_t> all;
  for_each_ngram_bucket(prompt, kNgramBuckets, [&](std::uint32_t bucket, bool bigram) {
    all.push_back(bigram ? bucket | kBigramFlag : bucket);
    return true;
  });
  ASSERT_EQ(9999u, all.size());  // 5000 unigrams, 4999 bigrams
  EXPECT_TRUE(std::equal(all.begin(), all.begin() + kMaxNgrams, f->ngrams.begin()));
}

TEST(ExtractFeatures, NgramsOfLaterPartsAfterTheCapAreDropped) {
  // Two text parts of the prompt: the first one fills the n-grams, the second adds none.
  std::string first;
  for (int i = 0; i < 1000; ++i) {
    first += "alpha" + std::to_string(i % 13) + " ";
  }
  RouteInput input = route_input_from_prompt(first);
  input.parts.push_back({Role::user, 0, "omega"});
  auto f = std::make_unique<FeatureVector>();
  extract_features(input, TaskHistory{}, *f);
  auto alone = std::make_unique<FeatureVector>();
  extract_features(route_input_from_prompt(first), TaskHistory{}, *alone);
  EXPECT_EQ(kMaxNgrams, f->ngram_count);
  EXPECT_EQ(alone->ngrams, f->ngrams);
  EXPECT_FLOAT_EQ(1001.0f, (*f)[Feature::prompt_words]);
}

TEST(ExtractFeatures, ReusedVectorKeepsNoLeftovers) {
  // A long, rich request first, then a short one into the same vector: the result must equal
  // a fresh extraction of the short one.
  std::string long_prompt;
  for (int i = 0; i < 300; ++i) {
    long_prompt += "Solve 3 + x = 7 in JSON {\"a\": 1}? ";
  }
  const TaskHistory busy{.step_index = 9, .retries = 4, .failures = 3, .previous_confidence = 0.9};
  const RouteInput short_input = route_input_from_prompt("Hi.");

  auto reused = std::make_unique<FeatureVector>();
  extract_features(hand_built_input(), busy, *reused);
  extract_features(route_input_from_prompt(long_prompt), busy, *reused);
  extract_features(short_input, TaskHistory{}, *reused);
  auto fresh = std::make_unique<FeatureVector>();
  extract_features(short_input, TaskHistory{}, *fresh);

  // Bitwise, so that NaN == NaN.
  EXPECT_EQ(
      0, std::memcmp(fresh->values.data(), reused->values.data(), sizeof(float) * kFeatureCount));
  ASSERT_EQ(fresh->ngram_count, reused->ngram_count);
  for (std::uint32_t i = 0; i < fresh->ngram_count; ++i) {
    EXPECT_EQ(fresh->ngrams[i], reused->ngrams[i]);
  }
}

TEST(FeatureName, NamesMatchTheEnum) {
  EXPECT_EQ("input_tokens", feature_name(Feature::input_tokens));
  EXPECT_EQ("prompt_mean_word_length", feature_name(Feature::prompt_mean_word_length));
  EXPECT_EQ("context_chars", feature_name(Feature::context_chars));
  EXPECT_EQ("previous_confidence", feature_name(Feature::previous_confidence));
  EXPECT_EQ("prior_bigram_gain", feature_name(Feature::prior_bigram_gain));
  // Every feature has a name of its own (a short name list would leave empty ones).
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kFeatureCount; ++i) {
    const auto name = feature_name(static_cast<Feature>(i));
    EXPECT_FALSE(name.empty()) << i;
    names.insert(name);
  }
  EXPECT_EQ(kFeatureCount, names.size());
}

}  // namespace
}  // namespace governor::routing
