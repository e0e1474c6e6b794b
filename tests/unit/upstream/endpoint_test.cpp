#include "governor/upstream/endpoint.hpp"

#include <gtest/gtest.h>

namespace governor::upstream {
namespace {

TEST(ParseEndpoint, SchemesPortsAndPaths) {
  const auto openai = parse_endpoint("https://api.openai.com/v1");
  ASSERT_TRUE(openai);
  EXPECT_EQ(*openai, (Endpoint{true, "api.openai.com", "443", "/v1"}));
  EXPECT_EQ(openai->host_header(), "api.openai.com");
  EXPECT_EQ(openai->target("/chat/completions"), "/v1/chat/completions");

  const auto local = parse_endpoint("http://127.0.0.1:8091/v1/");
  ASSERT_TRUE(local);
  EXPECT_EQ(*local, (Endpoint{false, "127.0.0.1", "8091", "/v1"}));
  EXPECT_EQ(local->host_header(), "127.0.0.1:8091");

  const auto bare = parse_endpoint("http://localhost");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->port, "80");
  EXPECT_EQ(bare->target("/chat/completions"), "/chat/completions");

  const auto v6 = parse_endpoint("http://[::1]:9000/v1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header(), "[::1]:9000");
}

TEST(ParseEndpoint, RejectsWhatIsNotAnHttpUrl) {
  EXPECT_FALSE(parse_endpoint("ftp://example.com"));
  EXPECT_FALSE(parse_endpoint("not a url"));
  EXPECT_FALSE(parse_endpoint("/v1"));
}

TEST(PoolKey, SameEndpointAndTlsSettingsShareAPool) {
  config::UpstreamConfig a;
  a.tls.verify_peer = true;
  config::UpstreamConfig b = a;
  b.name = "other-model-same-host";
  const auto ep = *parse_endpoint("https://api.openai.com/v1");
  EXPECT_EQ(pool_key_of(a, ep), pool_key_of(b, ep));
  b.tls.ca_file = "/etc/private-ca.pem";
  EXPECT_NE(pool_key_of(a, ep), pool_key_of(b, ep));
}

}  // namespace
}  // namespace governor::upstream
