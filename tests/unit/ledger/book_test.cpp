#include "book.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "ledger_test_support.hpp"

namespace governor::ledger {
namespace {

using namespace std::chrono;
using testing::at;
using testing::call;
using testing::candidate;
using testing::cheap;
using testing::expensive;
using testing::grant_of;
using testing::kNoon;
using testing::refusal_of;
using testing::settlement;
using testing::task_budget;
using testing::usd;

// ---- the reserve rule, one call on a fresh book -------------------------------------------

struct ExpectGrant {
  std::size_t candidate;
  std::int64_t output_tokens;
  bool clamped;
  std::int64_t amount;
};
struct ExpectRefusal {
  Refusal::Reason reason;
  Scope scope;
  std::int64_t remaining;
  std::int64_t needed;
};
struct ReserveCase {
  const char* name;
  std::function<void(ReserveRequest&)> shape;
  std::variant<ExpectGrant, ExpectRefusal> expected;
};

void limit_task(ReserveRequest& r, std::int64_t micros) {
  r.task_budget.total_dollars = usd(micros);
}

const ReserveCase kReserveCases[] = {
    {"no limit anywhere: the worst case, unclamped", [](ReserveRequest&) {},
     ExpectGrant{0, 100, false, 300}},
    {"task limit exactly the worst case", [](ReserveRequest& r) { limit_task(r, 300); },
     ExpectGrant{0, 100, false, 300}},
    {"task limit one micro short clamps the output", [](ReserveRequest& r) { limit_task(r, 299); },
     ExpectGrant{0, 99, true, 298}},
    {"clamp below the minimum falls to the next candidate",
     [](ReserveRequest& r) {
       limit_task(r, 119);
       r.candidates.push_back(candidate(cheap(), 100));
     },
     ExpectGrant{1, 100, false, 30}},
    {"nothing useful fits: refused on the task", [](ReserveRequest& r) { limit_task(r, 119); },
     ExpectRefusal{Refusal::Reason::budget_exhausted, Scope::task, 119, 120}},
    {"the session binds",
     [](ReserveRequest& r) {
       limit_task(r, 1000);
       r.session = "s1";
       r.session_budget.total_dollars = usd(150);
     },
     ExpectGrant{0, 25, true, 150}},
    {"a session limit without a session is no limit",
     [](ReserveRequest& r) { r.session_budget.total_dollars = usd(1); },
     ExpectGrant{0, 100, false, 300}},
    {"the tenant day binds", [](ReserveRequest& r) { r.tenant_budget.dollars_per_day = usd(200); },
     ExpectGrant{0, 50, true, 200}},
    {"the tenant month binds",
     [](ReserveRequest& r) { r.tenant_budget.dollars_per_month = usd(250); },
     ExpectGrant{0, 75, true, 250}},
    {"the least available scope is named",
     [](ReserveRequest& r) {
       limit_task(r, 280);
       r.session = "s1";
       r.session_budget.total_dollars = usd(260);
       r.tenant_budget.dollars_per_day = usd(240);
       r.tenant_budget.dollars_per_month = usd(500);
       r.min_output_tokens = 100;
     },
     ExpectRefusal{Refusal::Reason::budget_exhausted, Scope::tenant_day, 240, 300}},
    {"input above max_input_tokens", [](ReserveRequest& r) { r.task_budget.max_input_tokens = 99; },
     ExpectRefusal{Refusal::Reason::input_too_large, Scope::task, 0, 0}},
    {"input exactly max_input_tokens",
     [](ReserveRequest& r) { r.task_budget.max_input_tokens = 100; },
     ExpectGrant{0, 100, false, 300}},
    {"the synthesis reserve is closed to an act step",
     [](ReserveRequest& r) {
       limit_task(r, 400);
       r.task_budget.reserve_for_final_synthesis = usd(150);
     },
     ExpectGrant{0, 75, true, 250}},
    {"summarize may spend the synthesis reserve",
     [](ReserveRequest& r) {
       limit_task(r, 400);
       r.task_budget.reserve_for_final_synthesis = usd(150);
       r.step = StepType::summarize;
     },
     ExpectGrant{0, 100, false, 300}},
    {"summarize may not spend the handoff reserve",
     [](ReserveRequest& r) {
       limit_task(r, 400);
       r.task_budget.reserve_for_human_handoff = usd(150);
       r.step = StepType::summarize;
     },
     ExpectGrant{0, 75, true, 250}},
    {"handoff spends its own reserve but not the synthesis one",
     [](ReserveRequest& r) {
       limit_task(r, 400);
       r.task_budget.reserve_for_final_synthesis = usd(100);
       r.task_budget.reserve_for_human_handoff = usd(150);
       r.step = StepType::handoff;
     },
     ExpectGrant{0, 100, false, 300}},
    {"both reserves are closed to a plan step",
     [](ReserveRequest& r) {
       limit_task(r, 500);
       r.task_budget.reserve_for_final_synthesis = usd(100);
       r.task_budget.reserve_for_human_handoff = usd(150);
       r.step = StepType::plan;
     },
     ExpectGrant{0, 75, true, 250}},
    {"reserves larger than the limit leave zero, not less",
     [](ReserveRequest& r) {
       limit_task(r, 100);
       r.task_budget.reserve_for_final_synthesis = usd(500);
     },
     ExpectRefusal{Refusal::Reason::budget_exhausted, Scope::task, 0, 120}},
    {"a request for fewer tokens than the minimum is useful in full",
     [](ReserveRequest& r) {
       limit_task(r, 119);
       r.candidates = {candidate(expensive(), 5)};
     },
     ExpectGrant{0, 5, false, 110}},
    {"no candidate at all is refused",
     [](ReserveRequest& r) {
       limit_task(r, 1000);
       r.candidates.clear();
     },
     ExpectRefusal{Refusal::Reason::budget_exhausted, Scope::task, 1000, 0}},
};

class ReserveRule : public ::testing::TestWithParam<ReserveCase> {};

TEST_P(ReserveRule, OneCallOnAFreshBook) {
  const ReserveCase& c = GetParam();
  Book book;
  ReserveRequest r = call();
  c.shape(r);
  const auto applied = book.reserve(r, kNoon);
  if (const auto* g = std::get_if<ExpectGrant>(&c.expected)) {
    const Grant& grant = grant_of(applied.outcome);
    EXPECT_EQ(grant.candidate, g->candidate);
    EXPECT_EQ(grant.output_tokens, g->output_tokens);
    EXPECT_EQ(grant.clamped, g->clamped);
    EXPECT_EQ(grant.amount, usd(g->amount));
    EXPECT_FALSE(applied.effects.empty());
  } else {
    const auto& e = std::get<ExpectRefusal>(c.expected);
    const Refusal& refusal = refusal_of(applied.outcome);
    EXPECT_EQ(refusal.reason, e.reason) << refusal.message;
    EXPECT_EQ(refusal.scope, e.scope) << refusal.message;
    EXPECT_EQ(refusal.remaining, usd(e.remaining)) << refusal.message;
    EXPECT_EQ(refusal.needed, usd(e.needed)) << refusal.message;
    EXPECT_TRUE(applied.effects.empty());
    EXPECT_EQ(book.task_count(), 0u) << "a refused first call creates no task";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ReserveRule, ::testing::ValuesIn(kReserveCases),
                         [](const ::testing::TestParamInfo<ReserveCase>& info) {
                           std::string name = info.param.name;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) {
                               ch = '_';
                             }
                           }
                           return name;
                         });

// ---- refusals say what happened ----------------------------------------------------------

TEST(BookRefusal, MessageNamesTheScopeAndTheAmounts) {
  Book book;
  ReserveRequest r = call();
  limit_task(r, 119);
  EXPECT_EQ(refusal_of(book.reserve(r, kNoon).outcome).message,
            "task budget exhausted: $0.000119 remaining, this call needs at least $0.000120 "
            "(input 100 tokens + 10 output tokens on the chosen model)");

  r = call();
  r.tenant_budget.dollars_per_month = usd(5);
  EXPECT_EQ(refusal_of(book.reserve(r, kNoon).outcome).message,
            "tenant monthly budget exhausted: $0.000005 remaining, this call needs at least "
            "$0.000120 (input 100 tokens + 10 output tokens on the chosen model)");
}

// ---- a task over several calls -----------------------------------------------------------

TEST(BookTask, BudgetIsFixedByTheFirstCall) {
  Book book;
  ReserveRequest first = call();
  limit_task(first, 500);
  EXPECT_EQ(grant_of(book.reserve(first, kNoon).outcome).amount, usd(300));

  ReserveRequest looser = call();
  limit_task(looser, 1'000'000);  // ignored: the task already has its budget
  const Grant second = grant_of(book.reserve(looser, kNoon).outcome);
  EXPECT_TRUE(second.clamped);
  EXPECT_EQ(second.amount, usd(200));
  EXPECT_EQ(second.remaining.task, usd(0));
}

TEST(BookTask, ConsecutiveReservationsAddUpAcrossScopes) {
  Book book;
  ReserveRequest r = call();
  r.session = "s1";
  r.session_budget.total_dollars = usd(1000);
  r.tenant_budget.dollars_per_day = usd(700);
  const Grant a = grant_of(book.reserve(r, kNoon).outcome);
  EXPECT_EQ(a.remaining.session, usd(700));
  EXPECT_EQ(a.remaining.tenant_day, usd(400));
  EXPECT_EQ(a.remaining.task, std::nullopt);
  EXPECT_EQ(a.remaining.tenant_month, std::nullopt);
  EXPECT_EQ(a.remaining.tightest(), usd(400));

  r.task = "t2";  // another task, same session and tenant
  const Grant b = grant_of(book.reserve(r, kNoon).outcome);
  EXPECT_EQ(b.remaining.session, usd(400));
  EXPECT_EQ(b.remaining.tenant_day, usd(100));
  EXPECT_NE(a.reservation, b.reservation);

  r.task = "t3";
  const Refusal refused = refusal_of(book.reserve(r, kNoon).outcome);
  EXPECT_EQ(refused.scope, Scope::tenant_day);
  EXPECT_EQ(refused.remaining, usd(100));
}

TEST(BookTask, RetriesCountRepeatsAndStopAtTheHardLimit) {
  struct Step {
    bool explicit_retry;
    std::uint64_t hash;
    std::optional<std::uint32_t> retries;  ///< nullopt: refused with retry_limit
  };
  const Step steps[] = {
      {false, 7, 0},             // first call
      {false, 7, 1},             // same messages as the previous call: a retry
      {false, 8, 1},             // new messages
      {true, 9, 2},              // the client says so
      {false, 9, std::nullopt},  // a third retry: the policy stops after 2
      {false, 9, std::nullopt},  // still refused; the refusal changed nothing
      {false, 0, 2},             // hash 0 means "unknown" and never matches
      {false, 0, 2},
  };
  Book book;
  int i = 0;
  for (const Step& s : steps) {
    ReserveRequest r = call();
    r.task_budget.hard_stop_after_retries = 2;
    r.explicit_retry = s.explicit_retry;
    r.messages_hash = s.hash;
    const auto outcome = book.reserve(r, kNoon).outcome;
    if (s.retries) {
      EXPECT_EQ(grant_of(outcome).retries, *s.retries) << "call " << i;
    } else {
      EXPECT_EQ(refusal_of(outcome).reason, Refusal::Reason::retry_limit) << "call " << i;
      EXPECT_EQ(refusal_of(outcome).message,
                "task retry limit reached: this call would be retry 3, the policy allows 2");
    }
    ++i;
  }
  EXPECT_EQ(book.view(TaskKey{"acme", "t1"}, {}, {}, kNoon)->retries, 2u);
}

TEST(BookTask, AnEscalationIsNeverARetryAndKeepsTheNextRepeatARetry) {
  Book book;
  const auto reserve = [&](std::uint64_t hash, bool escalation) {
    ReserveRequest r = call();
    r.task_budget.hard_stop_after_retries = 0;
    r.messages_hash = hash;
    r.escalation = escalation;
    return book.reserve(r, kNoon).outcome;
  };
  EXPECT_EQ(grant_of(reserve(7, false)).retries, 0u);
  EXPECT_EQ(grant_of(reserve(7, true)).retries, 0u) << "the cascade's second tier, same messages";
  EXPECT_EQ(refusal_of(reserve(7, false)).reason, Refusal::Reason::retry_limit)
      << "the client sending the same messages again still retries the step";
}

TEST(BookTask, EarmarksShrinkAsTheirStepsSpendThem) {
  // 1000 in all: 200 kept for the final synthesis, 100 for a human handoff.
  Book book;
  const auto reserve = [&](StepType step, std::int64_t max_output) {
    ReserveRequest r = call();
    limit_task(r, 1000);
    r.task_budget.reserve_for_final_synthesis = usd(200);
    r.task_budget.reserve_for_human_handoff = usd(100);
    r.step = step;
    r.input_tokens = 0;
    r.min_output_tokens = 1;
    r.candidates = {candidate(expensive(), max_output)};
    return book.reserve(r, kNoon).outcome;
  };
  const auto spend = [&](const ReserveOutcome& o) {
    const Grant& g = grant_of(o);
    book.settle(settlement(g.reservation, g.amount.micros()));
    return g.amount.micros();
  };
  EXPECT_EQ(spend(reserve(StepType::act, 1000)), 700) << "act: the 700 nobody earmarked";
  EXPECT_EQ(refusal_of(reserve(StepType::act, 1000)).remaining, usd(0));
  EXPECT_EQ(spend(reserve(StepType::summarize, 50)), 100) << "half the synthesis reserve";
  EXPECT_EQ(refusal_of(reserve(StepType::act, 1000)).remaining, usd(0));
  // What the first summarize used is gone from the earmark, not held back twice.
  EXPECT_EQ(spend(reserve(StepType::summarize, 1000)), 100);
  EXPECT_EQ(spend(reserve(StepType::handoff, 1000)), 100) << "the handoff reserve is intact";
  EXPECT_EQ(refusal_of(reserve(StepType::handoff, 1000)).remaining, usd(0));
}

TEST(BookReserve, GrantNamesTheBindingScope) {
  Book book;
  ReserveRequest r = call();
  limit_task(r, 100000);
  r.session = "s1";
  r.session_budget.total_dollars = usd(299);  // below the 300 the call asks: clamped by it
  const Grant g = grant_of(book.reserve(r, kNoon).outcome);
  EXPECT_TRUE(g.clamped);
  EXPECT_EQ(g.binding, Scope::session);
}

// ---- settling ----------------------------------------------------------------------------

TEST(BookSettle, ReleasesTheReservationAndChargesTheRealCostEverywhere) {
  Book book;
  ReserveRequest r = call();
  limit_task(r, 1000);
  r.session = "s1";
  r.session_budget.total_dollars = usd(2000);
  r.tenant_budget = config::TenantBudget{usd(3000), usd(4000)};
  const Grant g = grant_of(book.reserve(r, kNoon).outcome);
  ASSERT_EQ(g.amount, usd(300));

  const auto settled = book.settle(settlement(g.reservation, 120));
  EXPECT_EQ(settled.outcome.task, usd(880));
  EXPECT_EQ(settled.outcome.session, usd(1880));
  EXPECT_EQ(settled.outcome.tenant_day, usd(2880));
  EXPECT_EQ(settled.outcome.tenant_month, usd(3880));
  EXPECT_EQ(settled.outcome.task_spent, usd(120)) << "the task's spend, for the metrics";
  EXPECT_EQ(g.remaining.task_spent, std::nullopt) << "only a settle reports it";
  EXPECT_EQ(g.binding, Scope::task) << "the task has the least left";
  EXPECT_EQ(book.reservation_count(), 0u);
  EXPECT_EQ(book.overruns().count, 0u);

  const auto view = book.view(TaskKey{"acme", "t1"}, r.session_budget, r.tenant_budget, kNoon);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task, (ScopeView{usd(1000), usd(120), usd(0), usd(880)}));
  EXPECT_EQ(view->session_scope, (ScopeView{usd(2000), usd(120), usd(0), usd(1880)}));
  EXPECT_EQ(view->tenant_day, (ScopeView{usd(3000), usd(120), usd(0), usd(2880)}));
  EXPECT_EQ(view->tenant_month, (ScopeView{usd(4000), usd(120), usd(0), usd(3880)}));
  ASSERT_EQ(view->steps.size(), 1u);
  const StepView& step = view->steps[0];
  EXPECT_EQ(step.outcome, "ok");
  EXPECT_EQ(step.model, "big");
  EXPECT_EQ(step.tier, "premium");
  EXPECT_EQ(step.cost, usd(120));
  EXPECT_EQ(step.reserved, usd(300));
  EXPECT_EQ(step.usage, (TokenUsage{100, 50}));
  EXPECT_EQ(step.latency_ms, 12);
  EXPECT_EQ(step.time_unix_ms, unix_ms(kNoon));
}

