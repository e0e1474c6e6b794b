// Budgets over real sockets: concurrent reservations, scopes, clamps, degrade, retries, reserves,
// streams, the task endpoints and policy reload, with a real SQLite ledger file.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "budget_fixture.hpp"
#include "governor/core/sha256.hpp"
#include "governor/ledger/ledger.hpp"

namespace governor::testing {
namespace {

using nlohmann::json;

Headers task_headers(const std::string& task, const std::string& session = "") {
  Headers h{{"X-Governor-Task", task}};
  if (!session.empty()) {
    h.emplace_back("X-Governor-Session", session);
  }
  return h;
}

/** Worst-case cost the gateway reserves for `body` on sim-small with max_tokens `out`. */
MicroUsd worst_case(const std::string& body, std::int64_t out, ModelPrices prices = kSmallPrices) {
  return cost_of({static_cast<std::int64_t>(body.size()), out}, prices);
}

MicroUsd times(MicroUsd each, std::int64_t n) {
  return MicroUsd{each.micros() * n};
}

json get_task(std::uint16_t port, const std::string& id, const Headers& headers = {}) {
  TestClient c(port);
  const auto r = c.request("GET", "/v1/tasks/" + id, "", headers);
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? json::parse(r.body) : json();
}

MicroUsd usd(const json& dollars) {
  return MicroUsd{static_cast<std::int64_t>(std::llround(dollars.get<double>() * 1e6))};
}

// A slow answer keeps every call in flight while the others reserve (long enough for 200
// connections to be made under the sanitizers too: a settle before the last reserve would free
// budget and admit more than the count the test expects).
const std::string kSlowCall = "count to three [[sim delay_ms=4000]]";

TEST_F(BudgetTest, TwoHundredConcurrentCallsOnABudgetForFiftyAdmitExactlyFifty) {
  const std::string body = chat_body("auto", kSlowCall, R"("max_tokens":16)");
  const MicroUsd each = worst_case(body, 16);
  const MicroUsd budget = times(each, 50);
  write_policy("default", "name: default\ntask: {total_dollars: " + budget.to_string() + "}\n");
  start_budgeted();

  std::vector<Shot> shots(200, Shot{"/v1/chat/completions", body, task_headers("crowd")});
  const auto results = fire_all(port(), shots);
  EXPECT_EQ(count_status(results, 200), 50u);
  EXPECT_EQ(count_status(results, 402), 150u);
  for (const auto& r : results) {
    if (r.status == 402) {
      EXPECT_EQ(json::parse(r.body)["error"]["code"], "budget_exhausted") << r.body;
      EXPECT_NE(json::parse(r.body)["error"]["message"].get<std::string>().find("task"),
                std::string::npos);
      EXPECT_EQ(r.header("x-governor-task"), "crowd");
    }
  }
  const json task = get_task(port(), "crowd");
  EXPECT_LE(usd(task["spent_usd"]), budget);
  EXPECT_EQ(usd(task["reserved_usd"]), MicroUsd{0});
  EXPECT_EQ(usd(task["spent_usd"]), sum_costs(results));  // to the micro-dollar
  EXPECT_EQ(task["steps"].size(), 50u);
}

TEST_F(BudgetTest, SessionLimitBindsAcrossItsTasks) {
  const std::string body = chat_body("auto", kSlowCall, R"("max_tokens":16)");
  const MicroUsd each = worst_case(body, 16);
  write_policy("default", "name: default\ntask: {total_dollars: 1}\nsession: {total_dollars: " +
                              times(each, 30).to_string() + "}\n");
  start_budgeted();
  std::vector<Shot> shots;
  for (int i = 0; i < 100; ++i) {
    shots.push_back({"/v1/chat/completions", body,
                     task_headers("task-" + std::to_string(i % 4), "shared-session")});
  }
  const auto results = fire_all(port(), shots);
  EXPECT_EQ(count_status(results, 200), 30u);
  EXPECT_EQ(count_status(results, 402), 70u);
  for (const auto& r : results) {
    if (r.status == 402) {
      EXPECT_NE(json::parse(r.body)["error"]["message"].get<std::string>().find("session"),
                std::string::npos)
          << r.body;
    }
  }
  const json task = get_task(port(), "task-0", {{"X-Governor-Session", "shared-session"}});
  EXPECT_LE(usd(task["scopes"]["session"]["spent_usd"]), times(each, 30));
  EXPECT_EQ(usd(task["scopes"]["session"]["spent_usd"]), sum_costs(results));
}

TEST_F(BudgetTest, TenantDailyLimitBindsAcrossSessionsAndTasks) {
  const std::string body = chat_body("auto", kSlowCall, R"("max_tokens":16)");
  const MicroUsd each = worst_case(body, 16);
  write_policy("default", "name: default\ntask: {total_dollars: " + times(each, 15).to_string() +
                              "}\nsession: {total_dollars: " + times(each, 25).to_string() +
                              "}\ntenant: {dollars_per_day: " + times(each, 20).to_string() +
                              ", dollars_per_month: 100}\n");
  start_budgeted();
  std::vector<Shot> shots;
  for (int i = 0; i < 100; ++i) {
    shots.push_back({"/v1/chat/completions", body,
                     task_headers("t" + std::to_string(i % 10), "s" + std::to_string(i % 5))});
  }
  const auto results = fire_all(port(), shots);
  EXPECT_EQ(count_status(results, 200), 20u);
  EXPECT_EQ(count_status(results, 402), 80u);
  const json task = get_task(port(), "t0", {{"X-Governor-Session", "s0"}});
  EXPECT_LE(usd(task["scopes"]["tenant_day"]["spent_usd"]), times(each, 20));
  EXPECT_EQ(usd(task["scopes"]["tenant_day"]["spent_usd"]), sum_costs(results));
  EXPECT_EQ(usd(task["scopes"]["tenant_month"]["spent_usd"]), sum_costs(results));
}

TEST_F(BudgetTest, ClampsMaxTokensToWhatTheBudgetAffords) {
  // Affords the input bound plus 100 output tokens, not the 1000 asked for.
  const std::string body = chat_body("auto", "write a long essay", R"("max_tokens":1000)");
  const MicroUsd budget = worst_case(body, 100);
  write_policy("default", "name: default\ntask: {total_dollars: " + budget.to_string() +
                              ", min_useful_output_tokens: 50}\n");
  start_budgeted();
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", body, task_headers("clamped"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json sent = json::parse(sim().stats().last_body);
  ASSERT_TRUE(sent.contains("max_tokens")) << sent.dump();
  // The largest output that fits (rounding up to a micro-dollar leaves room for one more).
  std::int64_t affordable = 100;
  while (cost_of({static_cast<std::int64_t>(body.size()), affordable + 1}, kSmallPrices) <=
         budget) {
    ++affordable;
  }
  EXPECT_EQ(sent["max_tokens"], affordable);
  EXPECT_LE(json::parse(r.body)["usage"]["completion_tokens"].get<int>(), affordable);
  EXPECT_EQ(r.header("x-governor-budget-remaining"),
            (budget - MicroUsd::parse(r.header("x-governor-cost-usd")).value()).to_string());
}

TEST_F(BudgetTest, RefusesWhenEvenTheMinimumUsefulAnswerDoesNotFit) {
  const std::string body = chat_body("auto", "hello", R"("max_tokens":1000)");
  write_policy("default",
               "name: default\ntask: {total_dollars: " + worst_case(body, 10).to_string() +
                   ", min_useful_output_tokens: 64}\n");
  start_budgeted();
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", body, task_headers("poor"));
  ASSERT_EQ(r.status, 402) << r.body;
  const json error = json::parse(r.body)["error"];
  EXPECT_EQ(error["code"], "budget_exhausted");
  EXPECT_EQ(error["type"], "insufficient_quota");
  EXPECT_EQ(sim().stats().requests, 0u);  // nothing reached the upstream
  EXPECT_FALSE(r.header("x-governor-budget-remaining").empty());
}

TEST_F(BudgetTest, DegradeDropsToACheaperTierThatFits) {
  const std::string body = chat_body("auto", "hello", R"("max_tokens":100)");
  // Enough for sim-small, not for sim-large (which falls back to sim-small: priced at large).
  write_policy("default", "name: default\non_exhausted: degrade\ntask: {total_dollars: " +
                              worst_case(body, 100).to_string() + "}\n");
  GatewayOptions o;
  o.default_tier = "premium";
  start_budgeted("", o);
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", body, task_headers("frugal"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-tier"), "cheap");
  // The router sees premium cannot afford a useful answer ("budget"); were its view of the task
  // stale, the ledger would degrade the reservation instead ("degraded").
  const std::string reason = r.header("x-governor-reason");
  EXPECT_TRUE(reason.find("budget") != std::string::npos ||
              reason.find("degraded") != std::string::npos)
      << reason;
}

