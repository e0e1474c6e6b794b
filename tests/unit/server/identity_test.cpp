#include "identity.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "governor/core/sha256.hpp"
#include "support/json_doc.hpp"

namespace governor::server {
namespace {

using nlohmann::json;

config::AuthConfig two_keys() {
  config::AuthConfig auth;
  auth.keys.push_back({"ci-bot", sha256_hex("sk-gov-ci"), "acme", {"ci"}, {"internal"}});
  auth.keys.push_back({"admin", sha256_hex("sk-gov-admin"), "acme", {"*"}, {"*"}});
  return auth;
}

TEST(Authenticate, WithoutKeysEveryoneIsTheDefaultTenant) {
  const auto caller = authenticate(config::AuthConfig{}, std::nullopt);
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->tenant, "default");
  EXPECT_EQ(caller->key, nullptr);
}

TEST(Authenticate, AKnownKeyNamesItsTenant) {
  const auto auth = two_keys();
  const auto caller = authenticate(auth, "Bearer sk-gov-ci");
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->tenant, "acme");
  EXPECT_EQ(caller->key_name(), "ci-bot");
  EXPECT_TRUE(authenticate(auth, "bearer sk-gov-admin"));  // scheme is case-insensitive
}

struct BadAuthCase {
  std::string name;
  std::optional<std::string> header;
};

std::ostream& operator<<(std::ostream& os, const BadAuthCase& c) {
  return os << c.name;
}

class AuthenticateRefuses : public ::testing::TestWithParam<BadAuthCase> {};

