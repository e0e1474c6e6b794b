// The client-facing HTTP surface: errors, limits, keep-alive and pipelining, health.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "gateway_fixture.hpp"

namespace governor::testing {
namespace {

using nlohmann::json;

class HttpTest : public GatewayTest {};

struct BadInput {
  std::string name;
  std::string body;
  unsigned status;
  std::string code;
  std::string param;  ///< "" for null
};

TEST_F(HttpTest, BadInputGetsAnOpenAiShapedErrorNamingTheField) {
  start();
  const std::vector<BadInput> cases = {
      {"not json", "{nope", 400, "invalid_json", ""},
      {"missing messages", R"({"model":"auto"})", 400, "", "messages"},
      {"messages not array", R"({"model":"auto","messages":"hi"})", 400, "", "messages"},
      {"bad role", R"({"model":"auto","messages":[{"role":"robot","content":"x"}]})", 400, "",
       "messages[0].role"},
      {"stream not bool",
       R"({"model":"auto","stream":"yes","messages":[{"role":"user","content":"x"}]})", 400, "",
       "stream"},
      {"missing model", R"({"messages":[{"role":"user","content":"x"}]})", 400, "", "model"},
      {"unknown model", R"({"model":"gpt-9","messages":[{"role":"user","content":"x"}]})", 404,
       "model_not_found", "model"},
  };
  auto c = client();
  for (const auto& tc : cases) {
    const auto r = c.post_json("/v1/chat/completions", tc.body);
    EXPECT_EQ(r.status, tc.status) << tc.name << ": " << r.body;
    const json err = json::parse(r.body).at("error");
    EXPECT_TRUE(err.contains("message") && err.contains("type") && err.contains("param") &&
                err.contains("code"))
        << tc.name;
    if (!tc.code.empty()) {
      EXPECT_EQ(err["code"], tc.code) << tc.name;
    }
    if (tc.param.empty()) {
      EXPECT_TRUE(err["param"].is_null()) << tc.name;
    } else {
      EXPECT_EQ(err["param"], tc.param) << tc.name;
      EXPECT_NE(err["message"].get<std::string>().find(tc.param.substr(0, tc.param.find('['))),
                std::string::npos)
          << tc.name << ": message does not name the field: " << err["message"];
    }
  }
  EXPECT_EQ(sim().stats().requests, 0u);  // nothing bad reached the upstream
}

TEST_F(HttpTest, BodyOverTheLimitIs413) {
  GatewayOptions o;
  o.listen_extra = "  max_body_bytes: 1024\n";
  start(o);
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", std::string(4096, 'x')));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "request_too_large");
}

TEST_F(HttpTest, HeadersOverTheLimitAre413) {
  GatewayOptions o;
  o.listen_extra = "  max_header_bytes: 1024\n";
  start(o);
  auto c = client();
  const auto r = c.request("GET", "/healthz", {}, {{"X-Padding", std::string(2048, 'p')}});
  EXPECT_EQ(r.status, 413);
  EXPECT_THAT(json::parse(r.body)["error"]["message"].get<std::string>(),
              ::testing::HasSubstr("headers exceed 1024 bytes"));
}

std::string chat_request_bytes(const std::string& body) {
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST_F(HttpTest, ARequestThatArrivesInPiecesIsAnswered) {
  start();
  auto c = client();
  const std::string bytes = chat_request_bytes(chat_body("sim-large", "in pieces"));
  const std::size_t header_end = bytes.find("\r\n\r\n") + 4;
  // Cut inside the request line, inside the header, and inside the body.
  const std::vector<std::size_t> cuts{10, header_end - 7, header_end + 20, bytes.size()};
  std::size_t from = 0;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    c.raw(bytes.substr(from, cuts[i] - from), 0);
    from = cuts[i];
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  const auto responses = c.raw(bytes.substr(from), 1);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].header("x-governor-model"), "sim-large");
  EXPECT_EQ(c.request("GET", "/healthz").status, 200) << "the connection is kept";
}

TEST_F(HttpTest, ARequestTrickledPastTheReadTimeoutIsCutOff) {
  GatewayOptions o;
  o.listen_extra = "  read_timeout_ms: 300\n";
  start(o);
  auto c = client();
  const std::string bytes = chat_request_bytes(chat_body("auto", "slowly"));
  // A byte every 50 ms: each read is quick, but the request as a whole has 300 ms.
  const auto started = std::chrono::steady_clock::now();
  bool closed = false;
  for (std::size_t i = 0; i < bytes.size() && !closed; ++i) {
    try {
      c.raw(bytes.substr(i, 1), 0);
    } catch (const std::exception&) {
      closed = true;  // the gateway closed the connection under the write
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    closed = closed || std::chrono::steady_clock::now() - started > std::chrono::seconds(3);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_TRUE(c.peer_closed());
}

TEST_F(HttpTest, AClientThatClosesMidRequestIsDroppedAndTheProcessLivesOn) {
  start();
  {
    auto c = client();
    const std::string bytes = chat_request_bytes(chat_body("auto", "cut short"));
    c.raw(bytes.substr(0, bytes.size() / 2), 0);
  }  // closed with half a request sent
  auto c = client();
  EXPECT_EQ(c.request("GET", "/healthz").status, 200);
}

TEST_F(HttpTest, UnknownPathIs404AndWrongMethodIs405) {
  start();
  auto c = client();
  const auto missing = c.request("GET", "/v1/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "not_found");
  const auto wrong = c.request("GET", "/v1/chat/completions");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("allow"), "POST");
  EXPECT_EQ(json::parse(wrong.body)["error"]["code"], "method_not_allowed");
}

TEST_F(HttpTest, HealthAndReadiness) {
  start();
  auto c = client();
  EXPECT_EQ(c.request("GET", "/healthz").status, 200);
  EXPECT_EQ(c.request("GET", "/readyz").status, 200);
}

TEST_F(HttpTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  auto c = client();
  const std::string a = chat_body("auto", "first");
  const std::string b = chat_body("sim-large", "second");
  auto req = [](const std::string& body) {
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  const auto responses = c.raw(req(a) + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + req(b), 3);
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_EQ(responses[0].header("x-governor-model"), "sim-small");
  EXPECT_EQ(responses[1].body, R"({"status":"ok"})");
  EXPECT_EQ(responses[2].header("x-governor-model"), "sim-large");
}

TEST_F(HttpTest, ARequestPipelinedWhileTheFirstIsInFlightIsAnsweredNext) {
  // The client watch sees the second request's bytes arrive during the first call: it must
  // leave them for the session rather than take the client for gone.
  sim::SimOptions so;
  so.ttft = std::chrono::milliseconds(300);
  start({}, so);
  auto c = client();
  c.start_only("POST", "/v1/chat/completions", chat_body("auto", "first"));
  ASSERT_TRUE(eventually([&] { return gateway().in_flight() == 1; }));
  const std::string second = chat_body("sim-large", "second");
  const auto responses = c.raw(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
          std::to_string(second.size()) + "\r\n\r\n" + second,
      2);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].header("x-governor-model"), "sim-small");
  EXPECT_EQ(responses[1].status, 200);
  EXPECT_EQ(responses[1].header("x-governor-model"), "sim-large");
}

TEST_F(HttpTest, AClientThatLeavesAWholeResponseCallCancelsItsUpstreamCall) {
  sim::SimOptions so;
  so.ttft = std::chrono::seconds(20);
  start({}, so);
  {
    auto c = client();
    c.start_only("POST", "/v1/chat/completions", chat_body("auto", "slow answer"));
    ASSERT_TRUE(eventually([&] { return sim().stats().requests == 1; }));
    EXPECT_EQ(gateway().in_flight(), 1u);
    c.reset();
  }
  // The upstream would answer in 20 s: only the cancellation ends the call within 5.
  EXPECT_TRUE(eventually([&] { return gateway().in_flight() == 0; }));
  EXPECT_EQ(sim().stats().completed, 0u);
  // The connection left is usable for nothing; a new one is served as usual.
  EXPECT_EQ(client().request("GET", "/healthz").status, 200);
}

TEST_F(HttpTest, MalformedHttpGets400AndTheProcessLivesOn) {
  start();
  {
    auto c = client();
    const auto responses = c.raw("THIS IS NOT HTTP\r\n\r\n", 1);
    EXPECT_EQ(responses[0].status, 400);
  }
  auto c = client();
  EXPECT_EQ(c.request("GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace governor::testing
