// The sections around budgets: auth (API keys and the loopback rule), ledger, policies, admin.
#include <gtest/gtest.h>

#include <filesystem>

#include "config_test_support.hpp"

namespace governor::config {
namespace {

using testing::dump;
using testing::kValid;

// SHA-256 of "abc", lowercase.
constexpr std::string_view kHashAbc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

struct SectionCase {
  const char* name;
  const char* from;     ///< snippet of kValid to replace; nullptr: append `to` to kValid
  const char* to;       ///< replacement, or the text appended
  const char* field;    ///< expected ConfigError::field
  const char* at;       ///< the expected line is the first line of the edited text containing this
  const char* message;  ///< expected substring of ConfigError::message
};

std::ostream& operator<<(std::ostream& os, const SectionCase& c) {
  return os << c.name;
}

std::string edited(const SectionCase& c) {
  return c.from == nullptr ? std::string{kValid} + c.to
                           : testing::replaced(std::string{kValid}, c.from, c.to);
}

class SectionError : public ::testing::TestWithParam<SectionCase> {};

TEST_P(SectionError, IsReportedAtItsLineAndField) {
  const SectionCase& c = GetParam();
  const std::string yaml = edited(c);
  const LoadResult result = testing::load(yaml);
  EXPECT_EQ(result.config, nullptr);
  const ConfigError* error = testing::error_for(result, c.field);
  ASSERT_NE(error, nullptr) << "no error for " << c.field << "; got:\n" << dump(result);
  EXPECT_EQ(error->file, "test.yaml");
  EXPECT_EQ(error->line, testing::line_containing(yaml, c.at)) << error->to_string();
  EXPECT_NE(error->message.find(c.message), std::string::npos) << error->to_string();
}

// One valid key, for cases that edit a single field of it.
#define KEY(fields)                                \
  "auth:\n  keys:\n    - name: ci\n      sha256: " \
  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n      tenant: acme\n" fields

// clang-format off
const SectionCase kSectionCases[] = {
  // auth: structure.
  {"AuthNotMapping", nullptr, "auth: [ci]\n", "auth", "auth:", "expected a mapping, got a list"},
  {"AuthUnknownKeySuggests", nullptr, "auth:\n  key: []\n", "auth.key", "key:", "unknown key 'key' (expected one of: keys); did you mean 'keys'?"},
  {"AuthKeysNotList", nullptr, "auth:\n  keys: {ci: x}\n", "auth.keys", "keys:", "expected a list, got a mapping"},
  {"KeyNotMapping", nullptr, "auth:\n  keys: [ci]\n", "auth.keys[0]", "keys:", "expected a mapping, got 'ci'"},
  {"KeyMissingName", nullptr, "auth:\n  keys:\n    - tenant: acme\n      sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n", "auth.keys[0].name", "tenant: acme", "required key 'name' is missing"},
  {"KeyMissingSha256", nullptr, "auth:\n  keys:\n    - name: ci\n      tenant: acme\n", "auth.keys[0].sha256", "name: ci", "required key 'sha256' is missing"},
  {"KeyMissingTenant", nullptr, "auth:\n  keys:\n    - name: ci\n      sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n", "auth.keys[0].tenant", "name: ci", "required key 'tenant' is missing"},
  {"KeyUnknownField", nullptr, KEY("      tenants: [a]\n"), "auth.keys[0].tenants", "tenants:", "did you mean 'tenant'?"},
  {"KeyNameChars", nullptr, "auth:\n  keys:\n    - name: ci bot\n      sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n      tenant: acme\n", "auth.keys[0].name", "ci bot", "invalid name 'ci bot' (1 to 128 characters of A-Z a-z 0-9 . _ : -)"},
  {"KeyNameTooLong", nullptr, "auth:\n  keys:\n    - name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n      sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n      tenant: acme\n", "auth.keys[0].name", "name: aaa", "invalid name"},
  {"KeyTenantSlash", nullptr, "auth:\n  keys:\n    - name: ci\n      sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n      tenant: acme/eu\n", "auth.keys[0].tenant", "acme/eu", "invalid name 'acme/eu'"},
  {"KeyTenantEmpty", nullptr, "auth:\n  keys:\n    - name: ci\n      sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n      tenant: \"\"\n", "auth.keys[0].tenant", "tenant:", "invalid name ''"},
  {"Sha256TooShort", nullptr, "auth:\n  keys:\n    - name: ci\n      sha256: abc123\n      tenant: acme\n", "auth.keys[0].sha256", "abc123", "expected the key's SHA-256 as 64 hex digits (print it with `governor hash-key`), got 6 characters"},
  {"Sha256NotHex", nullptr, "auth:\n  keys:\n    - name: ci\n      sha256: zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n      tenant: acme\n", "auth.keys[0].sha256", "sha256:", "got 64 characters that are not all hex digits"},
  {"Sha256NotString", nullptr, "auth:\n  keys:\n    - name: ci\n      sha256: [a]\n      tenant: acme\n", "auth.keys[0].sha256", "sha256:", "expected a string, got a list"},
  {"PlaintextKeyField", nullptr, KEY("      key: sk-live-123\n"), "auth.keys[0].key", "key: sk-live", "never write an API key itself in the config; store its SHA-256 in 'sha256' instead (`governor hash-key` reads the key on stdin and prints it)"},
  {"PlaintextField", nullptr, KEY("      plaintext: sk-live-123\n"), "auth.keys[0].plaintext", "plaintext:", "never write an API key itself"},
  {"ApiKeyField", nullptr, KEY("      api_key: sk-live-123\n"), "auth.keys[0].api_key", "api_key:", "never write an API key itself"},
  {"KeyPolicyNameChars", nullptr, KEY("      policies: [ok, \"not ok\"]\n"), "auth.keys[0].policies[1]", "policies:", "invalid name 'not ok' (1 to 128 characters of A-Z a-z 0-9 . _ : -); \"*\" means any"},
  {"KeyPoliciesNotList", nullptr, KEY("      policies: ci\n"), "auth.keys[0].policies", "policies:", "expected a list, got 'ci'"},
  {"KeyTrustDomainTwice", nullptr, KEY("      trust_domains:\n        - ci\n        - ci  # again\n"), "auth.keys[0].trust_domains[1]", "# again", "'ci' is listed twice"},

  // auth: across keys.
  {"KeyNameTwice", nullptr, KEY("    - name: ci  # again\n      sha256: 88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589\n      tenant: acme\n"), "auth.keys[1].name", "# again", "key name 'ci' is already used by auth.keys[0]"},
  {"KeyHashTwiceInAnyCase", nullptr, KEY("    - name: ci2\n      sha256: BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\n      tenant: other\n"), "auth.keys[1].sha256", "BA7816", "the same key as auth.keys[0] ('ci'); a key has one name and one tenant"},

  // Without keys, loopback only.
  {"ListenOnAllInterfacesWithoutKeys", "  port: 0\n", "  port: 0\n  address: 0.0.0.0\n", "listen.address", "0.0.0.0", "'0.0.0.0' is not a loopback address, and auth has no keys: Governor without API keys serves only on loopback (127.0.0.0/8, ::1)"},
  {"ListenOnIpv6AnyWithoutKeys", "  port: 0\n", "  port: 0\n  address: \"::\"\n", "listen.address", "address:", "is not a loopback address"},
  {"ListenOnLanWithoutKeys", "  port: 0\n", "  port: 0\n  address: 192.168.1.10\n", "listen.address", "192.168", "is not a loopback address"},
  {"ListenOnLoopbackLookalike", "  port: 0\n", "  port: 0\n  address: 128.0.0.1\n", "listen.address", "128.0.0.1", "is not a loopback address"},
  {"EmptyKeyListIsNoKeys", "listen:\n", "auth: {keys: []}\nlisten:\n  address: 0.0.0.0\n", "listen.address", "0.0.0.0", "auth has no keys"},
  {"AdminOffLoopbackWithoutKeys", nullptr, "admin:\n  address: 0.0.0.0\n", "admin.address", "0.0.0.0", "is not a loopback address, and auth has no keys"},

  // ledger.
  {"LedgerBackendUnknown", nullptr, "ledger:\n  backend: redis\n", "ledger.backend", "redis", "unknown ledger backend 'redis' (expected one of: sqlite, none)"},
  {"LedgerMaxBatchZero", nullptr, "ledger: {max_batch: 0}\n", "ledger.max_batch", "ledger:", "must be between 1 and 65536, got 0"},
  {"LedgerDataDirEmpty", nullptr, "ledger:\n  data_dir: \"\"\n", "ledger.data_dir", "data_dir", "must not be empty"},
  {"LedgerDataDirIsAFile", nullptr, "ledger:\n  data_dir: /dev/null\n", "ledger.data_dir", "/dev/null", "'/dev/null' exists and is not a directory"},
  {"LedgerUnknownKeySuggests", nullptr, "ledger:\n  datadir: x\n", "ledger.datadir", "datadir", "did you mean 'data_dir'?"},

  // policies.
  {"PoliciesGivenAsPath", nullptr, "policies: ../policies\n", "policies", "policies:", "expected a mapping, got '../policies'"},
  {"PoliciesDirMissing", nullptr, "policies:\n  dir: /nonexistent-governor-policies\n", "policies.dir", "dir:", "policies directory '/nonexistent-governor-policies' does not exist"},
  {"PoliciesDirIsAFile", nullptr, "policies: {dir: /dev/null}\n", "policies.dir", "policies:", "policies directory '/dev/null' is not a directory"},
  {"PoliciesDirEmpty", nullptr, "policies: {dir: \"\"}\n", "policies.dir", "policies:", "must not be empty"},

  // admin.
  {"AdminAddressName", nullptr, "admin:\n  address: localhost\n", "admin.address", "localhost", "expected an IPv4 or IPv6 address"},
  {"AdminPortRange", nullptr, "admin:\n  port: 70000\n", "admin.port", "70000", "must be between 0 and 65535, got 70000"},
  {"AdminEnabledYes", nullptr, "admin:\n  enabled: yes\n", "admin.enabled", "enabled", "expected true or false, got 'yes'"},
  // logs: the JSON files.
  {"AccessLogFileWithoutPath", nullptr, "logs:\n  access_log: {max_files: 2}\n", "logs.access_log.path", "access_log", "required key 'path' is missing"},
  {"AccessLogWord", nullptr, "logs:\n  access_log: sometimes\n", "logs.access_log", "access_log", "expected true or false, got 'sometimes'"},
  {"DecisionLogTinyRotation", nullptr, "logs:\n  decision_log: {path: d.jsonl, max_bytes: 10}\n", "logs.decision_log.max_bytes", "decision_log", "must be between 4096"},
  {"DecisionLogUnknownKey", nullptr, "logs:\n  decision_log: {path: d.jsonl, rotate: 3}\n", "logs.decision_log.rotate", "decision_log", "unknown key 'rotate'"},
  // metrics.
  {"MetricsTenantLabelWord", nullptr, "metrics:\n  tenant_label: off\n", "metrics.tenant_label", "tenant_label", "expected true or false, got 'off'"},
  {"MetricsUnknownKey", nullptr, "metrics:\n  enable: false\n", "metrics.enable", "enable", "unknown key 'enable'"},
};
// clang-format on
#undef KEY

INSTANTIATE_TEST_SUITE_P(Config, SectionError, ::testing::ValuesIn(kSectionCases),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(Sections, DefaultsWhenAbsent) {
  const LoadResult result = testing::load(kValid);
  ASSERT_NE(result.config, nullptr) << dump(result);
  const GatewayConfig& c = *result.config;
  EXPECT_FALSE(c.auth.enabled());
  EXPECT_EQ(c.auth, AuthConfig{});
  EXPECT_EQ(c.ledger, (LedgerConfig{"sqlite", "", 1024}));
  EXPECT_EQ(c.policies, PoliciesConfig{});
  EXPECT_EQ(c.admin, (AdminConfig{true, "127.0.0.1", 8081}));
  EXPECT_EQ(c.metrics, (MetricsConfig{true, true}));
}

TEST(Sections, LogFilesResolveAgainstTheConfigFile) {
  const auto result = testing::load(std::string{kValid} +
                                    "logs:\n  access_log: {path: logs/access.jsonl, max_bytes: "
                                    "8192, max_files: 3}\n  decision_log: {path: /tmp/d.jsonl}\n");
  ASSERT_NE(result.config, nullptr) << dump(result.errors);
  const LogConfig& logs = result.config->logs;
  EXPECT_FALSE(logs.access_log) << "a file replaces the line on the main log";
  EXPECT_TRUE(std::filesystem::path{logs.access_log_file.path}.is_absolute());
  EXPECT_TRUE(logs.access_log_file.path.ends_with("logs/access.jsonl"));
  EXPECT_EQ(logs.access_log_file.max_bytes, 8192);
  EXPECT_EQ(logs.access_log_file.max_files, 3);
  EXPECT_EQ(logs.decision_log.path, "/tmp/d.jsonl");
  EXPECT_EQ(logs.decision_log.max_files, 5);
  const auto plain = testing::load(std::string{kValid} + "logs:\n  access_log: false\n");
  ASSERT_NE(plain.config, nullptr) << dump(plain.errors);
  EXPECT_FALSE(plain.config->logs.access_log);
  EXPECT_TRUE(plain.config->logs.access_log_file.path.empty());
}

TEST(Sections, MetricsSwitches) {
  const LoadResult result =
      testing::load(std::string{kValid} + "metrics:\n  enabled: false\n  tenant_label: false\n");
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_EQ(result.config->metrics, (MetricsConfig{false, false}));
}

TEST(Sections, NullSectionsMeanDefaults) {
  const LoadResult result =
      testing::load(std::string{kValid} + "auth:\nledger:\npolicies:\nadmin:\n");
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_EQ(result.config->auth, AuthConfig{});
  EXPECT_EQ(result.config->admin, AdminConfig{});
}

TEST(Sections, FixtureReadsKeysAndResolvesDirectoriesAgainstTheConfigFile) {
  const LoadResult result =
      load_config_file(testing::fixture("with_policies.yaml"), testing::empty_env());
  ASSERT_NE(result.config, nullptr) << dump(result);
  const GatewayConfig& c = *result.config;
  ASSERT_EQ(c.auth.keys.size(), 2u);
  const AuthKey ci{"ci-bot",
                   "f82da6e2b2e51c046a2eaf10964ef184b69c0aee9892f10a2a7b657477d407e6",
                   "acme",
                   {"internal-ci"},
                   {"ci"}};
  EXPECT_EQ(c.auth.keys[0], ci);  // the hash was written in upper case
  EXPECT_EQ(c.auth.keys[1].policies, std::vector<std::string>{"*"});
  EXPECT_EQ(c.auth.keys[1].trust_domains, std::vector<std::string>{"*"});
  EXPECT_EQ(c.find_key("analyst"), &c.auth.keys[1]);
  EXPECT_EQ(c.find_key("nobody"), nullptr);

  const std::filesystem::path config_dir = testing::source_dir() + "/tests/testdata/config";
  EXPECT_EQ(c.ledger.data_dir,
            (config_dir / "ledger-data-not-created-by-tests").lexically_normal().string());
  EXPECT_FALSE(std::filesystem::exists(c.ledger.data_dir)) << "loading must not create it";
  EXPECT_EQ(c.policies.dir, (config_dir / "../policies/good").lexically_normal().string());
  EXPECT_EQ(c.admin.port, 0);
}

TEST(Sections, RelativeDirectoriesBecomeAbsolute) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() / "policies");
  const std::string yaml =
      std::string{kValid} + "ledger: {data_dir: var/ledger}\npolicies: {dir: ../policies}\n";
  // A config named by a relative path: resolution goes through the working directory.
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  const LoadResult result = load_config_text(yaml, "conf/governor.yaml", testing::empty_env());
  std::filesystem::current_path(cwd);
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_EQ(result.config->ledger.data_dir, (dir.path() / "conf/var/ledger").string());
  EXPECT_EQ(result.config->policies.dir, (dir.path() / "policies").string());
}

TEST(Sections, KeysAllowListeningEverywhere) {
  std::string yaml =
      testing::replaced(std::string{kValid}, "  port: 0\n", "  port: 0\n  address: 0.0.0.0\n");
  yaml += "auth:\n  keys:\n    - {name: ci, tenant: acme, sha256: " + std::string{kHashAbc} + "}\n";
  const LoadResult result = testing::load(yaml);
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_TRUE(result.config->auth.enabled());
  EXPECT_EQ(result.config->listen.address, "0.0.0.0");
}

TEST(Sections, LoopbackAddressesNeedNoKeys) {
  for (const char* address : {"127.0.0.1", "127.1.2.3", "::1", "\"::ffff:127.0.0.1\""}) {
    const std::string yaml =
        testing::replaced(std::string{kValid}, "  port: 0\n",
                          "  port: 0\n  address: " + std::string{address} + "\n") +
        "admin: {address: " + address + "}\n";
    const LoadResult result = testing::load(yaml);
    EXPECT_NE(result.config, nullptr) << address << "\n" << dump(result);
  }
}

TEST(Sections, DisabledAdminListenerIsNotChecked) {
  const LoadResult result =
      testing::load(std::string{kValid} + "admin: {enabled: false, address: 0.0.0.0, port: 0}\n");
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_FALSE(result.config->admin.enabled);
}

TEST(Sections, AdminOffLoopbackWithKeysIsANotice) {
  const std::string yaml =
      std::string{kValid} +
      "auth:\n  keys:\n    - {name: ci, tenant: acme, sha256: " + std::string{kHashAbc} +
      "}\nadmin: {address: 0.0.0.0, port: 9100}\n";
  const LoadResult result = testing::load(yaml);
  ASSERT_NE(result.config, nullptr) << dump(result);
  EXPECT_EQ(result.notices,
            std::vector<std::string>{
                "admin listener on 0.0.0.0:9100 is not loopback: whoever reaches it can reload "
                "policies and read status; keep it behind a firewall or on a private network"});
}

TEST(Sections, AdminPortClashBlamesTheWrittenPort) {
  // admin left at its default 8081; listen moved onto it.
  const std::string moved = testing::replaced(std::string{kValid}, "  port: 0\n", "  port: 8081\n");
  const LoadResult listen = testing::load(moved);
  const ConfigError* error = testing::error_for(listen, "listen.port");
  ASSERT_NE(error, nullptr) << dump(listen);
  EXPECT_EQ(error->line, 2);
  EXPECT_EQ(error->message,
            "port 8081 is used by both listen.port and admin.port (its default); the admin "
            "listener needs a port of its own (or 0 for any free one)");

  // Both written: the admin one is blamed.
  const std::string both = testing::replaced(std::string{kValid}, "  port: 0\n", "  port: 9000\n") +
                           "admin:\n  port: 9000\n";
  const LoadResult admin = testing::load(both);
  error = testing::error_for(admin, "admin.port");
  ASSERT_NE(error, nullptr) << dump(admin);
  EXPECT_EQ(error->line, testing::line_containing(both, "admin:") + 1);

  // Port 0 on both is two free ports, not a clash.
  EXPECT_NE(testing::load(std::string{kValid} + "admin: {port: 0}\n").config, nullptr);
}

TEST(Sections, Sha256ErrorsNeverEchoTheValue) {
  // Someone pasted the key itself where its hash belongs: the message must not repeat it.
  const std::string secret = "sk-live-0123456789abcdefSECRET";
  const LoadResult result = testing::load(std::string{kValid} +
                                          "auth:\n  keys:\n    - {name: ci, tenant: acme, "
                                          "sha256: " +
                                          secret + "}\n");
  ASSERT_EQ(result.errors.size(), 1u) << dump(result);
  EXPECT_EQ(result.errors[0].to_string().find("SECRET"), std::string::npos)
      << result.errors[0].to_string();
  EXPECT_NE(result.errors[0].message.find("got 30 characters"), std::string::npos);
}

TEST(Sections, PlaintextKeyErrorsNeverEchoTheValue) {
  const LoadResult result = testing::load(std::string{kValid} +
                                          "auth:\n  keys:\n    - {name: ci, tenant: acme, key: "
                                          "sk-SECRET, sha256: " +
                                          std::string{kHashAbc} + "}\n");
  ASSERT_EQ(result.errors.size(), 1u) << dump(result);
  EXPECT_EQ(result.errors[0].field, "auth.keys[0].key");
  EXPECT_EQ(result.errors[0].to_string().find("SECRET"), std::string::npos);
}

TEST(Sections, LinesAreKeptWithTheConfig) {
  const std::string path = testing::fixture("with_policies.yaml");
  const LoadResult result = load_config_file(path, testing::empty_env());
  ASSERT_NE(result.config, nullptr) << dump(result);
  const FieldLines& lines = result.config->lines;
  EXPECT_EQ(lines.line_of("auth.keys[0].policies[0]"), 17);
  EXPECT_EQ(lines.line_of("auth.keys[1]"), 19);
  EXPECT_EQ(lines.line_of("auth.keys[1].name"), 19);  // the item's first line is its name's
  EXPECT_EQ(lines.line_of("routing.default_tier"), 11);
  EXPECT_EQ(lines.line_of("no.such.field"), 0);
}

}  // namespace
}  // namespace governor::config
