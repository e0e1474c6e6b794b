#include "governor/config/gateway_config.hpp"

#include <gtest/gtest.h>

#include "governor/config/loader.hpp"

namespace governor::config {
namespace {

GatewayConfig two_tiers() {
  GatewayConfig config;
  config.upstreams.resize(3);
  config.upstreams[0].name = "mini";
  config.upstreams[1].name = "big";
  config.upstreams[2].name = "pinned";
  config.tiers = {{"cheap", {"mini"}}, {"premium", {"big"}}};
  config.routing.aliases = {"auto", "governor"};
  return config;
}

TEST(GatewayConfig, FindUpstream) {
  const GatewayConfig config = two_tiers();
  ASSERT_NE(config.find_upstream("big"), nullptr);
  EXPECT_EQ(config.find_upstream("big"), &config.upstreams[1]);
  EXPECT_EQ(config.find_upstream("BIG"), nullptr);
  EXPECT_EQ(config.find_upstream(""), nullptr);
}

TEST(GatewayConfig, TierOf) {
  const GatewayConfig config = two_tiers();
  EXPECT_EQ(config.tier_of("mini"), 0);
  EXPECT_EQ(config.tier_of("big"), 1);
  EXPECT_EQ(config.tier_of("pinned"), -1);
  EXPECT_EQ(config.tier_of("nope"), -1);
}

TEST(GatewayConfig, FindTier) {
  const GatewayConfig config = two_tiers();
  EXPECT_EQ(config.find_tier("premium"), &config.tiers[1]);
  EXPECT_EQ(config.find_tier("mini"), nullptr);
}

TEST(GatewayConfig, IsAlias) {
  const GatewayConfig config = two_tiers();
  EXPECT_TRUE(config.is_alias("auto"));
  EXPECT_TRUE(config.is_alias("governor"));
  EXPECT_FALSE(config.is_alias("mini"));
  EXPECT_FALSE(config.is_alias("Auto"));
  EXPECT_TRUE(GatewayConfig{}.is_alias("auto"));  // the default alias list
}

TEST(ConfigError, ToString) {
  EXPECT_EQ((ConfigError{"g.yaml", 12, "upstreams[1].price_per_million.input", "bad"}.to_string()),
            "g.yaml:12: upstreams[1].price_per_million.input: bad");
  EXPECT_EQ((ConfigError{"g.yaml", 3, "", "YAML syntax error: x"}.to_string()),
            "g.yaml:3: YAML syntax error: x");
  EXPECT_EQ((ConfigError{"g.yaml", 0, "", "cannot read the file: x"}.to_string()),
            "g.yaml: cannot read the file: x");
}

}  // namespace
}  // namespace governor::config
