// One policy file: every value, the defaults, and every error at its file, line and field.
#include <gtest/gtest.h>

#include "config_test_support.hpp"
#include "governor/config/policy_loader.hpp"

namespace governor::config {
namespace {

using testing::dollars;
using testing::dump;

/** A valid policy using every key; tests edit one spot of it. Keep the layout: expected lines
 *  are computed from the text. */
constexpr std::string_view kPolicy = R"(name: p
match:
  trust_domains: [ci]
  keys: [ci-bot]
on_exhausted: degrade
task:
  total_dollars: 0.50
  max_input_tokens: 100000
  max_output_tokens: 4096
  reserve_for_final_synthesis: 0.05
  reserve_for_human_handoff: 0.02
  hard_stop_after_retries: 3
  min_useful_output_tokens: 64
session:
  total_dollars: 5.00
tenant:
  dollars_per_day: 50
  dollars_per_month: 1000
)";

PolicyLoadResult load(std::string_view yaml) {
  return load_policy_text(std::string{yaml}, "policies/p.yaml");
}

TEST(PolicyFile, ReadsEveryValue) {
  const PolicyLoadResult result = load(kPolicy);
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  ASSERT_EQ(result.policies->policies.size(), 1u);
  EXPECT_EQ(result.policies->directory, "policies");
  Policy expected;
  expected.name = "p";
  expected.source = "policies/p.yaml";
  expected.match = {{"ci"}, {"ci-bot"}};
  expected.on_exhausted = OnExhausted::degrade;
  expected.task.total_dollars = dollars("0.50");
  expected.task.max_input_tokens = 100'000;
  expected.task.max_output_tokens = 4096;
  expected.task.reserve_for_final_synthesis = dollars("0.05");
  expected.task.reserve_for_human_handoff = dollars("0.02");
  expected.task.hard_stop_after_retries = 3;
  expected.task.min_useful_output_tokens = 64;
  expected.session.total_dollars = dollars("5");
  expected.tenant.dollars_per_day = MicroUsd{50'000'000};
  expected.tenant.dollars_per_month = MicroUsd{1'000'000'000};
  EXPECT_EQ(result.policies->policies[0], expected);
}

TEST(PolicyFile, OnlyANameMeansNoLimits) {
  const PolicyLoadResult result = load("name: open\n");
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  const Policy& p = result.policies->policies.at(0);
  EXPECT_EQ(p.on_exhausted, OnExhausted::reject);
  EXPECT_EQ(p.match, PolicyMatch{});
  EXPECT_EQ(p.task, TaskBudget{});
  EXPECT_EQ(p.session, SessionBudget{});
  EXPECT_EQ(p.tenant, TenantBudget{});
}

TEST(PolicyFile, NullSectionsMeanDefaults) {
  const PolicyLoadResult result = load("name: p\nmatch:\ntask:\nsession:\ntenant:\n");
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  EXPECT_EQ(result.policies->policies.at(0).task, TaskBudget{});
}

TEST(PolicyFile, DollarsAreExactAndMayBeQuoted) {
  const PolicyLoadResult result =
      load("name: p\ntask: {total_dollars: \"0.000001\"}\nsession: {total_dollars: 0.1500000}\n");
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  const Policy& p = result.policies->policies.at(0);
  EXPECT_EQ(p.task.total_dollars, MicroUsd{1});
  EXPECT_EQ(p.session.total_dollars, MicroUsd{150'000});
}

TEST(PolicyFile, ZeroRetriesAndZeroTotalAreAllowed) {
  const PolicyLoadResult result =
      load("name: deny\ntask: {total_dollars: 0, hard_stop_after_retries: 0}\n");
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  EXPECT_EQ(result.policies->policies.at(0).task.total_dollars, MicroUsd{0});
  EXPECT_EQ(result.policies->policies.at(0).task.hard_stop_after_retries, 0u);
}

TEST(PolicyFile, LinesAreKeptForLaterChecks) {
  const PolicyLoadResult result = load(kPolicy);
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  const FieldLines& lines = result.policies->lines.at("p");
  EXPECT_EQ(lines.line_of("match.keys[0]"), 4);
  EXPECT_EQ(lines.line_of("task.hard_stop_after_retries"), 12);
  EXPECT_EQ(lines.line_of("tenant"), 16);
}

// --- errors ------------------------------------------------------------------------------

struct PolicyFileCase {
  const char* name;
  const char* from;  ///< snippet of kPolicy to replace
  const char* to;
  const char* field;
  const char* at;  ///< the expected line is the first line of the edited text containing this
  const char* message;
};

std::ostream& operator<<(std::ostream& os, const PolicyFileCase& c) {
  return os << c.name;
}

class PolicyError : public ::testing::TestWithParam<PolicyFileCase> {};

TEST_P(PolicyError, IsReportedAtItsLineAndField) {
  const PolicyFileCase& c = GetParam();
  const std::string yaml = testing::replaced(std::string{kPolicy}, c.from, c.to);
  const PolicyLoadResult result = load(yaml);
  EXPECT_EQ(result.policies, nullptr);
  const ConfigError* error = testing::error_for(result.errors, c.field);
  ASSERT_NE(error, nullptr) << "no error for " << c.field << "; got:\n" << dump(result.errors);
  EXPECT_EQ(error->file, "policies/p.yaml");
  EXPECT_EQ(error->line, testing::line_containing(yaml, c.at)) << error->to_string();
  EXPECT_NE(error->message.find(c.message), std::string::npos) << error->to_string();
}

// clang-format off
const PolicyFileCase kPolicyFileCases[] = {
  // The policy itself.
  {"NameMissing", "name: p\n", "", "name", "match:", "required key 'name' is missing"},
  {"NameWithSlash", "name: p\n", "name: team/p\n", "name", "team/p", "invalid name 'team/p' (1 to 128 characters of A-Z a-z 0-9 . _ : -)"},
  {"NameNotString", "name: p\n", "name: [p]\n", "name", "name:", "expected a string, got a list"},
  {"UnknownKeySuggests", "session:\n", "tennant: {}\nsession:\n", "tennant", "tennant", "unknown key 'tennant' (expected one of: name, match, on_exhausted, task, session, tenant, routing); did you mean 'tenant'?"},
  {"TopLevelStepsPointToRouting", "session:\n", "steps:\n  plan: {tier: cheap}\nsession:\n", "steps", "steps:", "step rules live under routing.steps"},
  {"OnExhaustedUnknown", "on_exhausted: degrade", "on_exhausted: fallback", "on_exhausted", "fallback", "expected reject or degrade, got 'fallback'"},
  {"OnExhaustedNotString", "on_exhausted: degrade", "on_exhausted: {x: 1}", "on_exhausted", "on_exhausted", "expected a string, got a mapping"},

  // match.
  {"MatchNotMapping", "match:\n  trust_domains: [ci]\n  keys: [ci-bot]\n", "match: [ci]\n", "match", "match:", "expected a mapping, got a list"},
  {"MatchUnknownKeySuggests", "  keys: [ci-bot]\n", "  key: [ci-bot]\n", "match.key", "key:", "did you mean 'keys'?"},
  {"MatchAnyTrustDomain", "[ci]", "[\"*\"]", "match.trust_domains[0]", "trust_domains", "'*' (any) is not allowed here; calls that match no policy get the policy named 'default'"},
  {"MatchAnyKey", "[ci-bot]", "[\"*\"]", "match.keys[0]", "keys:", "'*' (any) is not allowed here"},
  {"MatchKeyWithSlash", "[ci-bot]", "[ci/bot]", "match.keys[0]", "keys:", "invalid name 'ci/bot'"},
  {"MatchTrustDomainTwice", "  trust_domains: [ci]\n", "  trust_domains:\n    - ci\n    - ci  # again\n", "match.trust_domains[1]", "# again", "'ci' is listed twice"},
  {"MatchTrustDomainsNotList", "[ci]", "ci", "match.trust_domains", "trust_domains", "expected a list, got 'ci'"},

  // task: types and ranges.
  {"TotalWithExponent", "total_dollars: 0.50", "total_dollars: 5e-1", "task.total_dollars", "5e-1", "expected a dollar amount (e.g. 0.50) as a plain decimal with at most 6 decimal places, got '5e-1'"},
  {"TotalNegative", "total_dollars: 0.50", "total_dollars: -1", "task.total_dollars", "-1", "got '-1'"},
  {"TotalBelowAMicroDollar", "total_dollars: 0.50", "total_dollars: 0.0000001", "task.total_dollars", "0.0000001", "at most 6 decimal places"},
  {"TotalWithDollarSign", "total_dollars: 0.50", "total_dollars: $1", "task.total_dollars", "$1", "got '$1'"},
  {"TotalEmpty", "total_dollars: 0.50", "total_dollars:", "task.total_dollars", "total_dollars:", "got nothing"},
  {"InputTokensZero", "max_input_tokens: 100000", "max_input_tokens: 0", "task.max_input_tokens", "max_input_tokens", "must be between 1 and 1000000000, got 0"},
  {"OutputTokensFraction", "max_output_tokens: 4096", "max_output_tokens: 40.5", "task.max_output_tokens", "40.5", "expected an integer, got '40.5'"},
  {"RetriesNegative", "hard_stop_after_retries: 3", "hard_stop_after_retries: -1", "task.hard_stop_after_retries", "retries: -1", "must be between 0 and 1000, got -1"},
  {"RetriesTooMany", "hard_stop_after_retries: 3", "hard_stop_after_retries: 1001", "task.hard_stop_after_retries", "1001", "must be between 0 and 1000, got 1001"},
  {"MinUsefulZero", "min_useful_output_tokens: 64", "min_useful_output_tokens: 0", "task.min_useful_output_tokens", "min_useful", "must be between 1 and 1000000000, got 0"},
  {"ReserveWord", "reserve_for_human_handoff: 0.02", "reserve_for_human_handoff: some", "task.reserve_for_human_handoff", "some", "got 'some'"},
  {"TaskUnknownKeySuggests", "hard_stop_after_retries: 3", "hard_stop_after_retry: 3", "task.hard_stop_after_retry", "retry: 3", "did you mean 'hard_stop_after_retries'?"},

  // task: rules between fields.
  {"ReservesTogetherOverTotal", "total_dollars: 0.50", "total_dollars: 0.06", "task.reserve_for_human_handoff", "reserve_for_human_handoff", "reserve_for_final_synthesis + reserve_for_human_handoff ($0.07) exceeds total_dollars ($0.06)"},
  {"ReserveAloneOverTotal", "reserve_for_final_synthesis: 0.05", "reserve_for_final_synthesis: 0.75", "task.reserve_for_final_synthesis", "0.75", "reserve_for_final_synthesis ($0.75) exceeds total_dollars ($0.50)"},
  {"ReserveWithoutTotal", "  total_dollars: 0.50\n", "", "task.reserve_for_final_synthesis", "reserve_for_final_synthesis", "a reserve has no effect without total_dollars"},
  {"MinUsefulOverMaxOutput", "min_useful_output_tokens: 64", "min_useful_output_tokens: 5000", "task.min_useful_output_tokens", "5000", "min_useful_output_tokens (5000) must not exceed max_output_tokens (4096): every call would be refused"},

  // session and tenant.
  {"SessionNotMapping", "session:\n  total_dollars: 5.00\n", "session: 5.00\n", "session", "session:", "expected a mapping, got '5.00'"},
  {"SessionUnknownKey", "session:\n  total_dollars: 5.00\n", "session:\n  dollars_per_day: 5.00\n", "session.dollars_per_day", "dollars_per_day: 5.00", "unknown key 'dollars_per_day' (expected one of: total_dollars)"},
  {"SessionTotalWord", "total_dollars: 5.00", "total_dollars: five", "session.total_dollars", "five", "got 'five'"},
  {"TenantDayOverMonth", "dollars_per_day: 50", "dollars_per_day: 2000", "tenant.dollars_per_day", "2000", "dollars_per_day ($2000.00) exceeds dollars_per_month ($1000.00); it could never be reached"},
  {"TenantUnknownKeySuggests", "dollars_per_month: 1000", "dollars_per_mont: 1000", "tenant.dollars_per_mont", "mont:", "did you mean 'dollars_per_month'?"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Policy, PolicyError, ::testing::ValuesIn(kPolicyFileCases),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(PolicyFile, ADefaultThatBreaksARuleIsNamedAsTheDefault) {
  const PolicyLoadResult result = load("name: p\ntask:\n  max_output_tokens: 16\n");
  ASSERT_EQ(result.errors.size(), 1u) << dump(result.errors);
  EXPECT_EQ(result.errors[0].to_string(),
            "policies/p.yaml:2: task.min_useful_output_tokens: min_useful_output_tokens (64) must "
            "not exceed max_output_tokens (16): every call would be refused "
            "(min_useful_output_tokens is not set, so its default applies)");
}

TEST(PolicyFile, EveryErrorIsCollectedInLineOrder) {
  std::string yaml = testing::replaced(std::string{kPolicy}, "name: p", "name: a b");
  yaml = testing::replaced(yaml, "on_exhausted: degrade", "on_exhausted: maybe");
  yaml = testing::replaced(yaml, "max_output_tokens: 4096", "max_output_tokens: lots");
  yaml = testing::replaced(yaml, "dollars_per_day: 50", "dollars_per_day: 5000");
  const PolicyLoadResult result = load(yaml);
  std::vector<std::pair<int, std::string>> got;
  for (const ConfigError& e : result.errors) {
    got.emplace_back(e.line, e.field);
  }
  const std::vector<std::pair<int, std::string>> expected = {
      {1, "name"},
      {5, "on_exhausted"},
      {9, "task.max_output_tokens"},
      {17, "tenant.dollars_per_day"},
  };
  EXPECT_EQ(got, expected) << dump(result.errors);
}

TEST(PolicyFile, EmptyFileIsAnError) {
  for (const char* text : {"", "# only a comment\n"}) {
    const PolicyLoadResult result = load(text);
    EXPECT_EQ(result.policies, nullptr);
    ASSERT_EQ(result.errors.size(), 1u) << dump(result.errors);
    EXPECT_EQ(result.errors[0].to_string(),
              "policies/p.yaml:1: the file is empty (expected a policy: a mapping with a name and "
              "budgets; one policy per file)");
  }
}

TEST(PolicyFile, OnePolicyPerFile) {
  const PolicyLoadResult result = load("name: a\n---\nname: b\n");
  ASSERT_EQ(result.errors.size(), 1u) << dump(result.errors);
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_EQ(result.errors[0].message, "expected one YAML document, found 2");
}

TEST(PolicyFile, DocumentMustBeAMapping) {
  const PolicyLoadResult result = load("- name: a\n");
  ASSERT_EQ(result.errors.size(), 1u) << dump(result.errors);
  EXPECT_EQ(result.errors[0].to_string(), "policies/p.yaml:1: expected a mapping, got a list");
}

TEST(PolicyFile, SyntaxErrorIsOneErrorWithItsLine) {
  const PolicyLoadResult result = load("name: p\ntask: {total_dollars: 1\n");
  ASSERT_EQ(result.errors.size(), 1u) << dump(result.errors);
  EXPECT_GE(result.errors[0].line, 2);
  EXPECT_EQ(result.errors[0].field, "");
  EXPECT_NE(result.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(PolicyFile, OddYamlIsAnErrorNotAnException) {
  for (const char* text : {"name: *undefined\n", "!!binary x: 1\n", "name: p\ntask: !!map [1]\n",
                           "? [a, b]\n: c\n", "name: \"\\xff\"\n"}) {
    PolicyLoadResult result;
    EXPECT_NO_THROW(result = load(text)) << text;
    if (result.policies == nullptr) {
      EXPECT_FALSE(result.errors.empty()) << text;
    }
  }
}

}  // namespace
}  // namespace governor::config
