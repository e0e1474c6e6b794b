#include "row_codec.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "governor/core/byte_codec.hpp"

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

// ---- the bytes themselves ------------------------------------------------------------------
// Rows already stored must stay readable and rows written now must be readable by an older build:
// the encoders must write exactly the formats of docs/ledger.md. These references write them with
// the byte codec's own put_* functions, field by field.

std::string reference_holds(const std::vector<ReservationRecord>& records) {
  std::string out(1, '\x01');
  bytes::put_varint(out, records.size());
  for (const ReservationRecord& r : records) {
    std::string_view session, day, month;
    for (const SpendKey& k : r.scopes) {
      (k.scope == Scope::session ? session : k.scope == Scope::tenant_day ? day : month) = k.name;
    }
    bytes::put_varint(out, r.id);
    for (std::string_view text : {std::string_view(r.task.tenant), std::string_view(r.task.task),
                                  session, day, month, to_string(r.step)}) {
      bytes::put_text(out, text);
    }
    bytes::put_signed(out, r.amount.micros());
    bytes::put_signed(out, r.time_unix_ms);
    out.push_back(static_cast<char>((r.session_limit ? 1 : 0) | (r.day_limit ? 2 : 0) |
                                    (r.month_limit ? 4 : 0)));
    for (const auto& limit : {r.session_limit, r.day_limit, r.month_limit}) {
      if (limit) {
        bytes::put_signed(out, limit->micros());
      }
    }
  }
  return out;
}

std::string reference_call(const TaskRecord& task, const StepView& step) {
  const config::TaskBudget& b = task.budget;
  std::string out(1, '\x01');
  bytes::put_text(out, task.session);
  bytes::put_text(out, task.policy);
  bytes::put_signed(out, task.created_unix_ms);
  out.push_back(static_cast<char>((b.total_dollars ? 1 : 0) | (b.max_input_tokens ? 2 : 0) |
                                  (b.max_output_tokens ? 4 : 0) |
                                  (b.hard_stop_after_retries ? 8 : 0)));
  if (b.total_dollars) {
    bytes::put_signed(out, b.total_dollars->micros());
  }
  if (b.max_input_tokens) {
    bytes::put_signed(out, *b.max_input_tokens);
  }
  if (b.max_output_tokens) {
    bytes::put_signed(out, *b.max_output_tokens);
  }
  if (b.hard_stop_after_retries) {
    bytes::put_varint(out, *b.hard_stop_after_retries);
  }
  bytes::put_signed(out, b.reserve_for_final_synthesis.micros());
  bytes::put_signed(out, b.reserve_for_human_handoff.micros());
  bytes::put_signed(out, b.min_useful_output_tokens);
  bytes::put_text(out, to_string(step.step));
  bytes::put_text(out, step.model);
  bytes::put_text(out, step.tier);
  bytes::put_signed(out, step.usage.input_tokens);
  bytes::put_signed(out, step.usage.output_tokens);
  bytes::put_signed(out, step.cost.micros());
  bytes::put_signed(out, step.reserved.micros());
  bytes::put_text(out, step.outcome);
  bytes::put_text(out, step.reason);
  bytes::put_signed(out, step.latency_ms);
  out.push_back(step.usage_estimated ? 1 : 0);
  return out;
}

TEST(HoldCodec, WritesExactlyTheDocumentedBytes) {
  std::vector<ReservationRecord> records{record(1, ""), record(2, "s-1"), record(300000, "")};
  records[1].session_limit = MicroUsd{5'000'000};
  records[1].day_limit = MicroUsd{-1};
  records[2].month_limit = MicroUsd{std::numeric_limits<std::int64_t>::min()};
  records[2].id = std::numeric_limits<std::uint64_t>::max();
  records[2].time_unix_ms = -1;
  records[2].task.task = std::string(300, 'x');  // a length of two bytes
  EXPECT_EQ(encoded(records), reference_holds(records));
  EXPECT_EQ(encoded({}), reference_holds({}));
  // Appended, not replaced: a writer that reuses its buffer clears it itself.
  std::string out = "prefix";
  encode_holds({&records[0]}, out);
  EXPECT_EQ(out, "prefix" + reference_holds({records[0]}));
}

