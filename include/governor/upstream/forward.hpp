#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "governor/config/gateway_config.hpp"
#include "governor/upstream/exchange.hpp"
#include "governor/upstream/pool.hpp"

namespace governor::upstream {

/** Builds the hop for one upstream (the body names that upstream's model; the key is its own). */
using HopFor = std::function<HopRequest(const config::UpstreamConfig&)>;

/** Retries and the fallback of one upstream that had any (for per-upstream metrics). */
struct UpstreamRetries {
  const config::UpstreamConfig* upstream = nullptr;  ///< points into the config
  unsigned retries = 0;                              ///< attempts beyond the first on this upstream
  bool fell_back = false;  ///< the call moved on from it to the next in its chain
};

/** Everything that was tried, for logs, metrics and the trace. */
struct ForwardLog {
  unsigned attempts = 0;   ///< hops made, all upstreams together
  unsigned retries = 0;    ///< attempts beyond the first on the same upstream
  unsigned fallbacks = 0;  ///< upstreams moved on to
  std::vector<Failure> failures;
  /** Only upstreams that were retried or fallen back from, in order: empty (no allocation) for
   *  a call answered at the first attempt. */
  std::vector<UpstreamRetries> retried;
};

/** For whole (non-streamed) responses: read the body inside the retry loop and check it, so a
 *  truncated or malformed 200 is retried and falls back like any other upstream failure. */
struct WholeBody {
  std::size_t limit = 64 * 1024 * 1024;
  /** True when a 2xx body is well-formed (the upstream module knows nothing of OpenAI). */
  std::function<bool(std::string_view)> is_valid;
};

struct Forwarded {
  Exchange exchange;
  std::optional<std::string> body;                   ///< set when a WholeBody was requested
  const config::UpstreamConfig* upstream = nullptr;  ///< who answered (points into the config)
  ForwardLog log;
};

struct ForwardFailed {
  Failure last;
  ForwardLog log;
};

/** Sends to `primary`, retrying per its retry policy (backoff, Retry-After), then moves along its
 *  fallback chain, skipping fallbacks whose context window is below `required_context` tokens
 *  (they could not hold the request). Everything happens before any byte reaches the client, so
 *  it is invisible to it. `jitter` returns values in [0,1). Cancellation (client gone) stops at
 *  once.
 *  @par Thread safety Runs on the worker owning `pools`; `config` must outlive the call. */
net::awaitable<boost::system::result<Forwarded, ForwardFailed>> forward(
    UpstreamPools& pools, const config::GatewayConfig& config,
    const config::UpstreamConfig& primary, const HopFor& hop_for, Clock::time_point deadline,
    const std::function<double()>& jitter, const std::optional<WholeBody>& whole_body,
    std::int64_t required_context = 0);

}  // namespace governor::upstream
