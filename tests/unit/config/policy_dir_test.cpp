// A directory of policy files: which files are read, the rules across files, every error of
// every file at once; and the rules between the gateway config and the policies.
#include <gtest/gtest.h>

#include <filesystem>

#include "config_test_support.hpp"
#include "governor/config/policy_loader.hpp"

namespace governor::config {
namespace {

using testing::dump;
using testing::policy_fixture;

std::vector<std::string> names_of(const PolicySet& set) {
  std::vector<std::string> names;
  for (const Policy& p : set.policies) {
    names.push_back(p.name);
  }
  return names;
}

TEST(PolicyDir, LoadsEveryPolicyFileSortedByName) {
  const std::string dir = policy_fixture("good");
  const PolicyLoadResult result = load_policy_dir(dir);
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  const PolicySet& set = *result.policies;
  EXPECT_EQ(set.directory, dir);
  // .yaml and .yml; notes.txt, .hidden.yaml and the directory nested.yaml/ are skipped.
  EXPECT_EQ(names_of(set), (std::vector<std::string>{"default", "internal-ci", "research"}));
  EXPECT_EQ(set.find("research")->source, dir + "/research.yml");
  EXPECT_EQ(set.find("internal-ci")->match.keys, std::vector<std::string>{"ci-bot"});
  EXPECT_EQ(set.find("default")->on_exhausted, OnExhausted::degrade);
  EXPECT_EQ(set.select("", "lab", "")->name, "research");
  EXPECT_EQ(set.lines.size(), 3u);
  EXPECT_EQ(set.lines.at("internal-ci").line_of("match.keys[0]"), 4);
}

TEST(PolicyDir, EmptyDirectoryIsAnEmptySet) {
  const testing::TempDir dir;
  const PolicyLoadResult result = load_policy_dir(dir.str());
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  EXPECT_TRUE(result.policies->policies.empty());
  EXPECT_EQ(result.policies->select("", "ci", "key"), nullptr);
}

TEST(PolicyDir, DuplicateNameAndTrustDomainNameBothFiles) {
  const std::string dir = policy_fixture("duplicate");
  const PolicyLoadResult result = load_policy_dir(dir);
  EXPECT_EQ(result.policies, nullptr);
  ASSERT_EQ(result.errors.size(), 2u) << dump(result.errors);
  EXPECT_EQ(result.errors[0].to_string(),
            dir + "/b.yaml:2: name: policy name 'shared' is already used by " + dir + "/a.yaml");
  EXPECT_EQ(result.errors[1].to_string(),
            dir +
                "/b.yaml:4: match.trust_domains[0]: trust domain 'ci' is already matched by "
                "policy 'shared' (" +
                dir + "/a.yaml); a call would match two policies");
}

TEST(PolicyDir, KeyMatchedByTwoPoliciesIsAmbiguous) {
  const testing::TempDir dir;
  dir.write("a.yaml", "name: a\nmatch: {keys: [ci-bot]}\n");
  dir.write("b.yml", "name: b\nmatch:\n  keys: [other, ci-bot]\n");
  const PolicyLoadResult result = load_policy_dir(dir.str());
  ASSERT_EQ(result.errors.size(), 1u) << dump(result.errors);
  EXPECT_EQ(result.errors[0].file, dir.str() + "/b.yml");
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_EQ(result.errors[0].field, "match.keys[1]");
  EXPECT_EQ(result.errors[0].message, "key 'ci-bot' is already matched by policy 'a' (" +
                                          dir.str() + "/a.yaml); a call would match two policies");
}

TEST(PolicyDir, ReportsTheErrorsOfEveryFileAtOnce) {
  const std::string dir = policy_fixture("broken");
  const PolicyLoadResult result = load_policy_dir(dir);
  EXPECT_EQ(result.policies, nullptr) << "one bad file rejects the whole set";
  std::vector<std::tuple<std::string, int, std::string>> got;
  for (const ConfigError& e : result.errors) {
    got.emplace_back(std::filesystem::path{e.file}.filename().string(), e.line, e.field);
  }
  const std::vector<std::tuple<std::string, int, std::string>> expected = {
      {"budget.yaml", 2, "task.min_useful_output_tokens"},
      {"budget.yaml", 5, "task.reserve_for_human_handoff"},
      {"syntax.yaml", 3, ""},
      {"unknown.yml", 3, "task.total_dolars"},
      {"unknown.yml", 4, "steps"},
  };
  EXPECT_EQ(got, expected) << dump(result.errors);
}

TEST(PolicyDir, MissingDirectoryIsOneError) {
  const PolicyLoadResult result = load_policy_dir("/nonexistent-governor-policies");
  EXPECT_EQ(result.policies, nullptr);
  ASSERT_EQ(result.errors.size(), 1u) << dump(result.errors);
  EXPECT_EQ(result.errors[0].to_string(),
            "/nonexistent-governor-policies: cannot read the policies directory: No such file or "
            "directory");
}

TEST(PolicyDir, AFileIsNotADirectory) {
  const PolicyLoadResult result = load_policy_dir(policy_fixture("good/default.yaml"));
  ASSERT_EQ(result.errors.size(), 1u) << dump(result.errors);
  EXPECT_NE(result.errors[0].message.find("cannot read the policies directory"), std::string::npos);
}

TEST(PolicyDir, BrokenSymlinkIsReportedNotSkipped) {
  const testing::TempDir dir;
  dir.write("ok.yaml", "name: ok\n");
  std::filesystem::create_symlink(dir.path() / "gone.yaml", dir.path() / "link.yaml");
  const PolicyLoadResult result = load_policy_dir(dir.str());
  ASSERT_EQ(result.errors.size(), 1u) << dump(result.errors);
  EXPECT_EQ(result.errors[0].file, dir.str() + "/link.yaml");
  EXPECT_NE(result.errors[0].message.find("cannot read the file"), std::string::npos);
}

TEST(PolicyDir, ReloadingAFixedDirectorySucceeds) {
  // What a reload sees: first a bad file (no set: the server keeps its old one), then the fix.
  const testing::TempDir dir;
  dir.write("default.yaml", "name: default\ntask: {total_dollars: 1, max_input_tokens: 0}\n");
  EXPECT_EQ(load_policy_dir(dir.str()).policies, nullptr);
  dir.write("default.yaml", "name: default\ntask: {total_dollars: 1, max_input_tokens: 10}\n");
  const PolicyLoadResult fixed = load_policy_dir(dir.str());
  ASSERT_NE(fixed.policies, nullptr) << dump(fixed.errors);
  EXPECT_EQ(fixed.policies->find("default")->task.max_input_tokens, 10);
}

// --- check_policies_against_config -------------------------------------------------------

GatewayConfigPtr load_fixture(std::string_view name) {
  const LoadResult result = load_config_file(testing::fixture(name), testing::empty_env());
  EXPECT_NE(result.config, nullptr) << dump(result);
  return result.config;
}

PolicySetPtr load_good() {
  const PolicyLoadResult result = load_policy_dir(policy_fixture("good"));
  EXPECT_NE(result.policies, nullptr) << dump(result.errors);
  return result.policies;
}

TEST(PoliciesAgainstConfig, ConsistentFixturesHaveNoErrors) {
  const GatewayConfigPtr config = load_fixture("with_policies.yaml");
  const PolicySetPtr policies = load_good();
  ASSERT_TRUE(config && policies);
  EXPECT_EQ(check_policies_against_config(*config, *policies), std::vector<ConfigError>{});
}

TEST(PoliciesAgainstConfig, DanglingNamesOnBothSidesPointAtTheirFiles) {
  const GatewayConfigPtr config = load_fixture("with_dangling_policy.yaml");
  const PolicySetPtr policies = load_good();
  ASSERT_TRUE(config && policies);
  const std::vector<ConfigError> errors = check_policies_against_config(*config, *policies);
  ASSERT_EQ(errors.size(), 2u) << dump(errors);
  EXPECT_EQ(errors[0].to_string(),
            testing::fixture("with_dangling_policy.yaml") +
                ":17: auth.keys[0].policies[1]: policy 'nightly' is not defined (defined: "
                "default, internal-ci, research)");
  EXPECT_EQ(errors[1].to_string(),
            policy_fixture("good/internal-ci.yaml") +
                ":4: match.keys[0]: key 'ci-bot' is not defined in auth.keys of " +
                testing::fixture("with_dangling_policy.yaml") +
                " (defined: ci-robot); did you mean 'ci-robot'?");
}

TEST(PoliciesAgainstConfig, NoPoliciesLoaded) {
  const GatewayConfigPtr config = load_fixture("with_policies.yaml");
  ASSERT_TRUE(config);
  const std::vector<ConfigError> errors = check_policies_against_config(*config, PolicySet{});
  // ci-bot names internal-ci; analyst's "*" needs nothing.
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].field, "auth.keys[0].policies[0]");
  EXPECT_EQ(errors[0].message,
            "policy 'internal-ci' is not defined (no policies are loaded; see policies.dir)");
}

