#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/detached.hpp>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "governor/ledger/ledger.hpp"
#include "ledger_test_support.hpp"
#include "row_codec.hpp"
#include "sqlite_db.hpp"
#include "windows.hpp"

namespace governor::ledger {
namespace {

using namespace std::chrono;
using namespace testing;  // governor::ledger::testing
using ::testing::HasSubstr;

std::optional<TaskView> view_of(Ledger& ledger, std::string tenant = "acme",
                                std::string task = "t1", config::SessionBudget session = {},
                                config::TenantBudget tenant_budget = {}) {
  return await(ledger.task(std::move(tenant), std::move(task), session, tenant_budget));
}

/** A second connection to the same file, for what a test must do behind the ledger's back. */
void sql(const std::string& path, const char* statement) {
  sqlite::Database db{path};
  ASSERT_TRUE(db.is_open()) << db.error();
  ASSERT_TRUE(db.exec(statement)) << db.error();
}

/** Takes away what version 3 added: the tasks.step_* columns and meta. */
void drop_version_three(const std::string& path) {
  for (const char* column :
       {"step_id", "step_type", "step_model", "step_tier", "step_input_tokens",
        "step_output_tokens", "step_cost", "step_reserved", "step_outcome", "step_reason",
        "step_latency_ms", "step_usage_estimated", "step_decision"}) {
    sql(path, ("ALTER TABLE tasks DROP COLUMN " + std::string(column)).c_str());
  }
  sql(path, "DROP TABLE meta");
}

// ---- durability --------------------------------------------------------------------------

TEST(SqliteLedgerDurability, SettledSpendSurvivesCloseAndReopen) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ManualClock clock{kNoon};
  const config::SessionBudget session{usd(5000)};
  const config::TenantBudget tenant{usd(6000), usd(7000)};
  ReserveRequest r = call();
  r.task_budget = task_budget(1000);
  r.task_budget.hard_stop_after_retries = 1;
  r.session = "s1";
  r.session_budget = session;
  r.tenant_budget = tenant;
  r.messages_hash = 77;
  {
    LedgerPtr ledger = open_ledger(path, &clock);
    ASSERT_TRUE(ledger);
    const Grant g = grant_of(await(ledger->reserve(r)));
    Settlement s = settlement(g.reservation, 120);
    s.decision = R"({"chosen":"premium","lambda":2.5})";
    const Remaining left = await(ledger->settle(std::move(s)));
    EXPECT_EQ(left.task, usd(880));
    EXPECT_EQ(left.session, usd(4880));
    EXPECT_EQ(left.tenant_day, usd(5880));
    EXPECT_EQ(left.tenant_month, usd(6880));
  }
  std::size_t reconciled = 99;
  LedgerPtr ledger = open_ledger(path, &clock, &reconciled);
  ASSERT_TRUE(ledger);
  EXPECT_EQ(reconciled, 0u);
  const auto view = view_of(*ledger, "acme", "t1", session, tenant);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->budget, r.task_budget);
  EXPECT_EQ(view->session, "s1");
  EXPECT_EQ(view->policy, "default");
  EXPECT_EQ(view->created_unix_ms, unix_ms(kNoon));
  EXPECT_EQ(view->task, (ScopeView{usd(1000), usd(120), usd(0), usd(880)}));
  EXPECT_EQ(view->session_scope, (ScopeView{usd(5000), usd(120), usd(0), usd(4880)}));
  EXPECT_EQ(view->tenant_day, (ScopeView{usd(6000), usd(120), usd(0), usd(5880)}));
  EXPECT_EQ(view->tenant_month, (ScopeView{usd(7000), usd(120), usd(0), usd(6880)}));
  ASSERT_EQ(view->steps.size(), 1u);
  EXPECT_EQ(view->steps[0].outcome, "ok");
  EXPECT_EQ(view->steps[0].model, "big");
  EXPECT_EQ(view->steps[0].cost, usd(120));
  EXPECT_EQ(view->steps[0].reserved, usd(300));
  EXPECT_EQ(view->steps[0].decision, R"({"chosen":"premium","lambda":2.5})");

  // The last messages hash came back too: the same messages again are a retry, and the second
  // one is past the task's hard stop.
  EXPECT_EQ(grant_of(await(ledger->reserve(r))).retries, 1u);
  EXPECT_EQ(refusal_of(await(ledger->reserve(r))).reason, Refusal::Reason::retry_limit);
}

TEST(SqliteLedgerDurability, AVersionOneFileGainsTheDecisionColumnAndKeepsItsSteps) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ManualClock clock{kNoon};
  {
    LedgerPtr ledger = open_ledger(path, &clock);
    ASSERT_TRUE(ledger);
    const Grant g = grant_of(await(ledger->reserve(call())));
    await(ledger->settle(settlement(g.reservation, 120)));
  }
  // Make the file what version 1 wrote: steps without the decision column, tasks without the
  // step columns of version 3, no meta.
  sql(path, "ALTER TABLE steps DROP COLUMN decision");
  drop_version_three(path);
  sql(path, "PRAGMA user_version = 1");
  {
    LedgerPtr ledger = open_ledger(path, &clock);
    ASSERT_TRUE(ledger);
    auto view = view_of(*ledger);
    ASSERT_TRUE(view);
    ASSERT_EQ(view->steps.size(), 1u);
    EXPECT_EQ(view->steps[0].cost, usd(120));
    EXPECT_EQ(view->steps[0].decision, "");
    const Grant g = grant_of(await(ledger->reserve(call())));
    Settlement s = settlement(g.reservation, 30);
    s.decision = R"({"chosen":"cheap"})";
    await(ledger->settle(std::move(s)));
  }
  LedgerPtr ledger = open_ledger(path, &clock);
  ASSERT_TRUE(ledger);
  const auto view = view_of(*ledger);
  ASSERT_TRUE(view);
  ASSERT_EQ(view->steps.size(), 2u);
  EXPECT_EQ(view->steps[1].decision, R"({"chosen":"cheap"})");
  sqlite::Database db{path};
  auto version = db.prepare("PRAGMA user_version");
  ASSERT_EQ(version.step(), sqlite::Statement::Step::row);
  EXPECT_EQ(version.int64(0), 5);
}

