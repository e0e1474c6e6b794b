// Structural rules: types, ranges, formats, unknown and missing keys. Each case edits one spot
// of the valid base config and expects one specific error at an exact line and field.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace governor::config {
namespace {

using testing::kValid;

struct TypeCase {
  const char* name;
  const char* from;     ///< snippet of kValid to replace
  const char* to;       ///< replacement
  const char* field;    ///< expected ConfigError::field
  const char* at;       ///< the expected line is the first line of the edited text containing this
  const char* message;  ///< expected substring of ConfigError::message
};

std::ostream& operator<<(std::ostream& os, const TypeCase& c) {
  return os << c.name;
}

class StructuralError : public ::testing::TestWithParam<TypeCase> {};

TEST_P(StructuralError, IsReportedAtItsLineAndField) {
  const TypeCase& c = GetParam();
  const std::string yaml = testing::replaced(std::string{kValid}, c.from, c.to);
  const LoadResult result = testing::load(yaml);
  EXPECT_EQ(result.config, nullptr);
  const ConfigError* error = testing::error_for(result, c.field);
  ASSERT_NE(error, nullptr) << "no error for " << c.field << "; got:\n" << testing::dump(result);
  EXPECT_EQ(error->file, "test.yaml");
  EXPECT_EQ(error->line, testing::line_containing(yaml, c.at)) << error->to_string();
  EXPECT_NE(error->message.find(c.message), std::string::npos) << error->to_string();
}

// clang-format off
const TypeCase kTypeCases[] = {
  // Scalars of the wrong type.
  {"IntNotNumber", "  port: 0\n", "  port: abc\n", "listen.port", "port: abc", "expected an integer, got 'abc'"},
  {"IntGivenAsFraction", "  port: 0\n", "  port: 0\n  workers: 1.5\n", "listen.workers", "workers:", "expected an integer, got '1.5'"},
  {"IntGivenAsList", "  port: 0\n", "  port: [1]\n", "listen.port", "port:", "expected an integer, got a list"},
  {"IntEmpty", "  port: 0\n", "  port:\n", "listen.port", "port:", "expected an integer, got nothing"},
  {"IntOutOfRange", "  port: 0\n", "  port: 70000\n", "listen.port", "port:", "must be between 0 and 65535, got 70000"},
  {"IntOverflow", "  port: 0\n", "  port: 99999999999999999999\n", "listen.port", "port:", "out of range"},
  {"BoolYes", "  default_tier: cheap\n", "  default_tier: cheap\nlogs:\n  access_log: yes\n", "logs.access_log", "access_log", "expected true or false, got 'yes'"},
  {"BoolNumber", "  default_tier: cheap\n", "  default_tier: cheap\nlogs:\n  access_log: 1\n", "logs.access_log", "access_log", "expected true or false"},
  {"StringGivenAsMap", "    model: large-2024\n", "    model: {id: x}\n", "upstreams[1].model", "model:", "expected a string, got a mapping"},
  {"StringEmpty", "    model: large-2024\n", "    model: \"\"\n", "upstreams[1].model", "model:", "must not be empty"},
  {"SectionNotMapping", "listen:\n  port: 0\n", "listen: 8080\n", "listen", "listen:", "expected a mapping, got '8080'"},
  {"ListNotList", "    upstreams: [small]\n", "    upstreams: small\n", "tiers[0].upstreams", "upstreams: small", "expected a list, got 'small'"},
  {"ListItemNotString", "  default_tier: cheap\n", "  default_tier: cheap\n  aliases: [auto, [x]]\n", "routing.aliases[1]", "aliases:", "expected a string, got a list"},
  {"LogLevel", "  default_tier: cheap\n", "  default_tier: cheap\nlogs: {level: loud}\n", "logs.level", "loud", "unknown log level 'loud' (expected one of: trace, debug, info, warn, error, off)"},
  {"ListenAddressName", "  port: 0\n", "  port: 0\n  address: localhost\n", "listen.address", "localhost", "expected an IPv4 or IPv6 address"},
  {"ListenTimeoutZero", "  port: 0\n", "  port: 0\n  read_timeout_ms: 0\n", "listen.read_timeout_ms", "read_timeout", "must be between 1 and 86400000, got 0"},

  // Unknown and duplicate keys.
  {"UnknownKeyListsExpected", "    fallback: small\n", "    fallback: small\n    timeouts: {timeout: 5}\n", "upstreams[1].timeouts.timeout", "timeouts:", "unknown key 'timeout' (expected one of: connect_ms, first_byte_ms, idle_ms, total_ms)"},
  {"UnknownKeySuggests", "    fallback: small\n", "    fallback: small\n    timeout: {total_ms: 5}\n", "upstreams[1].timeout", "timeout:", "did you mean 'timeouts'?"},
  {"UnknownTopLevelKey", "routing:\n", "budgets: {}\nrouting:\n", "budgets", "budgets:", "unknown key 'budgets' (expected one of: listen, upstreams, tiers, routing, logs, auth, ledger, policies, admin, metrics)"},
  {"UnknownTopLevelKeySuggests", "routing:\n", "polices: {}\nrouting:\n", "polices", "polices:", "did you mean 'policies'?"},
  {"DuplicateKey", "  port: 0\n", "  port: 0\n  port: 1\n", "listen.port", "port: 1", "duplicate key 'port' (first at line 2)"},

  // Missing required keys: reported at the line of the mapping that lacks them.
  {"MissingName", "  - name: small\n    base_url: http://127.0.0.1:9001/v1\n", "  - base_url: http://127.0.0.1:9001/v1\n", "upstreams[0].name", "9001", "required key 'name' is missing"},
  {"MissingBaseUrl", "    base_url: http://127.0.0.1:9001/v1\n", "", "upstreams[0].base_url", "name: small", "required key 'base_url' is missing"},
  {"MissingPrices", "    price_per_million: {input: 0.15, output: 0.60}\n", "", "upstreams[0].price_per_million", "name: small", "required key 'price_per_million' is missing"},
  {"MissingOutputPrice", "{input: 0.15, output: 0.60}", "{input: 0.15}", "upstreams[0].price_per_million.output", "input: 0.15", "required key 'output' is missing"},
  {"MissingDefaultTier", "  default_tier: cheap\n", "  aliases: [auto]\n", "routing.default_tier", "aliases:", "required key 'default_tier' is missing"},
  {"MissingRouting", "routing:\n  default_tier: cheap\n", "", "routing", "listen:", "required key 'routing' is missing"},
  {"MissingTiers", "tiers:\n  - name: cheap\n    upstreams: [small]\n  - name: premium\n    upstreams: [large]\n", "", "tiers", "listen:", "required key 'tiers' is missing"},
  {"EmptyTiers", "tiers:\n  - name: cheap\n    upstreams: [small]\n  - name: premium\n    upstreams: [large]\n", "tiers: []\n", "tiers", "tiers:", "at least one tier is required"},
  {"EmptyTierMembers", "    upstreams: [small]\n", "    upstreams: []\n", "tiers[0].upstreams", "upstreams: []", "a tier needs at least one upstream"},
  {"MissingTierName", "  - name: cheap\n    upstreams: [small]\n", "  - upstreams: [small]\n", "tiers[0].name", "upstreams: [small]", "required key 'name' is missing"},

  // Prices: exact decimals only.
  {"PriceExponent", "{input: 0.15,", "{input: 1e-3,", "upstreams[0].price_per_million.input", "1e-3", "got '1e-3'"},
  {"PriceBelowMicro", "{input: 0.15,", "{input: 0.0000001,", "upstreams[0].price_per_million.input", "0.0000001", "at most 6 decimal places"},
  {"PriceNegative", "      output: 10.00\n", "      output: -1\n", "upstreams[1].price_per_million.output", "output: -1", "got '-1'"},
  {"PriceWord", "      output: 10.00\n", "      output: ten\n", "upstreams[1].price_per_million.output", "output: ten", "got 'ten'"},
  {"PricesNotMapping", "{input: 0.15, output: 0.60}", "[0.15, 0.60]", "upstreams[0].price_per_million", "[0.15", "expected a mapping, got a list"},

  // Formats of names, URLs and env vars.
  {"UpstreamNameChars", "  - name: small\n", "  - name: small model\n", "upstreams[0].name", "small model", "invalid name 'small model'"},
  {"TierNameChars", "  - name: cheap\n", "  - name: che@p\n", "tiers[0].name", "che@p", "invalid name 'che@p'"},
  {"AliasNameChars", "  default_tier: cheap\n", "  default_tier: cheap\n  aliases: [\"a b\"]\n", "routing.aliases[0]", "aliases:", "invalid name 'a b'"},
  {"UrlScheme", "http://127.0.0.1:9001/v1", "ftp://127.0.0.1:9001/v1", "upstreams[0].base_url", "ftp:", "must start with http:// or https://"},
  {"UrlRelative", "http://127.0.0.1:9001/v1", "/v1", "upstreams[0].base_url", "base_url: /v1", "must start with http:// or https://"},
  {"UrlQuery", "http://127.0.0.1:9001/v1", "http://127.0.0.1:9001/v1?x=1", "upstreams[0].base_url", "x=1", "must not have a query or fragment"},
  {"UrlFragment", "http://127.0.0.1:9001/v1", "http://127.0.0.1:9001/v1#top", "upstreams[0].base_url", "#top", "must not have a query or fragment"},
  {"UrlNoHost", "http://127.0.0.1:9001/v1", "http:///v1", "upstreams[0].base_url", "http:///v1", "has no host"},
  {"UrlPortZero", "http://127.0.0.1:9001/v1", "http://127.0.0.1:0/v1", "upstreams[0].base_url", ":0/v1", "invalid port '0'"},
  {"UrlPortWord", "http://127.0.0.1:9001/v1", "http://127.0.0.1:http/v1", "upstreams[0].base_url", ":http/v1", "invalid port 'http'"},
  {"UrlCredentials", "http://127.0.0.1:9001/v1", "http://user:pw@127.0.0.1:9001/v1", "upstreams[0].base_url", "user:pw", "must not contain credentials"},
  {"UrlSpace", "http://127.0.0.1:9001/v1", "\"http://127.0.0.1:9001/v 1\"", "upstreams[0].base_url", "v 1", "must not contain spaces"},
  {"EnvName", "    api_key_env: EXAMPLE_KEY\n", "    api_key_env: example-key\n", "upstreams[1].api_key_env", "example-key", "invalid environment variable name 'example-key'"},
  {"EnvNameDigit", "    api_key_env: EXAMPLE_KEY\n", "    api_key_env: 1KEY\n", "upstreams[1].api_key_env", "1KEY", "invalid environment variable name"},

  // Per-upstream sections.
  {"CapabilityUnknown", "[tools, streaming]", "[tools, vision]", "upstreams[1].capabilities[1]", "vision", "unknown capability 'vision' (expected one of: tools, logprobs, json_mode, streaming)"},
  {"CapabilityTwice", "[tools, streaming]", "[tools, tools]", "upstreams[1].capabilities[1]", "capabilities:", "capability 'tools' is listed twice"},
  {"ContextWindowZero", "    fallback: small\n", "    fallback: small\n    context_window: 0\n", "upstreams[1].context_window", "context_window", "must be at least 1, got 0"},
  {"RetryAttempts", "    fallback: small\n", "    fallback: small\n    retry: {max_attempts: 11}\n", "upstreams[1].retry.max_attempts", "retry:", "must be between 1 and 10, got 11"},
  {"RetryAttemptsZero", "    fallback: small\n", "    fallback: small\n    retry:\n      max_attempts: 0\n", "upstreams[1].retry.max_attempts", "max_attempts", "must be between 1 and 10, got 0"},
  {"RetryBackoffOverMax", "    fallback: small\n", "    fallback: small\n    retry:\n      backoff_ms: 3000\n", "upstreams[1].retry.backoff_ms", "backoff_ms", "backoff_ms (3000) must not exceed max_backoff_ms (2000)"},
  {"TimeoutZero", "    fallback: small\n", "    fallback: small\n    timeouts: {idle_ms: 0}\n", "upstreams[1].timeouts.idle_ms", "timeouts:", "must be between 1 and 86400000, got 0"},
  {"TimeoutPhaseOverTotal", "    fallback: small\n", "    fallback: small\n    timeouts:\n      connect_ms: 5000\n      total_ms: 1000\n", "upstreams[1].timeouts.connect_ms", "connect_ms", "connect_ms (5000) must not exceed total_ms (1000)"},
  {"TimeoutTotalBelowDefaults", "    fallback: small\n", "    fallback: small\n    timeouts:\n      total_ms: 1000\n", "upstreams[1].timeouts.first_byte_ms", "total_ms", "first_byte_ms (30000) must not exceed total_ms (1000)"},
  {"TlsVerifyPeerNo", "    fallback: small\n", "    fallback: small\n    tls: {verify_peer: no}\n", "upstreams[1].tls.verify_peer", "tls:", "expected true or false, got 'no'"},
  {"PoolMaxIdleNegative", "    fallback: small\n", "    fallback: small\n    pool: {max_idle: -1}\n", "upstreams[1].pool.max_idle", "pool:", "must be between 0 and 100000, got -1"},
  {"WhenKeyMissingWithoutKeyEnv", "{input: 0.15, output: 0.60}\n", "{input: 0.15, output: 0.60}\n    when_key_missing: {base_url: http://127.0.0.1:8091/v1}\n", "upstreams[0].when_key_missing", "when_key_missing", "has no effect without api_key_env"},
  {"WhenKeyMissingBadUrl", "    fallback: small\n", "    fallback: small\n    when_key_missing: {base_url: localhost:8091}\n", "upstreams[1].when_key_missing.base_url", "when_key_missing", "must start with http:// or https://"},
  {"WhenKeyMissingNoUrl", "    fallback: small\n", "    fallback: small\n    when_key_missing:\n      model: sim\n", "upstreams[1].when_key_missing.base_url", "model: sim", "required key 'base_url' is missing"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Config, StructuralError, ::testing::ValuesIn(kTypeCases),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(Prices, AreParsedExactlyFromTheText) {
  const LoadResult result = testing::load(kValid);
  ASSERT_NE(result.config, nullptr) << testing::dump(result);
  const auto& ups = result.config->upstreams;
  EXPECT_EQ(ups[0].prices.input.micros_per_million, 150'000);
  EXPECT_EQ(ups[0].prices.output.micros_per_million, 600'000);
  EXPECT_EQ(ups[1].prices.input.micros_per_million, 2'500'000);
  EXPECT_EQ(ups[1].prices.output.micros_per_million, 10'000'000);
}

TEST(Prices, AcceptQuotedIntegerAndSmallestUnit) {
  const std::string yaml = testing::replaced(std::string{kValid}, "{input: 0.15, output: 0.60}",
                                             "{input: \"0.000001\", output: 3}");
  const LoadResult result = testing::load(yaml);
  ASSERT_NE(result.config, nullptr) << testing::dump(result);
  EXPECT_EQ(result.config->upstreams[0].prices.input.micros_per_million, 1);
  EXPECT_EQ(result.config->upstreams[0].prices.output.micros_per_million, 3'000'000);
}

TEST(Capabilities, AbsentMeansDefaultsAndAListIsTheWholeTruth) {
  const LoadResult result = testing::load(kValid);
  ASSERT_NE(result.config, nullptr) << testing::dump(result);
  EXPECT_EQ(result.config->upstreams[0].capabilities, Capabilities{});
  const Capabilities listed{
      .tools = true, .logprobs = false, .json_mode = false, .streaming = true};
  EXPECT_EQ(result.config->upstreams[1].capabilities, listed);

  const LoadResult none =
      testing::load(testing::replaced(std::string{kValid}, "[tools, streaming]", "[]"));
  ASSERT_NE(none.config, nullptr) << testing::dump(none);
  EXPECT_FALSE(none.config->upstreams[1].capabilities.streaming);
}

}  // namespace
}  // namespace governor::config
