#include "governor/telemetry/gateway_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <functional>
#include <unordered_map>

#include "atomic_histogram.hpp"
#include "label_cache.hpp"
#include "metric_buckets.hpp"

namespace governor::telemetry {
namespace {

using detail::AtomicHistogram;
using detail::LabelCache;
using prometheus::Counter;
using prometheus::Gauge;

double metrics_seconds_of(std::chrono::microseconds us) {
  return static_cast<double>(us.count()) / 1e6;
}

/** Heterogeneous lookup by string_view in the per-upstream map (no key string built). */
struct MetricsNameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

/** A counter that follows a total kept elsewhere (the ledger's), read at each scrape. Scrapes on
 *  different workers may race: only the one that raises the mark adds the difference, and a
 *  smaller total, from a scrape that lost the race, changes nothing. */
class RaisedCounter {
 public:
  /** `unit`: what one of the total's steps is worth on the counter (1e-6 for micro-dollars
   *  shown as dollars). */
  explicit RaisedCounter(Counter& counter, double unit = 1.0) : counter_(counter), unit_(unit) {}
  void raise_to(std::uint64_t total) {
    std::uint64_t seen = seen_.load(std::memory_order_relaxed);
    while (total > seen && !seen_.compare_exchange_weak(seen, total, std::memory_order_relaxed)) {
    }
    if (total > seen) {
      counter_.Increment(static_cast<double>(total - seen) * unit_);
    }
  }

 private:
  Counter& counter_;
  double unit_;
  std::atomic<std::uint64_t> seen_{0};  ///< the total the counter has reached
};

}  // namespace

struct GatewayMetrics::Impl {
  explicit Impl(MetricsOptions o) : options(std::move(o)) {}

  /** The series of one upstream, resolved once: the hot path touches them without a lock. */
  struct UpstreamSeries {
    Counter* input_tokens = nullptr;
    Counter* output_tokens = nullptr;
    Counter* retries = nullptr;
    Counter* fallbacks = nullptr;
    AtomicHistogram* latency = nullptr;
    AtomicHistogram* first_token = nullptr;
  };

  MetricsOptions options;
  prometheus::Registry registry;

