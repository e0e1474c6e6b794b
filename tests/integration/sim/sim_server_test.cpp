// The server around the wire format: HTTP errors, auth, TLS, client aborts, threads, stop,
// and the governor-sim executable.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "integration/sim/sim_fixture.hpp"

extern char** environ;

namespace governor::sim::testing {
namespace {

using HttpTest = SimFixture;

TEST_F(HttpTest, BadJsonAndMissingParametersAre400sNamingTheParam) {
  const auto bad = client_->post("{not json");
  EXPECT_EQ(bad.status, 400U);
  const auto bad_error = json::parse(bad.body)["error"];
  EXPECT_EQ(bad_error["type"], "invalid_request_error");
  EXPECT_TRUE(bad_error.contains("param"));
  EXPECT_TRUE(bad_error.contains("code"));

  const auto param_of = [&](const json& body) {
    const auto result = post(body);
    EXPECT_EQ(result.status, 400U) << body;
    return json::parse(result.body)["error"]["param"];
  };
  EXPECT_EQ(param_of(json::array()), nullptr);
  EXPECT_EQ(param_of({{"model", "sim-small"}}), "messages");
  EXPECT_EQ(param_of({{"model", "sim-small"}, {"messages", "hi"}}), "messages");
  EXPECT_EQ(param_of({{"messages", json::array({{{"role", "user"}, {"content", "x"}}})}}), "model");
  EXPECT_EQ(param_of(chat_request("x", {{"n", 2}})), "n");
  EXPECT_EQ(param_of(chat_request("x", {{"max_tokens", -1}})), "max_tokens");
  EXPECT_EQ(param_of(chat_request("x", {{"logprobs", true}, {"top_logprobs", 21}})),
            "top_logprobs");
  EXPECT_EQ(param_of(chat_request("x", {{"stream", "yes"}})), "stream");
  EXPECT_EQ(param_of(chat_request("x", {{"stream_options", {{"include_usage", true}}}})),
            "stream_options");
  EXPECT_EQ(post(chat_request("x", {{"n", 1}})).status, 200U);
  EXPECT_EQ(client_->connects(), 1) << "a 400 keeps the connection";
}

TEST_F(HttpTest, UnknownPathIs404AndWrongMethodIs405) {
  const auto missing = client_->get("/v1/nope");
  EXPECT_EQ(missing.status, 404U);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "unknown_url");
  const auto wrong = client_->get("/v1/chat/completions");
  EXPECT_EQ(wrong.status, 405U);
  EXPECT_EQ(wrong.header("allow"), "POST");
  EXPECT_TRUE(json::parse(wrong.body)["error"].is_object());
  EXPECT_EQ(client_->request("POST", "/chat/completions", chat_request("x").dump()).status, 200U);
  EXPECT_EQ(server_->stats().requests, 1U);
}

TEST_F(HttpTest, OversizedBodyIs413) {
  const auto result = client_->raw(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 9437184\r\n\r\n{\"model\":");
  EXPECT_EQ(result.status, 413U) << result.error;
  EXPECT_EQ(post(chat_request("still alive")).status, 200U);
}

TEST_F(HttpTest, MalformedHttpIs400AndNeverKillsTheServer) {
  const auto garbage = client_->raw("HELLO THERE\r\n\r\n");
  EXPECT_EQ(garbage.status, 400U) << garbage.error;
  SimClient other{server_->port()};
  const auto bad_length =
      other.raw("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: x\r\n\r\n");
  EXPECT_EQ(bad_length.status, 400U) << bad_length.error;
  SimClient half{server_->port()};
  half.start("POST", "/v1/chat/completions", "");  // then hang up mid-conversation
  half.close();
  EXPECT_EQ(post(chat_request("still alive")).status, 200U);
  EXPECT_EQ(client_->get("/healthz").status, 200U);
}

TEST_F(HttpTest, StatsRecordLastRequestAndReset) {
  post(chat_request("remember me"), {{"Authorization", "Bearer abc"}});
  auto stats = server_->stats();
  EXPECT_EQ(stats.requests, 1U);
  EXPECT_EQ(stats.completed, 1U);
  EXPECT_EQ(stats.last_authorization, "Bearer abc");
  EXPECT_EQ(json::parse(stats.last_body), chat_request("remember me"));
  server_->reset_stats();
  stats = server_->stats();
  EXPECT_EQ(stats.requests, 0U);
  EXPECT_EQ(stats.completed, 0U);
  EXPECT_EQ(stats.last_body, "");
}

class AuthTest : public SimFixture {
 protected:
  SimOptions options() const override {
    SimOptions options;
    options.api_key = "sk-test";
    return options;
  }
};

TEST_F(AuthTest, ApiKeyIsRequired) {
  const auto missing = post(chat_request("x"));
  EXPECT_EQ(missing.status, 401U);
  const auto error = json::parse(missing.body)["error"];
  EXPECT_EQ(error["code"], "invalid_api_key");
  EXPECT_EQ(error["type"], "invalid_request_error");
  EXPECT_EQ(post(chat_request("x"), {{"Authorization", "Bearer nope"}}).status, 401U);
  EXPECT_EQ(post(chat_request("x"), {{"Authorization", "Bearer sk-test"}}).status, 200U);
  EXPECT_EQ(server_->stats().last_authorization, "Bearer sk-test");
  EXPECT_EQ(client_->get("/v1/models").status, 401U);
  EXPECT_EQ(client_->request("GET", "/v1/models", "", {{"Authorization", "Bearer sk-test"}}).status,
            200U);
  EXPECT_EQ(client_->get("/healthz").status, 200U) << "health needs no key";
  EXPECT_EQ(server_->stats().requests, 3U);
}

class PacedTest : public SimFixture {
 protected:
  SimOptions options() const override {
    SimOptions options;
    options.tokens_per_second = 50;  // 20 ms between tokens
    options.threads = 2;
    return options;
  }
};

TEST_F(PacedTest, ClientClosingMidStreamIsCountedPromptly) {
  client_->start("POST", "/v1/chat/completions",
                 chat_request("long [[sim tokens=500]]", {{"stream", true}}).dump());
  ASSERT_TRUE(client_->next_chunk());
  ASSERT_TRUE(client_->next_chunk());
  ASSERT_TRUE(client_->next_chunk());
  client_->close();
  EXPECT_TRUE(eventually([&] { return server_->stats().client_aborted == 1; }, 1s));
  EXPECT_EQ(server_->stats().completed, 0U);
}

TEST_F(PacedTest, ClientClosingDuringTtftIsNoticedBeforeTheFirstToken) {
  const auto start = Clock::now();
  client_->start("POST", "/v1/chat/completions",
                 chat_request("[[sim ttft_ms=20000]]", {{"stream", true}}).dump());
  ASSERT_TRUE(client_->next_chunk());  // the role chunk; the first token is 20 s away
  client_->close();
  EXPECT_TRUE(eventually([&] { return server_->stats().client_aborted == 1; }, 2s));
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST_F(PacedTest, ClientClosingDuringANonStreamDelayIsNoticed) {
  ASSERT_TRUE(
      client_->send("POST", "/v1/chat/completions", chat_request("[[sim delay_ms=20000]]").dump()));
  ASSERT_TRUE(eventually([&] { return server_->stats().requests == 1; }));
  client_->close();
  EXPECT_TRUE(eventually([&] { return server_->stats().client_aborted == 1; }, 2s));
}

TEST_F(PacedTest, ConcurrentClientsOnTwoThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      SimClient client{server_->port()};
      for (int i = 0; i < 3; ++i) {
        const auto body = chat_request("client " + std::to_string(t) + " [[sim tokens=3]]",
                                       {{"stream", i % 2 == 0}});
        ok += client.post(body.dump()).status == 200U ? 1 : 0;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(ok.load(), 12);
  EXPECT_TRUE(eventually([&] { return server_->stats().completed == 12; }));
}

TEST_F(PacedTest, StopClosesOpenConnectionsAndIsIdempotent) {
  client_->start("POST", "/v1/chat/completions",
                 chat_request("[[sim ttft_ms=20000]]", {{"stream", true}}).dump());
  ASSERT_TRUE(client_->next_chunk());
  const auto start = Clock::now();
  server_->stop();
  server_->stop();
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_FALSE(client_->next_chunk(2s));
  EXPECT_FALSE(client_->last_error().empty());
}

TEST(SimTls, ServesHttpsWithAGeneratedCertificate) {
  TempCert cert;
  if (!cert.ok()) {
    GTEST_SKIP() << "openssl CLI not available";
  }
  SimOptions options;
  options.tls_cert_file = cert.cert();
  options.tls_key_file = cert.key();
  SimServer server{options};
  server.start();
  EXPECT_TRUE(server.base_url().starts_with("https://127.0.0.1:"));
  SimClient client{server.port(), cert.cert()};
  const auto plain = client.post(chat_request("secure").dump());
  ASSERT_EQ(plain.status, 200U) << plain.error;
  EXPECT_TRUE(json::parse(plain.body)["choices"][0]["message"]["content"].is_string());
  const auto streamed = client.post(chat_request("secure", {{"stream", true}}).dump());
  ASSERT_EQ(streamed.status, 200U) << streamed.error;
  EXPECT_EQ(sse_data(streamed.body).back(), "[DONE]");
  EXPECT_EQ(client.connects(), 1);
  const auto reset = client.post(chat_request("[[sim reset_after=1]]", {{"stream", true}}).dump());
  EXPECT_FALSE(reset.error.empty());
  EXPECT_EQ(client.post(chat_request("again").dump()).status, 200U);
  server.stop();
}

TEST(SimServerLifecycle, StartFailsOnABusyPortAndStopWithoutStartIsFine) {
  SimServer first{SimOptions{}};
  first.start();
  SimOptions same;
  same.port = first.port();
  SimServer second{same};
  EXPECT_ANY_THROW(second.start());
  SimServer never{SimOptions{}};
  never.stop();
}

// The executable: --port 0 with --port-file, a request, SIGTERM, exit 0.
TEST(SimExecutable, WritesThePortFileServesAndStopsOnSigterm) {
  const std::filesystem::path binary = GOVERNOR_SIM_BINARY;
  if (!std::filesystem::exists(binary)) {
    GTEST_SKIP() << "no " << binary;
  }
  const auto port_file =
      std::filesystem::temp_directory_path() / ("governor-sim-port-" + std::to_string(::getpid()));
  std::filesystem::remove(port_file);
  const std::string binary_str = binary.string();
  const std::string port_file_str = port_file.string();
  std::vector<char*> argv = {const_cast<char*>(binary_str.c_str()),
                             const_cast<char*>("--port"),
                             const_cast<char*>("0"),
                             const_cast<char*>("--port-file"),
                             const_cast<char*>(port_file_str.c_str()),
                             nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, binary_str.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(port_file); }, 5s));
  unsigned port = 0;
  std::ifstream{port_file} >> port;
  ASSERT_GT(port, 0U);
  SimClient client{static_cast<std::uint16_t>(port)};
  EXPECT_EQ(client.get("/healthz").status, 200U);
  EXPECT_EQ(client.post(chat_request("hi").dump()).status, 200U);
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::filesystem::remove(port_file);
}

}  // namespace
}  // namespace governor::sim::testing
