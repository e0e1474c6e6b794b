// Fault injection: every [[sim ...]] key, fail_times with only_model, the X-Sim header.
#include "integration/sim/sim_fixture.hpp"

namespace governor::sim::testing {
namespace {

using FaultTest = SimFixture;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

json stream_request(const std::string& content, json extra = json::object()) {
  extra["stream"] = true;
  return chat_request(content, std::move(extra));
}

TEST_F(FaultTest, StatusWithRetryAfterAnswersAnOpenAiShapedError) {
  const auto limited = post(chat_request("hi [[sim status=429 retry_after=2]]"));
  EXPECT_EQ(limited.status, 429U);
  EXPECT_EQ(limited.header("retry-after"), "2");
  const auto error = json::parse(limited.body)["error"];
  EXPECT_EQ(error["type"], "rate_limit_exceeded");
  EXPECT_EQ(error["code"], "rate_limit_exceeded");
  EXPECT_TRUE(error["param"].is_null());
  EXPECT_TRUE(error["message"].is_string());

  const auto failed = post(chat_request("hi [[sim status=503]]"));
  EXPECT_EQ(failed.status, 503U);
  EXPECT_EQ(json::parse(failed.body)["error"]["type"], "server_error");
  EXPECT_EQ(failed.header("retry-after"), "");
  EXPECT_EQ(server_->stats().faults_injected, 2U);
  EXPECT_EQ(client_->connects(), 1) << "an error response keeps the connection alive";
}

TEST_F(FaultTest, FailTimesFailsTheFirstAttemptsOfTheSameRequestEvenOnAnotherModel) {
  const std::string content = "retry me [[sim status=500 fail_times=2]]";
  EXPECT_EQ(post(chat_request(content, {}, "primary")).status, 500U);
  EXPECT_EQ(post(chat_request(content, {}, "fallback")).status, 500U);
  EXPECT_EQ(post(chat_request(content, {}, "primary")).status, 200U);
  EXPECT_EQ(post(chat_request(content, {}, "primary")).status, 200U);
  // Another request has its own count.
  EXPECT_EQ(post(chat_request(content + " again", {}, "primary")).status, 500U);
  server_->reset_stats();
  EXPECT_EQ(post(chat_request(content, {}, "primary")).status, 500U) << "reset forgets attempts";
}

TEST_F(FaultTest, OnlyModelAppliesTheFaultToThatModelOnly) {
  const std::string content = "route me [[sim status=502 only_model=primary]]";
  EXPECT_EQ(post(chat_request(content, {}, "primary")).status, 502U);
  EXPECT_EQ(post(chat_request(content, {}, "fallback")).status, 200U);
  EXPECT_EQ(post(chat_request(content, {}, "primary")).status, 502U);

  // Two directives: the primary fails once, the fallback is slow.
  const std::string both =
      "[[sim status=503 fail_times=1 only_model=a]] [[sim only_model=b tokens=3]]";
  EXPECT_EQ(post(chat_request(both, {}, "a")).status, 503U);
  EXPECT_EQ(post_json(chat_request(both, {}, "b"))["usage"]["completion_tokens"], 3);
  EXPECT_EQ(post(chat_request(both, {}, "a")).status, 200U);
}

TEST_F(FaultTest, DelayHoldsBackTheResponseHeaders) {
  const auto start = Clock::now();
  const auto result = post(chat_request("slow [[sim delay_ms=300]]"));
  EXPECT_EQ(result.status, 200U);
  EXPECT_GE(since(start), 300ms);
}

TEST_F(FaultTest, TtftAndTpsPaceTheStream) {
  const auto start = Clock::now();
  auto header = client_->start("POST", "/v1/chat/completions",
                               stream_request("paced [[sim ttft_ms=300 tps=40 tokens=5]]").dump());
  ASSERT_EQ(header.status, 200U) << header.error;
  const auto header_at = Clock::now();
  ASSERT_TRUE(client_->next_chunk());  // role chunk
  ASSERT_TRUE(client_->next_chunk());  // first token
  EXPECT_GE(since(start), 300ms);
  EXPECT_GE(since(header_at), 150ms) << "headers come before the first token";
  while (client_->next_chunk()) {
  }
  EXPECT_GE(since(start), 400ms);  // ttft + 4 intervals of 25 ms
}

TEST_F(FaultTest, TokensForcesTheLength) {
  EXPECT_EQ(post_json(chat_request("[[sim tokens=7]]"))["usage"]["completion_tokens"], 7);
  const auto empty = post_json(chat_request("[[sim tokens=0]]"));
  EXPECT_EQ(empty["choices"][0]["message"]["content"], "");
  EXPECT_EQ(empty["usage"]["completion_tokens"], 0);
}

TEST_F(FaultTest, StallPausesTheStreamAfterKContentChunks) {
  client_->start("POST", "/v1/chat/completions",
                 stream_request("[[sim tokens=5 stall_after=2 stall_ms=300]]").dump());
  ASSERT_TRUE(client_->next_chunk());  // role
  ASSERT_TRUE(client_->next_chunk());  // token 1
  ASSERT_TRUE(client_->next_chunk());  // token 2
  const auto before = Clock::now();
  ASSERT_TRUE(client_->next_chunk());  // token 3, after the stall
  EXPECT_GE(since(before), 280ms);
  int rest = 0;
  while (client_->next_chunk()) {
    ++rest;
  }
  EXPECT_EQ(rest, 4);  // tokens 4 and 5, finish, [DONE]
  EXPECT_EQ(server_->stats().faults_injected, 1U);
}

TEST_F(FaultTest, ResetAfterAbortsTheStreamWithoutTerminator) {
  const auto result = post(stream_request("[[sim tokens=10 reset_after=2]]"));
  EXPECT_EQ(result.status, 200U);
  EXPECT_FALSE(result.error.empty());
  EXPECT_EQ(result.chunks.size(), 3U);  // role + 2 tokens
  EXPECT_EQ(result.body.find("[DONE]"), std::string::npos);
  EXPECT_TRUE(eventually([&] { return server_->stats().faults_injected == 1; }));
  EXPECT_EQ(server_->stats().client_aborted, 0U);
  EXPECT_EQ(server_->stats().completed, 0U);
  // The client recovers on a new connection.
  EXPECT_EQ(post(chat_request("after reset")).status, 200U);
  EXPECT_EQ(client_->connects(), 2);
}

TEST_F(FaultTest, ResetAfterCutsANonStreamBodyInHalf) {
  const auto result = post(chat_request("[[sim reset_after=0]]"));
  EXPECT_EQ(result.status, 200U);
  EXPECT_FALSE(result.error.empty()) << "the body never completes";
  EXPECT_FALSE(result.header("content-length").empty());
}

TEST_F(FaultTest, MalformedNonStreamIsTruncatedJsonWithMatchingLength) {
  const auto result = post(chat_request("[[sim malformed=1]]"));
  EXPECT_EQ(result.status, 200U);
  EXPECT_TRUE(result.error.empty());
  EXPECT_EQ(result.header("content-length"), std::to_string(result.body.size()));
  EXPECT_TRUE(json::parse(result.body, nullptr, false).is_discarded());
  EXPECT_EQ(post(chat_request("fine")).status, 200U) << "the connection stays usable";
}

TEST_F(FaultTest, MalformedStreamHasOneBadEventThenContinues) {
  const auto result = post(stream_request("[[sim malformed=1 tokens=4]]"));
  ASSERT_EQ(result.status, 200U);
  int bad = 0;
  for (const auto& data : sse_data(result.body)) {
    if (data != "[DONE]" && json::parse(data, nullptr, false).is_discarded()) {
      ++bad;
    }
  }
  EXPECT_EQ(bad, 1);
  EXPECT_EQ(sse_data(result.body).back(), "[DONE]");
}

TEST_F(FaultTest, CloseAfterResponseClosesTheConnection) {
  const auto result = post(chat_request("[[sim close_after_response=1]]"));
  EXPECT_EQ(result.status, 200U);
  EXPECT_EQ(result.header("connection"), "close");
  EXPECT_FALSE(result.keep_alive);
  EXPECT_EQ(post(chat_request("next")).status, 200U);
  EXPECT_EQ(client_->connects(), 2);

  // Same for streams: the server closes after the terminating chunk.
  const auto streamed = post(stream_request("[[sim close_after_response=1]]"));
  EXPECT_EQ(streamed.header("connection"), "close");
  EXPECT_TRUE(streamed.error.empty());
  EXPECT_EQ(sse_data(streamed.body).back(), "[DONE]");
}

TEST_F(FaultTest, KeepAliveIsTheDefault) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(post(chat_request("again")).status, 200U);
    EXPECT_EQ(post(stream_request("again")).status, 200U);
  }
  EXPECT_EQ(client_->connects(), 1);
  EXPECT_TRUE(eventually([&] { return server_->stats().completed == 6; }));
}

