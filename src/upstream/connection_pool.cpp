#include "connection_pool.hpp"

#include <openssl/ssl.h>

#include <algorithm>

namespace governor::upstream {
namespace {

constexpr auto kResolveTtl = std::chrono::seconds(60);

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

Failure failure_of(FailureKind kind, boost::system::error_code ec, const std::string& upstream) {
  Failure f;
  f.kind = kind;
  f.ec = ec;
  f.upstream = upstream;
  return f;
}

/** Connect and handshake failures caused by the deadline rather than the connect timeout. */
FailureKind timeout_kind(FailureKind otherwise, Clock::time_point deadline) {
  return Clock::now() >= deadline ? FailureKind::total_timeout : otherwise;
}

}  // namespace

ConnectionPool::ConnectionPool(net::any_io_executor executor, SocketDeadlines& deadlines,
                               PoolKey key, config::PoolConfig config)
    : executor_(std::move(executor)),
      deadlines_(deadlines),
      key_(std::move(key)),
      config_(config) {}

ConnectionPool::~ConnectionPool() = default;

ConnectionPtr ConnectionPool::take(Clock::time_point now) {
  while (!idle_.empty()) {
    ConnectionPtr c = std::move(idle_.back());
    idle_.pop_back();
    if (now - c->idle_since < config_.idle_timeout && c->tcp().socket().is_open()) {
      c->reused = true;
      ++stats_.connections_reused;
      return c;
    }
    ++stats_.connections_discarded;
  }
  return nullptr;
}

void ConnectionPool::give_back(ConnectionPtr connection, Clock::time_point now) {
  if (idle_.size() >= config_.max_idle) {
    discard(std::move(connection));
    return;
  }
  connection->idle_since = now;
  connection->deadline.expire_never();
  idle_.push_back(std::move(connection));
}

void ConnectionPool::discard(ConnectionPtr connection) {
  if (connection) {
    ++stats_.connections_discarded;
    boost::system::error_code ignored;
    connection->tcp().socket().close(ignored);
  }
}

void ConnectionPool::clear() {
  for (auto& c : idle_) {
    discard(std::move(c));
  }
  idle_.clear();
}

ssl::context& ConnectionPool::tls_context() {
  if (!tls_) {
    tls_.emplace(ssl::context::tls_client);
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (key_.verify_peer) {
      tls_->set_default_verify_paths();
      if (!key_.ca_file.empty()) {
        // Validated at config load; a file that vanished since makes handshakes fail, loudly.
        boost::system::error_code ec;
        tls_->load_verify_file(key_.ca_file, ec);
      }
      tls_->set_verify_mode(ssl::verify_peer);
    } else {
      tls_->set_verify_mode(ssl::verify_none);
    }
  }
  return *tls_;
}

net::awaitable<boost::system::result<ConnectionPtr, Failure>> ConnectionPool::open(
    const config::UpstreamConfig& upstream, Clock::time_point deadline) {
  const Endpoint& ep = key_.endpoint;
  const auto now = Clock::now();
  if (!resolved_ || now - resolved_at_ > kResolveTtl) {
    tcp::resolver resolver(executor_);
    auto flags = is_ip_literal(ep.host) ? tcp::resolver::numeric_host : tcp::resolver::flags{};
    auto [ec, results] = co_await resolver.async_resolve(ep.host, ep.port, flags, nothrow);
    if (ec) {
      co_return failure_of(FailureKind::resolve, ec, upstream.name);
    }
    resolved_ = std::move(results);
    resolved_at_ = now;
  }

  ConnectionPtr c = ep.tls ? std::make_unique<Connection>(executor_, tls_context(), deadlines_)
                           : std::make_unique<Connection>(executor_, deadlines_);
  ++stats_.connections_opened;
  c->tcp().expires_at(std::min(deadline, Clock::now() + upstream.timeouts.connect));
  if (auto [ec, endpoint] = co_await c->tcp().async_connect(*resolved_, nothrow); ec) {
    // A failed connect may mean the address changed: resolve again next time.
    resolved_.reset();
    const auto kind = ec == beast::error::timeout ? timeout_kind(FailureKind::connect, deadline)
                      : ec == net::error::operation_aborted ? FailureKind::cancelled
                                                            : FailureKind::connect;
    co_return failure_of(kind, ec, upstream.name);
  }
  boost::system::error_code ignored;
  c->tcp().socket().set_option(tcp::no_delay(true), ignored);

  if (ep.tls) {
    auto& s = std::get<1>(c->stream);
    if (!is_ip_literal(ep.host)) {
      // SNI: without it, virtual-hosted TLS endpoints present the wrong certificate.
      SSL_set_tlsext_host_name(s.native_handle(), ep.host.c_str());
    }
    if (key_.verify_peer) {
      s.set_verify_callback(ssl::host_name_verification(ep.host));
    }
    if (auto [ec] = co_await s.async_handshake(ssl::stream_base::client, nothrow); ec) {
      const auto kind = ec == beast::error::timeout ? timeout_kind(FailureKind::connect, deadline)
                        : ec == net::error::operation_aborted ? FailureKind::cancelled
                                                              : FailureKind::tls_handshake;
      co_return failure_of(kind, ec, upstream.name);
    }
  }
  // From here on the connection's deadline bounds it, not a timer per operation.
  c->tcp().expires_never();
  co_return c;
}

}  // namespace governor::upstream
