#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "governor/openai/chat_request.hpp"
#include "governor/openai/json_text.hpp"

namespace governor::openai {
namespace {

using nlohmann::json;

ChatRequest parsed(const std::string& body) {
  auto result = parse_chat_request(body);
  if (!result) {
    ADD_FAILURE() << result.error().message;
    return {};
  }
  return std::move(*result);
}

struct UpstreamBodyCase {
  std::string name;
  std::string body;
  std::string expected;  // the upstream body for upstream model "gpt-4o-mini-2024-07-18"
};

std::ostream& operator<<(std::ostream& os, const UpstreamBodyCase& c) {
  return os << c.name;
}

class UpstreamBody : public ::testing::TestWithParam<UpstreamBodyCase> {};

/** Every member of `request` that Governor leaves alone is in `out` as the client wrote it. */
void expect_untouched_members_verbatim(const ChatRequest& request, const std::string& out) {
  ASSERT_FALSE(request.members.empty());
  for (const RawMember& m : request.members) {
    if (m.key == "model" || m.key == "stream_options" || m.key == "metadata") {
      continue;
    }
    const std::string member = request.text.substr(m.key_begin, m.value_end - m.key_begin);
    EXPECT_NE(out.find(member), std::string::npos) << member << " not in " << out;
  }
}

TEST_P(UpstreamBody, ReplacesTheModelAndCostsStreams) {
  const UpstreamBodyCase& c = GetParam();
  const ChatRequest request = parsed(c.body);
  const std::string out = upstream_body(request, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(json::parse(out), json::parse(c.expected)) << out;
  expect_untouched_members_verbatim(request, out);
}

TEST(UpstreamBody, CopiesTheClientsBytesAndOrderReplacingOnlyWhatItEdits) {
  // Spacing, member order, number spelling and escapes are the client's: runs of members
  // Governor leaves alone are copied whole, keys and separators included.
  const std::string out = upstream_body(
      parsed("{ \"zeta\" : [1, 2.50, 1e2],\n \"model\": \"auto\", \"messages\": "
             "[{\"role\":\"user\",\"content\":\"caf\\u00e9\"}], \"temperature\":0.70 }"),
      "m");
  EXPECT_EQ(
      out,
      R"({"zeta" : [1, 2.50, 1e2],"model":"m","messages": [{"role":"user","content":"caf\u00e9"}], "temperature":0.70})");
}

TEST(UpstreamBody, KeysThatNeedEscapingAreWrittenEscaped) {
  const std::string body =
      "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
      "\"we\\\"ird\\\\key\":1,\"caf\u00e9\":2,\"tab\\tkey\":3}";
  const json out = json::parse(upstream_body(parsed(body), "m"));
  json want = json::parse(body);
  want["model"] = "m";
  EXPECT_EQ(out, want);
  EXPECT_EQ(out["we\"ird\\key"], 1);
  EXPECT_EQ(out["caf\u00e9"], 2);
  EXPECT_EQ(out["tab\tkey"], 3);
}

TEST(UpstreamBody, ARepeatedKeyIsSentOnceWithItsLastValue) {
  const std::string out = upstream_body(
      parsed(R"({"model":"auto","n":1,"messages":[{"role":"user","content":"hi"}],"n":2})"), "m");
  EXPECT_EQ(json::parse(out),
            json::parse(R"({"model":"m","n":2,"messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_EQ(out.find("\"n\":1"), std::string::npos) << out;
  // A dropped repeat between two members Governor copies splits their run.
  const std::string split = upstream_body(
      parsed(
          R"({"a":1,"n":1,"b":2,"n":2,"model":"auto","messages":[{"role":"user","content":"hi"}]})"),
      "m");
  EXPECT_EQ(split,
            R"({"a":1,"b":2,"n":2,"model":"m","messages":[{"role":"user","content":"hi"}]})");
}

INSTANTIATE_TEST_SUITE_P(
    Examples, UpstreamBody,
    ::testing::Values(
        UpstreamBodyCase{
            "plain",
            R"({"model":"auto","messages":[{"role":"user","content":"hi"}],"temperature":0.2})",
            R"({"model":"gpt-4o-mini-2024-07-18","messages":[{"role":"user","content":"hi"}],"temperature":0.2})"},
        UpstreamBodyCase{
            "stream_gets_include_usage",
            R"({"model":"auto","stream":true,"messages":[{"role":"user","content":"hi"}]})",
            R"({"model":"gpt-4o-mini-2024-07-18","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]})"},
        UpstreamBodyCase{
            "stream_options_kept_and_usage_forced",
            R"({"model":"auto","stream":true,"stream_options":{"include_usage":false,"include_obfuscation":false},"messages":[{"role":"user","content":"hi"}]})",
            R"({"model":"gpt-4o-mini-2024-07-18","stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false},"messages":[{"role":"user","content":"hi"}]})"},
        UpstreamBodyCase{
            "stream_options_null_replaced",
            R"({"model":"auto","stream":true,"stream_options":null,"messages":[{"role":"user","content":"hi"}]})",
            R"({"model":"gpt-4o-mini-2024-07-18","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]})"},
        UpstreamBodyCase{
            "no_stream_no_stream_options",
            R"({"model":"auto","stream":false,"messages":[{"role":"user","content":"hi"}]})",
            R"({"model":"gpt-4o-mini-2024-07-18","stream":false,"messages":[{"role":"user","content":"hi"}]})"},
        UpstreamBodyCase{
            "every_other_field_untouched",
            R"({"a_first":1,"model":"auto","messages":[{"role":"user","content":"hi","name":"x"}],"n":2,
                 "stream":true,"stream_options":{"include_usage":true},"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
                 "zz_last":{"deep":[1,2.5,null,true,"s"]},"metadata":{"task":"t"},"seed":-1})",
            R"({"a_first":1,"model":"gpt-4o-mini-2024-07-18","messages":[{"role":"user","content":"hi","name":"x"}],"n":2,
                 "stream":true,"stream_options":{"include_usage":true},"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
                 "zz_last":{"deep":[1,2.5,null,true,"s"]},"metadata":{"task":"t"},"seed":-1})"}),
    [](const auto& info) { return info.param.name; });