TEST_F(BudgetTest, RetriesOfTheSameStepHitTheHardStop) {
  write_policy("default", "name: default\ntask: {total_dollars: 1, hard_stop_after_retries: 1}\n");
  start_budgeted();
  auto c = client();
  const std::string body = chat_body("auto", "same question");
  EXPECT_EQ(c.post_json("/v1/chat/completions", body, task_headers("retrier")).status, 200);
  EXPECT_EQ(c.post_json("/v1/chat/completions", body, task_headers("retrier")).status, 200);
  const auto third = c.post_json("/v1/chat/completions", body, task_headers("retrier"));
  ASSERT_EQ(third.status, 402) << third.body;
  EXPECT_EQ(json::parse(third.body)["error"]["code"], "retry_limit");
  // A different question is a new step, but an explicit retry header counts too.
  EXPECT_EQ(c.post_json("/v1/chat/completions", chat_body("auto", "other question"),
                        task_headers("retrier"))
                .status,
            200);
  auto explicit_retry = task_headers("retrier");
  explicit_retry.emplace_back("X-Governor-Retry", "true");
  EXPECT_EQ(c.post_json("/v1/chat/completions", chat_body("auto", "third question"), explicit_retry)
                .status,
            402);
}

TEST_F(BudgetTest, FinalSynthesisReserveIsOnlyForSummarizeSteps) {
  const std::string body = chat_body("auto", "wrap it up", R"("max_tokens":16)");
  const MicroUsd each = worst_case(body, 16);
  // Everything is earmarked for the final synthesis.
  write_policy("default", "name: default\ntask: {total_dollars: " + each.to_string() +
                              ", reserve_for_final_synthesis: " + each.to_string() + "}\n");
  start_budgeted();
  auto c = client();
  auto act = task_headers("reserved");
  act.emplace_back("X-Governor-Step", "act");
  EXPECT_EQ(c.post_json("/v1/chat/completions", body, act).status, 402);
  auto summarize = task_headers("reserved");
  summarize.emplace_back("X-Governor-Step", "summarize");
  EXPECT_EQ(c.post_json("/v1/chat/completions", body, summarize).status, 200);
}