// ---- forgetting what is idle (the book as a cache) ----------------------------------------

TEST(BookEvict, ForgetsWhatNoPeriodTouchedAndKeepsWhatIsInFlight) {
  Book book;
  ReserveRequest idle = call("idle");
  idle.session = "s-idle";
  ReserveRequest busy = call("busy");
  busy.session = "s-busy";
  const Grant a = grant_of(book.reserve(idle, kNoon).outcome);
  book.settle(settlement(a.reservation, 10));
  const Grant b = grant_of(book.reserve(busy, kNoon).outcome);  // stays in flight
  ASSERT_EQ(book.task_count(), 2u);
  ASSERT_EQ(book.window_count(), 4u) << "two sessions, the tenant's day and month";

  // Nothing was stamped before period 0: nothing goes.
  EXPECT_EQ(book.evict_before(0).tasks, 0u);
  const std::uint64_t period = book.begin_period();
  ASSERT_EQ(period, 1u);
  const Book::Evicted evicted = book.evict_before(period);
  EXPECT_EQ(evicted.tasks, 1u) << "the idle task goes, the one in flight stays";
  EXPECT_EQ(evicted.windows, 1u) << "the idle session goes; the busy one and the tenant's hold";
  EXPECT_FALSE(book.has_task(TaskKey{"acme", "idle"}));
  EXPECT_TRUE(book.has_task(TaskKey{"acme", "busy"}));
  EXPECT_FALSE(book.has_spend(SpendKey{Scope::session, "acme", "s-idle"}));
  EXPECT_TRUE(book.has_spend(SpendKey{Scope::session, "acme", "s-busy"}));

  // The call in flight settles into the windows it holds, and counts as before.
  const auto settled = book.settle(settlement(b.reservation, 20));
  EXPECT_EQ(settled.outcome.task_spent, usd(20));
  // Settled in period 1: a sweep of period 1 keeps it, the next one forgets it all.
  EXPECT_EQ(book.evict_before(period).tasks, 0u);
  const Book::Evicted rest = book.evict_before(book.begin_period());
  EXPECT_EQ(rest.tasks, 1u);
  EXPECT_EQ(rest.windows, 3u);
  EXPECT_EQ(book.task_count(), 0u);
  EXPECT_EQ(book.window_count(), 0u);
}