TEST(SqliteLedgerDurability, AVersionTwoFileKeepsItsOneStepCallsAndStoresNewOnesAsCallRows) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ManualClock clock{kNoon};
  std::uint64_t old_id = 0;
  std::string new_task;
  {
    LedgerPtr ledger = open_ledger(path, &clock);
    ReserveRequest r = call("call-old");
    r.one_step = true;
    old_id = grant_of(await(ledger->reserve(r))).reservation;
    await(ledger->settle(settlement(old_id, 120)));
  }
  // Make the file what version 2 wrote: the one-step call's step in a steps row.
  sql(path,
      "INSERT INTO steps (id, tenant, task, time_ms, step, model, tier, input_tokens, "
      "output_tokens, cost, reserved, outcome, reason, latency_ms, usage_estimated, decision) "
      "SELECT step_id, tenant, task, created_ms, step_type, step_model, step_tier, "
      "step_input_tokens, step_output_tokens, step_cost, step_reserved, step_outcome, "
      "step_reason, step_latency_ms, step_usage_estimated, step_decision FROM tasks");
  drop_version_three(path);
  sql(path, "PRAGMA user_version = 2");
  {
    LedgerPtr ledger = open_ledger(path, &clock);
    ASSERT_TRUE(ledger);
    const auto old_view = view_of(*ledger, "acme", "call-old");
    ASSERT_TRUE(old_view);
    ASSERT_EQ(old_view->steps.size(), 1u);
    EXPECT_EQ(old_view->steps[0].cost, usd(120));
    const Grant g = grant_of(await(ledger->reserve(one_step_call())));
    EXPECT_GT(g.reservation, old_id);
    new_task = g.task;
    await(ledger->settle(settlement(g.reservation, 40)));
  }
  LedgerPtr ledger = open_ledger(path, &clock);
  ASSERT_TRUE(ledger);
  const auto view = view_of(*ledger, "acme", new_task);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task.spent, usd(40));
  ASSERT_EQ(view->steps.size(), 1u);
  EXPECT_EQ(view->steps[0].cost, usd(40));
  sqlite::Database db{path};
  auto rows = db.prepare(
      "SELECT (SELECT COUNT(*) FROM steps), (SELECT COUNT(*) FROM tasks), "
      "(SELECT SUM(count) FROM call_batches)");
  ASSERT_EQ(rows.step(), sqlite::Statement::Step::row);
  EXPECT_EQ(rows.int64(0), 1) << "the new call has no steps row";
  EXPECT_EQ(rows.int64(1), 1) << "nor a tasks row";
  EXPECT_EQ(rows.int64(2), 1);
}

TEST(SqliteLedgerDurability, ReservationIdsNeverRepeatAcrossRestarts) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  std::uint64_t first = 0;
  {
    LedgerPtr ledger = open_ledger(path);
    first = grant_of(await(ledger->reserve(call()))).reservation;
    await(ledger->settle(settlement(first, 1)));
  }
  LedgerPtr ledger = open_ledger(path);
  const std::uint64_t second = grant_of(await(ledger->reserve(call()))).reservation;
  EXPECT_GT(second, first);
  // A settlement of the old id is now unknown and ignored.
  EXPECT_EQ(await(ledger->settle(settlement(first, 500))).tightest(), std::nullopt);
  EXPECT_EQ(view_of(*ledger)->task.spent, usd(1));
}

TEST(SqliteLedgerDurability, AOneStepCallIsACallInABatchRowFoundByTheIdInItsName) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ManualClock clock{kNoon};
  ReserveRequest r = one_step_call();
  r.task_budget = task_budget(1000);
  r.task_budget.hard_stop_after_retries = 2;
  r.session = "s1";
  r.step = StepType::summarize;
  Grant g;
  {
    LedgerPtr ledger = open_ledger(path, &clock);
    g = grant_of(await(ledger->reserve(r)));
    EXPECT_EQ(g.task, one_step_task_name(g.reservation));
    EXPECT_EQ(one_step_call_id(g.task), g.reservation);
    Settlement s = settlement(g.reservation, 120);
    s.decision = R"({"chosen":"cheap"})";
    await(ledger->settle(std::move(s)));
  }
  {
    sqlite::Database db{path};
    auto rows = db.prepare(
        "SELECT (SELECT COUNT(*) FROM tasks), (SELECT COUNT(*) FROM steps), "
        "(SELECT COUNT(*) FROM holds), (SELECT first_id FROM call_batches), "
        "(SELECT last_id FROM call_batches), (SELECT count FROM call_batches), "
        "(SELECT calls FROM call_batches)");
    ASSERT_EQ(rows.step(), sqlite::Statement::Step::row);
    EXPECT_EQ(rows.int64(0), 0);
    EXPECT_EQ(rows.int64(1), 0);
    EXPECT_EQ(rows.int64(2), 0);
    EXPECT_EQ(rows.int64(3), static_cast<std::int64_t>(g.reservation));
    EXPECT_EQ(rows.int64(4), static_cast<std::int64_t>(g.reservation));
    EXPECT_EQ(rows.int64(5), 1);
    std::vector<CallEntry> calls;
    ASSERT_TRUE(decode_call_batch(rows.blob(6), g.reservation, calls));
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].id, g.reservation);
    EXPECT_EQ(calls[0].tenant, "acme");
    EXPECT_EQ(calls[0].decision, R"({"chosen":"cheap"})");
  }
  LedgerPtr ledger = open_ledger(path, &clock);
  const auto view = view_of(*ledger, "acme", g.task);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->id, g.task);
  EXPECT_EQ(view->session, "s1");
  EXPECT_EQ(view->policy, "default");
  EXPECT_EQ(view->budget, r.task_budget);
  EXPECT_EQ(view->created_unix_ms, unix_ms(kNoon));
  EXPECT_EQ(view->task.spent, usd(120));
  EXPECT_EQ(view->task.remaining, usd(880));
  ASSERT_EQ(view->steps.size(), 1u);
  EXPECT_EQ(view->steps[0].step, StepType::summarize);
  EXPECT_EQ(view->steps[0].outcome, "ok");
  EXPECT_EQ(view->steps[0].reserved, usd(300));
  EXPECT_EQ(view->steps[0].cost, usd(120));
  EXPECT_EQ(view->steps[0].decision, R"({"chosen":"cheap"})");
  EXPECT_FALSE(view_of(*ledger, "other", g.task)) << "another tenant's call is no task of theirs";
  EXPECT_FALSE(view_of(*ledger, "acme", one_step_task_name(g.reservation + 1)));
  EXPECT_GT(grant_of(await(ledger->reserve(one_step_call()))).reservation, g.reservation);
}

TEST(SqliteLedgerDurability, AnEscalatedOneStepCallKeepsBothStepsInTaskRows) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  std::string task;
  {
    LedgerPtr ledger = open_ledger(path);
    const Grant first = grant_of(await(ledger->reserve(one_step_call())));
    task = first.task;
    // The cascade reserves the stronger rung in the same task before it settles the first.
    const Grant second = grant_of(await(ledger->reserve(escalation_of(task))));
    EXPECT_EQ(second.task, task);
    await(ledger->settle(settlement(first.reservation, 20)));
    await(ledger->settle(settlement(second.reservation, 90)));
  }
  LedgerPtr ledger = open_ledger(path);
  const auto view = view_of(*ledger, "acme", task);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task.spent, usd(110));
  ASSERT_EQ(view->steps.size(), 2u);
  EXPECT_EQ(view->steps[0].cost, usd(20));
  EXPECT_EQ(view->steps[1].cost, usd(90));
}

