#include "governor/upstream/forward.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "governor/upstream/retry_policy.hpp"

namespace governor::upstream {
namespace {

/** A whole body read, judged: a 2xx body `whole.is_valid` refuses (malformed JSON from the
 *  upstream) is a protocol failure, retried like any other. Not a coroutine of its own: the
 *  read is awaited in forward(), one frame and resumption fewer a call. */
boost::system::result<std::string, Failure> judge_whole_body(
    boost::system::result<std::string, Failure>&& body, const Exchange& exchange,
    const WholeBody& whole, const std::string& upstream) {
  if (body && exchange.status() / 100 == 2 && whole.is_valid && !whole.is_valid(*body)) {
    Failure f;
    f.kind = FailureKind::protocol;
    f.upstream = upstream;
    f.status = exchange.status();
    f.body = body->substr(0, 1024);
    return f;
  }
  return std::move(body);
}

/** The entry of `upstream` in log.retried, added when it is not the last one. */
UpstreamRetries& retries_entry_of(ForwardLog& log, const config::UpstreamConfig* upstream) {
  if (log.retried.empty() || log.retried.back().upstream != upstream) {
    log.retried.push_back(UpstreamRetries{upstream, 0, false});
  }
  return log.retried.back();
}

}  // namespace

net::awaitable<boost::system::result<Forwarded, ForwardFailed>> forward(
    UpstreamPools& pools, const config::GatewayConfig& config,
    const config::UpstreamConfig& primary, const HopFor& hop_for, Clock::time_point deadline,
    const std::function<double()>& jitter, const std::optional<WholeBody>& whole_body,
    std::int64_t required_context) {
  ForwardLog log;
  Failure last;
  const config::UpstreamConfig* upstream = &primary;
  // The config forbids fallback cycles; the bound guards against a config built by hand.
  for (std::size_t hops = 0; upstream != nullptr && hops <= config.upstreams.size(); ++hops) {
    const HopRequest hop = hop_for(*upstream);
    for (unsigned attempt = 1;; ++attempt) {
      ++log.attempts;
      auto sent = co_await pools.send(*upstream, hop, deadline);
      if (sent && !whole_body) {
        co_return Forwarded{std::move(*sent), std::nullopt, upstream, std::move(log)};
      }
      if (sent) {
        auto body = judge_whole_body(co_await sent->read_all(whole_body->limit), *sent, *whole_body,
                                     upstream->name);
        if (body) {
          co_return Forwarded{std::move(*sent), std::move(*body), upstream, std::move(log)};
        }
        last = body.error();  // result::error() returns a copy
      } else {
        last = sent.error();
      }
      log.failures.push_back(last);
      if (last.kind == FailureKind::cancelled || last.kind == FailureKind::total_timeout) {
        co_return ForwardFailed{std::move(last), std::move(log)};
      }
      const auto time_left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      const RetryVerdict verdict =
          decide_retry(last, attempt, upstream->retry, jitter(), time_left);
      if (verdict.action == RetryVerdict::Action::next_upstream) {
        break;
      }
      ++log.retries;
      ++retries_entry_of(log, upstream).retries;
      if (verdict.wait.count() > 0) {
        net::steady_timer timer(co_await net::this_coro::executor, verdict.wait);
        auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
        if (ec) {
          last.kind = FailureKind::cancelled;
          last.ec = ec;
          co_return ForwardFailed{std::move(last), std::move(log)};
        }
      }
    }
    const config::UpstreamConfig* left = upstream;
    upstream = upstream->fallback.empty() ? nullptr : config.find_upstream(upstream->fallback);
    while (upstream != nullptr && upstream->context_window < required_context &&
           hops++ <= config.upstreams.size()) {
      upstream = upstream->fallback.empty() ? nullptr : config.find_upstream(upstream->fallback);
    }
    if (upstream != nullptr) {
      ++log.fallbacks;
      retries_entry_of(log, left).fell_back = true;
    }
  }
  co_return ForwardFailed{std::move(last), std::move(log)};
}

}  // namespace governor::upstream