TEST(BookEvict, ASweepInStepsForgetsAllThatIsIdleAndSparesWhatIsTouchedMeanwhile) {
  Book book;
  constexpr int kTasks = 300;
  for (int i = 0; i < kTasks; ++i) {
    ReserveRequest r = call("t" + std::to_string(i));
    r.session = "s" + std::to_string(i);
    book.settle(settlement(grant_of(book.reserve(r, kNoon).outcome).reservation, 1));
  }
  const std::uint64_t idle_before = book.begin_period();
  book.begin_sweep();
  std::size_t tasks = 0;
  std::size_t windows = 0;
  std::size_t steps = 0;
  bool touched_before_its_turn = false;
  for (bool done = false; !done; ++steps) {
    const Book::Evicted step = book.sweep_step(idle_before, 16);
    tasks += step.tasks;
    windows += step.windows;
    done = step.done;
    if (steps == 2) {
      // A call between two steps: its task and windows are stamped with the new period. (Had
      // an earlier step forgotten its task already, the book makes it again.)
      touched_before_its_turn = book.has_task(TaskKey{"acme", "t299"});
      ReserveRequest again = call("t299");
      again.session = "s299";
      book.settle(settlement(grant_of(book.reserve(again, kNoon).outcome).reservation, 1));
    }
  }
  EXPECT_GT(steps, 3u) << "16 buckets a step cannot hold 300 tasks";
  EXPECT_TRUE(book.has_task(TaskKey{"acme", "t299"}));
  EXPECT_EQ(book.task_count(), 1u);
  EXPECT_EQ(book.window_count(), 3u) << "t299's session, the tenant's day and month";
  EXPECT_EQ(tasks, touched_before_its_turn ? kTasks - 1u : kTasks);
  EXPECT_GE(windows, kTasks - 1u) << "every other session";
}

