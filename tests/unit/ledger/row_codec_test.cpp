#include "row_codec.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace governor::ledger {
namespace {

bool same(const ReservationRecord& a, const ReservationRecord& b) {
  return a.id == b.id && a.task == b.task && a.scopes == b.scopes && a.amount == b.amount &&
         a.step == b.step && a.time_unix_ms == b.time_unix_ms &&
         a.session_limit == b.session_limit && a.day_limit == b.day_limit &&
         a.month_limit == b.month_limit;
}

ReservationRecord record(std::uint64_t id, std::string session) {
  ReservationRecord r;
  r.id = id;
  r.task = TaskKey{"acme", "call-" + std::to_string(id)};
  if (!session.empty()) {
    r.scopes.push_back(SpendKey{Scope::session, "acme", std::move(session)});
  }
  r.scopes.push_back(SpendKey{Scope::tenant_day, "acme", "2026-11-23"});
  r.scopes.push_back(SpendKey{Scope::tenant_month, "acme", "2026-11"});
  r.amount = MicroUsd{300};
  r.step = StepType::act;
  r.time_unix_ms = 1'795'455'780'725;
  return r;
}

std::string encoded(const std::vector<ReservationRecord>& records) {
  std::vector<const ReservationRecord*> pointers;
  for (const ReservationRecord& r : records) {
    pointers.push_back(&r);
  }
  std::string out;
  encode_holds(pointers, out);
  return out;
}

TEST(HoldCodec, EveryFieldComesBack) {
  std::vector<ReservationRecord> records{record(1, ""), record(2, "s-1"), record(300000, "s-2")};
  records[1].step = StepType::handoff;
  records[1].session_limit = MicroUsd{5'000'000};
  records[1].month_limit = MicroUsd{0};
  records[2].step = StepType::summarize;
  records[2].day_limit = MicroUsd{std::numeric_limits<std::int64_t>::max()};
  records[2].amount = MicroUsd{-7};  // never written, but nothing is lost if it were
  records[2].time_unix_ms = std::numeric_limits<std::int64_t>::min();
  records[2].id = std::numeric_limits<std::uint64_t>::max();
  records[2].task.task = "ticket-4711";
  const auto decoded = decode_holds(encoded(records));
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_TRUE(same((*decoded)[i], records[i])) << "record " << i;
  }
}

TEST(HoldCodec, ARecordIsAFewDozenBytes) {
  // The point of the format: far less than the row of its own it replaces.
  EXPECT_LT(encoded({record(123456, "")}).size(), 64u);
  EXPECT_TRUE(decode_holds(encoded({})));
  EXPECT_TRUE(decode_holds(encoded({}))->empty());
}

TEST(HoldCodec, BytesOfAnotherShapeAreRefusedNotGuessed) {
  const std::string good = encoded({record(1, "s"), record(2, "")});
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(decode_holds(good.substr(0, cut))) << "cut at " << cut;
  }
  EXPECT_FALSE(decode_holds(good + '\0')) << "trailing bytes";
  std::string version = good;
  version[0] = 2;
  EXPECT_FALSE(decode_holds(version)) << "unknown version";
  std::string count = good;
  count[1] = 100;
  EXPECT_FALSE(decode_holds(count)) << "count above what the bytes can hold";
  std::string step = encoded({record(1, "")});
  const auto at = step.find("act");
  ASSERT_NE(at, std::string::npos);
  step.replace(at, 3, "bad");
  EXPECT_FALSE(decode_holds(step)) << "unknown step type";
  EXPECT_FALSE(decode_holds(std::string(12, '\xff'))) << "a varint that never ends";
}

TEST(CallCodec, EveryFieldComesBackButTheDecisionAndTheDerived) {
  TaskRecord task;
  task.session = "s-9";
  task.policy = "ci";
  task.created_unix_ms = 1'795'455'780'725;
  task.budget.total_dollars = MicroUsd{50'000};
  task.budget.max_output_tokens = 512;
  task.budget.hard_stop_after_retries = 3;
  task.budget.reserve_for_final_synthesis = MicroUsd{7};
  task.budget.min_useful_output_tokens = 16;
  StepView step;
  step.time_unix_ms = task.created_unix_ms;
  step.step = StepType::verify;
  step.model = "sim-large";
  step.tier = "premium";
  step.usage = TokenUsage{1200, 300};
  step.cost = MicroUsd{420};
  step.reserved = MicroUsd{900};
  step.outcome = "client_gone";
  step.reason = "prompt_router+degraded";
  step.latency_ms = 812;
  step.usage_estimated = true;
  std::string bytes;
  encode_call(task, step, bytes);
  EXPECT_LT(bytes.size(), 96u);

  TaskRecord task_back;
  task_back.budget.max_input_tokens = 99;  // what decoding must clear
  StepView step_back;
  ASSERT_TRUE(decode_call(bytes, task_back, step_back));
  EXPECT_EQ(task_back.session, task.session);
  EXPECT_EQ(task_back.policy, task.policy);
  EXPECT_EQ(task_back.created_unix_ms, task.created_unix_ms);
  EXPECT_EQ(task_back.budget, task.budget);
  EXPECT_EQ(step_back, step);

  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(decode_call(bytes.substr(0, cut), task_back, step_back)) << "cut at " << cut;
  }
  EXPECT_FALSE(decode_call(bytes + 'x', task_back, step_back)) << "trailing bytes";
  std::string version = bytes;
  version[0] = 9;
  EXPECT_FALSE(decode_call(version, task_back, step_back));
}

}  // namespace
}  // namespace governor::ledger
