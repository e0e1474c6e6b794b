#include "target.hpp"

#include <gtest/gtest.h>

namespace governor::server {
namespace {

config::GatewayConfig two_tiers() {
  config::GatewayConfig cfg;
  config::UpstreamConfig small;
  small.name = "small";
  config::UpstreamConfig large;
  large.name = "large";
  config::UpstreamConfig loose;
  loose.name = "loose";  // pinnable, in no tier
  cfg.upstreams = {small, large, loose};
  cfg.tiers = {{"cheap", {"small"}}, {"premium", {"large"}}};
  cfg.routing.aliases = {"auto", "governor"};
  cfg.routing.default_tier = "cheap";
  return cfg;
}

TEST(ResolveTarget, AliasGoesToTheDefaultTiersPrimary) {
  const auto cfg = two_tiers();
  for (const char* alias : {"auto", "governor"}) {
    const auto t = resolve_target(cfg, alias);
    ASSERT_TRUE(t) << alias;
    EXPECT_EQ(t->upstream->name, "small");
    EXPECT_EQ(t->tier, "cheap");
    EXPECT_FALSE(t->pinned);
  }
}

TEST(ResolveTarget, UpstreamNameIsPinned) {
  const auto cfg = two_tiers();
  const auto t = resolve_target(cfg, "large");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->upstream->name, "large");
  EXPECT_EQ(t->tier, "premium");
  EXPECT_TRUE(t->pinned);
  const auto loose = resolve_target(cfg, "loose");
  ASSERT_TRUE(loose);
  EXPECT_EQ(loose->tier, "");
}

TEST(ResolveTarget, UnknownModelIs404NamingTheChoices) {
  const auto t = resolve_target(two_tiers(), "gpt-5");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().status, 404u);
  EXPECT_EQ(t.error().code, "model_not_found");
  EXPECT_EQ(t.error().param, "model");
  EXPECT_NE(t.error().message.find("gpt-5"), std::string::npos);
  EXPECT_NE(t.error().message.find("auto, governor, small, large, loose"), std::string::npos);
}

}  // namespace
}  // namespace governor::server