TEST(BookEvict, AWindowAZeroCostCallHoldsIsKeptThoughItHoldsNothing) {
  Book book;
  ReserveRequest free_call = call();
  free_call.session = "s1";
  free_call.candidates = {candidate(ModelPrices{PricePerMillion{0}, PricePerMillion{0}}, 100)};
  const Grant g = grant_of(book.reserve(free_call, kNoon).outcome);
  ASSERT_EQ(g.amount, usd(0));
  const Book::Evicted evicted = book.evict_before(book.begin_period());
  EXPECT_EQ(evicted.tasks, 0u);
  EXPECT_EQ(evicted.windows, 0u) << "a live reservation points at its windows";
  EXPECT_EQ(book.settle(settlement(g.reservation, 0)).outcome.task_spent, usd(0));
}

TEST(BookSettle, CostAboveTheReservationIsChargedInFullAndCounted) {
  Book book;
  ReserveRequest r = call();
  limit_task(r, 1000);
  const Grant g = grant_of(book.reserve(r, kNoon).outcome);
  const auto settled = book.settle(settlement(g.reservation, 450));
  EXPECT_EQ(settled.outcome.task, usd(550));
  EXPECT_EQ(book.overruns().count, 1u);
  EXPECT_EQ(book.overruns().amount, usd(150)) << "450 charged against the 300 held";
}

TEST(BookSettle, UnknownOrRepeatedIdsAreIgnored) {
  Book book;
  const Grant g = grant_of(book.reserve(call(), kNoon).outcome);
  const auto unknown = book.settle(settlement(g.reservation + 1000, 10));
  EXPECT_EQ(unknown.outcome.tightest(), std::nullopt);
  EXPECT_FALSE(unknown.outcome.tenant_day.has_value());
  EXPECT_TRUE(unknown.effects.empty());

  EXPECT_FALSE(book.settle(settlement(g.reservation, 10)).effects.empty());
  EXPECT_TRUE(book.settle(settlement(g.reservation, 10)).effects.empty());
  EXPECT_EQ(book.view(TaskKey{"acme", "t1"}, {}, {}, kNoon)->task.spent, usd(10));
}

TEST(BookSettle, AOneStepTaskIsForgottenOnceSettledButItsRowsAreWritten) {
  Book book;
  ReserveRequest r = call("req-1");
  r.one_step = true;
  const Grant g = grant_of(book.reserve(r, kNoon).outcome);
  EXPECT_EQ(book.task_count(), 1u);
  const auto settled = book.settle(settlement(g.reservation, 200));
  EXPECT_EQ(book.task_count(), 0u);
  ASSERT_TRUE(settled.effects.task);
  EXPECT_EQ(settled.effects.task->record.spent, usd(200));
  ASSERT_TRUE(settled.effects.task->only_step);
  EXPECT_EQ(settled.effects.task->only_step->view.outcome, "ok");
  // The tenant's windows keep the spend.
  r.tenant_budget.dollars_per_day = usd(500);
  r.task = "req-2";
  EXPECT_EQ(grant_of(book.reserve(r, kNoon).outcome).remaining.tenant_day, usd(0));
}