  prometheus::Family<Counter>& requests_family =
      prometheus::BuildCounter()
          .Name("governor_requests_total")
          .Help("Chat calls by route (alias or pinned upstream), tier, model, step and outcome.")
          .Register(registry);
  prometheus::Family<Counter>& input_family =
      prometheus::BuildCounter()
          .Name("governor_input_tokens_total")
          .Help("Input (prompt) tokens charged, by model (upstream name).")
          .Register(registry);
  prometheus::Family<Counter>& output_family =
      prometheus::BuildCounter()
          .Name("governor_output_tokens_total")
          .Help("Output (completion) tokens charged, by model (upstream name).")
          .Register(registry);
  prometheus::Family<Counter>& spend_family =
      prometheus::BuildCounter()
          .Name("governor_spend_usd_total")
          .Help("US dollars charged to budgets, by tenant and model.")
          .Register(registry);
  prometheus::Family<Counter>& refusals_family =
      prometheus::BuildCounter()
          .Name("governor_budget_refusals_total")
          .Help("Calls the budget ledger refused, by binding scope and reason.")
          .Register(registry);
  prometheus::Family<Counter>& clamps_family =
      prometheus::BuildCounter()
          .Name("governor_budget_clamps_total")
          .Help(
              "Calls admitted with less than asked (max_tokens clamped or a cheaper tier), by "
              "binding scope and reason.")
          .Register(registry);
  prometheus::Family<Counter>& escalations_family =
      prometheus::BuildCounter()
          .Name("governor_escalations_total")
          .Help("Cascade escalations to a stronger tier, by the signal that failed.")
          .Register(registry);
  prometheus::Family<Counter>& retries_family =
      prometheus::BuildCounter()
          .Name("governor_upstream_retries_total")
          .Help("Upstream attempts retried on the same upstream, by upstream.")
          .Register(registry);
  prometheus::Family<Counter>& fallbacks_family =
      prometheus::BuildCounter()
          .Name("governor_upstream_fallbacks_total")
          .Help("Moves from an upstream to the next in its fallback chain, by upstream left.")
          .Register(registry);
  prometheus::Family<Counter>& errors_family =
      prometheus::BuildCounter()
          .Name("governor_upstream_errors_total")
          .Help("Failed upstream hops and broken upstream responses, by upstream and kind.")
          .Register(registry);
  prometheus::Family<Counter>& reloads_family =
      prometheus::BuildCounter()
          .Name("governor_policy_reloads_total")
          .Help("Policy (re)loads by result: success or failure (the old policies stay).")
          .Register(registry);
  detail::AtomicHistogramFamily overhead_family{
      "governor_gateway_overhead_seconds",
      "Time a chat call spent in Governor itself: total minus waiting on upstreams.",
      {},
      detail::kOverheadSeconds};
  detail::AtomicHistogramFamily latency_family{
      "governor_upstream_latency_seconds",
      "First request byte sent to last upstream byte read (retries included), by "
      "upstream that answered.",
      {"upstream"},
      detail::kUpstreamSeconds};
  detail::AtomicHistogramFamily first_token_family{
      "governor_time_to_first_token_seconds",
      "Streamed calls: request received to first output token relayed, by upstream.",
      {"upstream"},
      detail::kUpstreamSeconds};
  detail::AtomicHistogramFamily decision_family{
      "governor_decision_seconds",
      "Time to pick the step and tier of a call (routing decision).",
      {},
      detail::kDecisionSeconds};
  detail::AtomicHistogramFamily call_spend_family{
      "governor_call_spend_usd", "US dollars charged per settled call.", {}, detail::kSpendUsd};
  detail::AtomicHistogramFamily task_spend_family{
      "governor_task_spend_usd",
      "A task's total US dollars when its final step settles (a one-step call, or a "
      "summarize or handoff step).",
      {},
      detail::kSpendUsd};
  detail::AtomicHistogramFamily commit_family{
      "governor_ledger_commit_seconds",
      "Duration of one ledger group commit (a transaction of many operations).",
      {},
      detail::kCommitSeconds};
  prometheus::Family<Gauge>& in_flight_family = prometheus::BuildGauge()
                                                    .Name("governor_in_flight_requests")
                                                    .Help("Chat calls being served now.")
                                                    .Register(registry);
  prometheus::Family<Gauge>& connections_family =
      prometheus::BuildGauge()
          .Name("governor_open_connections")
          .Help("Client connections open now, by listener (data, admin).")
          .Register(registry);
  prometheus::Family<Gauge>& queue_family =
      prometheus::BuildGauge()
          .Name("governor_ledger_queue_depth")
          .Help("Ledger operations waiting for the ledger thread (sampled at scrape).")
          .Register(registry);
  prometheus::Family<Counter>& checkpoints_family =
      prometheus::BuildCounter()
          .Name("governor_ledger_checkpoints_total")
          .Help(
              "Checkpoints of the ledger's write-ahead log completed (each lets the log start "
              "again from its beginning).")
          .Register(registry);
  prometheus::Family<Counter>& overruns_family =
      prometheus::BuildCounter()
          .Name("governor_ledger_overruns_total")
          .Help(
              "Settlements whose real cost was above the amount reserved for them: the upstream "
              "billed more than the worst case that was held. Charged in full.")
          .Register(registry);
  prometheus::Family<Counter>& overrun_usd_family =
      prometheus::BuildCounter()
          .Name("governor_ledger_overrun_usd_total")
          .Help(
              "Dollars charged above their reservations, over all overruns: how far spend may "
              "have passed a limit.")
          .Register(registry);
  prometheus::Family<Gauge>& cached_family =
      prometheus::BuildGauge()
          .Name("governor_ledger_cached")
          .Help(
              "Tasks and spend windows the ledger keeps in memory now, by kind (task, window); "
              "idle ones are dropped and loaded again from the database when needed.")
          .Register(registry);
  prometheus::Family<Counter>& evictions_family =
      prometheus::BuildCounter()
          .Name("governor_ledger_evictions_total")
          .Help(
              "Idle tasks and spend windows dropped from the ledger's memory, by kind (task, "
              "window); they stay in the database.")
          .Register(registry);
  prometheus::Family<Gauge>& build_family =
      prometheus::BuildGauge()
          .Name("governor_build_info")
          .Help("Always 1; the labels say which Governor this is.")
          .Register(registry);

