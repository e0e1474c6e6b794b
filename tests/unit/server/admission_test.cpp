#include "admission.hpp"

#include <gtest/gtest.h>

namespace governor::server {
namespace {

config::UpstreamConfig upstream(std::string name, std::int64_t in, std::int64_t out,
                                std::string fallback = "") {
  config::UpstreamConfig up;
  up.name = std::move(name);
  up.prices = {{in}, {out}};
  up.context_window = 1000;
  up.fallback = std::move(fallback);
  return up;
}

/** small ($0.15/$0.60) < mid ($1/$4, falls back to pricey) < large ($2.50/$10). */
config::GatewayConfig three_tiers() {
  config::GatewayConfig cfg;
  cfg.upstreams = {
      upstream("small", 150'000, 600'000), upstream("mid", 1'000'000, 4'000'000, "pricey"),
      upstream("large", 2'500'000, 10'000'000), upstream("pricey", 900'000, 20'000'000)};
  cfg.tiers = {{"cheap", {"small"}}, {"middle", {"mid"}}, {"premium", {"large"}}};
  cfg.routing.default_tier = "premium";
  return cfg;
}

openai::ChatRequest request_of(const std::string& body) {
  auto parsed = openai::parse_chat_request(body);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? std::move(*parsed) : openai::ChatRequest{};
}

const std::string kHello = R"({"model":"auto","messages":[{"role":"user","content":"hello"}]})";

TEST(InputTokenBound, IsTheBodySizePlusAFixedAmountPerMediaPart) {
  const auto plain = request_of(kHello);
  EXPECT_EQ(input_token_bound(plain, kHello.size()), static_cast<std::int64_t>(kHello.size()));
  const std::string image =
      R"({"model":"auto","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},)"
      R"({"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]})";
  EXPECT_EQ(input_token_bound(request_of(image), image.size()),
            static_cast<std::int64_t>(image.size()) + kMaxTokensPerMediaPart);
}

TEST(MessagesHash, SameMessagesSameHashOtherFieldsIgnored) {
  const auto a = request_of(kHello);
  const auto b =
      request_of(R"({"model":"x","temperature":1,"messages":[{"role":"user","content":"hello"}]})");
  const auto c = request_of(R"({"model":"auto","messages":[{"role":"user","content":"hello!"}]})");
  EXPECT_EQ(messages_hash(a), messages_hash(b));
  EXPECT_NE(messages_hash(a), messages_hash(c));
  EXPECT_NE(messages_hash(a), 0u);
}

TEST(MessagesHash, TopBitsCountTheMessagesSoMayRepeatNeedsNoHash) {
  const auto one = request_of(kHello);
  const auto other = request_of(R"({"model":"auto","messages":[{"role":"user","content":"bye"}]})");
  const auto two = request_of(
      R"({"model":"auto","messages":[{"role":"system","content":"hi"},{"role":"user","content":"hello"}]})");
  EXPECT_EQ(1u, messages_hash(one) >> 48);
  EXPECT_EQ(2u, messages_hash(two) >> 48);
  EXPECT_NE(messages_hash(one), messages_hash(other));
  EXPECT_TRUE(may_repeat(one, messages_hash(one)));
  EXPECT_TRUE(may_repeat(one, messages_hash(other)));  // same count: only the hash can tell
  EXPECT_FALSE(may_repeat(two, messages_hash(one)));
  EXPECT_FALSE(may_repeat(one, messages_hash(two)));
}

struct PlanFixture {
  config::GatewayConfig cfg = three_tiers();
  config::Policy policy;
  Caller caller{"acme", nullptr};
  TaskRef ref;
  openai::ChatRequest request = request_of(kHello);
  Target target{cfg.find_upstream("large"), "premium", false};
  std::optional<std::uint64_t> known_hash;

  AdmissionPlan plan() {
    return plan_admission({cfg, &policy, caller, ref, request, 100, target,
                           ref.step.value_or(StepType::act), "call-1", known_hash});
  }
};

TEST(PlanAdmission, RejectPolicyHasOnlyTheTarget) {
  PlanFixture f;
  f.policy.on_exhausted = config::OnExhausted::reject;
  const auto plan = f.plan();
  ASSERT_EQ(plan.request.candidates.size(), 1u);
  EXPECT_EQ(plan.upstreams[0]->name, "large");
  EXPECT_EQ(plan.request.task, "call-1");
  EXPECT_TRUE(plan.request.one_step);
  EXPECT_EQ(plan.request.messages_hash, 0u);  // a one-step task has no retries to detect
  EXPECT_EQ(plan.request.input_tokens, 100);
  EXPECT_EQ(plan.request.input_tokens_estimate, 25);
}

TEST(PlanAdmission, DegradeWalksDownTheTiersNearestFirst) {
  PlanFixture f;
  f.policy.on_exhausted = config::OnExhausted::degrade;
  f.ref.task = "t-1";
  const auto plan = f.plan();
  ASSERT_EQ(plan.upstreams.size(), 3u);
  EXPECT_EQ(plan.upstreams[0]->name, "large");
  EXPECT_EQ(plan.upstreams[1]->name, "mid");
  EXPECT_EQ(plan.upstreams[2]->name, "small");
  EXPECT_EQ(plan.tiers[1], "middle");
  EXPECT_FALSE(plan.request.one_step);
  EXPECT_NE(plan.request.messages_hash, 0u);
}

