#include "governor/server/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <future>
#include <system_error>
#include <thread>

#include "http_types.hpp"
#include "session.hpp"
#include "worker.hpp"

namespace governor::server {

using tcp = net::ip::tcp;

struct Server::Impl {
  explicit Impl(config::GatewayConfigPtr c) : config(std::move(c)) {}

  config::GatewayConfigPtr config;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<tcp::acceptor> acceptor;  ///< runs on worker 0's io_context
  std::uint16_t port = 0;
  bool started = false;
  bool stopped = false;

  net::awaitable<void> accept_loop() {
    std::size_t next = 0;
    for (;;) {
      Worker& w = *workers[next++ % workers.size()];
      // The socket is created on the worker that will own the connection for its lifetime.
      auto [ec, socket] = co_await acceptor->async_accept(w.io(), nothrow);
      if (ec == net::error::operation_aborted || !acceptor->is_open()) {
        co_return;
      }
      if (ec) {
        // EMFILE and friends: keep accepting; the condition is usually transient.
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      net::co_spawn(w.io(), run_session(w, std::move(socket)), [](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::error("session ended by exception: {}", ex.what());
          }
        }
      });
    }
  }

  std::size_t sessions() const {
    std::size_t n = 0;
    for (const auto& w : workers) {
      n += w->session_count();
    }
    return n;
  }
};

Server::Server(config::GatewayConfigPtr config)
    : impl_(std::make_unique<Impl>(std::move(config))) {}

Server::~Server() {
  if (impl_->started && !impl_->stopped) {
    shutdown(std::chrono::milliseconds(0));
  }
}

void Server::start() {
  auto& i = *impl_;
  const auto& listen = i.config->listen;
  unsigned n = listen.workers != 0 ? listen.workers : std::thread::hardware_concurrency();
  n = std::max(1u, n);
  for (unsigned w = 0; w < n; ++w) {
    i.workers.push_back(std::make_unique<Worker>(w, i.config));
  }
  boost::system::error_code ec;
  const auto address = net::ip::make_address(listen.address, ec);
  if (ec) {
    throw std::system_error(ec, "listen address '" + listen.address + "'");
  }
  i.acceptor = std::make_unique<tcp::acceptor>(i.workers[0]->io());
  const tcp::endpoint endpoint{address, listen.port};
  i.acceptor->open(endpoint.protocol(), ec);
  if (!ec) {
    i.acceptor->set_option(net::socket_base::reuse_address(true), ec);
    i.acceptor->bind(endpoint, ec);
  }
  if (!ec) {
    i.acceptor->listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw std::system_error(
        ec, "cannot listen on " + listen.address + ":" + std::to_string(listen.port));
  }
  i.port = i.acceptor->local_endpoint().port();
  net::co_spawn(i.workers[0]->io(), i.accept_loop(), net::detached);
  for (auto& w : i.workers) {
    w->start();
  }
  i.started = true;
  spdlog::info("governor listening on {}:{} with {} worker(s)", listen.address, i.port, n);
}

std::uint16_t Server::port() const {
  return impl_->port;
}

std::size_t Server::in_flight() const {
  std::size_t n = 0;
  for (const auto& w : impl_->workers) {
    n += w->in_flight().load();
  }
  return n;
}

UpstreamConnectionStats Server::upstream_stats() const {
  UpstreamConnectionStats total;
  for (const auto& w : impl_->workers) {
    // Pools belong to their worker's thread: read them there.
    std::promise<upstream::PoolStats> result;
    net::post(w->io(), [&] { result.set_value(w->pools().stats()); });
    const auto s = result.get_future().get();
    total.connections_opened += s.connections_opened;
    total.connections_reused += s.connections_reused;
    total.connections_discarded += s.connections_discarded;
    total.idle += s.idle;
  }
  return total;
}

bool Server::shutdown() {
  return shutdown(impl_->config->listen.drain_timeout);
}

bool Server::shutdown(std::chrono::milliseconds drain_timeout) {
  auto& i = *impl_;
  if (!i.started || i.stopped) {
    return true;
  }
  // 1. Stop accepting (on the acceptor's own thread).
  std::promise<void> closed;
  net::post(i.workers[0]->io(), [&] {
    boost::system::error_code ignored;
    i.acceptor->close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  // 2. Drain: idle keep-alive connections close now, busy ones after their response.
  for (auto& w : i.workers) {
    w->begin_drain();
  }
  const auto deadline = Clock::now() + drain_timeout;
  while (i.sessions() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool drained = i.sessions() == 0;
  if (!drained) {
    spdlog::warn("drain timeout: cutting {} connection(s) still open", i.sessions());
  }
  // 3. Stop the loops; anything left is destroyed with its io_context.
  for (auto& w : i.workers) {
    w->stop();
  }
  i.acceptor.reset();
  i.workers.clear();
  i.stopped = true;
  return drained;
}

}  // namespace governor::server
