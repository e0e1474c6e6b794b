// Budget ledger throughput on a real database file (WAL, synchronous=FULL: every commit is an
// fsync): reserve + settle pairs awaited one at a time, then by many coroutines on several
// threads, where group commit shares each fsync among the operations that queued meanwhile.
// Prints calls/s (a call = reserve + settle, two durable operations) and commits per operation.
// Run: ./ledger_bench
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "book.hpp"
#include "governor/ledger/ledger.hpp"

namespace {

namespace net = boost::asio;
using namespace governor;
using namespace governor::ledger;

/** A ledger on a fresh file in a temporary directory, removed afterwards. */
class BenchLedger {
 public:
  explicit BenchLedger(
      SqliteLedgerOptions::Durability durability = SqliteLedgerOptions::Durability::power_loss) {
    std::string pattern = (std::filesystem::temp_directory_path() / "governor-ledger-bench-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
    SqliteLedgerOptions options;
    options.path = (dir_ / "ledger.db").string();
    options.durability = durability;
    OpenLedgerResult opened = open_sqlite_ledger(std::move(options));
    if (!opened.ledger) {
      throw std::runtime_error(opened.error);
    }
    ledger_ = std::move(opened.ledger);
  }
  ~BenchLedger() {
    ledger_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Ledger& operator*() { return *ledger_; }
  Ledger* operator->() { return ledger_.get(); }

 private:
  std::filesystem::path dir_;
  LedgerPtr ledger_;
};

ReserveRequest request(std::string task) {
  ReserveRequest r;
  r.tenant = "bench";
  r.task = std::move(task);
  r.session = "s1";
  r.task_budget.total_dollars = MicroUsd{1'000'000'000'000};
  r.session_budget.total_dollars = MicroUsd{1'000'000'000'000};
  r.tenant_budget.dollars_per_day = MicroUsd{1'000'000'000'000};
  r.input_tokens = 1200;
  r.candidates = {Candidate{ModelPrices{PricePerMillion{150'000}, PricePerMillion{600'000}}, 512}};
  return r;
}

/** One call's life in the ledger: reserve its worst case, settle what it cost. */
net::awaitable<void> one_call(Ledger& ledger, const std::string& task, bool one_step = false) {
  ReserveRequest r = request(task);
  r.one_step = one_step;
  const ReserveOutcome outcome = co_await ledger.reserve(std::move(r));
  if (const auto* g = std::get_if<Grant>(&outcome)) {
    Settlement s;
    s.reservation = g->reservation;
    s.usage = TokenUsage{1200, 300};
    s.cost = cost_of(s.usage, ModelPrices{PricePerMillion{150'000}, PricePerMillion{600'000}});
    s.model = "small";
    s.outcome = "ok";
    co_await ledger.settle(std::move(s));
  }
}

/** CPU time (user + system) of the whole process so far: the callers and the ledger thread. */
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void report(benchmark::State& state, Ledger& ledger, std::int64_t calls) {
  const LedgerStats stats = ledger.stats();
  state.SetItemsProcessed(calls);
  state.counters["calls/s"] =
      benchmark::Counter(static_cast<double>(calls), benchmark::Counter::kIsRate);
  state.counters["commits/op"] = static_cast<double>(stats.commits) /
                                 static_cast<double>(std::max<std::uint64_t>(stats.batched_ops, 1));
  state.counters["ops/commit"] = static_cast<double>(stats.batched_ops) /
                                 static_cast<double>(std::max<std::uint64_t>(stats.commits, 1));
}

// One caller awaiting each operation before the next: every operation pays a full commit.
void BM_ReserveSettleSerial(benchmark::State& state) {
  BenchLedger ledger;
  net::io_context io;
  std::int64_t calls = 0;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        for (auto _ : state) {
          co_await one_call(*ledger, "serial");
          ++calls;
        }
      },
      net::detached);
  io.run();
  report(state, *ledger, calls);
}
BENCHMARK(BM_ReserveSettleSerial)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Arg: coroutines in flight, spread over 4 io_contexts on 4 threads; each runs calls in a loop.
// One benchmark iteration = 2000 calls in all.
void BM_ReserveSettleContended(benchmark::State& state) {
  constexpr int kThreads = 4;
  constexpr int kCallsPerIteration = 2000;
  const int coroutines = static_cast<int>(state.range(0));
  const int calls_each = kCallsPerIteration / coroutines;
  BenchLedger ledger;
  std::int64_t calls = 0;
  for (auto _ : state) {
    std::vector<std::unique_ptr<net::io_context>> ios;
    for (int t = 0; t < kThreads; ++t) {
      ios.push_back(std::make_unique<net::io_context>(1));
    }
    for (int c = 0; c < coroutines; ++c) {
      net::co_spawn(
          *ios[static_cast<std::size_t>(c % kThreads)],
          [&ledger, c, calls_each]() -> net::awaitable<void> {
            const std::string task = "task-" + std::to_string(c);
            for (int i = 0; i < calls_each; ++i) {
              co_await one_call(*ledger, task);
            }
          },
          net::detached);
    }
    std::vector<std::thread> threads;
    for (auto& io : ios) {
      threads.emplace_back([&io] { io->run(); });
    }
    for (auto& t : threads) {
      t.join();
    }
    calls += static_cast<std::int64_t>(calls_each) * coroutines;
  }
  report(state, *ledger, calls);
}
BENCHMARK(BM_ReserveSettleContended)
    ->Arg(8)
    ->Arg(64)
    ->Arg(256)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

// Arg: coroutines in flight on ONE io_context, each call a new one-step task (no task id: the
// ledger names it "call-<reservation id>", as for the gateway's calls), as one gateway worker under
// load, with the gateway's
// default durability (ledger.fsync: false: durable across a crash of the process). Run it pinned to
// one CPU (taskset -c 1) to see what the ledger costs a worker that shares its CPU: cpu_us/call
// is the whole process's CPU time (callers and ledger thread) per call.
void BM_OneStepCalls(benchmark::State& state) {
  constexpr int kCallsPerIteration = 4000;
  const int coroutines = static_cast<int>(state.range(0));
  const int calls_each = kCallsPerIteration / coroutines;
  BenchLedger ledger(SqliteLedgerOptions::Durability::process_crash);
  std::int64_t calls = 0;
  const double cpu_before = process_cpu_seconds();
  for (auto _ : state) {
    net::io_context io(1);
    for (int c = 0; c < coroutines; ++c) {
      net::co_spawn(
          io,
          [&ledger, calls_each]() -> net::awaitable<void> {
            for (int i = 0; i < calls_each; ++i) {
              co_await one_call(*ledger, "", true);
            }
          },
          net::detached);
    }
    io.run();
    calls += static_cast<std::int64_t>(calls_each) * coroutines;
  }
  report(state, *ledger, calls);
  state.counters["cpu_us/call"] = (process_cpu_seconds() - cpu_before) * 1e6 /
                                  static_cast<double>(std::max<std::int64_t>(calls, 1));
}
BENCHMARK(BM_OneStepCalls)
    ->Arg(1)
    ->Arg(64)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

/** The sweep that drops idle tasks from the book (docs/ledger.md, "The book as a cache"): a
 *  book of state.range(0) settled tasks, each with its own session and one step, all idle,
 *  forgotten in steps of 256 buckets as the ledger thread takes them, one after each batch.
 *  Time is the whole sweep; time/step is how long one batch waits for its step. */
void BM_SweepIdleBook(benchmark::State& state) {
  constexpr std::size_t kSweepBuckets = 256;  // SqliteLedger's step
  const auto tasks = static_cast<std::size_t>(state.range(0));
  std::size_t steps = 0;
  const TimePoint noon =
      std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + std::chrono::hours{12};
  for (auto _ : state) {
    state.PauseTiming();
    Book book;
    for (std::size_t i = 0; i < tasks; ++i) {
      ReserveRequest r;
      r.tenant = "acme";
      r.task = "task-" + std::to_string(i);
      r.session = "session-" + std::to_string(i);
      r.policy = "default";
      r.input_tokens = 100;
      r.min_output_tokens = 10;
      r.candidates = {
          Candidate{ModelPrices{PricePerMillion{1'000'000}, PricePerMillion{2'000'000}}, 100}};
      const auto granted = book.reserve(r, noon);
      Settlement s;
      s.reservation = std::get<Grant>(granted.outcome).reservation;
      s.cost = MicroUsd{100};
      s.model = "big";
      s.outcome = "ok";
      book.settle(s);
    }
    const std::uint64_t period = book.begin_period();
    book.begin_sweep();
    std::size_t evicted = 0;
    state.ResumeTiming();
    for (bool done = false; !done;) {
      const Book::Evicted step = book.sweep_step(period, kSweepBuckets);
      evicted += step.tasks;
      done = step.done;
      ++steps;
    }
    state.PauseTiming();
    if (evicted != tasks) {
      state.SkipWithError("the sweep left idle tasks behind");
    }
    state.ResumeTiming();
  }
  state.counters["tasks"] = static_cast<double>(tasks);
  state.counters["steps"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kAvgIterations);
  state.counters["time/step"] = benchmark::Counter(
      static_cast<double>(steps), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SweepIdleBook)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