TEST(UpstreamBody, KeepsNonAsciiAsUtf8) {
  // Copied from the client, UTF-8 stays UTF-8; written anew (the metadata Governor filters, the
  // stream options it extends), it is not escaped.
  const std::string out = upstream_body(
      parsed(R"({"model":"auto","messages":[{"role":"user","content":"Café ☕"}]})"), "m");
  EXPECT_NE(out.find("Café ☕"), std::string::npos) << out;
  const std::string written = upstream_body(
      parsed(
          R"({"model":"auto","stream":true,"stream_options":{"note":"é ☕"},)"
          R"("metadata":{"governor_task":"t","note":"Café ☕ é"},"messages":[{"role":"user","content":"x"}]})"),
      "m");
  EXPECT_NE(written.find(R"("metadata":{"note":"Café ☕ é"})"), std::string::npos) << written;
  EXPECT_NE(written.find(R"("stream_options":{"note":"é ☕","include_usage":true})"),
            std::string::npos)
      << written;
  EXPECT_EQ(written.find("\\u"), std::string::npos) << written;
}

TEST(UpstreamBody, DoesNotThrowOnAnInvalidUtf8ModelId) {
  std::string out;
  EXPECT_NO_THROW(
      out = upstream_body(parsed(R"({"model":"auto","messages":[{"role":"user","content":"x"}]})"),
                          "up\xfe"));
  EXPECT_TRUE(json::accept(out)) << out;
}

TEST(UpstreamBody, AnEmptyRequestGetsTheModel) {
  EXPECT_EQ(upstream_body(ChatRequest{}, "m"), R"({"model":"m"})");
}

struct EditCase {
  std::string name;
  std::string body;
  std::optional<std::int64_t> max_output_tokens;
  std::string expected;  // for upstream model "m"
};