TEST(CallCodec, WritesExactlyTheDocumentedBytes) {
  TaskRecord task;
  task.session = std::string(200, 's');  // a length of two bytes
  task.policy = "p";
  task.created_unix_ms = 1'795'455'780'725;
  task.budget.total_dollars = MicroUsd{std::numeric_limits<std::int64_t>::max()};
  task.budget.max_input_tokens = -3;
  task.budget.max_output_tokens = 0;
  task.budget.hard_stop_after_retries = std::numeric_limits<std::uint32_t>::max();
  task.budget.reserve_for_human_handoff = MicroUsd{64};
  StepView step;
  step.step = StepType::handoff;
  step.model = "m";
  step.usage = TokenUsage{127, 128};
  step.cost = MicroUsd{std::numeric_limits<std::int64_t>::min()};
  step.outcome = "ok";
  step.reason = std::string(1000, 'r');
  step.latency_ms = 16384;
  std::string out = "prefix";
  encode_call(task, step, out);
  EXPECT_EQ(out, "prefix" + reference_call(task, step));
  // No optional limit at all, and every text empty.
  const TaskRecord bare;
  const StepView none;
  std::string bare_bytes;
  encode_call(bare, none, bare_bytes);
  EXPECT_EQ(bare_bytes, reference_call(bare, none));
}

TEST(CallBatchCodec, EveryCallComesBackInOrder) {
  const std::string long_decision(300, 'd');  // a length of two bytes
  const std::vector<CallEntry> calls{
      {40, "acme", "r1", ""}, {41, "globex", "", long_decision}, {4'135, "", "r3", "x"}};
  std::string out = "prefix";
  encode_call_batch(40, calls, out);
  ASSERT_EQ(out.substr(0, 6), "prefix");
  std::vector<CallEntry> back{{9, "stale", "", ""}};
  ASSERT_TRUE(decode_call_batch(std::string_view(out).substr(6), 40, back));
  ASSERT_EQ(back.size(), 3u);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(back[i].id, calls[i].id) << i;
    EXPECT_EQ(back[i].tenant, calls[i].tenant) << i;
    EXPECT_EQ(back[i].record, calls[i].record) << i;
    EXPECT_EQ(back[i].decision, calls[i].decision) << i;
  }
}

TEST(CallBatchCodec, WritesExactlyTheDocumentedBytes) {
  std::string out;
  encode_call_batch(7, std::vector<CallEntry>{{7, "a", "rr", ""}, {200, "", "", "d"}}, out);
  // Version 1, count 2; id 7 as +0, "a", "rr", ""; id 200 as +193 (a varint of two bytes).
  EXPECT_EQ(out, std::string("\x01\x02"
                             "\x00\x01"
                             "a\x02rr\x00"
                             "\xc1\x01\x00\x00\x01"
                             "d",
                             15));
}

TEST(CallBatchCodec, BytesOfAnotherShapeAreRefusedNotGuessed) {
  std::string good;
  encode_call_batch(1, std::vector<CallEntry>{{1, "acme", "rec", "dec"}, {5, "b", "", ""}}, good);
  std::vector<CallEntry> out;
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(decode_call_batch(good.substr(0, cut), 1, out)) << "cut at " << cut;
  }
  EXPECT_FALSE(decode_call_batch(good + '\0', 1, out)) << "trailing bytes";
  std::string version = good;
  version[0] = 2;
  EXPECT_FALSE(decode_call_batch(version, 1, out)) << "unknown version";
  std::string count = good;
  count[1] = 100;
  EXPECT_FALSE(decode_call_batch(count, 1, out)) << "count above what the bytes can hold";
  std::string overflow;
  encode_call_batch(
      0, std::vector<CallEntry>{{std::numeric_limits<std::uint64_t>::max(), "", "", ""}}, overflow);
  EXPECT_FALSE(decode_call_batch(overflow, 1, out)) << "an id past 64 bits";
  EXPECT_TRUE(decode_call_batch(good, 1, out));
}

}  // namespace
}  // namespace governor::ledger
