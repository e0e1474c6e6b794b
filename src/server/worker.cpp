#include "worker.hpp"

#include <boost/asio/post.hpp>

#include "request_id.hpp"

namespace governor::server {

Worker::Worker(unsigned index, config::GatewayConfigPtr config, Services& services)
    : index_(index),
      config_(std::move(config)),
      services_(services),
      pools_(std::make_unique<upstream::UpstreamPools>(io_.get_executor(), deadlines_)),
      rng_(std::random_device{}()) {
  id_prefix_ = static_cast<std::uint32_t>(rng_());
}

Worker::~Worker() {
  stop();
  client_watches_.stop_timer();
  deadlines_.stop_timer();
  pools_.reset();
}

void Worker::start() {
  thread_ = std::thread([this] {
    // Keep running while there is no work yet: sessions arrive from the listener.
    auto guard = net::make_work_guard(io_);
    io_.run();
  });
}

void Worker::stop() {
  io_.stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Worker::begin_drain() {
  net::post(io_, [this] {
    draining_.store(true, std::memory_order_relaxed);
    for (SessionSlot* slot : sessions_) {
      if (slot->idle) {
        boost::system::error_code ignored;
        slot->stream->socket().cancel(ignored);
      }
    }
  });
}

std::string Worker::next_request_id() {
  return request_id_text(id_prefix_, index_, ++request_counter_);
}

}  // namespace governor::server
