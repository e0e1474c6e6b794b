#pragma once

// A small synchronous HTTP/1.1 client over real loopback sockets, for integration tests.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace governor::testing {

struct HttpResult {
  unsigned status = 0;
  std::map<std::string, std::string> headers;   ///< lower-cased names
  std::map<std::string, std::string> trailers;  ///< lower-cased names (chunked responses)
  std::string body;
  bool keep_alive = false;
  std::string header(const std::string& lower_name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/** One keep-alive connection to 127.0.0.1:port. */
class TestClient {
 public:
  explicit TestClient(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~TestClient();

  HttpResult request(const std::string& method, const std::string& target,
                     const std::string& body = {}, const Headers& headers = {});
  HttpResult post_json(const std::string& target, const std::string& body,
                       const Headers& headers = {});

  /** Sends a request and reads the response header; then read_chunk() pulls body pieces. */
  HttpResult start(const std::string& method, const std::string& target, const std::string& body,
                   const Headers& headers = {});
  /** Sends a request without waiting for anything. */
  void start_only(const std::string& method, const std::string& target, const std::string& body,
                  const Headers& headers = {});
  /** Next piece of body as it arrives ("" at the end). */
  std::string read_some_body();
  /** Reads the rest of the body; trailers land in the result of start() via trailers(). */
  std::string read_rest();
  std::map<std::string, std::string> trailers() const;

  /** Writes raw bytes (pipelining tests) and reads `count` responses. */
  std::vector<HttpResult> raw(const std::string& bytes, std::size_t count);

  /** Closes the socket abruptly (RST). */
  void reset();
  /** True once the peer closed the connection (reads EOF within the timeout). */
  bool peer_closed();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/** Splits an SSE body into the `data:` payloads, in order. */
std::vector<std::string> sse_data_lines(const std::string& body);

/** Polls `predicate` until it holds or `timeout` passes. */
bool eventually(const std::function<bool()>& predicate,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace governor::testing
