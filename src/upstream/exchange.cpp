#include "governor/upstream/exchange.hpp"

#include "exchange_impl.hpp"
#include "stream_io.hpp"

namespace governor::upstream {

Exchange::Impl::~Impl() {
  if (!connection) {
    return;
  }
  auto p = pool.lock();
  if (!p) {
    return;
  }
  if (!failed && parser.finished() && parser.reusable()) {
    p->give_back(std::move(connection), Clock::now());
  } else {
    p->discard(std::move(connection));
  }
}

Failure Exchange::Impl::fail(boost::system::error_code ec, bool header_stage) {
  failed = true;
  Failure f;
  f.ec = ec;
  f.upstream = upstream;
  if (ec == beast::error::timeout || (connection && connection->deadline.expired())) {
    f.kind = Clock::now() >= deadline ? FailureKind::total_timeout
             : header_stage           ? FailureKind::first_byte_timeout
                                      : FailureKind::idle_timeout;
  } else if (ec == net::error::operation_aborted) {
    f.kind = FailureKind::cancelled;
  } else if (ec.category() == make_error_code(http::error::end_of_stream).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    f.kind = FailureKind::protocol;  // not HTTP: bad status line, bad chunk size...
  } else {
    f.kind = FailureKind::read;
  }
  if (connection) {
    boost::system::error_code ignored;
    connection->tcp().socket().close(ignored);
  }
  return f;
}

Exchange::Exchange(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Exchange::Exchange(Exchange&&) noexcept = default;
Exchange& Exchange::operator=(Exchange&&) noexcept = default;
Exchange::~Exchange() = default;

unsigned Exchange::status() const {
  return impl_->parser.status();
}

std::string_view Exchange::content_type() const {
  return impl_->parser.content_type();
}

std::string_view Exchange::retry_after() const {
  return impl_->parser.retry_after();
}

std::string_view Exchange::retry_after_ms() const {
  return impl_->parser.retry_after_ms();
}

bool Exchange::body_done() const {
  return impl_->parser.finished();
}

bool Exchange::reused_connection() const {
  return impl_->connection && impl_->connection->reused;
}

std::optional<boost::system::result<std::string_view, Failure>> Exchange::Impl::take_held() {
  for (;;) {
    if (parser.finished()) {
      if (connection) {
        connection->deadline.expire_never();
      }
      return std::string_view{};
    }
    if (failed) {
      return fail(net::error::broken_pipe, false);
    }
    auto& piece = connection->piece;
    parser.set_output(piece.data(), piece.size());
    // The parser takes one step a put (a chunk's header, then its body), so this goes on while
    // it takes bytes, and stops once what is held is not enough for the next step.
    auto& buffer = connection->buffer;
    if (buffer.size() == 0) {
      return std::nullopt;
    }
    const std::size_t held = buffer.size();
    const boost::system::error_code ec = parse_buffered(buffer, parser);
    if (ec && ec != http::error::need_buffer) {
      return fail(ec, false);
    }
    if (const std::size_t produced = piece.size() - parser.room(); produced > 0) {
      return std::string_view(piece.data(), produced);
    }
    if (!parser.finished() && buffer.size() == held) {
      return std::nullopt;
    }
  }
}

net::awaitable<boost::system::result<std::string_view, Failure>> Exchange::read_some() {
  Impl& i = *impl_;
  for (;;) {
    // What the connection's buffer holds already (a whole response usually came with its
    // header) is parsed first: an asynchronous read of it went through the scheduler again.
    if (auto held = i.take_held()) {
      co_return std::move(*held);
    }
    auto& piece = i.connection->piece;
    // Inter-chunk idle timeout, capped by the request deadline.
    i.connection->deadline.expire_at(std::min(i.deadline, Clock::now() + i.idle));
    // Note: never `cond ? co_await a : co_await b`; g++ 12 miscompiles co_await inside ?:.
    boost::system::error_code ec;
    if (i.connection->is_tls()) {
      ec = co_await read_and_parse(std::get<1>(i.connection->stream), i.connection->buffer,
                                   i.parser);
    } else {
      ec = co_await read_and_parse(std::get<0>(i.connection->stream).socket(), i.connection->buffer,
                                   i.parser);
    }
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    if (ec) {
      co_return i.fail(ec, false);
    }
    const std::size_t produced = piece.size() - i.parser.room();
    if (produced > 0) {
      co_return std::string_view(piece.data(), produced);
    }
  }
}

net::awaitable<boost::system::result<std::string, Failure>> Exchange::read_all(std::size_t limit) {
  std::string out;
  for (;;) {
    // Held bytes first, without awaiting read_some: a coroutine's frame and resumption for
    // what is usually the whole body, already read with the header.
    std::optional<boost::system::result<std::string_view, Failure>> piece = impl_->take_held();
    if (!piece) {
      piece = co_await read_some();
    }
    if (!*piece) {
      co_return piece->error();
    }
    if ((*piece)->empty()) {
      co_return out;
    }
    if (out.size() + (*piece)->size() > limit) {
      Failure f = impl_->fail(http::error::body_limit, false);
      f.kind = FailureKind::protocol;
      co_return f;
    }
    out.append(**piece);
  }
}

}  // namespace governor::upstream