  LabelCache<Counter> requests{requests_family, {"route", "tier", "model", "step", "outcome"}};
  LabelCache<Counter> input_tokens{input_family, {"model"}};
  LabelCache<Counter> output_tokens{output_family, {"model"}};
  LabelCache<Counter> spend{spend_family, options.tenant_label
                                              ? std::vector<std::string>{"tenant", "model"}
                                              : std::vector<std::string>{"model"}};
  LabelCache<Counter> refusals{refusals_family, {"scope", "reason"}};
  LabelCache<Counter> clamps{clamps_family, {"scope", "reason"}};
  LabelCache<Counter> escalations{escalations_family, {"reason"}};
  LabelCache<Counter> retries{retries_family, {"upstream"}};
  LabelCache<Counter> fallbacks{fallbacks_family, {"upstream"}};
  LabelCache<Counter> errors{errors_family, {"upstream", "kind"}};
  LabelCache<Gauge> connections{connections_family, {"listener"}};

  Counter& reload_ok = reloads_family.Add({{"result", "success"}});
  Counter& reload_failed = reloads_family.Add({{"result", "failure"}});
  AtomicHistogram& overhead = overhead_family.get();
  AtomicHistogram& decision = decision_family.get();
  AtomicHistogram& call_spend = call_spend_family.get();
  AtomicHistogram& task_spend = task_spend_family.get();
  AtomicHistogram& commit = commit_family.get();

  /** The histograms, rendered after the registry's families. */
  std::vector<prometheus::MetricFamily> collect_histograms() const {
    std::vector<prometheus::MetricFamily> families;
    for (const auto* family :
         {&overhead_family, &latency_family, &first_token_family, &decision_family,
          &call_spend_family, &task_spend_family, &commit_family}) {
      families.push_back(family->collect());
    }
    return families;
  }
  Gauge& in_flight = in_flight_family.Add({});
  Gauge& queue_depth = queue_family.Add({});
  RaisedCounter checkpoints{checkpoints_family.Add({})};
  RaisedCounter overruns{overruns_family.Add({})};
  RaisedCounter overrun_usd{overrun_usd_family.Add({}), 1e-6};
  Gauge& cached_tasks = cached_family.Add({{"kind", "task"}});
  Gauge& cached_windows = cached_family.Add({{"kind", "window"}});
  RaisedCounter evicted_tasks{evictions_family.Add({{"kind", "task"}})};
  RaisedCounter evicted_windows{evictions_family.Add({{"kind", "window"}})};
  Gauge& data_connections = connections.get({"data"});
  Gauge& admin_connections = connections.get({"admin"});

  /** Built in the constructor, read-only afterwards. */
  std::unordered_map<std::string, UpstreamSeries, MetricsNameHash, std::equal_to<>> upstreams;

  UpstreamSeries series_of(std::string_view upstream) {
    if (const auto it = upstreams.find(upstream); it != upstreams.end()) {
      return it->second;
    }
    return make_series(upstream);  // not in the config: through the caches
  }

  UpstreamSeries make_series(std::string_view upstream) {
    return UpstreamSeries{&input_tokens.get({upstream}),   &output_tokens.get({upstream}),
                          &retries.get({upstream}),        &fallbacks.get({upstream}),
                          &latency_family.get({upstream}), &first_token_family.get({upstream})};
  }

