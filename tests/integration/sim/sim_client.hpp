#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace governor::sim::testing {

/** One response as the client saw it. */
struct HttpResult {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;                            ///< de-chunked
  std::vector<std::string> chunks;             ///< each chunk's body, for chunked responses
  std::string error;                           ///< non-empty: reading failed (reset, truncated)
  bool keep_alive = false;

  std::string header(const std::string& name) const;
};

/** The `data:` payloads of an SSE body, in order ("[DONE]" included). */
std::vector<std::string> sse_data(std::string_view body);

/** A small synchronous HTTP/1.1 client (Beast) for the simulator's tests: keeps one connection
 *  alive across requests, reconnects after `Connection: close`, speaks TLS when given a CA. */
class SimClient {
 public:
  using Headers = std::map<std::string, std::string>;

  explicit SimClient(std::uint16_t port, std::string ca_file = {});
  ~SimClient();

  HttpResult request(std::string_view method, std::string_view target, std::string body = {},
                     const Headers& headers = {});
  HttpResult post(std::string body, const Headers& headers = {}) {
    return request("POST", "/v1/chat/completions", std::move(body), headers);
  }
  HttpResult get(std::string_view target) { return request("GET", target); }

  /** Only sends a request (nothing is read); false when that fails. */
  bool send(std::string_view method, std::string_view target, std::string body,
            const Headers& headers = {});
  /** Sends a request and reads only the response header; then next_chunk() reads the body. */
  HttpResult start(std::string_view method, std::string_view target, std::string body,
                   const Headers& headers = {});
  /** The next chunk's body; nullopt at the end of the body or on error (see last_error()). */
  std::optional<std::string> next_chunk(std::chrono::milliseconds timeout = std::chrono::seconds{
                                            5});
  std::string last_error() const;

  /** Sends bytes as they are on the (possibly new) connection, then reads one response. */
  HttpResult raw(std::string_view bytes);
  /** Whether the server has closed the current connection (reads EOF within `timeout`). */
  bool peer_closed(std::chrono::milliseconds timeout = std::chrono::seconds{2});
  /** Closes the connection abruptly, from the client side. */
  void close();
  /** How many TCP connections this client has opened. */
  int connects() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/** A self-signed certificate for localhost/127.0.0.1 made with the openssl CLI in a temporary
 *  directory (removed on destruction); ok() is false when openssl is unavailable. */
class TempCert {
 public:
  TempCert();
  ~TempCert();
  bool ok() const { return ok_; }
  const std::string& cert() const { return cert_; }
  const std::string& key() const { return key_; }

 private:
  std::string dir_, cert_, key_;
  bool ok_ = false;
};

}  // namespace governor::sim::testing
