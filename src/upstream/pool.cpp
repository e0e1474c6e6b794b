#include "governor/upstream/pool.hpp"

#include <array>
#include <charconv>
#include <ctime>
#include <limits>
#include <string_view>

#include "exchange_impl.hpp"
#include "governor/upstream/retry_policy.hpp"
#include "stream_io.hpp"

namespace governor::upstream {
namespace {

/** Error bodies of 5xx/429 are kept for the client's error message, bounded. */
constexpr std::size_t kErrorBodyLimit = 64 * 1024;

}  // namespace

UpstreamPools::UpstreamPools(net::any_io_executor executor, SocketDeadlines& deadlines)
    : executor_(std::move(executor)), deadlines_(deadlines) {}
UpstreamPools::~UpstreamPools() {
  clear();
}

std::shared_ptr<ConnectionPool> UpstreamPools::pool_for(const config::UpstreamConfig& upstream,
                                                        const Endpoint& endpoint) {
  PoolKey key = pool_key_of(upstream, endpoint);
  for (auto& p : pools_) {
    if (p->key() == key) {
      return p;
    }
  }
  pools_.push_back(
      std::make_shared<ConnectionPool>(executor_, deadlines_, std::move(key), upstream.pool));
  return pools_.back();
}

UpstreamPools::Route* UpstreamPools::route_for(const config::UpstreamConfig& upstream) {
  for (auto& r : routes_) {
    if (r.base_url == upstream.base_url && r.verify_peer == upstream.tls.verify_peer &&
        r.ca_file == upstream.tls.ca_file) {
      return &r;
    }
  }
  auto endpoint = parse_endpoint(upstream.base_url);
  if (!endpoint) {
    return nullptr;  // validated at config load; only a hand-built config gets here
  }
  auto pool = pool_for(upstream, *endpoint);
  routes_.push_back(Route{upstream.base_url,
                          upstream.tls.verify_peer,
                          upstream.tls.ca_file,
                          std::move(*endpoint),
                          std::move(pool),
                          {},
                          {},
                          {}});
  return &routes_.back();
}

/** The request line and headers of a hop, written here rather than by Beast's serializer, which
 *  walks its buffer sequence a piece at a time and cost more than the formatting. What does not
 *  change between a route's calls (request line, Host, the fixed headers, the key) is written
 *  once per route and copied: nine appends of C strings each call were about 1k instructions. */
std::string UpstreamPools::request_head(Route& route, const HopRequest& hop) {
  using namespace std::string_view_literals;
  if (route.head_prefix.empty() || route.head_suffix != hop.target_suffix ||
      route.head_key != hop.api_key) {
    const Endpoint& ep = route.endpoint;
    std::string prefix;
    prefix.append("POST "sv).append(ep.target(hop.target_suffix)).append(" HTTP/1.1\r\n"sv);
    prefix.append("Host: "sv).append(ep.host_header()).append("\r\n"sv);
    prefix.append(
        "User-Agent: governor/0.1\r\n"
        "Content-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\n"sv);
    if (!hop.api_key.empty()) {
      prefix.append("Authorization: Bearer "sv).append(hop.api_key).append("\r\n"sv);
    }
    route.head_prefix = std::move(prefix);
    route.head_suffix = hop.target_suffix;
    route.head_key = hop.api_key;
  }
  char length[std::numeric_limits<std::size_t>::digits10 + 1];
  const auto length_end = std::to_chars(std::begin(length), std::end(length), hop.body.size()).ptr;
  std::string head;
  head.reserve(route.head_prefix.size() + hop.request_id.size() + 48);
  head.append(route.head_prefix);
  if (!hop.request_id.empty()) {
    head.append("X-Request-Id: "sv).append(hop.request_id).append("\r\n"sv);
  }
  head.append("Content-Length: "sv)
      .append(std::string_view(length, static_cast<std::size_t>(length_end - length)))
      .append("\r\n\r\n"sv);
  return head;
}

PoolStats UpstreamPools::stats() const {
  PoolStats total;
  for (const auto& p : pools_) {
    total.connections_opened += p->stats().connections_opened;
    total.connections_reused += p->stats().connections_reused;
    total.connections_discarded += p->stats().connections_discarded;
    total.idle += p->idle_count();
  }
  return total;
}

void UpstreamPools::clear() {
  for (auto& p : pools_) {
    p->clear();
  }
}

net::awaitable<boost::system::result<Exchange, Failure>> UpstreamPools::send(
    const config::UpstreamConfig& upstream, const HopRequest& hop, Clock::time_point deadline) {
  Route* route = route_for(upstream);
  if (route == nullptr) {
    Failure f;
    f.kind = FailureKind::connect;
    f.ec = errc::invalid_request;
    f.upstream = upstream.name;
    co_return f;
  }
  const auto pool = route->pool;
  const std::string head = request_head(*route, hop);
  const std::array<net::const_buffer, 2> request{net::buffer(head), net::buffer(hop.body)};

  // A pooled connection may have been closed by the upstream while idle. That shows as a write
  // error or an immediate EOF; retry once on a fresh connection without counting an attempt.
  for (int fresh_tries = 0;; ++fresh_tries) {
    auto now = Clock::now();
    ConnectionPtr connection = fresh_tries == 0 ? pool->take(now) : nullptr;
    if (!connection) {
      auto opened = co_await pool->open(upstream, deadline);
      if (!opened) {
        co_return opened.error();
      }
      connection = std::move(*opened);
      now = Clock::now();  // connecting took time
    }

    auto impl = std::make_unique<Exchange::Impl>();
    impl->pool = pool;
    impl->deadline = deadline;
    impl->idle = upstream.timeouts.idle;
    impl->upstream = upstream.name;
    impl->parser.header_limit(64 * 1024);
    impl->parser.body_limit(boost::none);
    impl->connection = std::move(connection);
    Connection& c = *impl->connection;

    c.deadline.expire_at(std::min(deadline, now + upstream.timeouts.first_byte));
    // Note: never `cond ? co_await a : co_await b`; g++ 12 miscompiles co_await inside ?:.
    boost::system::error_code ec;
    if (c.is_tls()) {
      ec = co_await send_and_read_header(std::get<1>(c.stream), c.buffer, request, impl->parser);
    } else {
      ec = co_await send_and_read_header(std::get<0>(c.stream).socket(), c.buffer, request,
                                         impl->parser);
    }
    if (ec) {
      Failure f = impl->fail(ec, /*header_stage=*/true);
      f.reused_connection = c.reused;
      if (is_stale_connection(f) && fresh_tries == 0) {
        pool->clear();
        continue;
      }
      co_return f;
    }

    Exchange exchange{std::move(impl)};
    const unsigned status = exchange.status();
    if (status == 429 || status >= 500) {
      Failure f;
      f.kind = FailureKind::http_status;
      f.status = status;
      f.upstream = upstream.name;
      f.retry_after =
          parse_retry_after(exchange.retry_after(), exchange.retry_after_ms(), std::time(nullptr));
      auto body = co_await exchange.read_all(kErrorBodyLimit);
      if (body) {
        f.body = std::move(*body);
      }
      co_return f;
    }
    co_return exchange;
  }
}

}  // namespace governor::upstream
