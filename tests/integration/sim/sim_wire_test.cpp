// The OpenAI wire format: non-stream and stream shapes, tool calls, logprobs, JSON modes.
#include <algorithm>

#include "integration/sim/sim_fixture.hpp"

namespace governor::sim::testing {
namespace {

using WireTest = SimFixture;

json weather_tools() {
  return json::parse(R"([
    {"type": "function", "function": {"name": "get_weather", "parameters": {
      "type": "object",
      "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "hourly": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "where": {"type": "object", "properties": {"lat": {"type": "number"}},
                  "required": ["lat"]}
      },
      "required": ["city", "unit"]}}},
    {"type": "function", "function": {"name": "search", "parameters": {
      "type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}}
  ])");
}

TEST_F(WireTest, NonStreamAnswerHasOpenAiShapeAndConsistentUsage) {
  const auto result = post(chat_request("hello"));
  ASSERT_EQ(result.status, 200U) << result.body;
  EXPECT_EQ(result.header("content-type"), "application/json");
  EXPECT_EQ(result.header("content-length"), std::to_string(result.body.size()));
  const auto body = json::parse(result.body);
  EXPECT_TRUE(body["id"].get<std::string>().starts_with("chatcmpl-"));
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_GT(body["created"].get<std::int64_t>(), 1'600'000'000);
  EXPECT_EQ(body["model"], "sim-small");
  EXPECT_EQ(body["system_fingerprint"], "fp_sim");
  ASSERT_EQ(body["choices"].size(), 1U);
  const auto& choice = body["choices"][0];
  EXPECT_EQ(choice["index"], 0);
  EXPECT_EQ(choice["message"]["role"], "assistant");
  EXPECT_FALSE(choice["message"]["content"].get<std::string>().empty());
  EXPECT_TRUE(choice["message"]["refusal"].is_null());
  EXPECT_TRUE(choice["logprobs"].is_null());
  EXPECT_EQ(choice["finish_reason"], "stop");
  const auto& usage = body["usage"];
  // 3 (reply priming) + 4 (one message) + ceil(5 / 4).
  EXPECT_EQ(usage["prompt_tokens"], 9);
  EXPECT_GE(usage["completion_tokens"].get<int>(), 8);
  EXPECT_EQ(usage["total_tokens"].get<int>(),
            usage["prompt_tokens"].get<int>() + usage["completion_tokens"].get<int>());
}

TEST_F(WireTest, SameRequestSameAnswerAndDifferentMessagesDifferentAnswer) {
  const auto a = post_json(chat_request("what is the budget?"));
  const auto b = post_json(chat_request("what is the budget?"));
  const auto c = post_json(chat_request("what is the plan?"));
  EXPECT_EQ(a["choices"][0]["message"]["content"], b["choices"][0]["message"]["content"]);
  EXPECT_EQ(a["id"], b["id"]);
  EXPECT_NE(a["choices"][0]["message"]["content"], c["choices"][0]["message"]["content"]);
}

TEST_F(WireTest, MaxTokensCutsTheAnswerWithFinishReasonLength) {
  const auto full = post_json(chat_request("tell me more", {{"max_tokens", 1000}}));
  const auto cut = post_json(chat_request("tell me more", {{"max_tokens", 4}}));
  const auto also_cut = post_json(chat_request("tell me more", {{"max_completion_tokens", 4}}));
  EXPECT_EQ(full["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(cut["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(cut["usage"]["completion_tokens"], 4);
  const auto full_text = full["choices"][0]["message"]["content"].get<std::string>();
  const auto cut_text = cut["choices"][0]["message"]["content"].get<std::string>();
  EXPECT_TRUE(full_text.starts_with(cut_text)) << full_text << " / " << cut_text;
  EXPECT_EQ(also_cut["choices"][0]["message"], cut["choices"][0]["message"]);
}

TEST_F(WireTest, StreamIsRoleChunkContentChunksFinishChunkDoneOneEventPerHttpChunk) {
  const auto result = post(chat_request("stream me", {{"stream", true}}));
  ASSERT_EQ(result.status, 200U) << result.error;
  EXPECT_EQ(result.header("content-type"), "text/event-stream");
  EXPECT_EQ(result.header("transfer-encoding"), "chunked");
  ASSERT_GE(result.chunks.size(), 4U);
  for (const auto& chunk : result.chunks) {
    EXPECT_TRUE(chunk.starts_with("data: ")) << chunk;
    EXPECT_TRUE(chunk.ends_with("\n\n")) << chunk;
    EXPECT_EQ(chunk.find("\n\n"), chunk.size() - 2) << "one event per HTTP chunk: " << chunk;
  }
  EXPECT_EQ(result.chunks.back(), "data: [DONE]\n\n");

  const auto chunks = stream_chunks(result);
  ASSERT_GE(chunks.size(), 3U);
  const auto id = chunks.front()["id"];
  for (const auto& chunk : chunks) {
    EXPECT_EQ(chunk["id"], id);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    EXPECT_EQ(chunk["model"], "sim-small");
    EXPECT_EQ(chunk["system_fingerprint"], "fp_sim");
    EXPECT_FALSE(chunk.contains("usage")) << "no usage without include_usage";
    ASSERT_EQ(chunk["choices"].size(), 1U);
  }
  const auto& first = chunks.front()["choices"][0];
  EXPECT_EQ(first["delta"]["role"], "assistant");
  EXPECT_EQ(first["delta"]["content"], "");
  EXPECT_TRUE(first["finish_reason"].is_null());
  const auto& last = chunks.back()["choices"][0];
  EXPECT_EQ(last["delta"], json::object());
  EXPECT_EQ(last["finish_reason"], "stop");

  std::string streamed;
  for (std::size_t i = 1; i + 1 < chunks.size(); ++i) {
    const auto& choice = chunks[i]["choices"][0];
    EXPECT_TRUE(choice["finish_reason"].is_null());
    EXPECT_TRUE(choice["logprobs"].is_null());
    streamed += choice["delta"]["content"].get<std::string>();
  }
  const auto whole = post_json(chat_request("stream me"));
  EXPECT_EQ(streamed, whole["choices"][0]["message"]["content"]);
}

TEST_F(WireTest, IncludeUsageAddsUsageNullToEveryChunkAndAFinalUsageChunk) {
  const auto result = post(
      chat_request("count me", {{"stream", true}, {"stream_options", {{"include_usage", true}}}}));
  ASSERT_EQ(result.status, 200U) << result.error;
  const auto chunks = stream_chunks(result);
  ASSERT_GE(chunks.size(), 4U);
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    ASSERT_TRUE(chunks[i].contains("usage"));
    EXPECT_TRUE(chunks[i]["usage"].is_null());
  }
  const auto& usage_chunk = chunks.back();
  EXPECT_EQ(usage_chunk["choices"], json::array());
  const auto& usage = usage_chunk["usage"];
  EXPECT_EQ(usage["completion_tokens"].get<std::size_t>(), chunks.size() - 3);  // role, finish
  EXPECT_EQ(usage["total_tokens"].get<int>(),
            usage["prompt_tokens"].get<int>() + usage["completion_tokens"].get<int>());
  const auto whole = post_json(chat_request("count me"));
  EXPECT_EQ(usage["completion_tokens"], whole["usage"]["completion_tokens"]);
  EXPECT_EQ(usage["prompt_tokens"], whole["usage"]["prompt_tokens"]);
}

TEST_F(WireTest, ToolCallFillsTheSchemaOfTheFirstTool) {
  const auto body = post_json(chat_request("weather in Paris?", {{"tools", weather_tools()}}));
  const auto& choice = body["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "tool_calls");
  EXPECT_TRUE(choice["message"]["content"].is_null());
  ASSERT_EQ(choice["message"]["tool_calls"].size(), 1U);
  const auto& call = choice["message"]["tool_calls"][0];
  EXPECT_TRUE(call["id"].get<std::string>().starts_with("call_"));
  EXPECT_EQ(call["type"], "function");
  EXPECT_EQ(call["function"]["name"], "get_weather");
  const auto arguments = json::parse(call["function"]["arguments"].get<std::string>());
  EXPECT_TRUE(arguments["city"].is_string());
  EXPECT_EQ(arguments["unit"], "celsius");
  EXPECT_GE(arguments["days"].get<int>(), 1);
  EXPECT_LE(arguments["days"].get<int>(), 7);
  EXPECT_TRUE(arguments["hourly"].is_boolean());
  EXPECT_TRUE(arguments["tags"].is_array());
  EXPECT_TRUE(arguments["where"]["lat"].is_number());
  EXPECT_GT(body["usage"]["completion_tokens"].get<int>(), 0);
}

TEST_F(WireTest, ToolChoiceSelectsNamesForcesOrSuppressesTheCall) {
  const auto named = post_json(chat_request(
      "find it", {{"tools", weather_tools()},
                  {"tool_choice", {{"type", "function"}, {"function", {{"name", "search"}}}}}}));
  const auto& call = named["choices"][0]["message"]["tool_calls"][0];
  EXPECT_EQ(call["function"]["name"], "search");
  EXPECT_TRUE(json::parse(call["function"]["arguments"].get<std::string>())["query"].is_string());

  const auto none =
      post_json(chat_request("hi", {{"tools", weather_tools()}, {"tool_choice", "none"}}));
  EXPECT_TRUE(none["choices"][0]["message"]["content"].is_string());
  EXPECT_EQ(none["choices"][0]["finish_reason"], "stop");

  // After a tool result the model answers in text, unless a tool call is required.
  json after_tool = chat_request("weather?", {{"tools", weather_tools()}});
  after_tool["messages"].push_back(
      {{"role", "assistant"},
       {"content", nullptr},
       {"tool_calls",
        json::array({{{"id", "call_1"},
                      {"type", "function"},
                      {"function", {{"name", "get_weather"}, {"arguments", "{}"}}}}})}});
  after_tool["messages"].push_back(
      {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "sunny"}});
  const auto text = post_json(after_tool);
  EXPECT_TRUE(text["choices"][0]["message"]["content"].is_string());
  EXPECT_FALSE(text["choices"][0]["message"].contains("tool_calls"));
  after_tool["tool_choice"] = "required";
  const auto required = post_json(after_tool);
  EXPECT_EQ(required["choices"][0]["finish_reason"], "tool_calls");
}

TEST_F(WireTest, StreamedToolCallFollowsOpenAiDeltaShape) {
  const auto request = chat_request("weather in Oslo?", {{"tools", weather_tools()}});
  auto streamed_request = request;
  streamed_request["stream"] = true;
  const auto result = post(streamed_request);
  ASSERT_EQ(result.status, 200U) << result.error;
  const auto chunks = stream_chunks(result);
  ASSERT_GE(chunks.size(), 3U);
  const auto& first = chunks.front()["choices"][0]["delta"];
  EXPECT_EQ(first["role"], "assistant");
  EXPECT_TRUE(first["content"].is_null());
  const auto& header = first["tool_calls"][0];
  EXPECT_EQ(header["index"], 0);
  EXPECT_TRUE(header["id"].get<std::string>().starts_with("call_"));
  EXPECT_EQ(header["type"], "function");
  EXPECT_EQ(header["function"]["name"], "get_weather");
  EXPECT_EQ(header["function"]["arguments"], "");
  std::string arguments;
  for (std::size_t i = 1; i + 1 < chunks.size(); ++i) {
    const auto& call = chunks[i]["choices"][0]["delta"]["tool_calls"][0];
    EXPECT_EQ(call["index"], 0);
    EXPECT_FALSE(call.contains("id"));
    arguments += call["function"]["arguments"].get<std::string>();
  }
  EXPECT_EQ(chunks.back()["choices"][0]["finish_reason"], "tool_calls");
  const auto parsed = json::parse(arguments);
  EXPECT_TRUE(parsed.contains("city"));
  EXPECT_TRUE(parsed.contains("unit"));
  const auto whole = post_json(request);
  EXPECT_EQ(arguments, whole["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]);
  EXPECT_EQ(header["id"], whole["choices"][0]["message"]["tool_calls"][0]["id"]);
}

TEST_F(WireTest, LogprobsHaveOpenAiShapeAndVary) {
  const auto body = post_json(
      chat_request("be unsure [[sim tokens=60]]", {{"logprobs", true}, {"top_logprobs", 3}}));
  const auto& choice = body["choices"][0];
  const auto& content = choice["logprobs"]["content"];
  EXPECT_TRUE(choice["logprobs"]["refusal"].is_null());
  ASSERT_EQ(content.size(), 60U);
  EXPECT_EQ(body["usage"]["completion_tokens"], 60);
  std::string joined;
  int confident = 0;
  int uncertain = 0;
  for (const auto& entry : content) {
    const auto token = entry["token"].get<std::string>();
    joined += token;
    const double logprob = entry["logprob"].get<double>();
    EXPECT_LE(logprob, 0.0);
    EXPECT_GE(logprob, -3.0);
    (logprob >= -0.05 ? confident : uncertain) += 1;
    EXPECT_EQ(entry["bytes"], json(std::vector<int>(token.begin(), token.end())));
    const auto& top = entry["top_logprobs"];
    ASSERT_EQ(top.size(), 3U);
    bool has_token = false;
    for (std::size_t i = 0; i < top.size(); ++i) {
      has_token = has_token || top[i]["token"] == token;
      EXPECT_TRUE(top[i].contains("bytes"));
      if (i > 0) {
        EXPECT_GE(top[i - 1]["logprob"].get<double>(), top[i]["logprob"].get<double>());
      }
    }
    EXPECT_TRUE(has_token) << token;
  }
  EXPECT_EQ(joined, choice["message"]["content"]);
  EXPECT_GT(confident, uncertain);
  EXPECT_GT(uncertain, 0);

  const auto plain = post_json(chat_request("be unsure [[sim tokens=60]]", {{"logprobs", true}}));
  EXPECT_EQ(plain["choices"][0]["logprobs"]["content"][0]["top_logprobs"], json::array());
  EXPECT_EQ(plain["choices"][0]["logprobs"]["content"], [&] {
    auto expected = content;
    for (auto& entry : expected) {
      entry["top_logprobs"] = json::array();
    }
    return expected;
  }());
}

TEST_F(WireTest, StreamedLogprobsComeOnePerContentChunk) {
  const auto result =
      post(chat_request("stream logprobs [[sim tokens=5]]",
                        {{"stream", true}, {"logprobs", true}, {"top_logprobs", 2}}));
  const auto chunks = stream_chunks(result);
  ASSERT_EQ(chunks.size(), 7U);  // role, 5 content, finish
  EXPECT_TRUE(chunks.front()["choices"][0]["logprobs"].is_null());
  for (std::size_t i = 1; i < 6; ++i) {
    const auto& choice = chunks[i]["choices"][0];
    ASSERT_EQ(choice["logprobs"]["content"].size(), 1U);
    EXPECT_EQ(choice["logprobs"]["content"][0]["token"], choice["delta"]["content"]);
    EXPECT_EQ(choice["logprobs"]["content"][0]["top_logprobs"].size(), 2U);
  }
}

TEST_F(WireTest, JsonResponseFormatsProduceJsonContent) {
  const auto object =
      post_json(chat_request("give json", {{"response_format", {{"type", "json_object"}}}}));
  const auto parsed = json::parse(object["choices"][0]["message"]["content"].get<std::string>());
  EXPECT_TRUE(parsed.is_object());
  EXPECT_FALSE(parsed.empty());

  const auto schema = json::parse(R"({"type": "json_schema", "json_schema": {"name": "r",
      "schema": {"type": "object", "properties": {"score": {"type": "number"},
      "label": {"type": "string", "enum": ["good", "bad"]}}, "required": ["score", "label"]}}})");
  const auto shaped = post_json(chat_request("give json", {{"response_format", schema}}));
  const auto value = json::parse(shaped["choices"][0]["message"]["content"].get<std::string>());
  EXPECT_TRUE(value["score"].is_number());
  EXPECT_EQ(value["label"], "good");
}

TEST_F(WireTest, ModelsAndHealth) {
  const auto models = client_->get("/v1/models");
  ASSERT_EQ(models.status, 200U);
  const auto body = json::parse(models.body);
  EXPECT_EQ(body["object"], "list");
  std::vector<std::string> ids;
  for (const auto& model : body["data"]) {
    EXPECT_EQ(model["object"], "model");
    ids.push_back(model["id"]);
  }
  EXPECT_NE(std::find(ids.begin(), ids.end(), "sim-small"), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), "sim-large"), ids.end());
  const auto health = client_->get("/healthz");
  EXPECT_EQ(health.status, 200U);
  EXPECT_EQ(json::parse(health.body)["status"], "ok");
}

TEST_F(WireTest, AnyModelNameIsServedAndProfilesDifferInLength) {
  const auto other = post_json(chat_request("hi", {}, "gpt-4o-mini"));
  EXPECT_EQ(other["model"], "gpt-4o-mini");
  int small = 0;
  int large = 0;
  for (int i = 0; i < 8; ++i) {
    const auto prompt = "question " + std::to_string(i);
    small +=
        post_json(chat_request(prompt, {}, "sim-small"))["usage"]["completion_tokens"].get<int>();
    large +=
        post_json(chat_request(prompt, {}, "sim-large"))["usage"]["completion_tokens"].get<int>();
  }
  EXPECT_GT(large, small);
}

}  // namespace
}  // namespace governor::sim::testing