  Gauge& connections_of(std::string_view listener) {
    if (listener == "data") {
      return data_connections;
    }
    if (listener == "admin") {
      return admin_connections;
    }
    return connections.get({listener});
  }
};

GatewayMetrics::GatewayMetrics(MetricsOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  auto& i = *impl_;
  for (const std::string& name : i.options.upstreams) {
    i.upstreams.emplace(name, i.make_series(name));
  }
  i.build_family.Add({{"version", i.options.version}, {"io", i.options.io_backend}}).Set(1);
  for (const std::string_view reason : kEscalationReasons) {
    i.escalations.get({reason});
  }
}

GatewayMetrics::~GatewayMetrics() = default;

void GatewayMetrics::on_call_finished(const CallOutcome& call) {
  auto& i = *impl_;
  i.requests.get({call.route, call.tier, call.model, call.step, call.outcome}).Increment();
  const auto overhead = call.total - call.upstream_wait;
  i.overhead.observe(
      metrics_seconds_of(overhead.count() > 0 ? overhead : std::chrono::microseconds{0}));
  if (call.decision) {
    i.decision.observe(metrics_seconds_of(*call.decision));
  }
  // A forwarded call was reserved and settled, at zero when it failed; a refused one was not.
  if (call.upstream_wait.count() > 0) {
    i.call_spend.observe((call.cost + call.escalated_cost).dollars());
  }
  if (call.task_spent) {
    i.task_spend.observe(call.task_spent->dollars());
  }
  if (call.model.empty()) {
    return;  // nothing was served: no tokens, no spend, no upstream timings
  }
  const Impl::UpstreamSeries s = i.series_of(call.model);
  if (call.upstream_latency) {
    s.latency->observe(metrics_seconds_of(*call.upstream_latency));
  }
  if (call.first_token) {
    s.first_token->observe(metrics_seconds_of(*call.first_token));
  }
  on_spend(call.tenant, call.model, call.input_tokens, call.output_tokens, call.cost);
}

void GatewayMetrics::on_spend(std::string_view tenant, std::string_view model,
                              std::int64_t input_tokens, std::int64_t output_tokens,
                              MicroUsd cost) {
  auto& i = *impl_;
  const Impl::UpstreamSeries s = i.series_of(model);
  if (input_tokens > 0) {
    s.input_tokens->Increment(static_cast<double>(input_tokens));
  }
  if (output_tokens > 0) {
    s.output_tokens->Increment(static_cast<double>(output_tokens));
  }
  if (cost.micros() > 0) {
    const double dollars = cost.dollars();
    if (i.options.tenant_label) {
      i.spend.get({tenant, model}).Increment(dollars);
    } else {
      i.spend.get({model}).Increment(dollars);
    }
  }
}

void GatewayMetrics::on_forward(const std::vector<UpstreamTry>& tries) {
  auto& i = *impl_;
  for (const UpstreamTry& t : tries) {
    if (t.retries == 0 && !t.fell_back) {
      continue;
    }
    const Impl::UpstreamSeries s = i.series_of(t.upstream);
    if (t.retries > 0) {
      s.retries->Increment(t.retries);
    }
    if (t.fell_back) {
      s.fallbacks->Increment();
    }
  }
}

void GatewayMetrics::on_upstream_error(std::string_view upstream, std::string_view kind) {
  impl_->errors.get({upstream, kind}).Increment();
}

void GatewayMetrics::on_budget_refusal(std::string_view scope, std::string_view reason) {
  impl_->refusals.get({scope, reason}).Increment();
}

void GatewayMetrics::on_budget_clamp(std::string_view scope, std::string_view reason) {
  impl_->clamps.get({scope, reason}).Increment();
}

void GatewayMetrics::on_escalation(std::string_view reason) {
  impl_->escalations.get({reason}).Increment();
}

void GatewayMetrics::on_reload(bool ok) {
  (ok ? impl_->reload_ok : impl_->reload_failed).Increment();
}

void GatewayMetrics::on_ledger_commit(std::chrono::microseconds took) {
  impl_->commit.observe(metrics_seconds_of(took));
}

void GatewayMetrics::set_ledger_queue_depth(std::size_t depth) {
  impl_->queue_depth.Set(static_cast<double>(depth));
}

void GatewayMetrics::set_ledger_checkpoints(std::uint64_t total) {
  impl_->checkpoints.raise_to(total);
}

void GatewayMetrics::set_ledger_overruns(std::uint64_t count, MicroUsd amount) {
  impl_->overruns.raise_to(count);
  impl_->overrun_usd.raise_to(
      static_cast<std::uint64_t>(std::max<std::int64_t>(amount.micros(), 0)));
}

void GatewayMetrics::set_ledger_cache(const LedgerCacheFigures& figures) {
  impl_->cached_tasks.Set(static_cast<double>(figures.tasks));
  impl_->cached_windows.Set(static_cast<double>(figures.windows));
  impl_->evicted_tasks.raise_to(figures.evicted_tasks);
  impl_->evicted_windows.raise_to(figures.evicted_windows);
}

void GatewayMetrics::on_request_start() {
  impl_->in_flight.Increment();
}

void GatewayMetrics::on_request_end() {
  impl_->in_flight.Decrement();
}

void GatewayMetrics::on_connection_open(std::string_view listener) {
  impl_->connections_of(listener).Increment();
}

void GatewayMetrics::on_connection_close(std::string_view listener) {
  impl_->connections_of(listener).Decrement();
}

std::string GatewayMetrics::render() const {
  std::vector<prometheus::MetricFamily> families = impl_->registry.Collect();
  for (auto& family : impl_->collect_histograms()) {
    families.push_back(std::move(family));
  }
  return prometheus::TextSerializer{}.Serialize(families);
}

}  // namespace governor::telemetry
