// Whole-file behaviour: fixtures, defaults, values, syntax errors, error collection, and the
// environment-dependent `when_key_missing` resolution.
#include "governor/config/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "config_test_support.hpp"

namespace governor::config {
namespace {

using testing::dump;
using testing::empty_env;
using testing::env_of;
using testing::fixture;
using testing::kValid;

TEST(LoadFile, MinimalFixtureGetsEveryDefault) {
  const LoadResult result = load_config_file(fixture("minimal.yaml"), empty_env());
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_TRUE(result.notices.empty());
  const GatewayConfig& config = *result.config;
  EXPECT_EQ(config.source, fixture("minimal.yaml"));
  EXPECT_EQ(config.listen, ListenConfig{});
  EXPECT_EQ(config.logs, LogConfig{});
  EXPECT_EQ(config.routing.aliases, std::vector<std::string>{"auto"});
  EXPECT_EQ(config.routing.default_tier, "only");
  ASSERT_EQ(config.upstreams.size(), 1u);
  const UpstreamConfig& up = config.upstreams[0];
  EXPECT_EQ(up.name, "local");
  EXPECT_EQ(up.model, "local");  // defaults to the name
  EXPECT_EQ(up.base_url, "http://127.0.0.1:8091/v1");
  EXPECT_EQ(up.api_key_env, "");
  EXPECT_EQ(up.prices, ModelPrices{});
  EXPECT_EQ(up.context_window, 128'000);
  EXPECT_EQ(up.capabilities, Capabilities{});
  EXPECT_EQ(up.fallback, "");
  EXPECT_EQ(up.timeouts, UpstreamTimeouts{});
  EXPECT_EQ(up.retry, RetryConfig{});
  EXPECT_EQ(up.tls, TlsConfig{});
  EXPECT_EQ(up.pool, PoolConfig{});
  EXPECT_FALSE(up.simulated);
  ASSERT_EQ(config.tiers.size(), 1u);
  EXPECT_EQ(config.tiers[0], (TierConfig{"only", {"local"}}));
}

TEST(LoadText, ReadsEveryValueGiven) {
  const std::string yaml = R"(listen:
  address: "::"
  port: 9000
  workers: 4
  max_body_bytes: 1024
  max_header_bytes: 2048
  read_timeout_ms: 11
  idle_timeout_ms: 12
  drain_timeout_ms: 13
upstreams:
  - name: m
    base_url: https://[::1]:8443/openai/v1//
    model: m-2024
    api_key_env: M_KEY
    when_key_missing: {base_url: http://127.0.0.1:8091/v1/}
    price_per_million: {input: "1.234567", output: 0}
    context_window: 32000
    capabilities: [logprobs, json_mode]
    timeouts: {connect_ms: 1, first_byte_ms: 2, idle_ms: 3, total_ms: 4}
    retry: {max_attempts: 1, backoff_ms: 0, max_backoff_ms: 0}
    tls: {verify_peer: false}
    pool: {max_idle: 0, idle_timeout_ms: 5}
tiers:
  - {name: t, upstreams: [m]}
routing:
  aliases: [auto, governor/auto]
  default_tier: t
logs: {level: off, access_log: false}
auth:  # listening on "::" needs keys
  keys:
    - name: k
      sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
      tenant: t1
ledger: {backend: sqlite, data_dir: /tmp/governor-ledger-test, max_batch: 7, fsync: true}
admin: {enabled: false, address: "::1", port: 9001}
)";
  const LoadResult result = load_config_text(yaml, "values.yaml", env_of({{"M_KEY", "sk"}}));
  ASSERT_NE(result.config, nullptr) << dump(result);
  const GatewayConfig& c = *result.config;
  EXPECT_EQ(c.listen,
            (ListenConfig{"::", 9000, 4, 1024, 2048, Millis{11}, Millis{12}, Millis{13}}));
  const UpstreamConfig& up = c.upstreams.at(0);
  EXPECT_EQ(up.base_url, "https://[::1]:8443/openai/v1");
  EXPECT_EQ(up.model, "m-2024");
  EXPECT_EQ(up.api_key_env, "M_KEY");
  EXPECT_EQ(up.prices.input.micros_per_million, 1'234'567);
  EXPECT_EQ(up.prices.output.micros_per_million, 0);
  EXPECT_EQ(up.context_window, 32'000);
  EXPECT_EQ(up.capabilities, (Capabilities{false, true, true, false}));
  EXPECT_EQ(up.timeouts, (UpstreamTimeouts{Millis{1}, Millis{2}, Millis{3}, Millis{4}}));
  EXPECT_EQ(up.retry, (RetryConfig{1, Millis{0}, Millis{0}}));
  EXPECT_EQ(up.tls, (TlsConfig{false, ""}));
  EXPECT_EQ(up.pool, (PoolConfig{0, Millis{5}}));
  EXPECT_FALSE(up.simulated);  // the key is set
  EXPECT_EQ(c.routing.aliases, (std::vector<std::string>{"auto", "governor/auto"}));
  EXPECT_EQ(c.logs, (LogConfig{"off", false}));
  ASSERT_EQ(c.auth.keys.size(), 1u);
  EXPECT_EQ(c.auth.keys[0].tenant, "t1");
  EXPECT_EQ(c.ledger, (LedgerConfig{"sqlite", "/tmp/governor-ledger-test", 7, true}));
  EXPECT_EQ(c.admin, (AdminConfig{false, "::1", 9001}));
  EXPECT_EQ(result.notices,
            std::vector<std::string>{"upstream 'm': tls.verify_peer is false; the upstream's "
                                     "certificate is not checked"});
}

TEST(LoadFile, SyntaxErrorIsOneErrorWithItsLine) {
  const LoadResult result = load_config_file(fixture("syntax_error.yaml"), empty_env());
  EXPECT_EQ(result.config, nullptr);
  ASSERT_EQ(result.errors.size(), 1u) << dump(result);
  const ConfigError& e = result.errors[0];
  EXPECT_EQ(e.file, fixture("syntax_error.yaml"));
  // The flow mapping opened on line 4 is never closed; yaml-cpp notices on line 4 or 5.
  EXPECT_GE(e.line, 4) << e.to_string();
  EXPECT_LE(e.line, 5) << e.to_string();
  EXPECT_EQ(e.field, "");
  EXPECT_NE(e.message.find("YAML syntax error"), std::string::npos) << e.to_string();
}

TEST(LoadText, SyntaxErrorInBlockStructure) {
  const LoadResult result =
      load_config_text("listen:\n  port: 1\n bad: [\n", "x.yaml", empty_env());
  ASSERT_EQ(result.errors.size(), 1u) << dump(result);
  EXPECT_GT(result.errors[0].line, 0);
  EXPECT_NE(result.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(LoadFile, EmptyFileIsAnError) {
  const LoadResult result = load_config_file(fixture("empty.yaml"), empty_env());
  EXPECT_EQ(result.config, nullptr);
  ASSERT_EQ(result.errors.size(), 1u) << dump(result);
  EXPECT_EQ(result.errors[0].line, 1);
  EXPECT_NE(result.errors[0].message.find("empty"), std::string::npos);

  const LoadResult blank = load_config_text("", "blank.yaml", empty_env());
  ASSERT_EQ(blank.errors.size(), 1u) << dump(blank);
  EXPECT_EQ(blank.errors[0].to_string(),
            "blank.yaml:1: the file is empty (expected a mapping with upstreams, tiers and "
            "routing)");
}

TEST(LoadFile, MissingFileIsAnErrorNotAnException) {
  const LoadResult result = load_config_file(fixture("no-such-file.yaml"), empty_env());
  EXPECT_EQ(result.config, nullptr);
  ASSERT_EQ(result.errors.size(), 1u) << dump(result);
  EXPECT_EQ(result.errors[0].line, 0);
  EXPECT_NE(result.errors[0].to_string().find("no-such-file.yaml: cannot read the file"),
            std::string::npos)
      << result.errors[0].to_string();

  const LoadResult dir = load_config_file(testing::source_dir(), empty_env());
  ASSERT_EQ(dir.errors.size(), 1u) << dump(dir);
  EXPECT_NE(dir.errors[0].message.find("directory"), std::string::npos);
}

TEST(LoadText, DocumentMustBeOneMapping) {
  const LoadResult list = load_config_text("- a\n- b\n", "x.yaml", empty_env());
  ASSERT_EQ(list.errors.size(), 1u) << dump(list);
  EXPECT_EQ(list.errors[0].to_string(), "x.yaml:1: expected a mapping, got a list");

  const LoadResult two =
      load_config_text(std::string{kValid} + "---\nlisten: {}\n", "x.yaml", empty_env());
  ASSERT_EQ(two.errors.size(), 1u) << dump(two);
  EXPECT_NE(two.errors[0].message.find("expected one YAML document, found 2"), std::string::npos);
}

TEST(LoadText, NullSectionsMeanDefaults) {
  const LoadResult result = testing::load(std::string{kValid} + "logs:\n");
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_EQ(result.config->logs, LogConfig{});
}

TEST(LoadFile, CollectsEveryErrorInLineOrder) {
  const LoadResult result = load_config_file(fixture("many_errors.yaml"), empty_env());
  EXPECT_EQ(result.config, nullptr);
  std::vector<std::pair<int, std::string>> got;
  for (const ConfigError& e : result.errors) {
    got.emplace_back(e.line, e.field);
  }
  const std::vector<std::pair<int, std::string>> expected = {
      {3, "listen.port"},
      {4, "listen.workers"},
      {7, "upstreams[0].base_url"},
      {8, "upstreams[0].price_per_million.input"},
      {9, "upstreams[0].timeouts.timeout"},
      {12, "upstreams[1].price_per_million.output"},
      {13, "upstreams[1].fallback"},
      {16, "tiers[0].upstreams[1]"},
      {18, "routing.default_tier"},
      {20, "logs.access_log"},
  };
  EXPECT_EQ(got, expected) << dump(result);
  ASSERT_FALSE(result.errors.empty());
  EXPECT_EQ(result.errors[0].to_string(),
            fixture("many_errors.yaml") + ":3: listen.port: expected an integer, got 'abc'");
}

// --- when_key_missing --------------------------------------------------------------------

std::string with_when_key_missing(std::string_view block) {
  return testing::replaced(std::string{kValid}, "    fallback: small\n",
                           "    fallback: small\n" + std::string{block});
}

TEST(WhenKeyMissing, KeySetKeepsTheRealUpstream) {
  const std::string yaml = with_when_key_missing(
      "    when_key_missing: {base_url: http://127.0.0.1:8091/v1, model: sim-large}\n");
  const LoadResult result = testing::load(yaml, env_of({{"EXAMPLE_KEY", "sk-test"}}));
  ASSERT_NE(result.config, nullptr) << dump(result);
  const UpstreamConfig& up = result.config->upstreams[1];
  EXPECT_EQ(up.base_url, "https://api.example.com/v1");  // trailing slash trimmed
  EXPECT_EQ(up.model, "large-2024");
  EXPECT_FALSE(up.simulated);
  EXPECT_TRUE(result.notices.empty());
}

TEST(WhenKeyMissing, UnsetOrEmptyKeySwitchesToTheFallback) {
  const std::string yaml = with_when_key_missing(
      "    when_key_missing: {base_url: http://127.0.0.1:8091/v1/, model: sim-large}\n");
  for (const EnvLookup& env : {empty_env(), env_of({{"EXAMPLE_KEY", ""}})}) {
    const LoadResult result = testing::load(yaml, env);
    ASSERT_NE(result.config, nullptr) << dump(result);
    const UpstreamConfig& up = result.config->upstreams[1];
    EXPECT_EQ(up.base_url, "http://127.0.0.1:8091/v1");
    EXPECT_EQ(up.model, "sim-large");
    EXPECT_TRUE(up.simulated);
    EXPECT_EQ(up.api_key_env, "EXAMPLE_KEY");
    EXPECT_EQ(result.notices, std::vector<std::string>{
                                  "upstream 'large': EXAMPLE_KEY is not set; using "
                                  "when_key_missing http://127.0.0.1:8091/v1 (model sim-large)"});
    EXPECT_FALSE(result.config->upstreams[0].simulated);  // no api_key_env: untouched
  }
}

TEST(WhenKeyMissing, ModelDefaultsToTheOuterModel) {
  const std::string yaml =
      with_when_key_missing("    when_key_missing:\n      base_url: http://sim:8091/v1\n");
  const LoadResult result = testing::load(yaml, empty_env());
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_EQ(result.config->upstreams[1].model, "large-2024");
  EXPECT_EQ(result.config->upstreams[1].base_url, "http://sim:8091/v1");
}

TEST(WhenKeyMissing, AbsentMeansNoAuthorizationNotice) {
  const LoadResult result = testing::load(kValid, empty_env());
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_FALSE(result.config->upstreams[1].simulated);
  EXPECT_EQ(result.config->upstreams[1].base_url, "https://api.example.com/v1");
  EXPECT_EQ(result.notices, std::vector<std::string>{"upstream 'large': EXAMPLE_KEY is not set; "
                                                     "calls go without an Authorization header"});
}

TEST(ProcessEnv, ReadsTheRealEnvironment) {
  const EnvLookup env = process_env();
  ::setenv("GOVERNOR_CONFIG_TEST_VAR", "value", 1);
  EXPECT_EQ(env("GOVERNOR_CONFIG_TEST_VAR"), std::optional<std::string>{"value"});
  ::unsetenv("GOVERNOR_CONFIG_TEST_VAR");
  EXPECT_EQ(env("GOVERNOR_CONFIG_TEST_VAR"), std::nullopt);
}

}  // namespace
}  // namespace governor::config
