// The metrics' cost on the hot path: what one chat call pays when it finishes
// (GatewayMetrics::on_call_finished: requests, tokens, spend and four histograms), alone and with
// every worker thread updating the same series at once, against prometheus-cpp's own
// Family::Add lookup; and what one scrape costs to render.
// Run: ./metrics_bench
#include <benchmark/benchmark.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "governor/telemetry/gateway_metrics.hpp"

namespace {

using namespace governor;

telemetry::GatewayMetrics& shared_metrics() {
  static telemetry::GatewayMetrics metrics(
      telemetry::MetricsOptions{true, "bench", {"gpt-4o-mini", "gpt-4o", "claude-haiku"}});
  return metrics;
}

telemetry::CallOutcome bench_call(int variant) {
  static constexpr const char* kSteps[] = {"plan", "act", "tool", "verify"};
  telemetry::CallOutcome c;
  c.route = "auto";
  c.tier = "cheap";
  c.model = "gpt-4o-mini";
  c.step = kSteps[variant % 4];
  c.outcome = "ok";
  c.tenant = "acme";
  c.input_tokens = 812;
  c.output_tokens = 143;
  c.cost = MicroUsd{208};
  c.total = std::chrono::microseconds{42'000};
  c.upstream_wait = std::chrono::microseconds{41'900};
  c.upstream_latency = std::chrono::microseconds{41'900};
  c.first_token = std::chrono::microseconds{9'000};
  c.decision = std::chrono::microseconds{4};
  return c;
}

void BM_OnCallFinished(benchmark::State& state) {
  auto& metrics = shared_metrics();
  const telemetry::CallOutcome calls[] = {bench_call(0), bench_call(1), bench_call(2),
                                          bench_call(3)};
  std::size_t i = static_cast<std::size_t>(state.thread_index());
  for (auto _ : state) {
    metrics.on_call_finished(calls[i++ % 4]);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OnCallFinished)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

/** The lookup the label cache replaces: prometheus-cpp's Family::Add with five labels. */
void BM_FamilyAddLookup(benchmark::State& state) {
  static prometheus::Registry registry;
  static auto& family = prometheus::BuildCounter().Name("bench_total").Register(registry);
  for (auto _ : state) {
    family
        .Add({{"route", "auto"},
              {"tier", "cheap"},
              {"model", "gpt-4o-mini"},
              {"step", "act"},
              {"outcome", "ok"}})
        .Increment();
  }
}
BENCHMARK(BM_FamilyAddLookup)->Threads(1)->Threads(2)->UseRealTime();

void BM_InFlightPair(benchmark::State& state) {
  auto& metrics = shared_metrics();
  for (auto _ : state) {
    metrics.on_request_start();
    metrics.on_request_end();
  }
}
BENCHMARK(BM_InFlightPair)->Threads(1)->Threads(2)->UseRealTime();

void BM_Render(benchmark::State& state) {
  auto& metrics = shared_metrics();
  for (int n = 0; n < 4; ++n) {
    metrics.on_call_finished(bench_call(n));
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes = metrics.render().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Render);

}  // namespace

BENCHMARK_MAIN();
