#include "session.hpp"

#include <spdlog/spdlog.h>

#include "http_types.hpp"
#include "request_parser.hpp"
#include "router.hpp"
#include "simple_request.hpp"

namespace governor::server {
namespace {

constexpr std::size_t kClientReadBuffer = 8192;
/** The most one read of a request takes into the buffer (as Beast's own reads). */
constexpr std::size_t kMaxReadPiece = 65536;

std::string_view session_listener_name(Listener listener) {
  return listener == Listener::admin ? "admin" : "data";
}

/** Registers the session with its worker for the whole frame lifetime (graceful drain), and
 *  counts it in governor_open_connections. */
class SlotGuard {
 public:
  SlotGuard(Worker& worker, SessionSlot& slot, Listener listener)
      : worker_(worker), slot_(slot), listener_(listener) {
    worker_.add(slot_);
    worker_.on_session_start();
    if (auto* metrics = worker_.services().metrics.get()) {
      metrics->on_connection_open(session_listener_name(listener_));
    }
  }
  ~SlotGuard() {
    worker_.remove(slot_);
    worker_.on_session_end();
    if (auto* metrics = worker_.services().metrics.get()) {
      metrics->on_connection_close(session_listener_name(listener_));
    }
  }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  Worker& worker_;
  SessionSlot& slot_;
  Listener listener_;
};

/** Answers a request that could not be read (too large, malformed) and closes. */
net::awaitable<void> refuse(Worker& worker, beast::tcp_stream& stream, beast::flat_buffer& buffer,
                            errc code, std::string message) {
  Request dummy{http::verb::unknown, "/", 11};
  Call ex{worker, stream, buffer, dummy, worker.next_request_id(), Clock::now(), false};
  co_await write_response(ex, error_response(ex, openai::make_api_error(code, std::move(message))));
}

}  // namespace

net::awaitable<void> run_session(Worker& worker, net::ip::tcp::socket socket, Listener listener,
                                 net::cancellation_signal* client_left) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  // Beast reads into the buffer's free capacity, at least 512 bytes: an empty buffer took a
  // typical 700-byte chat request in two reads. Requests are at least this big (8 kB per open
  // connection, as the upstream connections read; Beast grows it for bigger bodies).
  buffer.reserve(kClientReadBuffer);
  SessionSlot slot{&stream, true};
  SlotGuard guard(worker, slot, listener);
  // The client's read and refusal deadlines: the worker's sweep closes the socket past one.
  upstream::SocketDeadlines::Entry deadline(worker.deadlines(), stream.socket());
  const auto& listen = worker.config()->listen;
  boost::system::error_code ignored;
  stream.socket().set_option(net::ip::tcp::no_delay(true), ignored);

  // Each request of the connection is read into this one, reusing its storage.
  Request request;
  const RequestLimits limits{listen.max_header_bytes, listen.max_body_bytes};
  for (;;) {
    if (worker.draining()) {
      break;
    }
    RequestParser parser{request};
    parser.header_limit(static_cast<std::uint32_t>(listen.max_header_bytes));
    parser.body_limit(listen.max_body_bytes);

    // Idle keep-alive wait, then the rest of the request within the read timeout (one deadline
    // for all of it, so trickled bytes cannot stretch it). What the buffer holds is parsed
    // first (a pipelined request), then each read as it comes. A loop of reads and put(), not
    // Beast's composed reads: a header read and then a body read went through the scheduler
    // twice more per request, even when the whole request came in one read.
    parser.eager(true);
    slot.idle = buffer.size() == 0;
    deadline.expire_at(Clock::now() + (slot.idle ? listen.idle_timeout : listen.read_timeout));
    boost::system::error_code ec;
    bool simple_tried = false;
    for (;;) {
      if (buffer.size() > 0) {
        // A request of the common shape that came whole is read in one pass; any other (or one
        // still coming) goes to Beast's parser from its first byte.
        if (!simple_tried) {
          simple_tried = true;
          const auto data = buffer.data();
          const std::size_t n = read_simple_request(
              {static_cast<const char*>(data.data()), data.size()}, request, limits);
          if (n > 0) {
            buffer.consume(n);
            break;
          }
        }
        buffer.consume(parser.put(buffer.data(), ec));
        if (ec == http::error::need_more) {
          ec = {};
        }
        if (ec || parser.is_done()) {
          break;
        }
      }
      // On the socket itself: no timeout is ever set on the client's tcp_stream (its deadlines
      // are swept), and the stream's read wrapper was one more layer of handlers per read.
      auto [read_ec, n] = co_await stream.socket().async_read_some(
          buffer.prepare(beast::read_size(buffer, kMaxReadPiece)), nothrow);
      if (read_ec == net::error::eof) {
        if (parser.got_some()) {
          parser.put_eof(ec);  // a request cut short: partial_message
        } else {
          ec = http::error::end_of_stream;  // closed between requests
        }
        break;
      }
      if (read_ec) {
        ec = read_ec;
        break;
      }
      buffer.commit(n);
      if (slot.idle) {
        slot.idle = false;
        deadline.expire_at(Clock::now() + listen.read_timeout);
      }
    }
    slot.idle = false;
    if (deadline.expired() || ec == http::error::end_of_stream ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      break;
    }
    if (ec == http::error::body_limit) {
      co_await refuse(worker, stream, buffer, errc::body_too_large,
                      "Request body exceeds " + std::to_string(listen.max_body_bytes) + " bytes");
      break;
    }
    if (ec == http::error::header_limit) {
      co_await refuse(
          worker, stream, buffer, errc::body_too_large,
          "Request headers exceed " + std::to_string(listen.max_header_bytes) + " bytes");
      break;
    }
    if (ec) {
      co_await refuse(worker, stream, buffer, errc::invalid_request,
                      "Malformed HTTP request: " + ec.message());
      break;
    }

    Call ex{worker,       stream, buffer,     request, worker.next_request_id(),
            Clock::now(), true,   client_left};
    deadline.expire_never();
    // Not a conditional expression around co_await: g++ 12 miscompiles that.
    bool ok = false;
    if (listener == Listener::admin) {
      ok = co_await route_admin_request(ex);
    } else {
      ok = co_await route_request(ex);
    }
    if (!ok || !ex.keep_alive) {
      break;
    }
  }
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream.close();
}

}  // namespace governor::server