std::ostream& operator<<(std::ostream& os, const EditCase& c) {
  return os << c.name;
}

class UpstreamBodyEdits : public ::testing::TestWithParam<EditCase> {};

TEST_P(UpstreamBodyEdits, AppliesTheBudgetBoundAndStripsGovernorMetadata) {
  const EditCase& c = GetParam();
  const std::string out = upstream_body(parsed(c.body), UpstreamEdits{"m", c.max_output_tokens});
  EXPECT_EQ(json::parse(out), json::parse(c.expected)) << out;
}

INSTANTIATE_TEST_SUITE_P(
    Examples, UpstreamBodyEdits,
    ::testing::Values(
        EditCase{
            "bound_added_as_max_completion_tokens",
            R"({"model":"auto","messages":[{"role":"user","content":"hi"}]})", 300,
            R"({"max_completion_tokens":300,"messages":[{"role":"user","content":"hi"}],"model":"m"})"},
        EditCase{
            "client_max_tokens_replaced",
            R"({"model":"auto","max_tokens":5000,"messages":[{"role":"user","content":"hi"}]})",
            300, R"({"max_tokens":300,"messages":[{"role":"user","content":"hi"}],"model":"m"})"},
        EditCase{
            "client_max_completion_tokens_replaced",
            R"({"model":"auto","max_completion_tokens":5000,"messages":[{"role":"user","content":"hi"}]})",
            300,
            R"({"max_completion_tokens":300,"messages":[{"role":"user","content":"hi"}],"model":"m"})"},
        EditCase{
            "both_client_fields_only_completion_tokens_replaced",
            R"({"model":"auto","max_tokens":9,"max_completion_tokens":5000,"messages":[{"role":"user","content":"hi"}]})",
            300,
            R"({"max_completion_tokens":300,"max_tokens":9,"messages":[{"role":"user","content":"hi"}],"model":"m"})"},
        EditCase{
            "governor_metadata_stripped_rest_kept",
            R"({"model":"auto","metadata":{"governor_task":"t1","user_tag":"x","governor_step":"plan"},"messages":[{"role":"user","content":"hi"}]})",
            std::nullopt,
            R"({"messages":[{"role":"user","content":"hi"}],"metadata":{"user_tag":"x"},"model":"m"})"},
        EditCase{
            "metadata_dropped_when_only_governor_keys",
            R"({"model":"auto","metadata":{"governor_task":"t1"},"messages":[{"role":"user","content":"hi"}]})",
            std::nullopt, R"({"messages":[{"role":"user","content":"hi"}],"model":"m"})"}),
    [](const auto& info) { return info.param.name; });

TEST(UpstreamBody, AsksForLogprobsWithAtLeastTheTopLogprobsACascadeNeeds) {
  UpstreamEdits edits{"m", std::nullopt, 5};
  EXPECT_EQ(
      json::parse(upstream_body(
          parsed(R"({"model":"auto","messages":[{"role":"user","content":"hi"}]})"), edits)),
      json::parse(
          R"({"logprobs":true,"messages":[{"content":"hi","role":"user"}],"model":"m","top_logprobs":5})"));
  // The client's own larger top_logprobs is kept; a streamed body keeps its usage option too.
  EXPECT_EQ(
      json::parse(upstream_body(
          parsed(
              R"({"model":"auto","stream":true,"logprobs":true,"top_logprobs":8,"messages":[{"role":"user","content":"hi"}]})"),
          edits)),
      json::parse(
          R"({"logprobs":true,"messages":[{"content":"hi","role":"user"}],"model":"m","stream":true,"stream_options":{"include_usage":true},"top_logprobs":8})"));
}

TEST(UpstreamBody, DoesNotChangeTheRequest) {
  const ChatRequest request =
      parsed(R"({"model":"auto","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  const std::string before = json_text(request.body.root());
  const std::string text = request.text;
  (void)upstream_body(request, "m");
  EXPECT_EQ(json_text(request.body.root()), before);
  EXPECT_EQ(request.text, text);
}

}  // namespace
}  // namespace governor::openai
