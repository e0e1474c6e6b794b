#include "integration/sim/sim_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <variant>

namespace governor::sim::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

std::string HttpResult::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

std::vector<std::string> sse_data(std::string_view body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find("\n\n", pos);
    if (end == std::string_view::npos) {
      end = body.size();
    }
    const auto event = body.substr(pos, end - pos);
    if (event.starts_with("data: ")) {
      out.emplace_back(event.substr(6));
    }
    pos = end + 2;
  }
  return out;
}

class SimClient::Impl {
 public:
  Impl(std::uint16_t port, std::string ca_file) : port_(port) {
    if (!ca_file.empty()) {
      tls_.emplace(ssl::context::tls_client);
      tls_->load_verify_file(ca_file);
      tls_->set_verify_mode(ssl::verify_peer);
    }
  }

  HttpResult start(std::string_view method, std::string_view target, std::string body,
                   const Headers& headers) {
    HttpResult result;
    if (auto error = send(method, target, std::move(body), headers); !error.empty()) {
      result.error = error;
      return result;
    }
    return read_header(std::move(result));
  }

  std::string send(std::string_view method, std::string_view target, std::string body,
                   const Headers& headers) {
    if (auto error = connect(); !error.empty()) {
      return error;
    }
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) {
      request.set(name, value);
    }
    request.body() = std::move(body);
    request.prepare_payload();
    auto ec = run([&](auto& stream, auto handler) { http::async_write(stream, request, handler); });
    if (ec) {
      disconnect();
      return ec.message();
    }
    return {};
  }

  HttpResult raw(std::string_view bytes) {
    HttpResult result;
    if (auto error = connect(); !error.empty()) {
      result.error = error;
      return result;
    }
    auto ec = run(
        [&](auto& stream, auto handler) { net::async_write(stream, net::buffer(bytes), handler); });
    if (ec) {
      return failed(std::move(result), ec);
    }
    return finish(read_header(std::move(result)));
  }

  HttpResult finish(HttpResult result) {
    if (!result.error.empty()) {
      return result;
    }
    while (auto chunk = next_chunk(std::chrono::seconds{10})) {
      result.chunks.push_back(*chunk);
      result.body += *chunk;
    }
    if (!last_error_.empty()) {
      result.error = last_error_;
      return result;
    }
    if (!parser_->get().chunked()) {
      result.body = parser_->get().body();
    }
    if (!result.keep_alive) {
      disconnect();
    }
    return result;
  }

  std::optional<std::string> next_chunk(std::chrono::milliseconds timeout) {
    last_error_.clear();
    while (chunks_.empty()) {
      if (!parser_ || parser_->is_done()) {
        return std::nullopt;
      }
      auto ec =
          run([&](auto& stream,
                  auto handler) { http::async_read_some(stream, buffer_, *parser_, handler); },
              timeout);
      if (ec) {
        last_error_ = ec.message();
        disconnect();
        return std::nullopt;
      }
    }
    auto chunk = std::move(chunks_.front());
    chunks_.pop_front();
    return chunk;
  }

  bool peer_closed(std::chrono::milliseconds timeout) {
    if (!stream_) {
      return true;
    }
    char byte = 0;
    auto ec = run(
        [&](auto& stream, auto handler) { stream.async_read_some(net::buffer(&byte, 1), handler); },
        timeout);
    const bool closed = ec && ec != net::error::timed_out;
    if (closed) {
      disconnect();
    }
    return closed;
  }

  void disconnect() {
    if (stream_) {
      beast::error_code ignored;
      lowest().close(ignored);
      stream_.reset();
    }
    buffer_.clear();
    chunks_.clear();
  }

  int connects_ = 0;
  std::string last_error_;

 private:
  using TlsStream = ssl::stream<tcp::socket>;

  tcp::socket& lowest() {
    return std::visit([](auto& s) -> tcp::socket& { return beast::get_lowest_layer(s); }, *stream_);
  }

  // Runs one async operation to completion, or cancels it after `timeout`.
  template <class Start>
  beast::error_code run(Start&& start,
                        std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    std::optional<beast::error_code> result;
    std::visit(
        [&](auto& stream) {
          start(stream, [&](beast::error_code ec, std::size_t) { result = ec; });
        },
        *stream_);
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!result) {
      beast::error_code ignored;
      lowest().cancel(ignored);
      ioc_.restart();
      ioc_.run();
      return net::error::timed_out;
    }
    return *result;
  }

  std::string connect() {
    if (stream_) {
      return {};
    }
    ++connects_;
    tcp::socket socket{ioc_};
    beast::error_code ec;
    socket.connect({net::ip::make_address("127.0.0.1"), port_}, ec);
    if (ec) {
      return "connect: " + ec.message();
    }
    if (tls_) {
      stream_.emplace(std::in_place_type<TlsStream>, std::move(socket), *tls_);
      auto& tls = std::get<TlsStream>(*stream_);
      SSL_set_tlsext_host_name(tls.native_handle(), "localhost");
      tls.set_verify_callback(ssl::host_name_verification("localhost"));
      std::optional<beast::error_code> result;
      tls.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { result = e; });
      ioc_.restart();
      ioc_.run_for(std::chrono::seconds{10});
      if (!result || *result) {
        disconnect();
        return "handshake: " + (result ? result->message() : std::string{"timeout"});
      }
    } else {
      stream_.emplace(std::in_place_type<tcp::socket>, std::move(socket));
    }
    return {};
  }

  HttpResult read_header(HttpResult result) {
    parser_.emplace();
    parser_->body_limit(boost::none);
    chunks_.clear();
    partial_.clear();
    parser_->on_chunk_body(on_chunk_);  // Beast keeps a reference: on_chunk_ is a member
    auto ec = run([&](auto& stream, auto handler) {
      http::async_read_header(stream, buffer_, *parser_, handler);
    });
    if (ec) {
      return failed(std::move(result), ec);
    }
    const auto& response = parser_->get();
    result.status = response.result_int();
    result.keep_alive = response.keep_alive();
    for (const auto& field : response) {
      result.headers[lower(field.name_string())] = std::string{field.value()};
    }
    return result;
  }

  HttpResult failed(HttpResult result, const beast::error_code& ec) {
    result.error = ec.message();
    disconnect();
    return result;
  }

  std::uint16_t port_;
  net::io_context ioc_;
  std::optional<ssl::context> tls_;
  std::optional<std::variant<tcp::socket, TlsStream>> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::deque<std::string> chunks_;
  std::string partial_;
  // Collects each chunk's body (it may come in pieces) as one entry of chunks_.
  std::function<std::size_t(std::uint64_t, std::string_view, beast::error_code&)> on_chunk_ =
      [this](std::uint64_t remain, std::string_view body, beast::error_code&) {
        partial_.append(body);
        if (remain == body.size()) {
          chunks_.push_back(std::move(partial_));
          partial_.clear();
        }
        return body.size();
      };
};

