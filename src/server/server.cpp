#include "governor/server/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <system_error>
#include <thread>

#include "call_lines.hpp"
#include "governor/ledger/ledger.hpp"
#include "governor/server/io_backend.hpp"
#include "http_types.hpp"
#include "policy_reload.hpp"
#include "services.hpp"
#include "session.hpp"
#include "worker.hpp"

namespace governor::server {

using tcp = net::ip::tcp;

namespace {

std::unique_ptr<tcp::acceptor> bind_listener(net::io_context& io, const std::string& host,
                                             std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) {
    throw std::system_error(ec, "listen address '" + host + "'");
  }
  auto acceptor = std::make_unique<tcp::acceptor>(io);
  const tcp::endpoint endpoint{address, port};
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor->set_option(net::socket_base::reuse_address(true), ec);
    acceptor->bind(endpoint, ec);
  }
  if (!ec) {
    acceptor->listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw std::system_error(ec, "cannot listen on " + host + ":" + std::to_string(port));
  }
  return acceptor;
}

#ifndef GOVERNOR_VERSION
#define GOVERNOR_VERSION "unknown"
#endif

/** The metrics, with every configured upstream's series made up front. */
telemetry::GatewayMetricsPtr make_gateway_metrics(const config::GatewayConfig& cfg) {
  if (!cfg.metrics.enabled) {
    return nullptr;
  }
  telemetry::MetricsOptions options;
  options.tenant_label = cfg.metrics.tenant_label;
  options.version = GOVERNOR_VERSION;
  options.io_backend = io_backend_name();
  for (const auto& up : cfg.upstreams) {
    options.upstreams.push_back(up.name);
  }
  return std::make_unique<telemetry::GatewayMetrics>(std::move(options));
}

/** Makes the metrics, loads the policies and opens the ledger; throws std::runtime_error naming
 *  every problem. */
void open_governance(const config::GatewayConfig& cfg, Services& services) {
  services.metrics = make_gateway_metrics(cfg);
  if (!cfg.logs.decision_log.path.empty()) {
    services.decision_log =
        std::make_unique<JsonLinesLog>(cfg.logs.decision_log, "decision log", &decision_line);
    spdlog::info("decision log: {}", cfg.logs.decision_log.path);
  }
  if (!cfg.logs.access_log_file.path.empty()) {
    services.access_log =
        std::make_unique<JsonLinesLog>(cfg.logs.access_log_file, "access log", &access_line);
    spdlog::info("access log: {}", cfg.logs.access_log_file.path);
  }
  const auto report = reload_policies(cfg, services);
  if (!report.ok) {
    std::string all = "invalid policies:";
    for (const auto& e : report.errors) {
      all += "\n  " + e;
    }
    throw std::runtime_error(all);
  }
  if (!cfg.policies.dir.empty()) {
    spdlog::info("{} budget policies loaded from {}", report.policies, cfg.policies.dir);
  }
  if (cfg.ledger.backend == "none") {
    spdlog::warn("ledger backend 'none': budgets are off, nothing is tracked");
    return;
  }
  ledger::SqliteLedgerOptions options;
  if (cfg.ledger.data_dir.empty()) {
    options.path = ":memory:";
    spdlog::warn("ledger.data_dir is not set: the ledger lives in memory and a restart forgets it");
  } else {
    std::error_code ec;
    std::filesystem::create_directories(cfg.ledger.data_dir, ec);
    if (ec) {
      throw std::runtime_error("cannot create ledger.data_dir " + cfg.ledger.data_dir + ": " +
                               ec.message());
    }
    options.path = (std::filesystem::path(cfg.ledger.data_dir) / "ledger.sqlite3").string();
  }
  options.max_batch = cfg.ledger.max_batch;
  if (auto* metrics = services.metrics.get()) {
    options.on_commit = [metrics](std::chrono::microseconds took) {
      metrics->on_ledger_commit(took);
    };
  }
  options.durability = cfg.ledger.fsync ? ledger::SqliteLedgerOptions::Durability::power_loss
                                        : ledger::SqliteLedgerOptions::Durability::process_crash;
  auto opened = ledger::open_sqlite_ledger(std::move(options));
  if (!opened.ledger) {
    throw std::runtime_error("cannot open the ledger: " + opened.error);
  }
  if (opened.reconciled > 0) {
    spdlog::warn("ledger: {} reservation(s) from an interrupted run counted as spent",
                 opened.reconciled);
  }
  services.ledger = std::move(opened.ledger);
}

}  // namespace

struct Server::Impl {
  explicit Impl(config::GatewayConfigPtr c) : config(std::move(c)) {}