TEST_F(BudgetTest, StreamedCostEqualsTheSameAnswerNotStreamed) {
  write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
  start_budgeted();
  auto c = client();
  const auto plain = c.post_json("/v1/chat/completions", chat_body("auto", "tell me a fact"),
                                 task_headers("plain"));
  ASSERT_EQ(plain.status, 200);
  const auto streamed =
      c.post_json("/v1/chat/completions", chat_body("auto", "tell me a fact", R"("stream":true)"),
                  task_headers("streamed"));
  ASSERT_EQ(streamed.status, 200);
  const MicroUsd plain_spent = usd(get_task(port(), "plain")["spent_usd"]);
  const MicroUsd streamed_spent = usd(get_task(port(), "streamed")["spent_usd"]);
  EXPECT_GT(plain_spent, MicroUsd{0});
  EXPECT_EQ(streamed_spent, plain_spent);
}

TEST_F(BudgetTest, StreamWithoutUsageIsCountedNotFree) {
  write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
  start_budgeted();
  auto c = client();
  const auto r =
      c.post_json("/v1/chat/completions",
                  chat_body("auto", "talk [[sim no_usage=1 tokens=40]]", R"("stream":true)"),
                  task_headers("uncounted"));
  ASSERT_EQ(r.status, 200);
  const json task = get_task(port(), "uncounted");
  EXPECT_GT(usd(task["spent_usd"]), MicroUsd{0});
  ASSERT_EQ(task["steps"].size(), 1u);
  EXPECT_TRUE(task["steps"][0]["usage_estimated"].get<bool>());
  EXPECT_GT(task["steps"][0]["output_tokens"].get<int>(), 0);
}

