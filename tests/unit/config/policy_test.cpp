// Policy values: selection order, "never looser" admission of client budgets, and the budget
// consistency rules shared by policy files and client-opened tasks.
#include "governor/config/policy.hpp"

#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace governor::config {

// Readable failure output (found by gtest through ADL).
void PrintTo(const BudgetProblem& p, std::ostream* os) {
  *os << "{" << p.field << ": " << p.message << "}";
}

namespace {

using testing::dollars;

Policy policy(std::string name, std::vector<std::string> domains = {},
              std::vector<std::string> keys = {}) {
  Policy p;
  p.name = std::move(name);
  p.match.trust_domains = std::move(domains);
  p.match.keys = std::move(keys);
  return p;
}

// --- select ------------------------------------------------------------------------------

/** Sorted by name, as the loader builds it. "a-keys" would win a trust-domain-free tie against
 *  "b-keys" by name; each trust domain and key is listed once, as the loader guarantees. */
PolicySet sample_set() {
  PolicySet set;
  set.policies = {policy("a-ci", {"ci"}, {"ci-bot"}), policy("b-research", {"research"}),
                  policy("c-keys", {}, {"analyst", "ops"}), policy("default")};
  return set;
}

struct SelectCase {
  const char* name;
  const char* policy_name;
  const char* trust_domain;
  const char* key_name;
  const char* expected;  ///< nullptr: no policy
};

std::ostream& operator<<(std::ostream& os, const SelectCase& c) {
  return os << c.name;
}

class Select : public ::testing::TestWithParam<SelectCase> {};

TEST_P(Select, FollowsTheDocumentedOrder) {
  const SelectCase& c = GetParam();
  const PolicySet set = sample_set();
  const Policy* got = set.select(c.policy_name, c.trust_domain, c.key_name);
  if (c.expected == nullptr) {
    EXPECT_EQ(got, nullptr) << got->name;
  } else {
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->name, c.expected);
  }
}

