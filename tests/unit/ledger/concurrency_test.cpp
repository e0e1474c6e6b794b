// Many callers at once, on several threads, against one ledger on a real database file: the
// budget holds to the micro-dollar and commits are shared.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "governor/ledger/ledger.hpp"
#include "ledger_test_support.hpp"

namespace governor::ledger {
namespace {

using namespace std::chrono;
using namespace testing;  // governor::ledger::testing

constexpr int kThreads = 4;
constexpr int kCallsPerThread = 50;
constexpr int kCalls = kThreads * kCallsPerThread;
constexpr std::int64_t kWorst = 300;  // every call: 100 input + 100 output tokens, never clamped

/** Runs `op(i)` for i in [0, kCalls) as coroutines spread over kThreads io_contexts, each run by
 *  its own thread, all at once. Results come back indexed by i. */
template <class T>
std::vector<T> all_at_once(const std::function<net::awaitable<T>(int)>& op) {
  std::vector<T> results(kCalls);
  std::vector<std::unique_ptr<net::io_context>> ios;
  for (int t = 0; t < kThreads; ++t) {
    ios.push_back(std::make_unique<net::io_context>(1));
    for (int i = t; i < kCalls; i += kThreads) {
      net::co_spawn(*ios.back(), op(i), [&results, i](std::exception_ptr, T value) {
        results[static_cast<std::size_t>(i)] = std::move(value);
      });
    }
  }
  std::vector<std::thread> threads;
  for (auto& io : ios) {
    threads.emplace_back([&io] { io->run(); });
  }
  for (auto& t : threads) {
    t.join();
  }
  return results;
}

struct BindingCase {
  const char* name;
  std::function<void(ReserveRequest&, int)> shape;  ///< call i
  std::size_t grants;
  Scope binding;
};

const BindingCase kBindingCases[] = {
    {"the task", [](ReserveRequest& r, int) { r.task_budget = task_budget(50 * kWorst); }, 50,
     Scope::task},
    {"the session",
     [](ReserveRequest& r, int) {
       r.task_budget = task_budget(100 * kWorst);
       r.session_budget.total_dollars = usd(50 * kWorst);
       r.tenant_budget = config::TenantBudget{usd(80 * kWorst), usd(90 * kWorst)};
     },
     50, Scope::session},
    {"the tenant day",
     [](ReserveRequest& r, int) {
       r.task_budget = task_budget(100 * kWorst);
       r.session_budget.total_dollars = usd(70 * kWorst);
       r.tenant_budget = config::TenantBudget{usd(50 * kWorst), usd(90 * kWorst)};
     },
     50, Scope::tenant_day},
    {"the tenant month",
     [](ReserveRequest& r, int) {
       r.task_budget = task_budget(100 * kWorst);
       r.session_budget.total_dollars = usd(70 * kWorst);
       r.tenant_budget = config::TenantBudget{usd(80 * kWorst), usd(50 * kWorst)};
     },
     50, Scope::tenant_month},
    {"each of eight tasks",
     [](ReserveRequest& r, int i) {
       r.task = "t" + std::to_string(i % 8);
       r.task_budget = task_budget(10 * kWorst);
     },
     80, Scope::task},
};

class ConcurrentReserves : public ::testing::TestWithParam<BindingCase> {};

TEST_P(ConcurrentReserves, GrantExactlyWhatTheBindingScopeHoldsAndSpendNeverExceedsIt) {
  const BindingCase& c = GetParam();
  TempDir dir;
  ManualClock clock{at(2024y / June / 3, 10h)};
  LedgerPtr ledger = open_ledger(dir.file("ledger.db"), &clock);
  ASSERT_TRUE(ledger);
  const auto request = [&](int i) {
    ReserveRequest r = call();
    r.session = "s1";
    r.min_output_tokens = 100;  // all or nothing: no clamped grants to muddy the count
    c.shape(r, i);
    return r;
  };

  const auto outcomes =
      all_at_once<ReserveOutcome>([&](int i) { return ledger->reserve(request(i)); });

  std::vector<std::uint64_t> granted;
  for (const ReserveOutcome& o : outcomes) {
    if (const auto* g = std::get_if<Grant>(&o)) {
      EXPECT_EQ(g->amount, usd(kWorst));
      granted.push_back(g->reservation);
    } else {
      const Refusal& r = std::get<Refusal>(o);
      EXPECT_EQ(r.reason, Refusal::Reason::budget_exhausted);
      EXPECT_EQ(r.scope, c.binding) << r.message;
      EXPECT_EQ(r.remaining, usd(0));
    }
  }
  EXPECT_EQ(granted.size(), c.grants);

  // Settle everything at once, each call a little under its worst case.
  const auto cost = [](std::size_t i) { return kWorst - static_cast<std::int64_t>(i % 7); };
  std::int64_t total = 0;
  for (std::size_t i = 0; i < granted.size(); ++i) {
    total += cost(i);
  }
  all_at_once<Remaining>([&](int i) {
    const auto k = static_cast<std::size_t>(i);
    if (k >= granted.size()) {
      return ledger->settle(settlement(0, 0));  // an unknown id: ignored
    }
    return ledger->settle(settlement(granted[k], cost(k)));
  });

  const ReserveRequest any = request(0);
  const auto view = await(ledger->task("acme", any.task, any.session_budget, any.tenant_budget));
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task.reserved, usd(0));
  EXPECT_EQ(view->tenant_day.spent, usd(total)) << "every settled micro-dollar, no more";
  EXPECT_EQ(view->tenant_month.spent, usd(total));
  EXPECT_EQ(view->session_scope.spent, usd(total));
  for (const ScopeView* s :
       {&view->task, &view->session_scope, &view->tenant_day, &view->tenant_month}) {
    if (s->limit) {
      EXPECT_LE(s->spent, *s->limit);
    }
  }

