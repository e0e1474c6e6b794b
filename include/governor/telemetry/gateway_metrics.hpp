#pragma once

// The gateway's Prometheus metrics behind a narrow, typed interface. prometheus-cpp stays in
// src/telemetry: this header is included by the server's hot files and must stay light.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "governor/core/money.hpp"

namespace governor::telemetry {

/** Escalation reasons: the names of config::EscalationSignal, declared at zero from the start so
 *  that dashboards and alerts have every series before the first escalation. */
inline constexpr std::array<std::string_view, 10> kEscalationReasons = {
    "uncertainty", "entropy", "malformed_tool_call", "invalid_json",  "truncated", "content_filter",
    "empty",       "refusal", "stream_broken",       "upstream_error"};

/** What the metrics are built with, once at startup. */
struct MetricsOptions {
  /** false: spend is counted per model only (tenant="" is never emitted); for deployments where
   *  tenants are many or their names must not reach the metrics system. */
  bool tenant_label = true;
  std::string version;  ///< governor_build_info{version}
  /** Upstream names from the config: their per-upstream series are made once here, so the hot
   *  path never takes the registry's locks for them. Others still work (made on first use). */
  std::vector<std::string> upstreams;
  std::string io_backend;  ///< governor_build_info{io}: "io_uring" or "epoll"
};

/** One finished chat call, as the metrics see it. Every string is from a bounded set (config
 *  names, enums); ids never appear here. Empty strings are rendered as "none". */
struct CallOutcome {
  std::string_view route;    ///< the alias or pinned upstream the client named; "" if unknown
  std::string_view tier;     ///< tier that served (or was chosen)
  std::string_view model;    ///< upstream name that answered; "" when none did
  std::string_view step;     ///< step type; "" when the call failed before it was known
  std::string_view outcome;  ///< ok | client_error | auth_error | budget_refused | ...
  std::string_view tenant;   ///< "" when unauthenticated (dropped when tenant_label is off)
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  MicroUsd cost;            ///< charged for the served answer
  MicroUsd escalated_cost;  ///< charged for cascade attempts escalated past (counted apart)
  std::optional<MicroUsd> task_spent;          ///< the task's spend after this call's settle
  std::chrono::microseconds total{0};          ///< request read -> response written
  std::chrono::microseconds upstream_wait{0};  ///< waiting on upstreams (0: never forwarded)
  std::optional<std::chrono::microseconds> upstream_latency;  ///< send -> last upstream byte
  std::optional<std::chrono::microseconds> first_token;       ///< streams: start -> first token
  std::optional<std::chrono::microseconds> decision;          ///< time in route_call
};

/** How the call's forward went, per upstream tried (from upstream::ForwardLog). */
struct UpstreamTry {
  std::string_view upstream;
  unsigned retries = 0;    ///< attempts beyond the first on this upstream
  bool fell_back = false;  ///< moved on from this upstream to the next in its chain
};

/** Governor's metrics: one prometheus-cpp registry and its families, and lock-free histograms
 *  rendered with them, as the Prometheus text format at GET /metrics on the admin listener.
 *  docs/metrics.md is the catalogue.
 *  @par Thread safety every member may be called from any thread concurrently: counters and
 *  gauges are atomics, histograms count in relaxed atomics per bucket, and the label caches lock
 *  briefly. */
class GatewayMetrics {
 public:
  explicit GatewayMetrics(MetricsOptions options);
  ~GatewayMetrics();
  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;

  /** Requests, tokens, spend and the latency histograms of one chat call (any outcome). */
  void on_call_finished(const CallOutcome& call);
  /** Retries and fallbacks of one forward. */
  void on_forward(const std::vector<UpstreamTry>& tries);
  /** One failed upstream hop or broken upstream response; `kind` from a bounded set
   *  (upstream::FailureKind names, "stream_broken"). */
  void on_upstream_error(std::string_view upstream, std::string_view kind);
  /** A call the ledger refused; scope task|session|tenant_day|tenant_month. */
  void on_budget_refusal(std::string_view scope, std::string_view reason);
  /** A call admitted with less than asked: reason max_tokens (output clamped) or degraded (a
   *  cheaper tier than routed); scope is the binding one. */
  void on_budget_clamp(std::string_view scope, std::string_view reason);
  /** A cascade escalation, by the signal that failed. */
  void on_escalation(std::string_view reason);
  /** Tokens and dollars charged on `model` (on_call_finished counts the served answer's; a
   *  cascade's escalated attempts are counted with this). */
  void on_spend(std::string_view tenant, std::string_view model, std::int64_t input_tokens,
                std::int64_t output_tokens, MicroUsd cost);
  /** A policy reload (startup, SIGHUP, admin endpoint). */
  void on_reload(bool ok);
  /** One ledger group commit and how long it took. */
  void on_ledger_commit(std::chrono::microseconds took);
  /** Set just before a scrape from the ledger's own counter. */
  void set_ledger_queue_depth(std::size_t depth);
  /** Advances governor_ledger_checkpoints_total to the ledger's own count (read just before a
   *  scrape; a smaller figure than the last, from a scrape that lost a race, changes nothing). */
  void set_ledger_checkpoints(std::uint64_t total);
  /** Advances governor_ledger_overruns_total and governor_ledger_overrun_usd_total to the
   *  ledger's own totals (ledger::LedgerStats::overruns and overrun_amount), as above. */
  void set_ledger_overruns(std::uint64_t count, MicroUsd amount);
  /** The ledger's in-memory cache, read just before a scrape (ledger::LedgerStats). */
  struct LedgerCacheFigures {
    std::size_t tasks = 0;
    std::size_t windows = 0;
    std::uint64_t evicted_tasks = 0;  ///< advances governor_ledger_evictions_total as above
    std::uint64_t evicted_windows = 0;
  };
  void set_ledger_cache(const LedgerCacheFigures& figures);

  void on_request_start();  ///< a chat call is now in flight
  void on_request_end();
  /** listener: data | admin. */
  void on_connection_open(std::string_view listener);
  void on_connection_close(std::string_view listener);

  /** The Prometheus text exposition format (0.0.4) of every family. */
  std::string render() const;
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

using GatewayMetricsPtr = std::unique_ptr<GatewayMetrics>;

}  // namespace governor::telemetry