TEST(PlanAdmission, PinnedCallsAreNeverDegraded) {
  PlanFixture f;
  f.policy.on_exhausted = config::OnExhausted::degrade;
  f.target.pinned = true;
  EXPECT_EQ(f.plan().upstreams.size(), 1u);
}

TEST(PlanAdmission, CandidatesArePricedAtTheirFallbackChainsMostExpensive) {
  PlanFixture f;
  f.policy.on_exhausted = config::OnExhausted::degrade;
  const auto plan = f.plan();
  // mid falls back to pricey: input max(1.00, 0.90), output max(4, 20).
  EXPECT_EQ(plan.request.candidates[1].prices.input.micros_per_million, 1'000'000);
  EXPECT_EQ(plan.request.candidates[1].prices.output.micros_per_million, 20'000'000);
}

TEST(PlanAdmission, OutputBoundIsClientThenPolicyThenContextWindow) {
  PlanFixture f;
  EXPECT_EQ(f.plan().request.candidates[0].max_output_tokens, 1000);  // context window
  f.policy.task.max_output_tokens = 300;
  EXPECT_EQ(f.plan().request.candidates[0].max_output_tokens, 300);
  f.request = request_of(
      R"({"model":"auto","max_tokens":200,"messages":[{"role":"user","content":"hello"}]})");
  EXPECT_EQ(f.plan().request.candidates[0].max_output_tokens, 200);
  f.request = request_of(
      R"({"model":"auto","max_tokens":5000,"messages":[{"role":"user","content":"hello"}]})");
  EXPECT_EQ(f.plan().request.candidates[0].max_output_tokens, 300);
}

TEST(PlanAdmission, PlannedOutputTokensIsEachCandidatesBoundInThePlan) {
  // The handler hands the plan's request to the ledger and asks for the granted candidate's
  // bound again: it must be the plan's, whatever bounds the output.
  PlanFixture f;
  f.policy.on_exhausted = config::OnExhausted::degrade;
  f.cfg.upstreams[0].context_window = 400;   // small
  f.cfg.upstreams[3].context_window = 3000;  // pricey, mid's fallback
  const auto check = [&] {
    const auto plan = f.plan();
    ASSERT_EQ(plan.upstreams.size(), 3u);
    const AdmissionInput in{f.cfg, &f.policy, f.caller,      f.ref,    f.request,
                            100,   f.target,  StepType::act, "call-1", f.known_hash};
    for (std::size_t i = 0; i < plan.upstreams.size(); ++i) {
      EXPECT_EQ(planned_output_tokens(in, *plan.upstreams[i]),
                plan.request.candidates[i].max_output_tokens)
          << plan.upstreams[i]->name;
    }
  };
  check();  // context windows: 1000, 3000 (mid's chain), 400
  f.policy.task.max_output_tokens = 700;
  check();
  f.request = request_of(
      R"({"model":"auto","max_tokens":200,"messages":[{"role":"user","content":"hello"}]})");
  check();
}

TEST(PlanAdmission, ExplicitStepAndRetryPassThrough) {
  PlanFixture f;
  f.ref.task = "t-1";
  f.ref.step = StepType::summarize;
  f.ref.retry = true;
  const auto plan = f.plan();
  EXPECT_EQ(plan.request.step, StepType::summarize);
  EXPECT_TRUE(plan.request.explicit_retry);
  EXPECT_EQ(plan.request.policy, "");  // unnamed policy in this fixture
}

TEST(PlanAdmission, ATaskCallCarriesItsMessagesHashComputedOrGiven) {
  PlanFixture f;
  f.ref.task = "t-1";
  EXPECT_EQ(f.plan().request.messages_hash, messages_hash(f.request));
  f.known_hash = 42;  // the handler's, computed once per call
  EXPECT_EQ(f.plan().request.messages_hash, 42u);
}

TEST(OutputBoundToSend, OnlyWhenItTightensWhatTheClientSent) {
  ledger::Grant grant;
  grant.output_tokens = 300;
  config::Policy policy;
  const auto without_max = request_of(kHello);
  // Planned bound 300 from the context window, granted in full: nothing to send.
  EXPECT_EQ(output_bound_to_send(without_max, grant, 300, nullptr), std::nullopt);
  EXPECT_EQ(output_bound_to_send(without_max, grant, 300, &policy), std::nullopt);
  policy.task.max_output_tokens = 300;  // the bound came from the policy: enforce it
  EXPECT_EQ(output_bound_to_send(without_max, grant, 300, &policy), 300);
  // The ledger lowered it (clamped, or the task's own budget is tighter).
  EXPECT_EQ(output_bound_to_send(without_max, grant, 1000, nullptr), 300);
  const auto with_max = request_of(
      R"({"model":"auto","max_tokens":200,"messages":[{"role":"user","content":"hello"}]})");
  grant.output_tokens = 200;
  EXPECT_EQ(output_bound_to_send(with_max, grant, 200, &policy), std::nullopt);  // 200 holds
  grant.output_tokens = 120;
  EXPECT_EQ(output_bound_to_send(with_max, grant, 200, &policy), 120);
}

}  // namespace
}  // namespace governor::server