TEST_F(FaultTest, NoUsageDropsTheUsageChunk) {
  const auto result =
      post(stream_request("[[sim no_usage=1]]", {{"stream_options", {{"include_usage", true}}}}));
  const auto chunks = stream_chunks(result);
  ASSERT_FALSE(chunks.empty());
  for (const auto& chunk : chunks) {
    EXPECT_EQ(chunk["choices"].size(), 1U) << "no choices:[] usage chunk";
    EXPECT_TRUE(chunk["usage"].is_null());
  }
  EXPECT_EQ(sse_data(result.body).back(), "[DONE]");
}

TEST_F(FaultTest, XSimHeaderCarriesDirectivesToo) {
  const auto result = post(chat_request("plain"), {{"X-Sim", "status=418"}});
  EXPECT_EQ(result.status, 418U);
  EXPECT_EQ(post_json(chat_request("plain"), {{"X-Sim", "tokens=2"}})["usage"]["completion_tokens"],
            2);
}

TEST_F(FaultTest, UnknownKeysAndBadValuesAreLoud400s) {
  const auto unknown = post(chat_request("[[sim stauts=500]]"));
  EXPECT_EQ(unknown.status, 400U);
  const auto error = json::parse(unknown.body)["error"];
  EXPECT_NE(error["message"].get<std::string>().find("stauts"), std::string::npos);
  EXPECT_EQ(error["param"], "messages");

  EXPECT_EQ(post(chat_request("[[sim status=abc]]")).status, 400U);
  EXPECT_EQ(post(chat_request("[[sim status=200]]")).status, 400U);
  EXPECT_EQ(post(chat_request("[[sim status]]")).status, 400U);
  EXPECT_EQ(post(chat_request("[[sim retry_after=1]]")).status, 400U);
  EXPECT_EQ(post(chat_request("[[sim stall_after=1]]")).status, 400U);
  EXPECT_EQ(post(chat_request("[[sim tokens=3")).status, 400U);
  const auto header = post(chat_request("plain"), {{"X-Sim", "bogus=1"}});
  EXPECT_EQ(header.status, 400U);
  EXPECT_EQ(json::parse(header.body)["error"]["param"], "X-Sim");
  // Prose that merely looks similar is not a directive.
  EXPECT_EQ(post(chat_request("[[simulate this]] and [sim status=500]")).status, 200U);
  EXPECT_EQ(server_->stats().faults_injected, 0U);
}

TEST_F(FaultTest, DirectivesAreFoundInContentPartsAndEarlierMessages) {
  json request = chat_request("last message");
  const json system = {
      {"role", "system"},
      {"content", json::array({{{"type", "text"}, {"text", "[[sim status=504]]"}}})}};
  request["messages"].insert(request["messages"].begin(), system);
  EXPECT_EQ(post(request).status, 504U);
}

}  // namespace
}  // namespace governor::sim::testing