TEST(BookEffects, AOneStepGrantWritesOnlyItsReservationAndItsSettlementAddsTheRows) {
  Book book;
  ReserveRequest r = call("call-1");
  r.one_step = true;
  const auto reserved = book.reserve(r, kNoon);
  const Grant& g = grant_of(reserved.outcome);
  EXPECT_FALSE(reserved.effects.task) << "the task row waits for the settlement";
  EXPECT_FALSE(reserved.effects.step) << "the step row waits for the settlement";
  ASSERT_NE(reserved.effects.reservation_added, nullptr) << "a crash needs the reservation";
  // The book still has the call in flight, for a view taken meanwhile.
  const auto in_flight = book.view(TaskKey{"acme", "call-1"}, {}, {}, kNoon);
  ASSERT_TRUE(in_flight);
  EXPECT_EQ(in_flight->task.reserved, usd(300));
  ASSERT_EQ(in_flight->steps.size(), 1u);
  EXPECT_EQ(in_flight->steps[0].outcome, "in_flight");

  const auto settled = book.settle(settlement(g.reservation, 200));
  ASSERT_TRUE(settled.effects.task);
  EXPECT_TRUE(settled.effects.task_added) << "inserted once, with its final values";
  EXPECT_EQ(settled.effects.task->record.spent, usd(200));
  EXPECT_TRUE(settled.effects.task->record.one_step);
  EXPECT_FALSE(settled.effects.step) << "no step row: its one step is in its task row";
  ASSERT_TRUE(settled.effects.task->only_step);
  EXPECT_EQ(settled.effects.task->only_step->id, g.reservation);
  EXPECT_EQ(settled.effects.task->only_step->view.reserved, usd(300));
  EXPECT_EQ(settled.effects.task->only_step->view.cost, usd(200));
}

TEST(BookEffects, AnEscalatedOneStepCallInsertsItsTaskOnceAndEachStepOnce) {
  Book book;
  ReserveRequest r = call("call-2");
  r.one_step = true;
  const Grant cheap_try = grant_of(book.reserve(r, kNoon).outcome);
  r.escalation = true;  // the cascade reserves the next tier before settling the first
  const auto second = book.reserve(r, kNoon);
  const Grant premium = grant_of(second.outcome);
  EXPECT_FALSE(second.effects.task);
  EXPECT_FALSE(second.effects.step);

  const auto first_settled = book.settle(settlement(cheap_try.reservation, 30, "escalated"));
  EXPECT_TRUE(first_settled.effects.task_added);
  EXPECT_TRUE(first_settled.effects.step_added);
  EXPECT_FALSE(first_settled.effects.task->only_step) << "two steps: each has its step row";
  EXPECT_EQ(book.task_count(), 1u) << "still in flight";
  const auto last_settled = book.settle(settlement(premium.reservation, 250));
  ASSERT_TRUE(last_settled.effects.task);
  EXPECT_FALSE(last_settled.effects.task_added) << "the first settlement inserted it";
  EXPECT_EQ(last_settled.effects.task->record.spent, usd(280));
  ASSERT_TRUE(last_settled.effects.step);
  EXPECT_TRUE(last_settled.effects.step_added) << "its own step, never stored before";
  EXPECT_EQ(last_settled.effects.step->id, premium.reservation);
  EXPECT_EQ(book.task_count(), 0u);
}

TEST(BookEffects, AOneStepCallAfterASettledOneStartsFromNothing) {
  // A forgotten one-step task's node is kept for the next one-step call (Book::spare_tasks_):
  // nothing of the first task may show in the second.
  Book book;
  ReserveRequest first = testing::one_step_call();
  first.session = "s1";
  first.step = StepType::summarize;
  first.task_budget = task_budget(10'000);
  const Grant a = grant_of(book.reserve(first, kNoon).outcome);
  book.settle(settlement(a.reservation, 200));
  ASSERT_EQ(book.task_count(), 0u);

  ReserveRequest second = testing::one_step_call();
  second.policy = "other";
  const auto reserved = book.reserve(second, kNoon + 1s);
  const Grant b = grant_of(reserved.outcome);
  EXPECT_EQ(b.retries, 0u);
  EXPECT_EQ(b.remaining.task, std::nullopt) << "no task limit: the first task's is gone";
  const auto view = book.view(TaskKey{"acme", b.task}, {}, {}, kNoon + 1s);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->session, "");
  EXPECT_EQ(view->policy, "other");
  EXPECT_EQ(view->budget, config::TaskBudget{});
  EXPECT_EQ(view->task.spent, usd(0));
  EXPECT_EQ(view->task.reserved, usd(300));
  ASSERT_EQ(view->steps.size(), 1u);
  EXPECT_EQ(view->steps[0].step, StepType::act);
  EXPECT_EQ(view->steps[0].outcome, "in_flight");

  const auto settled = book.settle(settlement(b.reservation, 50));
  ASSERT_TRUE(settled.effects.task);
  EXPECT_TRUE(settled.effects.task_added);
  const TaskRecord& record = settled.effects.task->record;
  EXPECT_EQ(record.spent, usd(50));
  EXPECT_EQ(record.synthesis_spent, usd(0));
  EXPECT_EQ(record.created_unix_ms, unix_ms(kNoon + 1s));
  ASSERT_TRUE(settled.effects.task->only_step);
  EXPECT_EQ(settled.effects.task->only_step->id, b.reservation);
  EXPECT_EQ(settled.effects.task->key.task, b.task);
}

TEST(BookEffects, ATaskWithAnIdWritesItsRowsAtTheFirstReservation) {
  Book book;
  const auto reserved = book.reserve(call("t1"), kNoon);
  const Grant& g = grant_of(reserved.outcome);
  EXPECT_TRUE(reserved.effects.task_added);
  EXPECT_TRUE(reserved.effects.step_added);
  const auto settled = book.settle(settlement(g.reservation, 10));
  EXPECT_FALSE(settled.effects.task_added) << "an update of the row the reservation wrote";
  EXPECT_FALSE(settled.effects.step_added);
}

TEST(BookSettle, NegativeCostCountsAsZero) {
  Book book;
  const Grant g = grant_of(book.reserve(call(), kNoon).outcome);
  book.settle(settlement(g.reservation, -50));
  EXPECT_EQ(book.view(TaskKey{"acme", "t1"}, {}, {}, kNoon)->task.spent, usd(0));
}

// ---- what an operation hands the store ---------------------------------------------------

