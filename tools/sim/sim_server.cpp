#include "sim/sim_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sim/connection.hpp"
#include "sim/context.hpp"
#include "sim/session.hpp"
#include "sim/sim_state.hpp"

namespace governor::sim {
namespace {

using namespace std::chrono_literals;

/** One thread running one io_context. A connection is bound to one worker for its life, so
 *  a session's state is only ever touched by one thread (no strands, no locks). */
struct Worker {
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  std::thread thread;
};

// The co_spawn completion handler: the last line of defence, never rethrows.
void log_exception(std::exception_ptr error) {
  if (!error) {
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "governor-sim: session ended by exception: %s\n", e.what());
  }
}

}  // namespace

class SimServer::Impl {
 public:
  explicit Impl(SimOptions options) : options_(std::move(options)) {}
  ~Impl() { stop(); }

  void start();
  void stop();

  SimOptions options_;
  SimState state_;
  std::atomic<std::uint16_t> port_{0};

 private:
  net::awaitable<void> accept_loop(tcp::acceptor acceptor);

  std::optional<ssl::context> tls_;
  SimContext context_{options_, state_, nullptr};
  std::vector<std::unique_ptr<Worker>> workers_;
  bool started_ = false;
  bool stopped_ = false;
};

void SimServer::Impl::start() {
  if (started_) {
    throw std::logic_error("governor-sim: start() called twice");
  }
  if (options_.tls_cert_file.empty() != options_.tls_key_file.empty()) {
    throw std::invalid_argument("governor-sim: TLS needs both a certificate and a key file");
  }
  if (!options_.tls_cert_file.empty()) {
    tls_.emplace(ssl::context::tls_server);
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls_->use_certificate_chain_file(options_.tls_cert_file);
    tls_->use_private_key_file(options_.tls_key_file, ssl::context::pem);
    context_.tls = &*tls_;
  }
  workers_.clear();  // from a start() that threw
  const unsigned threads = std::max(1U, options_.threads);
  for (unsigned i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>());
  }
  tcp::acceptor acceptor{workers_.front()->ioc};
  const tcp::endpoint endpoint{net::ip::make_address(options_.address), options_.port};
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  port_ = acceptor.local_endpoint().port();
  net::co_spawn(workers_.front()->ioc, accept_loop(std::move(acceptor)), log_exception);
  for (auto& worker : workers_) {
    worker->thread = std::thread([&ioc = worker->ioc] {
      try {
        ioc.run();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "governor-sim: worker stopped by exception: %s\n", e.what());
      }
    });
  }
  started_ = true;
}

void SimServer::Impl::stop() {
  if (stopped_ || !started_) {
    stopped_ = stopped_ || started_;
    return;
  }
  stopped_ = true;
  for (auto& worker : workers_) {
    worker->ioc.stop();
  }
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) {
      worker->thread.join();
    }
  }
  // Destroying an io_context destroys the coroutine frames still suspended on it, which closes
  // their sockets: that is what closes every connection. Worker 0 goes first: its accept loop
  // may hold a pending accept bound to another worker's io_context.
  for (auto& worker : workers_) {
    worker.reset();
  }
  workers_.clear();
}

net::awaitable<void> SimServer::Impl::accept_loop(tcp::acceptor acceptor) {
  std::size_t next = 0;
  for (;;) {
    auto& worker = *workers_[next++ % workers_.size()];
    auto [ec, socket] = co_await acceptor.async_accept(worker.ioc, nothrow);
    if (ec == net::error::operation_aborted || !acceptor.is_open()) {
      co_return;
    }
    if (ec) {
      // Out of descriptors and the like: back off instead of spinning on the error.
      net::steady_timer pause{acceptor.get_executor(), 50ms};
      co_await pause.async_wait(nothrow);
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    net::co_spawn(worker.ioc, run_session(std::move(socket), context_), log_exception);
  }
}

SimServer::SimServer(SimOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

SimServer::~SimServer() = default;

void SimServer::start() {
  impl_->start();
}

void SimServer::stop() {
  impl_->stop();
}

std::uint16_t SimServer::port() const {
  return impl_->port_.load();
}

SimStats SimServer::stats() const {
  return impl_->state_.snapshot();
}

void SimServer::reset_stats() {
  impl_->state_.reset();
}

std::string SimServer::base_url() const {
  const auto& options = impl_->options_;
  const bool v6 = options.address.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + options.address + "]" : options.address;
  return std::string{options.tls_cert_file.empty() ? "http" : "https"} + "://" + host + ":" +
         std::to_string(port()) + "/v1";
}

}  // namespace governor::sim