  config::GatewayConfigPtr config;
  Services services;  ///< declared before the workers, which hold a reference to it
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<tcp::acceptor> acceptor;        ///< runs on worker 0's io_context
  std::unique_ptr<tcp::acceptor> admin_acceptor;  ///< likewise; null when disabled
  std::uint16_t port = 0;
  std::uint16_t admin_port = 0;
  /** Accept loops still running. Shutdown waits for them to end after closing the acceptors: on
   *  io_uring a closed acceptor's pending accept is cancelled by a request to the kernel, and an
   *  accept whose cancellation has not come back when its io_context is destroyed is destroyed
   *  after the socket service it refers to (Asio issue #1235). */
  std::atomic<int> accept_loops{0};
  bool started = false;
  bool stopped = false;

  net::awaitable<void> accept_loop(tcp::acceptor& from, Listener listener) {
    struct Running {
      std::atomic<int>& loops;
      ~Running() { --loops; }
    } running{accept_loops};
    std::size_t next = 0;
    for (;;) {
      Worker& w = *workers[next++ % workers.size()];
      // The socket is created on the worker that will own the connection for its lifetime.
      auto [ec, socket] = co_await from.async_accept(w.io(), nothrow);
      if (ec == net::error::operation_aborted || !from.is_open()) {
        co_return;
      }
      if (ec) {
        // EMFILE and friends: keep accepting; the condition is usually transient.
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      // The session's coroutine is bound to a signal its chat calls emit on when their client
      // leaves; the completion handler keeps the signal alive as long as the coroutine.
      auto client_left = std::make_shared<net::cancellation_signal>();
      auto* signal = client_left.get();
      net::co_spawn(
          w.io(), run_session(w, std::move(socket), listener, signal),
          net::bind_cancellation_slot(
              signal->slot(), [client_left = std::move(client_left)](std::exception_ptr e) {
                if (e) {
                  try {
                    std::rethrow_exception(e);
                  } catch (const std::exception& ex) {
                    spdlog::error("session ended by exception: {}", ex.what());
                  }
                }
              }));
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
  open_governance(*i.config, i.services);
  for (unsigned w = 0; w < n; ++w) {
    i.workers.push_back(std::make_unique<Worker>(w, i.config, i.services));
  }
  i.acceptor = bind_listener(i.workers[0]->io(), listen.address, listen.port);
  i.port = i.acceptor->local_endpoint().port();
  if (i.config->admin.enabled) {
    i.admin_acceptor =
        bind_listener(i.workers[0]->io(), i.config->admin.address, i.config->admin.port);
    i.admin_port = i.admin_acceptor->local_endpoint().port();
  }
  i.accept_loops = i.admin_acceptor ? 2 : 1;
  net::co_spawn(i.workers[0]->io(), i.accept_loop(*i.acceptor, Listener::data), net::detached);
  if (i.admin_acceptor) {
    net::co_spawn(i.workers[0]->io(), i.accept_loop(*i.admin_acceptor, Listener::admin),
                  net::detached);
  }
  for (auto& w : i.workers) {
    w->start();
  }
  i.started = true;
  spdlog::info("governor listening on {}:{} with {} worker(s) on {}", listen.address, i.port, n,
               io_backend_name());
  if (i.admin_acceptor) {
    spdlog::info("admin listener on {}:{}", i.config->admin.address, i.admin_port);
  }
  if (!i.config->auth.enabled()) {
    spdlog::warn(
        "no auth.keys configured: calls are unauthenticated (tenant 'default'), so Governor "
        "serves on loopback only");
  }
}

std::uint16_t Server::port() const {
  return impl_->port;
}

std::uint16_t Server::admin_port() const {
  return impl_->admin_port;
}

std::vector<std::string> Server::reload_policies() {
  auto report = server::reload_policies(*impl_->config, impl_->services);
  return std::move(report.errors);
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
    if (i.admin_acceptor) {
      i.admin_acceptor->close(ignored);
    }
    closed.set_value();
  });
  closed.get_future().wait();
  const auto accept_deadline = Clock::now() + std::chrono::seconds(1);
  while (i.accept_loops > 0 && Clock::now() < accept_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
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
  // The ledger completes what is still queued (posting to the stopped, still alive io_contexts)
  // and commits it, before the workers and their io_contexts are destroyed.
  i.services.ledger.reset();
  // The workers are stopped: no more lines. Joining the log thread writes out the queue.
  i.services.decision_log.reset();
  i.services.access_log.reset();
  i.acceptor.reset();
  i.admin_acceptor.reset();
  i.workers.clear();
  i.stopped = true;
  return drained;
}

}  // namespace governor::server
