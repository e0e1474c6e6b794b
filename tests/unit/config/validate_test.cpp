// Cross-reference rules: names, fallbacks, tiers, routing, CA files.
#include <gtest/gtest.h>

#include "config_test_support.hpp"

namespace governor::config {
namespace {

using testing::dump;
using testing::kValid;

struct ValidateCase {
  const char* name;
  const char* from;
  const char* to;
  const char* field;
  const char* at;  ///< the expected line is the first line of the edited text containing this
  const char* message;
};

std::ostream& operator<<(std::ostream& os, const ValidateCase& c) {
  return os << c.name;
}

class SemanticError : public ::testing::TestWithParam<ValidateCase> {};

TEST_P(SemanticError, IsReportedAtItsLineAndField) {
  const ValidateCase& c = GetParam();
  const std::string yaml = testing::replaced(std::string{kValid}, c.from, c.to);
  const LoadResult result = testing::load(yaml);
  EXPECT_EQ(result.config, nullptr);
  const ConfigError* error = testing::error_for(result, c.field);
  ASSERT_NE(error, nullptr) << "no error for " << c.field << "; got:\n" << dump(result);
  EXPECT_EQ(error->line, testing::line_containing(yaml, c.at)) << error->to_string();
  EXPECT_NE(error->message.find(c.message), std::string::npos) << error->to_string();
}

constexpr const char* kThirdUpstream = "tiers:\n";

// clang-format off
const ValidateCase kValidateCases[] = {
  {"FallbackUnknown", "fallback: small", "fallback: tiny", "upstreams[1].fallback", "tiny", "fallback 'tiny' is not a defined upstream"},
  {"FallbackSelf", "fallback: small", "fallback: large", "upstreams[1].fallback", "fallback: large", "an upstream cannot fall back to itself"},
  {"FallbackTwoCycle", "{input: 0.15, output: 0.60}\n", "{input: 0.15, output: 0.60}\n    fallback: large\n", "upstreams[0].fallback", "fallback: large", "fallback cycle: small -> large -> small"},
  {"TierMemberUnknown", "[small]", "[small, ghost]", "tiers[0].upstreams[1]", "ghost", "'ghost' is not a defined upstream"},
  {"UpstreamInTwoTiers", "[large]", "[large, small]", "tiers[1].upstreams[1]", "[large, small]", "upstream 'small' is already in tier 'cheap' (an upstream belongs to at most one tier)"},
  {"UpstreamTwiceInTier", "[small]", "[small, small]", "tiers[0].upstreams[1]", "[small, small]", "upstream 'small' is listed twice in this tier"},
  {"DuplicateUpstreamName", kThirdUpstream, "  - name: small  # again\n    base_url: http://127.0.0.1:9009/v1\n    price_per_million: {input: 0, output: 0}\ntiers:\n", "upstreams[2].name", "# again", "upstream name 'small' is already used by upstreams[0]"},
  {"UpstreamNamedLikeTier", kThirdUpstream, "  - name: premium\n    base_url: http://127.0.0.1:9009/v1\n    price_per_million: {input: 0, output: 0}\ntiers:\n", "upstreams[2].name", "name: premium", "upstream name 'premium' is also the name of a tier"},
  {"DuplicateTierName", "  - name: premium\n", "  - name: cheap\n", "tiers[1].name", "name: cheap\n    upstreams: [large]", "tier name 'cheap' is already used by tiers[0]"},
  {"AliasIsUpstream", "  default_tier: cheap\n", "  default_tier: cheap\n  aliases: [auto, small]\n", "routing.aliases[1]", "aliases:", "alias 'small' is also an upstream name"},
  {"AliasTwice", "  default_tier: cheap\n", "  default_tier: cheap\n  aliases:\n    - auto\n    - auto  # again\n", "routing.aliases[1]", "# again", "alias 'auto' is listed twice"},
  {"DefaultTierUnknown", "default_tier: cheap", "default_tier: medium", "routing.default_tier", "medium", "default_tier 'medium' is not a defined tier (defined: cheap, premium)"},
  {"CaFileMissing", "    fallback: small\n", "    fallback: small\n    tls:\n      ca_file: /nonexistent/ca.pem\n", "upstreams[1].tls.ca_file", "ca_file", "CA file '/nonexistent/ca.pem' does not exist"},
  {"CaFileIsDirectory", "    fallback: small\n", "    fallback: small\n    tls: {ca_file: /}\n", "upstreams[1].tls.ca_file", "tls:", "is not a regular file"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Config, SemanticError, ::testing::ValuesIn(kValidateCases),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(Fallback, ThreeCycleIsReportedOnceAtItsFirstMember) {
  const LoadResult result =
      load_config_file(testing::fixture("fallback_cycle.yaml"), testing::empty_env());
  EXPECT_EQ(result.config, nullptr);
  ASSERT_EQ(result.errors.size(), 1u) << dump(result);
  EXPECT_EQ(result.errors[0].line, 5);
  EXPECT_EQ(result.errors[0].field, "upstreams[0].fallback");
  EXPECT_EQ(result.errors[0].message, "fallback cycle: a -> b -> c -> a");
}

TEST(Fallback, ChainIntoACycleReportsOnlyTheCycle) {
  // x -> a -> b -> a: x is not part of the loop and is not blamed.
  const std::string yaml = R"(upstreams:
  - {name: x, base_url: http://h/v1, price_per_million: {input: 0, output: 0}, fallback: a}
  - {name: a, base_url: http://h/v1, price_per_million: {input: 0, output: 0}, fallback: b}
  - {name: b, base_url: http://h/v1, price_per_million: {input: 0, output: 0}, fallback: a}
tiers: [{name: t, upstreams: [x]}]
routing: {default_tier: t}
)";
  const LoadResult result = testing::load(yaml);
  ASSERT_EQ(result.errors.size(), 1u) << dump(result);
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_EQ(result.errors[0].field, "upstreams[1].fallback");
  EXPECT_EQ(result.errors[0].message, "fallback cycle: a -> b -> a");
}

TEST(Fallback, AcyclicChainLoads) {
  const LoadResult result = testing::load(kValid);
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_EQ(result.config->upstreams[1].fallback, "small");
}

TEST(Tiers, UpstreamsOutsideTiersAreAllowed) {
  const std::string yaml = testing::replaced(std::string{kValid}, "    upstreams: [large]\n",
                                             "    upstreams: [large]\n  - name: unused\n    "
                                             "upstreams: [large]\n");
  // (Setup check: a second tier listing `large` is an error...)
  EXPECT_EQ(testing::load(yaml).config, nullptr);
  // ...while an upstream in no tier at all is fine: it can still be pinned.
  const std::string pinned_only = testing::replaced(std::string{kValid}, kThirdUpstream,
                                                    "  - name: pinned\n    base_url: http://h/v1\n"
                                                    "    price_per_million: {input: 0, output: 0}\n"
                                                    "tiers:\n");
  const LoadResult result = testing::load(pinned_only);
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_EQ(result.config->tier_of("pinned"), -1);
}

TEST(CaFile, RelativePathIsResolvedAgainstTheConfigDirectory) {
  const LoadResult result =
      load_config_file(testing::fixture("tls_ca_relative.yaml"), testing::empty_env());
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_EQ(result.config->upstreams[0].tls.ca_file, testing::fixture("minimal.yaml"));
  EXPECT_FALSE(result.config->upstreams[1].tls.verify_peer);
  EXPECT_EQ(result.notices,
            std::vector<std::string>{"upstream 'insecure': tls.verify_peer is false; the "
                                     "upstream's certificate is not checked"});
}

TEST(CaFile, RelativePathMissingNamesTheResolvedPath) {
  const std::string yaml = testing::replaced(std::string{kValid}, "    fallback: small\n",
                                             "    fallback: small\n    tls: {ca_file: ca.pem}\n");
  const LoadResult result =
      load_config_text(yaml, "/nonexistent-dir/governor.yaml", testing::empty_env());
  const ConfigError* error = testing::error_for(result, "upstreams[1].tls.ca_file");
  ASSERT_NE(error, nullptr) << dump(result);
  EXPECT_EQ(error->message, "CA file '/nonexistent-dir/ca.pem' does not exist");
}

TEST(Errors, AreAllCollectedAcrossPasses) {
  // A structural error and two semantic ones in one file: none hides another.
  std::string yaml = testing::replaced(std::string{kValid}, "  port: 0\n", "  port: -1\n");
  yaml = testing::replaced(yaml, "fallback: small", "fallback: tiny");
  yaml = testing::replaced(yaml, "default_tier: cheap", "default_tier: medium");
  const LoadResult result = testing::load(yaml);
  EXPECT_EQ(result.config, nullptr);
  ASSERT_EQ(result.errors.size(), 3u) << dump(result);
  EXPECT_EQ(result.errors[0].field, "listen.port");
  EXPECT_EQ(result.errors[1].field, "upstreams[1].fallback");
  EXPECT_EQ(result.errors[2].field, "routing.default_tier");
}

}  // namespace
}  // namespace governor::config