TEST(SqliteLedgerDurability, AOneStepCallSentAsARetryKeepsItsRetryInATaskRow) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  std::string task;
  {
    LedgerPtr ledger = open_ledger(path);
    ReserveRequest r = one_step_call();
    r.explicit_retry = true;
    const Grant g = grant_of(await(ledger->reserve(r)));
    EXPECT_EQ(g.retries, 1u);
    task = g.task;
    await(ledger->settle(settlement(g.reservation, 50)));
  }
  {
    sqlite::Database db{path};
    auto rows =
        db.prepare("SELECT (SELECT COUNT(*) FROM call_batches), (SELECT retries FROM tasks)");
    ASSERT_EQ(rows.step(), sqlite::Statement::Step::row);
    EXPECT_EQ(rows.int64(0), 0) << "a stored call has no room for the retry";
    EXPECT_EQ(rows.int64(1), 1);
  }
  LedgerPtr ledger = open_ledger(path);
  const auto view = view_of(*ledger, "acme", task);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->retries, 1u);
  EXPECT_EQ(view->task.spent, usd(50));
  ASSERT_EQ(view->steps.size(), 1u);
}

TEST(SqliteLedgerReconcile, AnEscalatedOneStepCallCutShortKeepsBothStepsInOneTask) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  std::string task;
  {
    LedgerPtr ledger = open_ledger(path);
    const Grant first = grant_of(await(ledger->reserve(one_step_call())));
    task = first.task;
    grant_of(await(ledger->reserve(escalation_of(task))));
  }  // closed between the cascade's second reserve and its first settle: both in flight
  std::size_t reconciled = 0;
  LedgerPtr ledger = open_ledger(path, nullptr, &reconciled);
  ASSERT_TRUE(ledger);
  EXPECT_EQ(reconciled, 2u);
  const auto view = view_of(*ledger, "acme", task);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task.spent, usd(600));
  ASSERT_EQ(view->steps.size(), 2u);
  EXPECT_EQ(view->steps[0].outcome, "reconciled_after_restart");
  EXPECT_EQ(view->steps[1].outcome, "reconciled_after_restart");
  sqlite::Database db{path};
  auto rows =
      db.prepare("SELECT (SELECT COUNT(*) FROM call_batches), (SELECT COUNT(*) FROM tasks)");
  ASSERT_EQ(rows.step(), sqlite::Statement::Step::row);
  EXPECT_EQ(rows.int64(0), 0) << "the first step's call row went with it";
  EXPECT_EQ(rows.int64(1), 1);
}

TEST(SqliteLedgerReconcile, AnEscalatedCallLeavesTheOtherCallsOfItsBatchRowWhereTheyAre) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  std::string escalated;
  std::string other;
  {
    LedgerPtr ledger = open_ledger(path);
    const Grant first = grant_of(await(ledger->reserve(one_step_call())));
    escalated = first.task;
    other = grant_of(await(ledger->reserve(one_step_call()))).task;
    grant_of(await(ledger->reserve(escalation_of(escalated))));
  }  // all three in flight: reconciled in one transaction, the two calls into one batch row
  std::size_t reconciled = 0;
  LedgerPtr ledger = open_ledger(path, nullptr, &reconciled);
  ASSERT_TRUE(ledger);
  EXPECT_EQ(reconciled, 3u);
  const auto view = view_of(*ledger, "acme", escalated);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task.spent, usd(600));
  ASSERT_EQ(view->steps.size(), 2u);
  const auto kept = view_of(*ledger, "acme", other);
  ASSERT_TRUE(kept);
  ASSERT_EQ(kept->steps.size(), 1u);
  EXPECT_EQ(kept->steps[0].outcome, "reconciled_after_restart");
  sqlite::Database db{path};
  auto rows = db.prepare(
      "SELECT (SELECT COUNT(*) FROM call_batches), (SELECT count FROM call_batches), "
      "(SELECT first_id = last_id FROM call_batches), (SELECT COUNT(*) FROM tasks)");
  ASSERT_EQ(rows.step(), sqlite::Statement::Step::row);
  EXPECT_EQ(rows.int64(0), 1);
  EXPECT_EQ(rows.int64(1), 1) << "the row was written again without the escalated call";
  EXPECT_EQ(rows.int64(2), 1);
  EXPECT_EQ(rows.int64(3), 1);
}

TEST(SqliteLedgerDurability, AVersionFourCallsRowIsStillFoundAndCounted) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ManualClock clock{kNoon};
  { LedgerPtr ledger = open_ledger(path, &clock); }
  // What version 4 wrote for a settled one-step call: a calls row of its own.
  TaskRecord task;
  task.policy = "default";
  task.budget = task_budget(1000);
  task.created_unix_ms = unix_ms(kNoon);
  StepView step;
  step.model = "big";
  step.tier = "premium";
  step.cost = usd(70);
  step.reserved = usd(300);
  step.outcome = "ok";
  std::string record;
  encode_call(task, step, record);
  {
    sqlite::Database db{path};
    auto insert =
        db.prepare("INSERT INTO calls (id, tenant, record, decision) VALUES (77, 'acme', ?1, 'd')");
    insert.bind_blob(1, record);
    ASSERT_TRUE(insert.run()) << db.error();
  }
  LedgerPtr ledger = open_ledger(path, &clock);
  ASSERT_TRUE(ledger);
  const auto view = view_of(*ledger, "acme", one_step_task_name(77));
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task.spent, usd(70));
  ASSERT_EQ(view->steps.size(), 1u);
  EXPECT_EQ(view->steps[0].model, "big");
  EXPECT_EQ(view->steps[0].decision, "d");
  EXPECT_GT(grant_of(await(ledger->reserve(one_step_call()))).reservation, 77u)
      << "its id stays taken";
}

TEST(SqliteLedgerReconcile, AVersionThreeReservationRowIsStillCounted) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  { LedgerPtr ledger = open_ledger(path); }
  // What version 3 left of a call in flight: its own reservations row, and t9's in-flight step.
  sql(path,
      "INSERT INTO reservations (id, tenant, task, session, day, month, step, amount, time_ms) "
      "VALUES (41, 'acme', 't9', '', '2026-11-23', '2026-11', 'act', 250, 1795455780725)");
  std::size_t reconciled = 0;
  LedgerPtr ledger = open_ledger(path, nullptr, &reconciled);
  EXPECT_EQ(reconciled, 1u);
  const auto view = view_of(*ledger, "acme", "t9");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task.spent, usd(250));
  EXPECT_GT(grant_of(await(ledger->reserve(call()))).reservation, 41u);
}

TEST(SqliteLedgerDurability, ACorruptCallBatchRowIsAnErrorNotAnEmptyCard) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  std::string task;
  {
    LedgerPtr ledger = open_ledger(path);
    const Grant g = grant_of(await(ledger->reserve(one_step_call())));
    task = g.task;
    await(ledger->settle(settlement(g.reservation, 10)));
  }
  sql(path, "UPDATE call_batches SET calls = x'01ff'");
  LedgerPtr ledger = open_ledger(path);
  ASSERT_TRUE(ledger);
  EXPECT_FALSE(view_of(*ledger, "acme", task));
  // The ledger goes on: the failed load failed its batch, not the next ones.
  EXPECT_TRUE(std::holds_alternative<Grant>(await(ledger->reserve(one_step_call()))));
}

