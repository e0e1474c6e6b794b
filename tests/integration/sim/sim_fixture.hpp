#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "integration/sim/sim_client.hpp"
#include "sim/sim_server.hpp"

namespace governor::sim::testing {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/** Polls `condition` until it holds or `timeout` passes (state changes on server threads). */
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = 3s) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

/** A chat request for `model` with one user message, `extra` merged in. */
inline json chat_request(const std::string& content, json extra = json::object(),
                         const std::string& model = "sim-small") {
  json request = {{"model", model},
                  {"messages", json::array({{{"role", "user"}, {"content", content}}})}};
  if (extra.is_object()) {
    request.update(extra);
  }
  return request;
}

/** The JSON payloads of a stream body (without the final "[DONE]"), parsed. */
inline std::vector<json> stream_chunks(const HttpResult& result) {
  std::vector<json> chunks;
  for (const auto& data : sse_data(result.body)) {
    if (data != "[DONE]") {
      chunks.push_back(json::parse(data));
    }
  }
  return chunks;
}

/** A started simulator per test (options from options()) and a client for it. */
class SimFixture : public ::testing::Test {
 protected:
  virtual SimOptions options() const { return {}; }

  void SetUp() override {
    server_ = std::make_unique<SimServer>(options());
    server_->start();
    client_ = std::make_unique<SimClient>(server_->port());
  }
  void TearDown() override {
    client_.reset();
    server_->stop();
  }

  HttpResult post(const json& body, const SimClient::Headers& headers = {}) {
    return client_->post(body.dump(), headers);
  }
  json post_json(const json& body, const SimClient::Headers& headers = {}) {
    const auto result = post(body, headers);
    EXPECT_EQ(result.status, 200U) << result.body << result.error;
    return json::parse(result.body, nullptr, false);
  }

  std::unique_ptr<SimServer> server_;
  std::unique_ptr<SimClient> client_;
};

}  // namespace governor::sim::testing
