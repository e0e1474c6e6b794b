// The shipped config/governor.yaml, the shipped policies/, and the examples in
// docs/configuration.md and docs/policies.md must always load.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config_test_support.hpp"
#include "governor/config/policy_loader.hpp"

namespace governor::config {
namespace {

using testing::dump;

std::string shipped_path() {
  return testing::source_dir() + "/config/governor.yaml";
}

TEST(ShippedConfig, LoadsWithTheKeyAndCallsOpenAI) {
  const LoadResult result =
      load_config_file(shipped_path(), testing::env_of({{"OPENAI_API_KEY", "sk-test"}}));
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_TRUE(result.notices.empty());
  const GatewayConfig& c = *result.config;
  EXPECT_EQ(c.listen.address, "127.0.0.1");
  EXPECT_EQ(c.listen.port, 8080);
  ASSERT_EQ(c.upstreams.size(), 2u);

  const UpstreamConfig& mini = c.upstreams[0];
  EXPECT_EQ(mini.name, "gpt-4o-mini");
  EXPECT_EQ(mini.base_url, "https://api.openai.com/v1");
  EXPECT_EQ(mini.model, "gpt-4o-mini");
  EXPECT_EQ(mini.api_key_env, "OPENAI_API_KEY");
  EXPECT_EQ(mini.prices.input.micros_per_million, 150'000);
  EXPECT_EQ(mini.prices.output.micros_per_million, 600'000);
  EXPECT_EQ(mini.fallback, "");
  EXPECT_EQ(mini.context_window, 128'000);
  EXPECT_EQ(mini.capabilities, (Capabilities{true, true, true, true}));
  EXPECT_FALSE(mini.simulated);

  const UpstreamConfig& big = c.upstreams[1];
  EXPECT_EQ(big.name, "gpt-4o");
  EXPECT_EQ(big.model, "gpt-4o");
  EXPECT_EQ(big.prices.input.micros_per_million, 2'500'000);
  EXPECT_EQ(big.prices.output.micros_per_million, 10'000'000);
  EXPECT_EQ(big.fallback, "gpt-4o-mini");
  EXPECT_FALSE(big.simulated);

  EXPECT_EQ(c.tier_of("gpt-4o-mini"), 0);
  EXPECT_EQ(c.tier_of("gpt-4o"), 1);
  EXPECT_EQ(c.tiers[0].name, "cheap");
  EXPECT_EQ(c.tiers[1].name, "premium");
  EXPECT_EQ(c.routing.aliases, std::vector<std::string>{"auto"});
  EXPECT_EQ(c.routing.default_tier, "cheap");

  // No keys, so loopback only; the ledger and policies next to the config, made absolute.
  EXPECT_FALSE(c.auth.enabled());
  const std::filesystem::path root = testing::source_dir();
  EXPECT_EQ(c.ledger, (LedgerConfig{"sqlite", (root / "var/ledger").string(), 1024}));
  EXPECT_EQ(c.policies.dir, (root / "policies").string());
  EXPECT_EQ(c.admin, (AdminConfig{true, "127.0.0.1", 8081}));
}

TEST(ShippedPolicies, LoadAndAgreeWithTheShippedConfig) {
  const LoadResult config = load_config_file(shipped_path(), testing::empty_env());
  ASSERT_NE(config.config, nullptr) << dump(config);
  const PolicyLoadResult result = load_policy_dir(config.config->policies.dir);
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  const PolicySet& set = *result.policies;
  ASSERT_EQ(set.policies.size(), 3u);
  EXPECT_EQ(check_policies_against_config(*config.config, set), std::vector<ConfigError>{});

  // The default policy is what an unconfigured agent gets: pin its numbers.
  const Policy* fallback = set.select("", "", "");
  ASSERT_NE(fallback, nullptr);
  EXPECT_EQ(fallback->name, "default");
  EXPECT_EQ(fallback->on_exhausted, OnExhausted::degrade);
  EXPECT_EQ(fallback->task.total_dollars, MicroUsd{1'000'000});
  EXPECT_EQ(fallback->task.reserve_for_final_synthesis, MicroUsd{50'000});
  EXPECT_EQ(fallback->task.reserve_for_human_handoff, MicroUsd{20'000});
  EXPECT_EQ(fallback->task.hard_stop_after_retries, 3u);
  EXPECT_EQ(set.select("", "ci", "")->name, "internal-ci");
  EXPECT_EQ(set.select("", "research", "")->name, "research");
  EXPECT_EQ(set.find("internal-ci")->on_exhausted, OnExhausted::reject);
  // Every shipped policy is one a client could open a task under unchanged.
  for (const Policy& p : set.policies) {
    EXPECT_TRUE(p.task.admits(p.task)) << p.name;
    EXPECT_EQ(check_task_budget(p.task), std::vector<BudgetProblem>{}) << p.name;
  }
}

TEST(ShippedConfig, LoadsWithoutTheKeyAndUsesTheSimulator) {
  const LoadResult result = load_config_file(shipped_path(), testing::empty_env());
  ASSERT_NE(result.config, nullptr) << dump(result);
  const auto& ups = result.config->upstreams;
  EXPECT_TRUE(ups[0].simulated);
  EXPECT_EQ(ups[0].base_url, "http://127.0.0.1:8091/v1");
  EXPECT_EQ(ups[0].model, "sim-small");
  EXPECT_TRUE(ups[1].simulated);
  EXPECT_EQ(ups[1].base_url, "http://127.0.0.1:8091/v1");
  EXPECT_EQ(ups[1].model, "sim-large");
  // Prices stay the real ones: budgets behave the same against the simulator.
  EXPECT_EQ(ups[1].prices.input.micros_per_million, 2'500'000);
  EXPECT_EQ(result.notices,
            (std::vector<std::string>{
                "upstream 'gpt-4o-mini': OPENAI_API_KEY is not set; using when_key_missing "
                "http://127.0.0.1:8091/v1 (model sim-small)",
                "upstream 'gpt-4o': OPENAI_API_KEY is not set; using when_key_missing "
                "http://127.0.0.1:8091/v1 (model sim-large)"}));
}

// Every ```yaml block in the reference that starts with a top-level key must load: the docs
// never show a config that `governor check` would reject. Blocks marked `# fragment` are
// excerpts and are skipped.
TEST(ConfigurationDoc, ExamplesLoad) {
  std::ifstream in{testing::source_dir() + "/docs/configuration.md"};
  ASSERT_TRUE(in.is_open());
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  int checked = 0;
  for (std::size_t at = doc.find("```yaml\n"); at != std::string::npos;
       at = doc.find("```yaml\n", at + 1)) {
    const std::size_t begin = at + 8;
    const std::size_t end = doc.find("```", begin);
    ASSERT_NE(end, std::string::npos);
    const std::string block = doc.substr(begin, end - begin);
    if (block.find("# fragment") != std::string::npos) {
      continue;
    }
    // Named by its real path, so relative directories in examples resolve as they would for
    // a config file in docs/.
    const LoadResult result = load_config_text(
        block, testing::source_dir() + "/docs/configuration.md", testing::empty_env());
    EXPECT_NE(result.config, nullptr) << "example at offset " << at << ":\n"
                                      << block << dump(result);
    ++checked;
  }
  EXPECT_GE(checked, 1);
}

// Every ```yaml block of the policy reference that starts with `name:` is a whole policy file
// and must load; other blocks are configs or fragments.
TEST(PoliciesDoc, ExamplePoliciesLoad) {
  std::ifstream in{testing::source_dir() + "/docs/policies.md"};
  ASSERT_TRUE(in.is_open());
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  int checked = 0;
  for (std::size_t at = doc.find("```yaml\n"); at != std::string::npos;
       at = doc.find("```yaml\n", at + 1)) {
    const std::size_t begin = at + 8;
    const std::size_t end = doc.find("```", begin);
    ASSERT_NE(end, std::string::npos);
    const std::string block = doc.substr(begin, end - begin);
    if (block.find("# fragment") != std::string::npos || !block.starts_with("name:")) {
      continue;
    }
    const PolicyLoadResult result = load_policy_text(block, "docs/policies.md");
    EXPECT_NE(result.policies, nullptr) << "example at offset " << at << ":\n"
                                        << block << dump(result.errors);
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

}  // namespace
}  // namespace governor::config