TEST(SqliteLedgerReconcile, ACorruptHoldsRowStopsTheOpenRatherThanForgetSpend) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  { LedgerPtr ledger = open_ledger(path); }
  sql(path, "INSERT INTO holds (id, reservations) VALUES (7, x'01ff')");
  SqliteLedgerOptions options;
  options.path = path;
  const OpenLedgerResult opened = open_sqlite_ledger(std::move(options));
  EXPECT_FALSE(opened.ledger);
  EXPECT_THAT(opened.error, HasSubstr("reconcile"));
}

TEST(SqliteLedgerDurability, AOneStepCallsIdIsNeverReusedAfterARestart) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  std::uint64_t first = 0;
  {
    LedgerPtr ledger = open_ledger(path);
    ReserveRequest r = call("call-a");
    r.one_step = true;
    first = grant_of(await(ledger->reserve(r))).reservation;
    await(ledger->settle(settlement(first, 1)));
  }
  {
    // A name that does not carry its id (as version 3 named one-step tasks) keeps the call in a
    // task row, where the id is found by no index: the meta row is what keeps it taken.
    sqlite::Database db{path};
    auto rows = db.prepare(
        "SELECT (SELECT COUNT(*) FROM steps), (SELECT COUNT(*) FROM holds), "
        "(SELECT step_id FROM tasks WHERE task = 'call-a')");
    ASSERT_EQ(rows.step(), sqlite::Statement::Step::row);
    EXPECT_EQ(rows.int64(0), 0);
    EXPECT_EQ(rows.int64(1), 0);
    EXPECT_EQ(rows.int64(2), static_cast<std::int64_t>(first));
  }
  LedgerPtr ledger = open_ledger(path);
  EXPECT_GT(grant_of(await(ledger->reserve(call()))).reservation, first);
}

TEST(SqliteLedgerDurability, InMemoryWorksTheSameButForgets) {
  for (int run = 0; run < 2; ++run) {
    LedgerPtr ledger = open_ledger(":memory:");
    ASSERT_TRUE(ledger);
    EXPECT_FALSE(view_of(*ledger)) << "run " << run << ": nothing from a previous run";
    const Grant g = grant_of(await(ledger->reserve(call())));
    await(ledger->settle(settlement(g.reservation, 42)));
    EXPECT_EQ(view_of(*ledger)->task.spent, usd(42));
  }
}

// ---- crash reconciliation ----------------------------------------------------------------

void expect_reconciled(Ledger& ledger, std::size_t calls) {
  const auto view = view_of(ledger);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task.spent, usd(300 * static_cast<std::int64_t>(calls)));
  EXPECT_EQ(view->task.reserved, usd(0));
  EXPECT_EQ(view->tenant_day.spent, usd(300 * static_cast<std::int64_t>(calls)));
  ASSERT_EQ(view->steps.size(), calls);
  for (const StepView& s : view->steps) {
    EXPECT_EQ(s.outcome, "reconciled_after_restart");
    EXPECT_EQ(s.cost, usd(300)) << "counted at what was reserved";
  }
}

TEST(SqliteLedgerReconcile, ReservationsLeftAtCloseCountAsSpentOnReopen) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ManualClock clock{kNoon};
  {
    LedgerPtr ledger = open_ledger(path, &clock);
    for (int i = 0; i < 2; ++i) {
      grant_of(await(ledger->reserve(call())));
    }
  }  // closed with two calls in flight
  std::size_t reconciled = 0;
  LedgerPtr ledger = open_ledger(path, &clock, &reconciled);
  EXPECT_EQ(reconciled, 2u);
  expect_reconciled(*ledger, 2);
  ledger.reset();
  ledger = open_ledger(path, &clock, &reconciled);
  EXPECT_EQ(reconciled, 0u) << "reconciled once, not again";
  expect_reconciled(*ledger, 2);
}

TEST(SqliteLedgerReconcile, ReservationsOfAKilledProcessCountAsSpentOnReopen) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  const TimePoint noon = kNoon;
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    // The child reserves three calls (each durable once granted) and dies without a word.
    SqliteLedgerOptions options;
    options.path = path;
    options.clock = [noon] { return noon; };
    OpenLedgerResult opened = open_sqlite_ledger(std::move(options));
    if (!opened.ledger) {
      _exit(2);
    }
    for (int i = 0; i < 3; ++i) {
      if (!std::holds_alternative<Grant>(await(opened.ledger->reserve(call())))) {
        _exit(3);
      }
    }
    raise(SIGKILL);
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(WTERMSIG(status), SIGKILL);

  ManualClock clock{kNoon};
  std::size_t reconciled = 0;
  LedgerPtr ledger = open_ledger(path, &clock, &reconciled);
  ASSERT_TRUE(ledger);
  EXPECT_EQ(reconciled, 3u);
  expect_reconciled(*ledger, 3);
}

TEST(SqliteLedgerReconcile, AOneStepCallCutShortGetsItsRowsAndItsSpendOnReopen) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ManualClock clock{kNoon};
  std::uint64_t cut_short = 0;
  std::string task;
  {
    LedgerPtr ledger = open_ledger(path, &clock);
    ReserveRequest r = one_step_call();
    r.session = "s1";
    const Grant g = grant_of(await(ledger->reserve(r)));
    cut_short = g.reservation;
    task = g.task;
  }  // closed with the call in flight: only its holds row was written
  {
    sqlite::Database db{path};
    auto rows = db.prepare(
        "SELECT (SELECT COUNT(*) FROM tasks), (SELECT COUNT(*) FROM steps), "
        "(SELECT COUNT(*) FROM call_batches)");
    ASSERT_EQ(rows.step(), sqlite::Statement::Step::row);
    EXPECT_EQ(rows.int64(0), 0);
    EXPECT_EQ(rows.int64(1), 0);
    EXPECT_EQ(rows.int64(2), 0);
  }
  std::size_t reconciled = 0;
  LedgerPtr ledger = open_ledger(path, &clock, &reconciled);
  ASSERT_TRUE(ledger);
  EXPECT_EQ(reconciled, 1u);
  {
    sqlite::Database db{path};
    auto rows = db.prepare("SELECT first_id FROM call_batches");
    ASSERT_EQ(rows.step(), sqlite::Statement::Step::row);
    EXPECT_EQ(rows.int64(0), static_cast<std::int64_t>(cut_short)) << "it is now a stored call";
  }
  const config::SessionBudget session{usd(1000)};
  const auto view = view_of(*ledger, "acme", task, session);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->session, "s1");
  EXPECT_EQ(view->task.spent, usd(300)) << "counted at what was reserved";
  EXPECT_EQ(view->session_scope.spent, usd(300));
  EXPECT_EQ(view->tenant_day.spent, usd(300));
  ASSERT_EQ(view->steps.size(), 1u);
  EXPECT_EQ(view->steps[0].outcome, "reconciled_after_restart");
  EXPECT_EQ(view->steps[0].cost, usd(300));
  // Its id is taken: the next reservation gets a new one.
  EXPECT_GT(grant_of(await(ledger->reserve(call()))).reservation, cut_short);
}