TEST_P(AuthenticateRefuses, With401AndNeverEchoesTheKey) {
  const auto& c = GetParam();
  const auto auth = two_keys();
  std::optional<std::string_view> header;
  if (c.header) {
    header = *c.header;
  }
  const auto caller = authenticate(auth, header);
  ASSERT_FALSE(caller);
  EXPECT_EQ(caller.error().status, 401u);
  EXPECT_EQ(caller.error().code, "invalid_api_key");
  EXPECT_EQ(caller.error().message.find("sk-wrong"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AuthenticateRefuses,
    ::testing::Values(BadAuthCase{"missing", std::nullopt}, BadAuthCase{"empty", ""},
                      BadAuthCase{"no_scheme", "sk-gov-ci"}, BadAuthCase{"basic", "Basic abc"},
                      BadAuthCase{"bearer_only", "Bearer "},
                      BadAuthCase{"unknown_key", "Bearer sk-wrong"},
                      BadAuthCase{"the_hash_itself", "Bearer " + sha256_hex("sk-gov-ci")}),
    [](const auto& info) { return info.param.name; });

TEST(ValidId, AcceptsTheCharsetAndLengthOnly) {
  EXPECT_TRUE(is_valid_id("task-1"));
  EXPECT_TRUE(is_valid_id("a.b_c:d-E9"));
  EXPECT_TRUE(is_valid_id(std::string(128, 'x')));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id(std::string(129, 'x')));
  for (const char* bad : {"a b", "a/b", "a\nb", "ü", "a%2f", "a\"b", "a*"}) {
    EXPECT_FALSE(is_valid_id(bad)) << bad;
  }
}

TEST(ReadTaskRef, HeadersWin) {
  GovernorHeaders h;
  h.task = "t-1";
  h.session = "s-1";
  h.step = "summarize";
  h.trust_domain = "internal";
  h.policy = "ci";
  h.retry = "true";
  const auto ref = read_task_ref(h, nullptr);
  ASSERT_TRUE(ref) << ref.error().message;
  EXPECT_EQ(ref->task, "t-1");
  EXPECT_EQ(ref->session, "s-1");
  EXPECT_EQ(ref->step, StepType::summarize);
  EXPECT_EQ(ref->trust_domain, "internal");
  EXPECT_EQ(ref->policy, "ci");
  EXPECT_TRUE(ref->retry);
}

TEST(ReadTaskRef, MetadataIsTheFallback) {
  const json metadata = {{"governor_task", "t-2"},    {"governor_session", "s-2"},
                         {"governor_step", "plan"},   {"governor_policy", "ci"},
                         {"governor_retry", "false"}, {"user", "kept-for-upstream"}};
  const auto doc = governor::testing::json_doc(metadata);
  const auto ref = read_task_ref({}, &doc);
  ASSERT_TRUE(ref) << ref.error().message;
  EXPECT_EQ(ref->task, "t-2");
  EXPECT_EQ(ref->session, "s-2");
  EXPECT_EQ(ref->step, StepType::plan);
  EXPECT_EQ(ref->policy, "ci");
  EXPECT_FALSE(ref->retry);
}

TEST(ReadTaskRef, NothingGivenIsAOneStepTask) {
  const auto ref = read_task_ref({}, nullptr);
  ASSERT_TRUE(ref);
  EXPECT_TRUE(ref->task.empty());
  EXPECT_FALSE(ref->step);
}

struct BadRefCase {
  std::string name;
  GovernorHeaders headers;
  json metadata;
  std::string param;
};

std::ostream& operator<<(std::ostream& os, const BadRefCase& c) {
  return os << c.name;
}

class ReadTaskRefRefuses : public ::testing::TestWithParam<BadRefCase> {};

TEST_P(ReadTaskRefRefuses, With400NamingTheHeader) {
  const auto& c = GetParam();
  const auto doc = governor::testing::json_doc(c.metadata);
  const auto ref = read_task_ref(c.headers, doc.IsNull() ? nullptr : &doc);
  ASSERT_FALSE(ref);
  EXPECT_EQ(ref.error().status, 400u);
  EXPECT_EQ(ref.error().param, c.param);
}

// GovernorHeaders holds views: the texts they point at must outlive the test cases.
const std::string kLongId(129, 'a');

GovernorHeaders with_task(std::string_view task) {
  GovernorHeaders h;
  h.task = task;
  return h;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ReadTaskRefRefuses,
    ::testing::Values(
        BadRefCase{"task_with_slash", with_task("a/b"), nullptr, "X-Governor-Task"},
        BadRefCase{"task_empty", with_task(""), nullptr, "X-Governor-Task"},
        BadRefCase{"task_too_long", with_task(kLongId), nullptr, "X-Governor-Task"},
        BadRefCase{"task_named_like_a_one_step_call", with_task("call-42"), nullptr,
                   "X-Governor-Task"},
        BadRefCase{"task_in_metadata_named_like_a_one_step_call",
                   {},
                   json{{"governor_task", "call-7"}},
                   "X-Governor-Task"},
        BadRefCase{"header_and_metadata_disagree", with_task("a"), json{{"governor_task", "b"}},
                   "X-Governor-Task"},
        BadRefCase{
            "bad_session_in_metadata", {}, json{{"governor_session", "a b"}}, "X-Governor-Session"},
        BadRefCase{"unknown_step", {}, json{{"governor_step", "dance"}}, "X-Governor-Step"},
        BadRefCase{"retry_not_boolean", {}, json{{"governor_retry", "yes"}}, "X-Governor-Retry"},
        BadRefCase{"bad_trust_domain",
                   {},
                   json{{"governor_trust_domain", "in ternal"}},
                   "X-Governor-Trust-Domain"}),
    [](const auto& info) { return info.param.name; });

TEST(Authorize, KeysMayUseOnlyTheirPoliciesAndTrustDomains) {
  const auto auth = two_keys();
  const Caller ci{"acme", &auth.keys[0]};
  const Caller admin{"acme", &auth.keys[1]};
  TaskRef ref;
  EXPECT_FALSE(authorize(ci, ref));
  ref.policy = "ci";
  ref.trust_domain = "internal";
  EXPECT_FALSE(authorize(ci, ref));
  ref.policy = "research";
  auto denied = authorize(ci, ref);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403u);
  EXPECT_EQ(denied->param, "X-Governor-Policy");
  EXPECT_FALSE(authorize(admin, ref));
  ref.policy = "ci";
  ref.trust_domain = "external";
  denied = authorize(ci, ref);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->param, "X-Governor-Trust-Domain");
  EXPECT_FALSE(authorize(Caller{"default", nullptr}, ref));  // auth off: nothing to check
}

TEST(ChoosePolicy, UnknownNamedPolicyIs400AndNoneIsUnbudgeted) {
  config::PolicySet set;
  config::Policy p;
  p.name = "default";
  set.policies.push_back(p);
  const Caller caller{"default", nullptr};
  TaskRef ref;
  auto chosen = choose_policy(&set, caller, ref);
  ASSERT_TRUE(chosen);
  ASSERT_NE(*chosen, nullptr);
  EXPECT_EQ((*chosen)->name, "default");
  ref.policy = "nope";
  chosen = choose_policy(&set, caller, ref);
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.error().status, 400u);
  EXPECT_EQ(chosen.error().param, "X-Governor-Policy");
  ref.policy.clear();
  chosen = choose_policy(nullptr, caller, ref);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, nullptr);
}

}  // namespace
}  // namespace governor::server