TEST(BookEffects, AGrantWritesTheTaskTheReservationAndAnInFlightStep) {
  Book book;
  ReserveRequest r = call();
  r.session = "s1";
  r.messages_hash = 42;
  const auto applied = book.reserve(r, kNoon);
  const Grant& g = grant_of(applied.outcome);
  const Effects& fx = applied.effects;
  ASSERT_TRUE(fx.task);
  EXPECT_EQ(fx.task->key, (TaskKey{"acme", "t1"}));
  EXPECT_EQ(fx.task->record.last_hash, 42u);
  EXPECT_EQ(fx.task->record.session, "s1");
  ASSERT_NE(fx.reservation_added, nullptr);
  EXPECT_EQ(fx.reservation_added->id, g.reservation);
  EXPECT_EQ(fx.reservation_added->amount, usd(300));
  EXPECT_EQ(fx.reservation_added->scopes,
            (std::vector<SpendKey>{{Scope::session, "acme", "s1"},
                                   {Scope::tenant_day, "acme", "2024-03-15"},
                                   {Scope::tenant_month, "acme", "2024-03"}}));
  ASSERT_TRUE(fx.step);
  EXPECT_EQ(fx.step->view.outcome, "in_flight");
  EXPECT_TRUE(fx.spend.empty()) << "reserved amounts are not stored as spend";
  EXPECT_FALSE(fx.reservation_removed);
}

TEST(BookEffects, ASettlementWritesAbsoluteSpendPerWindowAndRemovesTheReservation) {
  Book book;
  const Grant a = grant_of(book.reserve(call(), kNoon).outcome);
  const Grant b = grant_of(book.reserve(call(), kNoon).outcome);
  book.settle(settlement(a.reservation, 100));
  const auto applied = book.settle(settlement(b.reservation, 50));
  EXPECT_EQ(applied.effects.reservation_removed, b.reservation);
  EXPECT_EQ(applied.effects.spend,
            (std::vector<SpendRow>{{{Scope::tenant_day, "acme", "2024-03-15"}, usd(150)},
                                   {{Scope::tenant_month, "acme", "2024-03"}, usd(150)}}));
  EXPECT_EQ(applied.effects.task->record.spent, usd(150));
}

// ---- tenant windows ----------------------------------------------------------------------