TEST(SqliteLedgerDurability, AOneStepCallIsStoredWhenItSettles) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ManualClock clock{kNoon};
  {
    LedgerPtr ledger = open_ledger(path, &clock);
    ReserveRequest r = call("call-7");
    r.one_step = true;
    const Grant g = grant_of(await(ledger->reserve(r)));
    await(ledger->settle(settlement(g.reservation, 120)));
  }
  std::size_t reconciled = 99;
  LedgerPtr ledger = open_ledger(path, &clock, &reconciled);
  EXPECT_EQ(reconciled, 0u);
  const auto view = view_of(*ledger, "acme", "call-7");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task.spent, usd(120));
  EXPECT_EQ(view->task.reserved, usd(0));
  ASSERT_EQ(view->steps.size(), 1u);
  EXPECT_EQ(view->steps[0].outcome, "ok");
  EXPECT_EQ(view->steps[0].reserved, usd(300));
  EXPECT_EQ(view->steps[0].cost, usd(120));
}

// ---- tenant windows with the injected clock ----------------------------------------------

// ---- the book as a cache -------------------------------------------------------------------

TEST(SqliteLedgerCache, AnIdleTaskAndSessionLeaveMemoryAndComeBackWithTheirSpend) {
  TempDir dir;
  ManualClock clock{kNoon};
  const LedgerPtr opened = open_ledger(dir.file("ledger.db"), &clock, nullptr, minutes(1));
  ASSERT_TRUE(opened);
  Ledger& ledger = *opened;
  const config::SessionBudget session{usd(5000)};
  ReserveRequest r = call("t1");
  r.task_budget = task_budget(1000);
  r.session = "s1";
  r.session_budget = session;
  const Grant g = grant_of(await(ledger.reserve(r)));
  await(ledger.settle(settlement(g.reservation, 100)));
  EXPECT_EQ(ledger.stats().cached_tasks, 1u);
  EXPECT_EQ(ledger.stats().cached_windows, 3u) << "the session, the tenant's day and month";

  // Another task keeps the ledger busy; t1 and its session go idle. The first sweep (a minute
  // on) starts a period; the one after forgets what that period did not touch.
  ReserveRequest other = call("t2");
  for (const auto at : {kNoon + seconds(61), kNoon + seconds(122)}) {
    clock.set(at);
    const Grant o = grant_of(await(ledger.reserve(other)));
    await(ledger.settle(settlement(o.reservation, 1)));
  }
  const LedgerStats swept = ledger.stats();
  EXPECT_EQ(swept.evicted_tasks, 1u) << "t1 left; t2 was touched in the last period";
  EXPECT_EQ(swept.evicted_windows, 1u) << "the session left; the tenant's windows are in use";
  EXPECT_EQ(swept.cached_tasks, 1u);
  EXPECT_EQ(swept.cached_windows, 2u);

  // Loaded again from the database: the card shows its spend, and the budget still binds on it
  // (1000 less the 100 spent is three more calls of 300, not four).
  const auto view = view_of(ledger, "acme", "t1", session);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task.spent, usd(100));
  EXPECT_EQ(view->session_scope.spent, usd(100));
  for (int i = 0; i < 3; ++i) {
    grant_of(await(ledger.reserve(r)));
  }
  const Refusal refused = refusal_of(await(ledger.reserve(r)));
  EXPECT_EQ(refused.reason, Refusal::Reason::budget_exhausted);
  EXPECT_EQ(refused.remaining, usd(0));
}

TEST(SqliteLedgerCache, ZeroKeepsEverything) {
  TempDir dir;
  ManualClock clock{kNoon};
  const LedgerPtr ledger = open_ledger(dir.file("ledger.db"), &clock, nullptr, milliseconds{0});
  ASSERT_TRUE(ledger);
  for (int hour = 0; hour < 3; ++hour) {
    clock.set(kNoon + hours(hour));
    const Grant g = grant_of(await(ledger->reserve(call("t" + std::to_string(hour)))));
    await(ledger->settle(settlement(g.reservation, 1)));
  }
  EXPECT_EQ(ledger->stats().evicted_tasks, 0u);
  EXPECT_EQ(ledger->stats().cached_tasks, 3u);
}

TEST(SqliteLedgerWindows, ADayRollsOverAndAnOldReservationSettlesIntoItsDay) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  const TimePoint late = at(2024y / March / 31, 23h + 59min);
  const TimePoint next_day = at(2024y / April / 1, 0h + 5min);
  const config::TenantBudget tenant{usd(300), usd(100'000)};
  ManualClock clock{late};
  ReserveRequest r = call();
  r.tenant_budget = tenant;
  {
    LedgerPtr ledger = open_ledger(path, &clock);
    const Grant before = grant_of(await(ledger->reserve(r)));
    EXPECT_EQ(refusal_of(await(ledger->reserve(r))).scope, Scope::tenant_day);
    clock.set(next_day);
    const Grant after = grant_of(await(ledger->reserve(r)));
    EXPECT_FALSE(after.clamped) << "the new day starts clean";
    EXPECT_EQ(await(ledger->settle(settlement(before.reservation, 200))).tenant_day, usd(100));
    await(ledger->settle(settlement(after.reservation, 50)));
  }
  LedgerPtr ledger = open_ledger(path, &clock);
  EXPECT_EQ(view_of(*ledger, "acme", "t1", {}, tenant)->tenant_day.spent, usd(50));
  EXPECT_EQ(view_of(*ledger, "acme", "t1", {}, tenant)->tenant_month.spent, usd(50));
  clock.set(late);
  LedgerPtr reopened;
  ledger.reset();
  reopened = open_ledger(path, &clock);
  const auto march = view_of(*reopened, "acme", "t1", {}, tenant);
  EXPECT_EQ(march->tenant_day.spent, usd(200));
  EXPECT_EQ(march->tenant_day.remaining, usd(100));
  EXPECT_EQ(march->tenant_month.spent, usd(200));
}

// ---- tasks and views ---------------------------------------------------------------------

OpenTask open_request(std::string tenant, std::string task, std::int64_t limit) {
  OpenTask o;
  o.tenant = std::move(tenant);
  o.task = std::move(task);
  o.session = "s9";
  o.policy = "strict";
  o.budget = task_budget(limit);
  return o;
}

TEST(SqliteLedgerTasks, AnOpenedTaskIsViewableAndKeepsItsBudget) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ManualClock clock{kNoon};
  {
    LedgerPtr ledger = open_ledger(path, &clock);
    EXPECT_EQ(await(ledger->open_task(open_request("acme", "t1", 200))), OpenResult::created);
    const auto view = view_of(*ledger, "acme", "t1", config::SessionBudget{usd(900)});
    ASSERT_TRUE(view);
    EXPECT_EQ(view->policy, "strict");
    EXPECT_EQ(view->session, "s9");
    EXPECT_EQ(view->task, (ScopeView{usd(200), usd(0), usd(0), usd(200)}));
    EXPECT_EQ(view->session_scope, (ScopeView{usd(900), usd(0), usd(0), usd(900)}));
    EXPECT_EQ(view->tenant_day.limit, std::nullopt);
    EXPECT_TRUE(view->steps.empty());
  }
  LedgerPtr ledger = open_ledger(path, &clock);
  EXPECT_EQ(await(ledger->open_task(open_request("acme", "t1", 5000))), OpenResult::already_exists);
  const Grant g = grant_of(await(ledger->reserve(call())));
  EXPECT_TRUE(g.clamped) << "the opened budget of 200 applies, not the call's";
  EXPECT_EQ(g.amount, usd(200));
}