SimClient::SimClient(std::uint16_t port, std::string ca_file)
    : impl_(std::make_unique<Impl>(port, std::move(ca_file))) {}

SimClient::~SimClient() = default;

HttpResult SimClient::request(std::string_view method, std::string_view target, std::string body,
                              const Headers& headers) {
  return impl_->finish(impl_->start(method, target, std::move(body), headers));
}

HttpResult SimClient::start(std::string_view method, std::string_view target, std::string body,
                            const Headers& headers) {
  return impl_->start(method, target, std::move(body), headers);
}

bool SimClient::send(std::string_view method, std::string_view target, std::string body,
                     const Headers& headers) {
  return impl_->send(method, target, std::move(body), headers).empty();
}

std::optional<std::string> SimClient::next_chunk(std::chrono::milliseconds timeout) {
  return impl_->next_chunk(timeout);
}

std::string SimClient::last_error() const {
  return impl_->last_error_;
}

HttpResult SimClient::raw(std::string_view bytes) {
  return impl_->raw(bytes);
}

bool SimClient::peer_closed(std::chrono::milliseconds timeout) {
  return impl_->peer_closed(timeout);
}

void SimClient::close() {
  impl_->disconnect();
}

int SimClient::connects() const {
  return impl_->connects_;
}

TempCert::TempCert() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sim-cert-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return;
  }
  dir_ = pattern;
  cert_ = dir_ + "/c.pem";
  key_ = dir_ + "/k.pem";
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout '" + key_ + "' -out '" + cert_ +
      "' -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
      ">/dev/null 2>&1";
  ok_ = std::system(command.c_str()) == 0 && std::filesystem::exists(cert_) &&
        std::filesystem::exists(key_);
}

TempCert::~TempCert() {
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

}  // namespace governor::sim::testing