TEST(BookWindows, ANewDayStartsCleanAndAnOldReservationSettlesIntoItsOwnDay) {
  const TimePoint late = at(2024y / March / 31, 23h + 59min);
  const TimePoint next_day = at(2024y / April / 1, 0h + 1min);
  const config::TenantBudget tenant{usd(300), usd(10'000)};
  Book book;
  ReserveRequest r = call();
  r.tenant_budget = tenant;
  const Grant before = grant_of(book.reserve(r, late).outcome);
  EXPECT_EQ(before.remaining.tenant_day, usd(0));
  EXPECT_EQ(refusal_of(book.reserve(r, late).outcome).scope, Scope::tenant_day);

  // Past midnight the day's window is new, although the first call is still in flight.
  const Grant after = grant_of(book.reserve(r, next_day).outcome);
  EXPECT_FALSE(after.clamped);
  EXPECT_EQ(after.remaining.tenant_day, usd(0));
  EXPECT_EQ(after.remaining.tenant_month, usd(9'700)) << "a new month too: only this call";

  // The first call settles on the new day but into the window it was reserved in.
  const auto settled = book.settle(settlement(before.reservation, 250));
  EXPECT_EQ(settled.outcome.tenant_day, usd(50));
  EXPECT_EQ(settled.effects.spend[0].key.name, "2024-03-31");
  book.settle(settlement(after.reservation, 100));

  const TaskKey key{"acme", "t1"};
  EXPECT_EQ(book.view(key, {}, tenant, next_day)->tenant_day.spent, usd(100));
  EXPECT_EQ(book.view(key, {}, tenant, late)->tenant_day.spent, usd(250));
  EXPECT_EQ(book.view(key, {}, tenant, late)->tenant_month.spent, usd(250));
  EXPECT_EQ(book.view(key, {}, tenant, next_day)->tenant_month.spent, usd(100));
}

TEST(BookWindows, TheMonthSumsItsDays) {
  Book book;
  ReserveRequest r = call();
  r.tenant_budget = config::TenantBudget{usd(300), usd(1000)};
  for (const auto day : {3d, 4d, 5d}) {
    const Grant g = grant_of(book.reserve(r, at(2024y / May / day, 9h)).outcome);
    EXPECT_FALSE(g.clamped) << "each day has its own 300";
    book.settle(settlement(g.reservation, 300));
  }
  const TimePoint sixth = at(2024y / May / 6, 9h);
  const auto view = book.view(TaskKey{"acme", "t1"}, {}, r.tenant_budget, sixth);
  EXPECT_EQ(view->tenant_month.spent, usd(900));
  EXPECT_EQ(view->tenant_month.remaining, usd(100));
  EXPECT_EQ(view->tenant_day.spent, usd(0));
  const Refusal refused = refusal_of(book.reserve(r, sixth).outcome);
  EXPECT_EQ(refused.scope, Scope::tenant_month) << "a fresh day, but the month is nearly spent";
  EXPECT_EQ(refused.remaining, usd(100));
}

// A run of calls from one tenant and session on one day reuses the windows (and their counters)
// of the call before it; anything else, the next day above all, must find its own.

std::vector<SpendKey> windows_of_grant(Book& book, const ReserveRequest& r, TimePoint now) {
  const auto applied = book.reserve(r, now);
  grant_of(applied.outcome);
  EXPECT_NE(applied.effects.reservation_added, nullptr);
  return applied.effects.reservation_added != nullptr ? applied.effects.reservation_added->scopes
                                                      : std::vector<SpendKey>{};
}

TEST(BookWindows, ARunOfCallsChangesWindowsAtMidnightAndAtTheMonth) {
  Book book;
  ReserveRequest r = call();
  r.tenant_budget = config::TenantBudget{usd(1000), usd(10'000)};
  const std::vector<SpendKey> march_31{{Scope::tenant_day, "acme", "2024-03-31"},
                                       {Scope::tenant_month, "acme", "2024-03"}};
  const std::vector<SpendKey> april_1{{Scope::tenant_day, "acme", "2024-04-01"},
                                      {Scope::tenant_month, "acme", "2024-04"}};
  const std::vector<SpendKey> april_2{{Scope::tenant_day, "acme", "2024-04-02"},
                                      {Scope::tenant_month, "acme", "2024-04"}};
  EXPECT_EQ(windows_of_grant(book, r, at(2024y / March / 31, 23h)), march_31);
  EXPECT_EQ(windows_of_grant(book, r, at(2024y / March / 31, 24h) - 1ns), march_31);
  EXPECT_EQ(windows_of_grant(book, r, at(2024y / April / 1)), april_1) << "a new day and month";
  EXPECT_EQ(windows_of_grant(book, r, at(2024y / April / 1, 18h)), april_1);
  EXPECT_EQ(windows_of_grant(book, r, at(2024y / April / 2, 1s)), april_2) << "same month";

  // Each window holds its own calls: two on the 31st, two on the 1st, one on the 2nd.
  const auto day = [&](TimePoint t) { return book.view({"acme", "t1"}, {}, r.tenant_budget, t); };
  EXPECT_EQ(day(at(2024y / March / 31, 1h))->tenant_day.reserved, usd(600));
  EXPECT_EQ(day(at(2024y / April / 1, 1h))->tenant_day.reserved, usd(600));
  EXPECT_EQ(day(at(2024y / April / 2, 1h))->tenant_day.reserved, usd(300));
  EXPECT_EQ(day(at(2024y / April / 2, 1h))->tenant_month.reserved, usd(900));
  EXPECT_EQ(day(at(2024y / March / 2, 1h))->tenant_month.reserved, usd(600));
  // Back on a day seen before (a clock set back): its own windows again, not the last ones.
  EXPECT_EQ(windows_of_grant(book, r, at(2024y / March / 31, 23h)), march_31);
  EXPECT_EQ(day(at(2024y / March / 31, 1h))->tenant_day.reserved, usd(900));
}

TEST(BookWindows, CallsOfOtherTenantsAndSessionsInARunFindTheirOwnWindows) {
  Book book;
  ReserveRequest acme = call();
  ReserveRequest globex = call();
  globex.tenant = "globex";
  ReserveRequest session = call("t2");
  session.session = "s1";
  session.session_budget.total_dollars = usd(10'000);
  const std::vector<SpendKey> acme_windows{{Scope::tenant_day, "acme", "2024-03-15"},
                                           {Scope::tenant_month, "acme", "2024-03"}};
  const std::vector<SpendKey> globex_windows{{Scope::tenant_day, "globex", "2024-03-15"},
                                             {Scope::tenant_month, "globex", "2024-03"}};
  const std::vector<SpendKey> session_windows{{Scope::session, "acme", "s1"},
                                              {Scope::tenant_day, "acme", "2024-03-15"},
                                              {Scope::tenant_month, "acme", "2024-03"}};
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(windows_of_grant(book, acme, kNoon), acme_windows);
    EXPECT_EQ(windows_of_grant(book, acme, kNoon + 1s), acme_windows);
    EXPECT_EQ(windows_of_grant(book, globex, kNoon), globex_windows);
    EXPECT_EQ(windows_of_grant(book, session, kNoon), session_windows);
    EXPECT_EQ(windows_of_grant(book, session, kNoon), session_windows);
    EXPECT_EQ(windows_of_grant(book, acme, kNoon), acme_windows);
  }
  // acme's day holds its 6 calls without a session and its 4 in s1; globex's its 2.
  const auto view = book.view({"acme", "t2"}, session.session_budget, {}, kNoon);
  EXPECT_EQ(view->tenant_day.reserved, usd(3000));
  EXPECT_EQ(view->session_scope.reserved, usd(1200));
  EXPECT_EQ(book.view({"globex", "t1"}, {}, {}, kNoon)->tenant_day.reserved, usd(600));
}

TEST(BookWindows, ARefusedCallLeavesTheNextCallsWindowsRight) {
  Book book;
  ReserveRequest r = call();
  r.tenant_budget.dollars_per_day = usd(500);
  grant_of(book.reserve(r, kNoon).outcome);
  ReserveRequest other = call();
  other.tenant = "globex";
  other.tenant_budget.dollars_per_day = usd(1);
  refusal_of(book.reserve(other, kNoon).outcome);  // its windows are never held in
  const Grant clamped = grant_of(book.reserve(r, kNoon).outcome);
  EXPECT_EQ(clamped.amount, usd(200)) << "acme's day still holds the first call";
  EXPECT_EQ(clamped.remaining.tenant_day, usd(0));
  EXPECT_EQ(grant_of(book.reserve(call(), kNoon).outcome).remaining.tenant_day, std::nullopt);
  EXPECT_EQ(book.view({"globex", "t1"}, {}, {}, kNoon), std::nullopt);
}

TEST(BookWindows, AMovedBookSettlesIntoTheWindowsItHeld) {
  // A live reservation keeps its windows' counters: they must move with the book (the ledger
  // thread swaps in a fresh book after a failed commit).
  Book first;
  ReserveRequest r = call();
  r.tenant_budget.dollars_per_day = usd(1000);
  const Grant g = grant_of(first.reserve(r, kNoon).outcome);
  Book book = std::move(first);
  const auto settled = book.settle(settlement(g.reservation, 120));
  EXPECT_EQ(settled.outcome.tenant_day, usd(880));
  EXPECT_EQ(settled.effects.spend,
            (std::vector<SpendRow>{{{Scope::tenant_day, "acme", "2024-03-15"}, usd(120)},
                                   {{Scope::tenant_month, "acme", "2024-03"}, usd(120)}}));
  EXPECT_EQ(grant_of(book.reserve(r, kNoon).outcome).remaining.tenant_day, usd(580));
}

// ---- cache and views ---------------------------------------------------------------------

TEST(BookView, AnotherTenantsTaskIsNoSuchTask) {
  Book book;
  book.reserve(call(), kNoon);
  EXPECT_TRUE(book.view(TaskKey{"acme", "t1"}, {}, {}, kNoon));
  EXPECT_FALSE(book.view(TaskKey{"globex", "t1"}, {}, {}, kNoon));
}

TEST(BookView, StepsAreOldestFirstAndInFlightUntilSettled) {
  Book book;
  ReserveRequest r = call();
  r.step = StepType::plan;
  const Grant a = grant_of(book.reserve(r, kNoon).outcome);
  r.step = StepType::tool;
  grant_of(book.reserve(r, kNoon + 1s).outcome);
  book.settle(settlement(a.reservation, 100));
  const auto view = book.view(TaskKey{"acme", "t1"}, {}, {}, kNoon);
  ASSERT_EQ(view->steps.size(), 2u);
  EXPECT_EQ(view->steps[0].step, StepType::plan);
  EXPECT_EQ(view->steps[0].outcome, "ok");
  EXPECT_EQ(view->steps[1].step, StepType::tool);
  EXPECT_EQ(view->steps[1].outcome, "in_flight");
  EXPECT_EQ(view->task.reserved, usd(300));
  EXPECT_EQ(view->task.spent, usd(100));
}

TEST(BookOpen, OpeningFixesTheBudgetOnce) {
  Book book;
  OpenTask open;
  open.tenant = "acme";
  open.task = "t1";
  open.session = "s1";
  open.policy = "strict";
  open.budget = task_budget(200);
  const auto created = book.open(open, kNoon);
  EXPECT_EQ(created.outcome, OpenResult::created);
  ASSERT_TRUE(created.effects.task);
  EXPECT_EQ(created.effects.task->record.budget.total_dollars, usd(200));
  EXPECT_EQ(book.open(open, kNoon).outcome, OpenResult::already_exists);
  EXPECT_TRUE(book.open(open, kNoon).effects.empty());

  const auto view = book.view(TaskKey{"acme", "t1"}, {}, {}, kNoon);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->policy, "strict");
  EXPECT_EQ(view->session, "s1");
  EXPECT_EQ(view->created_unix_ms, unix_ms(kNoon));
  EXPECT_TRUE(view->steps.empty());

  const Grant g = grant_of(book.reserve(call(), kNoon).outcome);  // asks for no limit
  EXPECT_EQ(g.amount, usd(200));
  EXPECT_TRUE(g.clamped);
}

TEST(BookCache, InstalledStateIsWhatOperationsSee) {
  // What the ledger thread does after a restart or a failed commit: rows back into the book.
  Book book;
  const TaskKey key{"acme", "t1"};
  TaskRecord record;
  record.budget = task_budget(1000);
  record.spent = usd(400);
  book.install_task(key, record, {});
  book.install_spend(SpendKey{Scope::tenant_day, "acme", "2024-03-15"}, usd(900));
  ReservationRecord live;
  live.id = 41;
  live.task = key;
  live.scopes = Book::spend_keys("acme", "", kNoon);
  live.amount = usd(250);
  book.install_reservation(live);

  EXPECT_EQ(book.next_reservation_id(), 42u);
  ReserveRequest r = call();
  r.tenant_budget.dollars_per_day = usd(1000);
  const Refusal refused = refusal_of(book.reserve(r, kNoon).outcome);
  EXPECT_EQ(refused.scope, Scope::tenant_day);
  EXPECT_EQ(refused.remaining, usd(0)) << "900 spent + 250 held is past 1000";
  r.tenant_budget.dollars_per_day.reset();
  EXPECT_EQ(grant_of(book.reserve(r, kNoon).outcome).amount, usd(300)) << "task: 1000-400-250";
  EXPECT_EQ(book.settle(settlement(41, 250)).outcome.task, usd(50));
}

TEST(BookNames, AOneStepCallsTaskIsNamedAfterItsReservationAndARefusalTakesNoName) {
  Book book;
  ReserveRequest r = testing::one_step_call();
  const Grant first = grant_of(book.reserve(r, kNoon).outcome);
  EXPECT_EQ(first.task, "call-" + std::to_string(first.reservation));
  EXPECT_TRUE(book.has_task(TaskKey{"acme", first.task}));

  ReserveRequest too_big = r;
  too_big.task_budget = task_budget(1);
  EXPECT_EQ(refusal_of(book.reserve(too_big, kNoon).outcome).reason,
            Refusal::Reason::budget_exhausted);
  EXPECT_EQ(book.task_count(), 1u) << "the refused call left no task behind";

  const Grant second = grant_of(book.reserve(r, kNoon).outcome);
  EXPECT_EQ(second.reservation, first.reservation + 1);
  EXPECT_EQ(second.task, one_step_task_name(second.reservation));
  // A task with an id keeps it, and so does a one-step call's escalation.
  EXPECT_EQ(grant_of(book.reserve(call("t9"), kNoon).outcome).task, "t9");
  EXPECT_EQ(grant_of(book.reserve(testing::escalation_of(first.task), kNoon).outcome).task,
            first.task);
}

TEST(OneStepNames, OnlyTheFormTheLedgerWritesCarriesAnId) {
  EXPECT_EQ(one_step_task_name(1), "call-1");
  EXPECT_EQ(one_step_task_name(18446744073709551615ULL), "call-18446744073709551615");
  EXPECT_EQ(one_step_call_id("call-1"), 1u);
  EXPECT_EQ(one_step_call_id(one_step_task_name(9223372036854775807ULL)), 9223372036854775807ULL);
  for (const char* other :
       {"call-", "call-0", "call-012", "call-1a", "call--1", "call-+1", "Call-1", "xcall-1",
        "call-9223372036854775808", "call-99999999999999999999", "t1", ""}) {
    EXPECT_EQ(one_step_call_id(other), std::nullopt) << other;
  }
  // The ids the gateway gave one-step tasks before (20 hex digits of a request id) are not read
  // as reservation ids, whatever their digits.
  EXPECT_EQ(one_step_call_id("call-00000000000000000001"), std::nullopt);
  EXPECT_EQ(one_step_call_id("call-12345678901234567890"), std::nullopt);
}

TEST(Remaining, TightestIsTheSmallestLimitedFigure) {
  struct Case {
    Remaining r;
    std::optional<MicroUsd> tightest;
  };
  const Case cases[] = {
      {Remaining{}, std::nullopt},
      {Remaining{usd(5), std::nullopt, std::nullopt, std::nullopt}, usd(5)},
      {Remaining{usd(5), usd(3), usd(9), usd(4)}, usd(3)},
      {Remaining{std::nullopt, std::nullopt, std::nullopt, usd(0)}, usd(0)},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.r.tightest(), c.tightest);
  }
}

}  // namespace
}  // namespace governor::ledger