// clang-format off
const SelectCase kSelectCases[] = {
  {"NamedPolicyWinsOverEverything", "b-research", "ci", "ci-bot", "b-research"},
  {"UnknownNamedPolicyIsNoneNotAFallback", "nope", "ci", "ci-bot", nullptr},
  {"TrustDomainBeforeKey", "", "research", "ci-bot", "b-research"},
  {"KeyWhenTrustDomainMatchesNothing", "", "elsewhere", "analyst", "c-keys"},
  {"KeyWhenNoTrustDomain", "", "", "ops", "c-keys"},
  {"DefaultWhenNothingMatches", "", "elsewhere", "stranger", "default"},
  {"DefaultWithNoInputs", "", "", "", "default"},
  {"MatchIsCaseSensitive", "", "CI", "", "default"},
  {"DefaultCanBeNamed", "default", "ci", "", "default"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(PolicySet, Select, ::testing::ValuesIn(kSelectCases),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(PolicySet, WithoutDefaultUnmatchedCallsGetNone) {
  PolicySet set;
  set.policies = {policy("ci", {"ci"})};
  EXPECT_EQ(set.select("", "other", "key"), nullptr);
  EXPECT_EQ(set.select("", "ci", ""), &set.policies[0]);
  EXPECT_EQ(PolicySet{}.select("", "", ""), nullptr);
}

TEST(PolicySet, FirstByNameWinsWhenBuiltWithOverlaps) {
  // The loader rejects overlapping matches; a set built in code still behaves predictably.
  PolicySet set;
  set.policies = {policy("a", {"x"}), policy("b", {"x"})};
  EXPECT_EQ(set.select("", "x", "")->name, "a");
}

TEST(PolicySet, Find) {
  const PolicySet set = sample_set();
  EXPECT_EQ(set.find("c-keys"), &set.policies[2]);
  EXPECT_EQ(set.find("C-KEYS"), nullptr);
  EXPECT_EQ(set.find(""), nullptr);
}

// --- admits ------------------------------------------------------------------------------

/** The shipped default policy's task budget. */
TaskBudget policy_budget() {
  TaskBudget b;
  b.total_dollars = dollars("1.00");
  b.max_input_tokens = 100'000;
  b.max_output_tokens = 4096;
  b.reserve_for_final_synthesis = dollars("0.05");
  b.reserve_for_human_handoff = dollars("0.02");
  b.hard_stop_after_retries = 3;
  b.min_useful_output_tokens = 64;
  return b;
}

struct AdmitCase {
  const char* name;
  void (*edit)(TaskBudget&);  ///< turns the policy's budget into the client's
  const char* looser;         ///< expected `field`; "" when admitted
};

std::ostream& operator<<(std::ostream& os, const AdmitCase& c) {
  return os << c.name;
}

class Admits : public ::testing::TestWithParam<AdmitCase> {};

TEST_P(Admits, ClientBudgetIsNeverLooserThanThePolicy) {
  const AdmitCase& c = GetParam();
  TaskBudget client = policy_budget();
  c.edit(client);
  std::string field = "stale";
  const bool admitted = policy_budget().admits(client, &field);
  EXPECT_EQ(admitted, std::string_view{c.looser}.empty());
  EXPECT_EQ(field, c.looser);
}

// clang-format off
const AdmitCase kAdmitCases[] = {
  {"Identical", [](TaskBudget&) {}, ""},
  {"SmallerTotal", [](TaskBudget& b) { b.total_dollars = dollars("0.20"); }, ""},
  {"LargerTotal", [](TaskBudget& b) { b.total_dollars = dollars("1.000001"); }, "total_dollars"},
  {"NoTotal", [](TaskBudget& b) { b.total_dollars.reset(); }, "total_dollars"},
  {"FewerInputTokens", [](TaskBudget& b) { b.max_input_tokens = 1000; }, ""},
  {"MoreInputTokens", [](TaskBudget& b) { b.max_input_tokens = 100'001; }, "max_input_tokens"},
  {"NoInputLimit", [](TaskBudget& b) { b.max_input_tokens.reset(); }, "max_input_tokens"},
  {"MoreOutputTokens", [](TaskBudget& b) { b.max_output_tokens = 8192; }, "max_output_tokens"},
  {"NoOutputLimit", [](TaskBudget& b) { b.max_output_tokens.reset(); }, "max_output_tokens"},
  {"LargerSynthesisReserve", [](TaskBudget& b) { b.reserve_for_final_synthesis = dollars("0.10"); }, ""},
  {"SmallerSynthesisReserve", [](TaskBudget& b) { b.reserve_for_final_synthesis = dollars("0.04"); }, "reserve_for_final_synthesis"},
  {"LargerHandoffReserve", [](TaskBudget& b) { b.reserve_for_human_handoff = dollars("0.50"); }, ""},
  {"NoHandoffReserve", [](TaskBudget& b) { b.reserve_for_human_handoff = MicroUsd{0}; }, "reserve_for_human_handoff"},
  {"FewerRetries", [](TaskBudget& b) { b.hard_stop_after_retries = 0; }, ""},
  {"MoreRetries", [](TaskBudget& b) { b.hard_stop_after_retries = 4; }, "hard_stop_after_retries"},
  {"NoRetryLimit", [](TaskBudget& b) { b.hard_stop_after_retries.reset(); }, "hard_stop_after_retries"},
  {"HigherMinUseful", [](TaskBudget& b) { b.min_useful_output_tokens = 128; }, ""},
  {"LowerMinUseful", [](TaskBudget& b) { b.min_useful_output_tokens = 1; }, "min_useful_output_tokens"},
  {"FirstLooserFieldIsNamed", [](TaskBudget& b) { b.total_dollars = dollars("2"); b.hard_stop_after_retries = 9; }, "total_dollars"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(TaskBudget, Admits, ::testing::ValuesIn(kAdmitCases),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(TaskBudgetAdmits, UnsetPolicyLimitsAdmitAnything) {
  const TaskBudget unlimited;  // no limits, no reserves, min_useful 64
  TaskBudget client;
  client.total_dollars = dollars("1000");
  client.max_output_tokens = 100;
  client.hard_stop_after_retries = 50;
  EXPECT_TRUE(unlimited.admits(client));
  EXPECT_TRUE(unlimited.admits(unlimited));
  client.min_useful_output_tokens = 10;  // the one field with a non-empty default
  std::string field;
  EXPECT_FALSE(unlimited.admits(client, &field));
  EXPECT_EQ(field, "min_useful_output_tokens");
}

// --- check_task_budget -------------------------------------------------------------------

struct BudgetCase {
  const char* name;
  void (*edit)(TaskBudget&);
  std::vector<BudgetProblem> expected;
};

std::ostream& operator<<(std::ostream& os, const BudgetCase& c) {
  return os << c.name;
}

class CheckTaskBudget : public ::testing::TestWithParam<BudgetCase> {};

TEST_P(CheckTaskBudget, ReportsEveryInconsistency) {
  const BudgetCase& c = GetParam();
  TaskBudget budget = policy_budget();
  c.edit(budget);
  EXPECT_EQ(check_task_budget(budget), c.expected);
}

// clang-format off
const BudgetCase kBudgetCases[] = {
  {"ShippedDefaultIsConsistent", [](TaskBudget&) {}, {}},
  {"ReservesMayFillTheTotal", [](TaskBudget& b) { b.total_dollars = dollars("0.07"); }, {}},
  {"NoLimitsAtAll", [](TaskBudget& b) { b = TaskBudget{}; }, {}},
  {"ZeroTotalWithoutReserves", [](TaskBudget& b) { b = TaskBudget{}; b.total_dollars = MicroUsd{0}; }, {}},
  {"ReservesTogetherOverTotal", [](TaskBudget& b) { b.total_dollars = dollars("0.06"); },
   {{"reserve_for_human_handoff", "reserve_for_final_synthesis + reserve_for_human_handoff ($0.07) exceeds total_dollars ($0.06)"}}},
  {"OneReserveOverTotal", [](TaskBudget& b) { b.total_dollars = dollars("0.03"); },
   {{"reserve_for_final_synthesis", "reserve_for_final_synthesis ($0.05) exceeds total_dollars ($0.03)"}}},
  {"ReserveWithoutTotal", [](TaskBudget& b) { b.total_dollars.reset(); },
   {{"reserve_for_final_synthesis", "a reserve has no effect without total_dollars"},
    {"reserve_for_human_handoff", "a reserve has no effect without total_dollars"}}},
  {"NegativeAmounts", [](TaskBudget& b) { b.total_dollars = MicroUsd{-1}; b.reserve_for_final_synthesis = MicroUsd{-5}; b.reserve_for_human_handoff = MicroUsd{0}; },
   {{"total_dollars", "must not be negative"}, {"reserve_for_final_synthesis", "must not be negative"}}},
  {"ZeroTokenLimits", [](TaskBudget& b) { b.max_input_tokens = 0; b.max_output_tokens = -3; },
   {{"max_input_tokens", "must be at least 1, got 0"}, {"max_output_tokens", "must be at least 1, got -3"}}},
  {"MinUsefulOverMaxOutput", [](TaskBudget& b) { b.max_output_tokens = 32; },
   {{"min_useful_output_tokens", "min_useful_output_tokens (64) must not exceed max_output_tokens (32): every call would be refused"}}},
  {"MinUsefulZero", [](TaskBudget& b) { b.min_useful_output_tokens = 0; },
   {{"min_useful_output_tokens", "must be at least 1, got 0"}}},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(TaskBudget, CheckTaskBudget, ::testing::ValuesIn(kBudgetCases),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(OnExhausted, RoundTripsItsNames) {
  EXPECT_EQ(to_string(OnExhausted::reject), "reject");
  EXPECT_EQ(to_string(OnExhausted::degrade), "degrade");
  EXPECT_EQ(parse_on_exhausted("degrade"), OnExhausted::degrade);
  EXPECT_EQ(parse_on_exhausted("reject"), OnExhausted::reject);
  EXPECT_EQ(parse_on_exhausted("Degrade"), std::nullopt);
  EXPECT_EQ(parse_on_exhausted(""), std::nullopt);
}

}  // namespace
}  // namespace governor::config