TEST_F(BudgetTest, ClientLeavingMidStreamPaysForWhatWasStreamed) {
  write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
  start_budgeted();
  auto c = client();
  const auto head =
      c.start("POST", "/v1/chat/completions",
              chat_body("auto", "a long story [[sim tokens=400 tps=100]]", R"("stream":true)"),
              task_headers("leaver"));
  ASSERT_EQ(head.status, 200);
  std::string seen;
  while (seen.size() < 600) {
    const auto piece = c.read_some_body();
    ASSERT_FALSE(piece.empty());
    seen += piece;
  }
  c.reset();
  json task;
  ASSERT_TRUE(eventually([&] {
    task = get_task(port(), "leaver");
    return !task.is_null() && task["steps"].size() == 1 &&
           task["steps"][0]["outcome"] != "in_flight";
  }));
  EXPECT_EQ(task["steps"][0]["outcome"], "client_gone");
  EXPECT_EQ(usd(task["reserved_usd"]), MicroUsd{0});
  const int output = task["steps"][0]["output_tokens"].get<int>();
  EXPECT_GT(output, 0);
  EXPECT_LT(output, 400);
  EXPECT_GT(task["steps"][0]["input_tokens"].get<int>(), 0);
}

TEST_F(BudgetTest, OpenTaskWithItsOwnTighterBudget) {
  write_policy("default", "name: default\ntask: {total_dollars: 1, max_output_tokens: 4096}\n");
  start_budgeted();
  auto c = client();
  const auto created = c.post_json(
      "/v1/tasks", R"({"id":"agent-7","session":"s-7","budget":{"total_dollars":0.05}})");
  ASSERT_EQ(created.status, 201) << created.body;
  const json card = json::parse(created.body);
  EXPECT_EQ(card["id"], "agent-7");
  EXPECT_EQ(usd(card["budget"]["total_dollars"]), MicroUsd{50'000});
  EXPECT_EQ(usd(card["remaining_usd"]), MicroUsd{50'000});
  EXPECT_EQ(card["budget"]["max_output_tokens"], 4096);
  EXPECT_EQ(c.post_json("/v1/tasks", R"({"id":"agent-7"})").status, 409);
  const auto looser = c.post_json("/v1/tasks", R"({"id":"agent-8","budget":{"total_dollars":5}})");
  EXPECT_EQ(looser.status, 400);
  EXPECT_EQ(json::parse(looser.body)["error"]["param"], "budget.total_dollars");

  const auto call =
      c.post_json("/v1/chat/completions", chat_body("auto", "hi"), task_headers("agent-7", "s-7"));
  ASSERT_EQ(call.status, 200);
  EXPECT_EQ(call.header("x-governor-task"), "agent-7");
  const json after = get_task(port(), "agent-7");
  ASSERT_EQ(after["steps"].size(), 1u);
  EXPECT_EQ(after["steps"][0]["model"], "sim-small");
  EXPECT_EQ(usd(after["spent_usd"]), MicroUsd::parse(call.header("x-governor-cost-usd")).value());
  EXPECT_EQ(usd(after["remaining_usd"]), MicroUsd{50'000} - usd(after["spent_usd"]));
  EXPECT_EQ(call.header("x-governor-budget-remaining"),
            (MicroUsd{50'000} - usd(after["spent_usd"])).to_string());
}

TEST_F(BudgetTest, AnOpenedTasksOwnOutputLimitIsSentUpstream) {
  write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
  start_budgeted();
  auto c = client();
  ASSERT_EQ(c.post_json("/v1/tasks", R"({"id":"short","budget":{"max_output_tokens":100}})").status,
            201);
  ASSERT_EQ(
      c.post_json("/v1/chat/completions", chat_body("auto", "hi"), task_headers("short")).status,
      200);
  EXPECT_EQ(json::parse(sim().stats().last_body)["max_completion_tokens"], 100);
}

TEST_F(BudgetTest, InputAboveMaxInputTokensIs400) {
  write_policy("default", "name: default\ntask: {total_dollars: 1, max_input_tokens: 50}\n");
  start_budgeted();
  auto c = client();
  EXPECT_EQ(
      c.post_json("/v1/chat/completions", chat_body("auto", "short"), task_headers("in")).status,
      200);
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", std::string(2000, 'x')),
                             task_headers("in"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("max_input_tokens"), std::string::npos);
}

TEST_F(BudgetTest, OneStepCallsGetAnIdAndAreRecorded) {
  write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
  start_budgeted();
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", "once"));
  ASSERT_EQ(r.status, 200);
  const std::string id = r.header("x-governor-task");
  ASSERT_TRUE(ledger::one_step_call_id(id)) << "named by the ledger after its reservation: " << id;
  const json task = get_task(port(), id);
  EXPECT_EQ(task["id"], id);
  ASSERT_EQ(task["steps"].size(), 1u);
  EXPECT_EQ(task["steps"][0]["outcome"], "ok");
  EXPECT_GT(usd(task["spent_usd"]), MicroUsd{0});
  // A second call is another task, and the name's form is the ledger's alone.
  const auto again = c.post_json("/v1/chat/completions", chat_body("auto", "twice"));
  EXPECT_NE(again.header("x-governor-task"), id);
  const auto chosen = c.post_json("/v1/chat/completions", chat_body("auto", "mine"),
                                  Headers{{"X-Governor-Task", id}});
  EXPECT_EQ(chosen.status, 400) << chosen.body;
  EXPECT_EQ(json::parse(chosen.body)["error"]["param"], "X-Governor-Task");
  EXPECT_EQ(c.post_json("/v1/tasks", R"({"id":")" + id + R"("})").status, 400);
}

TEST_F(BudgetTest, ReloadWithABadFileKeepsTheOldPolicy) {
  write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
  start_budgeted();
  write_policy("default", "name: default\ntask: {total_dollars: lots}\n");
  TestClient admin(admin_port());
  const auto bad = admin.request("POST", "/admin/reload");
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("total_dollars"), std::string::npos);
  EXPECT_EQ(gateway().reload_policies().size(), 1u);  // the same error through the API
  auto c = client();
  EXPECT_EQ(
      c.post_json("/v1/chat/completions", chat_body("auto", "still budgeted"), task_headers("r1"))
          .status,
      200);
  EXPECT_EQ(usd(get_task(port(), "r1")["budget"]["total_dollars"]), MicroUsd{1'000'000});

  write_policy("default", "name: default\ntask: {total_dollars: 0.000001}\n");
  const auto good = admin.request("POST", "/admin/reload");
  ASSERT_EQ(good.status, 200) << good.body;
  const auto refused =
      c.post_json("/v1/chat/completions", chat_body("auto", "now too poor"), task_headers("r2"));
  EXPECT_EQ(refused.status, 402) << refused.body;
  // The admin routes are not on the data port.
  EXPECT_EQ(c.request("POST", "/admin/reload").status, 404);
}

TEST_F(BudgetTest, SpendSurvivesARestart) {
  write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
  start_budgeted();
  {
    auto c = client();
    ASSERT_EQ(c.post_json("/v1/chat/completions", chat_body("auto", "remember me"),
                          task_headers("durable"))
                  .status,
              200);
  }
  const MicroUsd before = usd(get_task(port(), "durable")["spent_usd"]);
  ASSERT_GT(before, MicroUsd{0});
  server_->shutdown(std::chrono::milliseconds(1000));
  server_ = std::make_unique<server::Server>(load_test_config(gateway_yaml(
      sim().port(),
      GatewayOptions{.sections = "policies: {dir: " + policies_dir().string() +
                                 "}\nledger: {data_dir: " + data_dir().string() + "}\n"})));
  server_->start();
  EXPECT_EQ(usd(get_task(port(), "durable")["spent_usd"]), before);
}

// --- who is calling ---------------------------------------------------------------------------

class AuthTest : public BudgetTest {
 protected:
  void start_with_keys() {
    write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
    write_policy("research", "name: research\ntask: {total_dollars: 5}\n");
    // sha256("sk-acme") and sha256("sk-globex"), as `governor hash-key` prints them.
    start_budgeted(
        "auth:\n"
        "  keys:\n"
        "    - {name: acme-bot, tenant: acme, policies: [default], trust_domains: [internal], "
        "sha256: " +
        sha("sk-acme") +
        "}\n"
        "    - {name: globex-bot, tenant: globex, policies: ['*'], trust_domains: ['*'], "
        "sha256: " +
        sha("sk-globex") + "}\n");
  }
  static std::string sha(const std::string& key) { return sha256_hex(key); }
};

Headers as(const std::string& key, Headers more = {}) {
  more.emplace_back("Authorization", "Bearer " + key);
  return more;
}

TEST_F(AuthTest, MissingOrUnknownKeyIs401) {
  start_with_keys();
  auto c = client();
  auto r = c.post_json("/v1/chat/completions", chat_body("auto", "hi"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "invalid_api_key");
  r = c.post_json("/v1/chat/completions", chat_body("auto", "hi"), as("sk-nobody"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.find("sk-nobody"), std::string::npos);
  EXPECT_EQ(c.request("GET", "/v1/tasks/x").status, 401);
  EXPECT_EQ(sim().stats().requests, 0u);
}

TEST_F(AuthTest, ForbiddenPolicyOrTrustDomainIs403) {
  start_with_keys();
  auto c = client();
  auto r = c.post_json("/v1/chat/completions", chat_body("auto", "hi"),
                       as("sk-acme", {{"X-Governor-Policy", "research"}}));
  EXPECT_EQ(r.status, 403) << r.body;
  r = c.post_json("/v1/chat/completions", chat_body("auto", "hi"),
                  as("sk-acme", {{"X-Governor-Trust-Domain", "external"}}));
  EXPECT_EQ(r.status, 403) << r.body;
  r = c.post_json("/v1/chat/completions", chat_body("auto", "hi"),
                  as("sk-globex", {{"X-Governor-Policy", "research"}}));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(AuthTest, TenantsNeverSeeOrSpendFromEachOthersTasks) {
  start_with_keys();
  auto c = client();
  ASSERT_EQ(c.post_json("/v1/chat/completions", chat_body("auto", "acme work"),
                        as("sk-acme", task_headers("shared-name")))
                .status,
            200);
  // Same id under another tenant: a different task, and acme's is invisible to globex.
  TestClient g(port());
  const auto other = g.request("GET", "/v1/tasks/shared-name", "", as("sk-globex"));
  EXPECT_EQ(other.status, 404);
  ASSERT_EQ(g.post_json("/v1/chat/completions", chat_body("auto", "globex work"),
                        as("sk-globex", task_headers("shared-name")))
                .status,
            200);
  const auto mine = c.request("GET", "/v1/tasks/shared-name", "", as("sk-acme"));
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(json::parse(mine.body)["steps"].size(), 1u);
}

TEST_F(AuthTest, MalformedIdsAre400) {
  start_with_keys();
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", "hi"),
                             as("sk-acme", task_headers("../etc/passwd")));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["param"], "X-Governor-Task");
  EXPECT_EQ(c.request("GET", "/v1/tasks/a%20b", "", as("sk-acme")).status, 400);
}

}  // namespace
}  // namespace governor::testing

namespace governor::testing {
namespace {

// Without policies every call is tracked but unbudgeted, and the task endpoints still work.
class UnbudgetedTest : public GatewayTest {};

TEST_F(UnbudgetedTest, CallsAreTrackedAndTasksServedWithoutPolicies) {
  start();
  auto c = client();
  const auto call =
      c.post_json("/v1/chat/completions", chat_body("auto", "no policy"), task_headers("free"));
  ASSERT_EQ(call.status, 200) << call.body;
  EXPECT_EQ(call.header("x-governor-budget-remaining"), "unlimited");
  const json task = get_task(port(), "free");
  EXPECT_EQ(task["remaining_usd"], nullptr);
  EXPECT_EQ(task["policy"], nullptr);
  EXPECT_EQ(usd(task["spent_usd"]), MicroUsd::parse(call.header("x-governor-cost-usd")).value());
  EXPECT_EQ(c.request("GET", "/v1/tasks/unknown").status, 404);
  const auto opened = c.post_json("/v1/tasks", R"({"id":"mine","budget":{"total_dollars":0.5}})");
  ASSERT_EQ(opened.status, 201) << opened.body;
  EXPECT_EQ(usd(json::parse(opened.body)["remaining_usd"]), MicroUsd{500'000});
  const auto unknown_policy =
      c.post_json("/v1/chat/completions", chat_body("auto", "x"), {{"X-Governor-Policy", "nope"}});
  EXPECT_EQ(unknown_policy.status, 400);
}

}  // namespace
}  // namespace governor::testing