TEST(SqliteLedgerTasks, AnotherTenantsTaskIsNoSuchTask) {
  LedgerPtr ledger = open_ledger(":memory:");
  EXPECT_EQ(await(ledger->open_task(open_request("acme", "t1", 200))), OpenResult::created);
  EXPECT_TRUE(view_of(*ledger, "acme", "t1"));
  EXPECT_FALSE(view_of(*ledger, "globex", "t1"));
  EXPECT_FALSE(view_of(*ledger, "acme", "t2"));
  // The same id in another tenant is another task.
  EXPECT_EQ(await(ledger->open_task(open_request("globex", "t1", 200))), OpenResult::created);
}

// ---- opening -----------------------------------------------------------------------------

TEST(SqliteLedgerOpen, AMissingDirectoryIsAnErrorNamingThePath) {
  TempDir dir;
  SqliteLedgerOptions options;
  options.path = dir.file("no-such-dir/ledger.db");
  const OpenLedgerResult opened = open_sqlite_ledger(options);
  EXPECT_FALSE(opened.ledger);
  EXPECT_THAT(opened.error, HasSubstr(options.path));
}

TEST(SqliteLedgerOpen, ASecondLedgerOnTheFileIsRefusedAndLeavesTheFirstsCallsAlone) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ManualClock clock{kNoon};
  ReserveRequest r = call();
  r.task_budget = task_budget(1000);
  LedgerPtr first = open_ledger(path, &clock);
  ASSERT_TRUE(first);
  const Grant a = grant_of(await(first->reserve(r)));
  const Grant b = grant_of(await(first->reserve(r)));

  // A second Governor on the same data_dir: opening would count the two calls in flight as
  // spent (what a crash leaves looks the same) and spend from a book the first never sees.
  SqliteLedgerOptions options;
  options.path = path;
  const OpenLedgerResult second = open_sqlite_ledger(std::move(options));
  EXPECT_FALSE(second.ledger);
  EXPECT_THAT(second.error, HasSubstr("is in use by another Governor process"));

  EXPECT_EQ(await(first->settle(settlement(a.reservation, 10))).task,
            usd(690));  // 1000 - 10 - b's 300 held
  EXPECT_EQ(await(first->settle(settlement(b.reservation, 20))).task, usd(970));
  first.reset();
  std::size_t reconciled = 99;
  LedgerPtr reopened = open_ledger(path, &clock, &reconciled);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reconciled, 0u) << "the refused open reconciled the first ledger's calls";
  const auto view = view_of(*reopened);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->task.spent, usd(30));
  EXPECT_EQ(view->task.reserved, usd(0));
}

TEST(SqliteLedgerOpen, ACorruptFileIsAnError) {
  TempDir dir;
  SqliteLedgerOptions options;
  options.path = dir.file("ledger.db");
  std::ofstream(options.path) << std::string(8192, 'x');
  const OpenLedgerResult opened = open_sqlite_ledger(options);
  EXPECT_FALSE(opened.ledger);
  EXPECT_THAT(opened.error, HasSubstr("not a database"));
}

// ---- failing safe ------------------------------------------------------------------------

TEST(SqliteLedgerFailure, AReserveWhoseWriteFailsIsRefusedAndHoldsNothing) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  LedgerPtr ledger = open_ledger(path);
  ReserveRequest r = call();
  r.task_budget = task_budget(1000);
  const Grant first = grant_of(await(ledger->reserve(r)));

  sql(path,
      "CREATE TRIGGER fail_reserve BEFORE INSERT ON holds "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  const Refusal refused = refusal_of(await(ledger->reserve(r)));
  EXPECT_EQ(refused.reason, Refusal::Reason::ledger_unavailable);
  EXPECT_EQ(to_string(refused.reason), "ledger_unavailable");
  EXPECT_THAT(refused.message, HasSubstr("try again"));
  sql(path, "DROP TRIGGER fail_reserve");

  // Rebuilt from the database: the first reservation is still held, the failed one is not.
  const auto view = view_of(*ledger);
  EXPECT_EQ(view->task.reserved, usd(300));
  EXPECT_EQ(view->steps.size(), 1u);
  EXPECT_EQ(grant_of(await(ledger->reserve(r))).remaining.task, usd(400));
  await(ledger->settle(settlement(first.reservation, 300)));
  EXPECT_EQ(view_of(*ledger)->task.spent, usd(300));

  const LedgerStats stats = ledger->stats();
  EXPECT_EQ(stats.reservations, 2u);
  EXPECT_EQ(stats.refusals, 1u);
  EXPECT_EQ(stats.settlements, 1u);
}

TEST(SqliteLedgerFailure, AnOpenThatCannotBeStoredCreatesNothing) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  LedgerPtr ledger = open_ledger(path);
  sql(path,
      "CREATE TRIGGER fail_open BEFORE INSERT ON tasks "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  EXPECT_EQ(await(ledger->open_task(open_request("acme", "t1", 200))), OpenResult::unavailable);
  EXPECT_FALSE(view_of(*ledger));
  sql(path, "DROP TRIGGER fail_open");
  EXPECT_EQ(await(ledger->open_task(open_request("acme", "t1", 200))), OpenResult::created);
}

TEST(SqliteLedgerFailure, ASettleThatCannotBeStoredLeavesTheReservationForReconcile) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  {
    LedgerPtr ledger = open_ledger(path);
    const Grant g = grant_of(await(ledger->reserve(call())));
    sql(path,
        "CREATE TRIGGER fail_settle BEFORE DELETE ON holds "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    // Tried a few times, then given up: the reservation stays held, never silently dropped.
    EXPECT_EQ(await(ledger->settle(settlement(g.reservation, 10))).tightest(), std::nullopt);
    const auto view = view_of(*ledger);
    EXPECT_EQ(view->task.reserved, usd(300));
    EXPECT_EQ(view->task.spent, usd(0));
    sql(path, "DROP TRIGGER fail_settle");
  }
  std::size_t reconciled = 0;
  LedgerPtr ledger = open_ledger(path, nullptr, &reconciled);
  EXPECT_EQ(reconciled, 1u);
  EXPECT_EQ(view_of(*ledger)->task.spent, usd(300));
}

/** After a reopen, one-step task `task` holds its one call, settled at 120 (nothing to reconcile),
 *  with the budget and policy it was reserved under. */
