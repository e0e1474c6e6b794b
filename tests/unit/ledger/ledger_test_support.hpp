#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>

#include "governor/ledger/ledger.hpp"

namespace governor::ledger::testing {

namespace net = boost::asio;
using namespace std::chrono_literals;
using std::chrono::sys_days;
using TimePoint = std::chrono::system_clock::time_point;

inline MicroUsd usd(std::int64_t micros) {
  return MicroUsd{micros};
}

/** $1 per million input tokens, $2 per million output tokens: 1 and 2 micro-dollars a token, so
 *  expected amounts are plain arithmetic. */
inline ModelPrices expensive() {
  return ModelPrices{PricePerMillion{1'000'000}, PricePerMillion{2'000'000}};
}
/** A tenth of that: 0.1 and 0.2 micro-dollars a token (costs round up per call). */
inline ModelPrices cheap() {
  return ModelPrices{PricePerMillion{100'000}, PricePerMillion{200'000}};
}

inline Candidate candidate(ModelPrices prices, std::int64_t max_output_tokens) {
  return Candidate{prices, max_output_tokens};
}

/** A call of 100 input tokens asking for up to 100 output tokens on `expensive` (worst case 300
 *  micro-dollars), at least 10 of them useful, in task "t1" of tenant "acme". */
inline ReserveRequest call(std::string task = "t1") {
  ReserveRequest r;
  r.tenant = "acme";
  r.task = std::move(task);
  r.policy = "default";
  r.input_tokens = 100;
  r.min_output_tokens = 10;
  r.candidates = {candidate(expensive(), 100)};
  return r;
}

/** A call sent without a task id: the ledger names its task (Grant::task). */
inline ReserveRequest one_step_call() {
  ReserveRequest r = call("");
  r.one_step = true;
  return r;
}

/** The cascade's escalation of one-step task `task`: the same task, reserved again. */
inline ReserveRequest escalation_of(std::string task) {
  ReserveRequest r = call(std::move(task));
  r.one_step = true;
  r.escalation = true;
  return r;
}

inline config::TaskBudget task_budget(std::optional<std::int64_t> total_micros) {
  config::TaskBudget b;
  if (total_micros) {
    b.total_dollars = MicroUsd{*total_micros};
  }
  return b;
}

/** What a call settles with: its reservation and what it really cost. */
inline Settlement settlement(std::uint64_t reservation, std::int64_t cost_micros,
                             std::string outcome = "ok") {
  Settlement s;
  s.reservation = reservation;
  s.cost = MicroUsd{cost_micros};
  s.usage = TokenUsage{100, 50};
  s.model = "big";
  s.tier = "premium";
  s.outcome = std::move(outcome);
  s.reason = "test";
  s.latency_ms = 12;
  return s;
}

inline const Grant& grant_of(const ReserveOutcome& o) {
  EXPECT_TRUE(std::holds_alternative<Grant>(o)) << "refused: " << std::get<Refusal>(o).message;
  static const Grant none{};
  return std::holds_alternative<Grant>(o) ? std::get<Grant>(o) : none;
}

inline const Refusal& refusal_of(const ReserveOutcome& o) {
  EXPECT_TRUE(std::holds_alternative<Refusal>(o)) << "unexpectedly granted";
  static const Refusal none{};
  return std::holds_alternative<Refusal>(o) ? std::get<Refusal>(o) : none;
}

/** 2024-03-31T23:59:00Z and friends: instants around a day and month boundary. */
inline TimePoint at(std::chrono::year_month_day day, std::chrono::seconds time_of_day = 0s) {
  return TimePoint{sys_days{day}} + time_of_day;
}

/** Noon on 15 March 2024: the instant most ledger tests run at. */
inline const TimePoint kNoon = at(2024y / std::chrono::March / 15, 12h);

/** A wall clock the test moves by hand. Safe to read from the ledger thread. */
class ManualClock {
 public:
  explicit ManualClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
  void set(TimePoint t) { now_.store(t.time_since_epoch().count()); }
  TimePoint now() const { return TimePoint{TimePoint::duration{now_.load()}}; }
  WallClock clock() const {
    return [this] { return now(); };
  }

 private:
  std::atomic<TimePoint::rep> now_;
};

/** A fresh directory under the system temp dir, removed with everything in it. */
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "governor-ledger-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/** Runs one awaitable to completion on a private io_context and returns its result. */
template <class T>
T await(net::awaitable<T> op) {
  net::io_context io;
  std::optional<T> result;
  net::co_spawn(io, std::move(op), [&](std::exception_ptr e, T value) {
    if (e) {
      std::rethrow_exception(e);
    }
    result = std::move(value);
  });
  io.run();
  EXPECT_TRUE(result.has_value()) << "the io_context ran out of work before the result came";
  return std::move(*result);
}

/** Opens a ledger and fails the test (returning null) when it cannot be opened. */
inline LedgerPtr open_ledger(const std::string& path, const ManualClock* clock = nullptr,
                             std::size_t* reconciled = nullptr,
                             std::optional<std::chrono::milliseconds> cache_idle = std::nullopt) {
  SqliteLedgerOptions options;
  options.path = path;
  if (clock != nullptr) {
    options.clock = clock->clock();
  }
  if (cache_idle) {
    options.cache_idle = *cache_idle;
  }
  OpenLedgerResult opened = open_sqlite_ledger(std::move(options));
  EXPECT_TRUE(opened.error.empty()) << opened.error;
  if (reconciled != nullptr) {
    *reconciled = opened.reconciled;
  }
  return std::move(opened.ledger);
}

}  // namespace governor::ledger::testing