TEST(PoliciesAgainstConfig, MatchedKeysNeedAuthKeys) {
  const LoadResult no_keys = testing::load(testing::kValid);
  const PolicySetPtr policies = load_good();
  ASSERT_TRUE(no_keys.config && policies);
  const std::vector<ConfigError> errors = check_policies_against_config(*no_keys.config, *policies);
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].message,
            "key 'ci-bot' is not defined in auth.keys of test.yaml (auth has no keys)");
}

TEST(PoliciesAgainstConfig, ConfigsBuiltInCodeHaveNoLines) {
  GatewayConfig config;
  config.source = "built-in";
  config.auth.keys.push_back(AuthKey{"k", std::string(64, 'a'), "t", {"gone"}, {}});
  const std::vector<ConfigError> errors = check_policies_against_config(config, PolicySet{});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 0);
  EXPECT_EQ(errors[0].to_string(),
            "built-in: auth.keys[0].policies[0]: policy 'gone' is not defined (no policies are "
            "loaded; see policies.dir)");
}

TEST(FieldLines, FallsBackToTheNearestRecordedAncestor) {
  FieldLines lines;
  lines.note("a", 1);
  lines.note("a[2]", 5);
  lines.note("a[2].b", 6);
  lines.note("a[2].b", 99);  // the first record wins
  EXPECT_EQ(lines.line_of("a[2].b"), 6);
  EXPECT_EQ(lines.line_of("a[2].b.c[0]"), 6);
  EXPECT_EQ(lines.line_of("a[2].z"), 5);
  EXPECT_EQ(lines.line_of("a[3]"), 1);
  EXPECT_EQ(lines.line_of("b"), 0);
  EXPECT_TRUE(lines.has("a[2]"));
  EXPECT_FALSE(lines.has("a[2].z"));
  EXPECT_TRUE(FieldLines{}.empty());
}

}  // namespace
}  // namespace governor::config