void expect_one_step_settled_on_reopen(const std::string& path, const std::string& task,
                                       const config::TaskBudget& budget) {
  std::size_t reconciled = 99;
  LedgerPtr ledger = open_ledger(path, nullptr, &reconciled);
  EXPECT_EQ(reconciled, 0u);
  const auto view = view_of(*ledger, "acme", task);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->budget, budget);
  EXPECT_EQ(view->policy, "default");
  EXPECT_EQ(view->task.spent, usd(120));
  EXPECT_EQ(view->task.reserved, usd(0));
  ASSERT_EQ(view->steps.size(), 1u);
  EXPECT_EQ(view->steps[0].outcome, "ok");
  EXPECT_EQ(view->steps[0].cost, usd(120));
}

TEST(SqliteLedgerFailure, AOneStepCallInFlightWhenABatchFailsKeepsItsTask) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ReserveRequest r = one_step_call();
  r.task_budget = task_budget(1000);
  std::string task;
  {
    LedgerPtr ledger = open_ledger(path);
    const Grant g = grant_of(await(ledger->reserve(r)));
    task = g.task;
    // Another call's batch fails: the book is rebuilt from the database, where the one-step call
    // has only its holds row until it settles.
    sql(path,
        "CREATE TRIGGER fail_reserve BEFORE INSERT ON holds "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    EXPECT_EQ(refusal_of(await(ledger->reserve(call("t2")))).reason,
              Refusal::Reason::ledger_unavailable);
    sql(path, "DROP TRIGGER fail_reserve");

    const auto in_flight = view_of(*ledger, "acme", task);
    ASSERT_TRUE(in_flight);
    EXPECT_EQ(in_flight->budget, r.task_budget);
    EXPECT_EQ(in_flight->task.reserved, usd(300));
    ASSERT_EQ(in_flight->steps.size(), 1u);
    EXPECT_EQ(in_flight->steps[0].outcome, "in_flight");

    await(ledger->settle(settlement(g.reservation, 120)));
  }
  expect_one_step_settled_on_reopen(path, task, r.task_budget);
}

// ---- awaiting ----------------------------------------------------------------------------

TEST(SqliteLedgerAwait, TheCallerResumesOnItsOwnThread) {
  LedgerPtr ledger = open_ledger(":memory:");
  net::io_context io;
  std::thread::id resumed_on;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        co_await ledger->reserve(call());
        resumed_on = std::this_thread::get_id();
      },
      net::detached);
  io.run();  // returns only after the result came back: the pending call kept it busy
  EXPECT_EQ(resumed_on, std::this_thread::get_id());
}

TEST(SqliteLedgerAwait, ClosingCompletesEveryQueuedOperation) {
  auto ledger = open_ledger(":memory:");
  net::io_context io;
  constexpr int kCalls = 64;
  int completed = 0;
  for (int i = 0; i < kCalls; ++i) {
    net::co_spawn(io, ledger->reserve(call("t" + std::to_string(i))),
                  [&](std::exception_ptr, ReserveOutcome o) {
                    completed += std::holds_alternative<Grant>(o) ? 1 : 0;
                  });
  }
  io.poll();       // every coroutine starts and queues its call
  ledger.reset();  // the ledger finishes the queue before its thread ends
  io.run();        // the results were posted back
  EXPECT_EQ(completed, kCalls);
}

TEST(SqliteLedgerStats, CountsWhatHappened) {
  LedgerPtr ledger = open_ledger(":memory:");
  ReserveRequest r = call();
  r.task_budget = task_budget(600);
  const Grant a = grant_of(await(ledger->reserve(r)));
  const Grant b = grant_of(await(ledger->reserve(r)));
  refusal_of(await(ledger->reserve(r)));
  await(ledger->settle(settlement(a.reservation, 350)));  // above its 300: an overrun
  await(ledger->settle(settlement(b.reservation, 100)));
  await(ledger->settle(settlement(12345, 100)));  // unknown: ignored
  view_of(*ledger);
  const LedgerStats s = ledger->stats();
  EXPECT_EQ(s.reservations, 2u);
  EXPECT_EQ(s.refusals, 1u);
  EXPECT_EQ(s.settlements, 2u);
  EXPECT_EQ(s.overruns, 1u);
  EXPECT_EQ(s.overrun_amount, usd(50));
  EXPECT_EQ(s.batched_ops, 4u) << "two grants and two settlements wrote rows";
  EXPECT_EQ(s.commits, 4u) << "awaited one at a time: one commit each";
  EXPECT_EQ(s.queue_depth, 0u);
}

// ---- batches ------------------------------------------------------------------------------

/** A wall clock that can hold the ledger thread at the start of a batch (it reads the clock
 *  there), so the test can queue several operations that then form one batch. */
class GateClock {
 public:
  WallClock clock() {
    return [this] {
      std::unique_lock lock(mutex_);
      entered_ = true;
      changed_.notify_all();
      changed_.wait(lock, [&] { return open_; });
      return at(2024y / March / 15, 12h);
    };
  }
  void close() {
    const std::lock_guard lock(mutex_);
    open_ = false;
    entered_ = false;
  }
  /** Waits until the ledger thread is held at the gate. */
  void wait_held() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return entered_; });
  }
  void open() {
    const std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = true;
  bool entered_ = false;
};

LedgerPtr open_gated(GateClock& gate) {
  SqliteLedgerOptions options;
  options.path = ":memory:";
  options.clock = gate.clock();
  OpenLedgerResult opened = open_sqlite_ledger(std::move(options));
  EXPECT_TRUE(opened.error.empty()) << opened.error;
  return std::move(opened.ledger);
}

/** Holds the ledger thread at the gate with an operation of its own, so that whatever is queued
 *  next is taken as one batch when the gate opens. */
void hold(Ledger& ledger, GateClock& gate, net::io_context& io) {
  gate.close();
  io.restart();  // after an earlier run() returned
  net::co_spawn(io, ledger.task("acme", "nobody", {}, {}), net::detached);
  io.poll();
  gate.wait_held();
}

TEST(SqliteLedgerBatch, AViewAfterASettlementInTheSameBatchSeesIt) {
  GateClock gate;
  LedgerPtr ledger = open_gated(gate);
  ReserveRequest r = call("one");
  r.one_step = true;  // dropped from the book when settled: the view reads it back
  const Grant g = grant_of(await(ledger->reserve(r)));

  net::io_context io;
  hold(*ledger, gate, io);
  std::optional<TaskView> seen;
  net::co_spawn(io, ledger->settle(settlement(g.reservation, 120)), net::detached);
  net::co_spawn(io, ledger->task("acme", "one", {}, {}),
                [&](std::exception_ptr, std::optional<TaskView> v) { seen = std::move(v); });
  io.poll();  // both queued behind the held batch
  gate.open();
  io.run();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->task.spent, usd(120));
  EXPECT_EQ(seen->task.reserved, usd(0));
  ASSERT_EQ(seen->steps.size(), 1u);
  EXPECT_EQ(seen->steps[0].outcome, "ok");
}

