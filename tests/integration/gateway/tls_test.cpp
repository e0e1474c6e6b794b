// HTTPS upstreams: a private CA generated with openssl at test time, SNI and verification.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "gateway_fixture.hpp"

namespace governor::testing {
namespace {

namespace fs = std::filesystem;

/** A CA and a server certificate for "localhost" signed by it, in a temp dir. */
class TestPki {
 public:
  TestPki() {
    dir_ = fs::temp_directory_path() /
           ("governor-pki-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
    const std::string d = dir_.string();
    const std::string script =
        "cd '" + d +
        "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 "
        "-subj /CN=governor-test-ca 2>/dev/null"
        " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
        "-subj /CN=localhost 2>/dev/null"
        " && printf 'subjectAltName=DNS:localhost\\n' > ext.cnf"
        " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.pem -days 1 -extfile ext.cnf 2>/dev/null";
    ok_ = std::system(script.c_str()) == 0;
  }
  ~TestPki() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  bool ok() const { return ok_; }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  bool ok_ = false;
};

class TlsTest : public GatewayTest {
 protected:
  sim::SimOptions tls_sim() const {
    sim::SimOptions so;
    so.tls_cert_file = pki_.file("server.pem");
    so.tls_key_file = pki_.file("server.key");
    return so;
  }
  GatewayOptions https(const std::string& tls_yaml) const {
    GatewayOptions o;
    o.scheme = "https";
    o.sim_host = "localhost";  // the certificate's name: verified, and sent as SNI
    o.upstream_extra = "    retry: {max_attempts: 1}\n" + tls_yaml;
    return o;
  }
  TestPki pki_;
};

TEST_F(TlsTest, VerifiesTheUpstreamAgainstAPrivateCa) {
  ASSERT_TRUE(pki_.ok()) << "openssl failed";
  start(https("    tls: {ca_file: " + pki_.file("ca.pem") + "}\n"), tls_sim());
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", "over tls"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto s =
      c.post_json("/v1/chat/completions", chat_body("auto", "stream over tls", R"("stream":true)"));
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(sse_data_lines(s.body).back(), "[DONE]");
}

TEST_F(TlsTest, RefusesAnUpstreamItCannotVerify) {
  ASSERT_TRUE(pki_.ok()) << "openssl failed";
  start(https(""), tls_sim());  // system CAs only: the private CA is unknown
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", "untrusted"));
  ASSERT_EQ(r.status, 502) << r.body;
  EXPECT_NE(r.body.find("tls_handshake"), std::string::npos) << r.body;
  EXPECT_EQ(sim().stats().requests, 0u);
}

TEST_F(TlsTest, VerificationCanBeSwitchedOff) {
  ASSERT_TRUE(pki_.ok()) << "openssl failed";
  start(https("    tls: {verify_peer: false}\n"), tls_sim());
  auto c = client();
  EXPECT_EQ(c.post_json("/v1/chat/completions", chat_body("auto", "trust me")).status, 200);
}

}  // namespace
}  // namespace governor::testing
