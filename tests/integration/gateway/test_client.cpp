#include "test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace governor::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

template <class Fields>
std::map<std::string, std::string> to_map(const Fields& fields) {
  std::map<std::string, std::string> out;
  for (const auto& f : fields) {
    out[lower(std::string(f.name_string()))] = std::string(f.value());
  }
  return out;
}

}  // namespace

std::string HttpResult::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string{} : it->second;
}

struct TestClient::Impl {
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::unique_ptr<http::response_parser<http::buffer_body>> parser;
  std::array<char, 8192> piece{};
  std::chrono::milliseconds timeout;
  std::map<std::string, std::string> trailers;
};

TestClient::TestClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->timeout = timeout;
  impl_->stream.expires_after(timeout);
  impl_->stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
}

TestClient::~TestClient() {
  beast::error_code ignored;
  impl_->stream.socket().close(ignored);
}

void TestClient::start_only(const std::string& method, const std::string& target,
                            const std::string& body, const Headers& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) {
    req.set(k, v);
  }
  if (!body.empty() && req.find(http::field::content_type) == req.end()) {
    req.set(http::field::content_type, "application/json");
  }
  req.body() = body;
  req.prepare_payload();
  impl_->stream.expires_after(impl_->timeout);
  http::write(impl_->stream, req);
}

HttpResult TestClient::start(const std::string& method, const std::string& target,
                             const std::string& body, const Headers& headers) {
  start_only(method, target, body, headers);
  impl_->parser = std::make_unique<http::response_parser<http::buffer_body>>();
  impl_->parser->body_limit(boost::none);
  impl_->trailers.clear();
  http::read_header(impl_->stream, impl_->buffer, *impl_->parser);
  HttpResult r;
  r.status = impl_->parser->get().result_int();
  r.headers = to_map(impl_->parser->get().base());
  r.keep_alive = impl_->parser->get().keep_alive();
  return r;
}

std::string TestClient::read_some_body() {
  auto& p = *impl_->parser;
  while (!p.is_done()) {
    p.get().body().data = impl_->piece.data();
    p.get().body().size = impl_->piece.size();
    impl_->stream.expires_after(impl_->timeout);
    beast::error_code ec;
    http::read_some(impl_->stream, impl_->buffer, p, ec);
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    if (ec) {
      throw beast::system_error(ec);
    }
    const std::size_t n = impl_->piece.size() - p.get().body().size;
    if (n > 0) {
      return std::string(impl_->piece.data(), n);
    }
  }
  // Trailer fields of a chunked body are merged into the message's fields by the parser.
  impl_->trailers = to_map(p.get().base());
  return {};
}

std::string TestClient::read_rest() {
  std::string out;
  for (;;) {
    std::string piece = read_some_body();
    if (piece.empty()) {
      return out;
    }
    out += piece;
  }
}

std::map<std::string, std::string> TestClient::trailers() const {
  return impl_->trailers;
}

HttpResult TestClient::request(const std::string& method, const std::string& target,
                               const std::string& body, const Headers& headers) {
  HttpResult r = start(method, target, body, headers);
  r.body = read_rest();
  r.trailers = impl_->trailers;
  return r;
}

HttpResult TestClient::post_json(const std::string& target, const std::string& body,
                                 const Headers& headers) {
  return request("POST", target, body, headers);
}

std::vector<HttpResult> TestClient::raw(const std::string& bytes, std::size_t count) {
  impl_->stream.expires_after(impl_->timeout);
  net::write(impl_->stream, net::buffer(bytes));
  std::vector<HttpResult> out;
  for (std::size_t i = 0; i < count; ++i) {
    http::response<http::string_body> res;
    http::read(impl_->stream, impl_->buffer, res);
    HttpResult r;
    r.status = res.result_int();
    r.headers = to_map(res.base());
    r.body = res.body();
    r.keep_alive = res.keep_alive();
    out.push_back(std::move(r));
  }
  return out;
}

void TestClient::reset() {
  beast::error_code ignored;
  impl_->stream.socket().set_option(net::socket_base::linger(true, 0), ignored);
  impl_->stream.socket().close(ignored);
}

bool TestClient::peer_closed() {
  impl_->stream.expires_after(impl_->timeout);
  char c;
  beast::error_code ec;
  impl_->stream.read_some(net::buffer(&c, 1), ec);
  return ec == net::error::eof || ec == net::error::connection_reset;
}

std::vector<std::string> sse_data_lines(const std::string& body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string::npos) {
      end = body.size();
    }
    std::string line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.rfind("data: ", 0) == 0) {
      out.push_back(line.substr(6));
    }
    pos = end + 1;
  }
  return out;
}

bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return predicate();
}

}  // namespace governor::testing
