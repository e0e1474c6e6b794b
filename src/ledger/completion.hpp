#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <utility>

namespace governor::ledger {

namespace net = boost::asio;

/** The caller's end of one queued ledger operation: its type-erased completion handler and the
 *  handler's executor, held with outstanding work tracked while the operation waits in the
 *  ledger's queue. The tracking matters: a coroutine suspended on the ledger holds no I/O, so
 *  without it the caller's io_context could run out of work and return from run() before the
 *  result arrives.
 *  @par Thread safety Created on the caller's thread, completed once on the ledger thread. */
template <class T>
class Completion {
 public:
  using Handler = net::any_completion_handler<void(T)>;

  /** `handler` is the concrete completion handler from async_initiate (for a coroutine, the
   *  awaitable's handler, whose executor is the coroutine's). */
  template <class ConcreteHandler>
  explicit Completion(ConcreteHandler&& handler)
      : work_(net::prefer(net::any_io_executor(net::get_associated_executor(handler)),
                          net::execution::outstanding_work.tracked)),
        handler_(std::forward<ConcreteHandler>(handler)) {}

  /** True once the handler has been handed over (invoked, or moved out with the operation). */
  bool completed() const { return !handler_; }

  // Completion never runs the caller on the ledger thread. The ledger groups a batch's
  // operations by executor, posts one function to each executor(), drops each operation's work
  // guard with release_work() (the posted function is itself work, so the caller's io_context
  // has no gap in which it could stop), and that function calls invoke() on the caller's thread.

  /** The caller's executor (outstanding work tracked until release_work()). */
  const net::any_io_executor& executor() const { return work_; }
  void release_work() { work_ = nullptr; }
  /** Runs the handler with the result, here and now: only on the caller's executor. */
  void invoke(T value) {
    Handler handler = std::move(handler_);
    std::move(handler)(std::move(value));
  }

 private:
  net::any_io_executor work_;
  Handler handler_;
};

}  // namespace governor::ledger