TEST(SqliteLedgerBatch, ManyGrantsOfOneBatchAreAllStored) {
  GateClock gate;
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  std::vector<Grant> grants;
  {
    SqliteLedgerOptions options;
    options.path = path;
    options.clock = gate.clock();
    LedgerPtr ledger = open_sqlite_ledger(std::move(options)).ledger;
    ASSERT_TRUE(ledger);
    net::io_context io;
    hold(*ledger, gate, io);
    for (int i = 0; i < 10; ++i) {
      ReserveRequest r = call(i % 2 == 0 ? "even" : "odd");
      r.session = "s1";
      net::co_spawn(io, ledger->reserve(r),
                    [&](std::exception_ptr, ReserveOutcome o) { grants.push_back(grant_of(o)); });
    }
    io.poll();
    gate.open();
    io.run();
    ASSERT_EQ(grants.size(), 10u);
    EXPECT_EQ(ledger->stats().commits, 1u) << "the ten grants shared one commit";
    // Settle half of them in one batch too.
    hold(*ledger, gate, io);
    for (std::size_t i = 0; i < 5; ++i) {
      net::co_spawn(io, ledger->settle(settlement(grants[i].reservation, 100)), net::detached);
    }
    io.poll();
    gate.open();
    io.run();
    EXPECT_EQ(ledger->stats().commits, 2u);
  }
  // The other five were still held when it closed: counted at their reserved 300 each.
  std::size_t reconciled = 0;
  LedgerPtr ledger = open_ledger(path, nullptr, &reconciled);
  EXPECT_EQ(reconciled, 5u);
  const auto even = view_of(*ledger, "acme", "even");
  const auto odd = view_of(*ledger, "acme", "odd");
  ASSERT_TRUE(even && odd);
  EXPECT_EQ(even->task.spent + odd->task.spent, usd(5 * 100 + 5 * 300));
  EXPECT_EQ(even->steps.size() + odd->steps.size(), 10u);
}

TEST(SqliteLedgerBatch, AOneStepSettlementInAFailedBatchIsStoredWhenRetried) {
  GateClock gate;
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  ReserveRequest r = one_step_call();
  r.task_budget = task_budget(1000);
  std::string task;
  {
    SqliteLedgerOptions options;
    options.path = path;
    options.clock = gate.clock();
    LedgerPtr ledger = open_sqlite_ledger(std::move(options)).ledger;
    ASSERT_TRUE(ledger);
    const Grant g = grant_of(await(ledger->reserve(r)));
    task = g.task;
    sql(path,
        "CREATE TRIGGER fail_doomed BEFORE INSERT ON tasks WHEN NEW.task = 'doomed' "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    // The settlement and a doomed reserve form one batch, which fails and is rolled back: the
    // settlement is applied again to the rebuilt book, where its task has no row yet.
    net::io_context io;
    hold(*ledger, gate, io);
    std::optional<Remaining> left;
    std::optional<ReserveOutcome> doomed;
    net::co_spawn(io, ledger->settle(settlement(g.reservation, 120)),
                  [&](std::exception_ptr, Remaining rem) { left = rem; });
    net::co_spawn(io, ledger->reserve(call("doomed")),
                  [&](std::exception_ptr, ReserveOutcome o) { doomed = std::move(o); });
    io.poll();
    gate.open();
    io.run();
    ASSERT_TRUE(doomed && left);
    EXPECT_EQ(refusal_of(*doomed).reason, Refusal::Reason::ledger_unavailable);
    EXPECT_EQ(left->task, usd(880));
  }
  expect_one_step_settled_on_reopen(path, task, r.task_budget);
}

TEST(SqliteLedgerBatch, AThrowingHandlerDoesNotLoseTheOthersOfItsBatch) {
  GateClock gate;
  LedgerPtr ledger = open_gated(gate);
  net::io_context io;
  hold(*ledger, gate, io);
  int granted = 0;
  for (int i = 0; i < 4; ++i) {
    net::co_spawn(io, ledger->reserve(call("t" + std::to_string(i))),
                  [&, i](std::exception_ptr, ReserveOutcome o) {
                    if (i == 1) {
                      throw std::runtime_error("handler failed");
                    }
                    granted += std::holds_alternative<Grant>(o) ? 1 : 0;
                  });
  }
  io.poll();
  gate.open();
  int thrown = 0;
  for (;;) {
    try {
      io.run();
      break;
    } catch (const std::runtime_error&) {
      ++thrown;
      io.restart();
    }
  }
  EXPECT_EQ(thrown, 1);
  EXPECT_EQ(granted, 3);
}

TEST(SqliteLedgerReconcile, AHoldsRowCountsOnlyTheReservationsOfItsBatchStillInFlight) {
  GateClock gate;
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  std::vector<Grant> grants;
  std::vector<std::string> one_step;
  {
    SqliteLedgerOptions options;
    options.path = path;
    options.clock = gate.clock();
    LedgerPtr ledger = open_sqlite_ledger(std::move(options)).ledger;
    ASSERT_TRUE(ledger);
    // Four grants in one batch, so in one holds row: two one-step calls and two calls of task t1.
    net::io_context io;
    hold(*ledger, gate, io);
    for (int i = 0; i < 4; ++i) {
      ReserveRequest r = i < 2 ? one_step_call() : call("t1");
      net::co_spawn(io, ledger->reserve(std::move(r)),
                    [&](std::exception_ptr, ReserveOutcome o) { grants.push_back(grant_of(o)); });
    }
    io.poll();
    gate.open();
    io.run();
    ASSERT_EQ(grants.size(), 4u);
    // One of each kind settles; the row stays for the other two.
    await(ledger->settle(settlement(grants[0].reservation, 10)));
    await(ledger->settle(settlement(grants[2].reservation, 20)));
    sqlite::Database db{path};
    auto rows = db.prepare("SELECT COUNT(*) FROM holds");
    ASSERT_EQ(rows.step(), sqlite::Statement::Step::row);
    EXPECT_EQ(rows.int64(0), 1);
  }
  std::size_t reconciled = 0;
  ManualClock clock{kNoon};  // the gate's day
  LedgerPtr ledger = open_ledger(path, &clock, &reconciled);
  ASSERT_TRUE(ledger);
  EXPECT_EQ(reconciled, 2u) << "the settled two are not counted again";
  EXPECT_EQ(view_of(*ledger, "acme", grants[0].task)->task.spent, usd(10));
  EXPECT_EQ(view_of(*ledger, "acme", grants[1].task)->task.spent, usd(300));
  const auto t1 = view_of(*ledger, "acme", "t1");
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->task.spent, usd(20 + 300));
  ASSERT_EQ(t1->steps.size(), 2u);
  EXPECT_EQ(t1->steps[0].outcome, "ok");
  EXPECT_EQ(t1->steps[1].outcome, "reconciled_after_restart");
  EXPECT_EQ(t1->tenant_day.spent, usd(10 + 300 + 20 + 300));
  sqlite::Database db{path};
  auto rows = db.prepare("SELECT COUNT(*) FROM holds");
  ASSERT_EQ(rows.step(), sqlite::Statement::Step::row);
  EXPECT_EQ(rows.int64(0), 0);
  // A later batch after the restart starts a new row, with ids past every old one.
  EXPECT_GT(grant_of(await(ledger->reserve(one_step_call()))).reservation, grants[3].reservation);
}

}  // namespace
}  // namespace governor::ledger