  const LedgerStats stats = ledger->stats();
  EXPECT_EQ(stats.reservations, c.grants);
  EXPECT_EQ(stats.refusals, kCalls - c.grants);
  EXPECT_EQ(stats.settlements, c.grants);
  EXPECT_EQ(stats.batched_ops, 2 * c.grants);
  // Group commit: under concurrent load, operations share transactions.
  EXPECT_LT(stats.commits, stats.batched_ops);
}

INSTANTIATE_TEST_SUITE_P(WhenTheBindingScopeIs, ConcurrentReserves,
                         ::testing::ValuesIn(kBindingCases),
                         [](const ::testing::TestParamInfo<BindingCase>& info) {
                           std::string name = info.param.name;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) {
                               ch = '_';
                             }
                           }
                           return name;
                         });

TEST(ConcurrentReadsAndWrites, ViewsTakenDuringLoadAreConsistentSnapshots) {
  // Each view is taken between whole operations: reserved + spent never shows half a call.
  TempDir dir;
  LedgerPtr ledger = open_ledger(dir.file("ledger.db"));
  ReserveRequest r = call();
  r.task_budget = task_budget(1'000'000);
  r.min_output_tokens = 100;
  const auto outcomes = all_at_once<ReserveOutcome>([&](int i) -> net::awaitable<ReserveOutcome> {
    if (i % 4 == 3) {
      const auto view = co_await ledger->task("acme", "t1", {}, {});
      if (view) {
        EXPECT_EQ((view->task.spent + view->task.reserved).micros() % kWorst, 0);
      }
      co_return Refusal{};
    }
    co_return co_await ledger->reserve(r);
  });
  int grants = 0;
  for (const auto& o : outcomes) {
    grants += std::holds_alternative<Grant>(o) ? 1 : 0;
  }
  EXPECT_EQ(grants, kCalls - kCalls / 4);
}

}  // namespace
}  // namespace governor::ledger
