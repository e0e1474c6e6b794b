// The whole routing decision of one call, as the gateway runs it: read the request's shape and
// prompt, compute the features, run the shipped prompt model (n-gram prior + two tree
// ensembles) and the decision rule within the default policy's step rules. Requests are
// realistic: RouteLLM's held-out GSM8K/MMLU prompts as single-turn chats, and an agent
// conversation with tools and tool results (its next step, and the same step sent again: a
// retry, whose messages are hashed). Prints ns per decision and, per request kind, the
// p50/p99 of single decisions timed one by one (counters p50_ns, p99_ns).
// Run: ./decision_bench   (needs the shipped config, policies and model; paths compiled in)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "admission.hpp"
#include "governor/config/loader.hpp"
#include "governor/config/policy_loader.hpp"
#include "governor/openai/chat_request.hpp"
#include "governor/routing/prompt_model.hpp"
#include "route_call.hpp"

namespace {

using namespace governor;
using nlohmann::json;

struct Setup {
  config::GatewayConfigPtr config;
  config::PolicySetPtr policies;
  routing::PromptModelPtr model;
  std::vector<openai::ChatRequest> prompts;  ///< single-turn benchmark prompts
  std::vector<std::size_t> prompt_bytes;
  openai::ChatRequest agent;  ///< a multi-turn tool-using conversation
  std::size_t agent_bytes = 0;
  std::uint64_t previous_step_hash = 0;
  openai::ChatRequest long_prompt;    ///< one user message of about 8 kB
  std::size_t long_prompt_bytes = 0;  ///< messages_hash of the step before (one round fewer)
};

openai::ChatRequest parse(const std::string& body) {
  auto parsed = openai::parse_chat_request(body);
  if (!parsed) {
    throw std::runtime_error("bad bench request: " + parsed.error().message);
  }
  return std::move(*parsed);
}

/** An agent's conversation after `turns` tool rounds (the bench's agent step has 4). */
std::string agent_body(int turns) {
  json tools = json::array();
  for (const char* name : {"search", "read_file", "run_tests", "write_file"}) {
    tools.push_back({{"type", "function"},
                     {"function",
                      {{"name", name},
                       {"description", std::string("Tool ") + name},
                       {"parameters",
                        {{"type", "object"},
                         {"properties", {{"query", {{"type", "string"}}}}},
                         {"required", {"query"}}}}}}});
  }
  json messages = json::array(
      {{{"role", "system"}, {"content", "You are a careful software engineer. Use the tools."}},
       {{"role", "user"},
        {"content",
         "The integration test for the budget ledger fails after the last merge. Find out why, "
         "fix it, and run the tests again. Explain the root cause in two sentences."}}});
  for (int turn = 0; turn < turns; ++turn) {
    const std::string id = "call_" + std::to_string(turn);
    messages.push_back(
        {{"role", "assistant"},
         {"content", nullptr},
         {"tool_calls",
          {{{"id", id},
            {"type", "function"},
            {"function",
             {{"name", "read_file"}, {"arguments", "{\"query\": \"src/ledger/store.cpp\"}"}}}}}}});
    messages.push_back({{"role", "tool"},
                        {"tool_call_id", id},
                        {"content", std::string(1500, 'x') + " int main() { return 0; }"}});
  }
  return json{{"model", "auto"}, {"messages", messages}, {"tools", tools}}.dump();
}

Setup load() {
  Setup s;
  auto loaded = config::load_config_file(GOVERNOR_SOURCE_DIR "/config/governor.yaml");
  if (!loaded.config) {
    throw std::runtime_error("cannot load config/governor.yaml");
  }
  s.config = loaded.config;
  auto policies = config::load_policy_dir(s.config->policies.dir);
  if (!policies.policies) {
    throw std::runtime_error("cannot load the policies");
  }
  s.policies = policies.policies;
  const config::Policy* policy = s.policies->find("default");
  auto model = routing::PromptModel::load_file(policy->routing.model);
  if (!model) {
    throw std::runtime_error(model.error());
  }
  s.model = std::make_shared<const routing::PromptModel>(std::move(*model));
  // Held-out prompts when the data was imported (scripts/train-router), else a few built in.
  std::vector<std::string> texts;
  for (const char* file : {"/var/routellm/gsm8k.test.jsonl", "/var/routellm/mmlu.test.jsonl"}) {
    std::ifstream in(std::string(GOVERNOR_SOURCE_DIR) + file);
    std::string line;
    for (int i = 0; i < 500 && std::getline(in, line); ++i) {
      texts.push_back(json::parse(line).at("prompt").get<std::string>());
    }
  }
  if (texts.empty()) {
    texts = {"What is 2 + 2?", "Write a haiku about budgets.",
             "Janet has 16 eggs and eats 3. She bakes with 4 and sells the rest at $2 each. "
             "How much does she make?"};
  }
  for (const auto& text : texts) {
    const std::string body =
        json{{"model", "auto"}, {"messages", {{{"role", "user"}, {"content", text}}}}}.dump();
    s.prompts.push_back(parse(body));
    s.prompt_bytes.push_back(body.size());
  }
  const std::string agent = agent_body(4);
  s.agent = parse(agent);
  s.agent_bytes = agent.size();
  s.previous_step_hash = server::messages_hash(parse(agent_body(3)));
  std::string pasted = "Why does this function leak memory? Explain and fix it.\n\n```cpp\n";
  for (int line = 0; pasted.size() < 8000; ++line) {
    pasted += "  auto* buffer_" + std::to_string(line) + " = new char[" +
              std::to_string(line * 64) + "];  // scratch for step " + std::to_string(line) +
              " of the parser\n";
  }
  pasted += "```\n";
  const std::string long_body =
      json{{"model", "auto"}, {"messages", {{{"role", "user"}, {"content", pasted}}}}}.dump();
  s.long_prompt = parse(long_body);
  s.long_prompt_bytes = long_body.size();
  return s;
}

const Setup& setup() {
  static const Setup s = load();
  return s;
}

routing::Decision decide_once(const Setup& s, const openai::ChatRequest& request, std::size_t bytes,
                              const server::TaskBrief* brief) {
  const config::Policy* policy = s.policies->find("default");
  const server::TaskRef ref{.task = brief ? "bench-task" : ""};
  auto target = server::resolve_target(*s.config, "auto");
  const auto routed = server::route_call(
      {*s.config, policy, ref, request, bytes, *target,
       brief ? std::optional<server::TaskBrief>(*brief) : std::nullopt, s.model.get()});
  return *routed.decision;
}

/** Times `runs` single decisions and reports their p50 and p99 as counters. */
template <class Decide>
void percentiles(benchmark::State& state, Decide&& decide) {
  std::vector<double> ns;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(decide());
    ns.push_back(
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ns.begin(), ns.end());
  state.counters["p50_ns"] = ns[ns.size() / 2];
  state.counters["p99_ns"] = ns[std::min(ns.size() - 1, ns.size() * 99 / 100)];
}

void BM_DecisionBenchmarkPrompts(benchmark::State& state) {
  const Setup& s = setup();
  std::size_t i = 0;
  percentiles(state, [&] {
    const std::size_t k = i++ % s.prompts.size();
    return decide_once(s, s.prompts[k], s.prompt_bytes[k], nullptr);
  });
  state.SetLabel(std::to_string(s.prompts.size()) + " prompts");
}
BENCHMARK(BM_DecisionBenchmarkPrompts);

/** Writes 4 MiB, which pushes the decision's tables (the two tree ensembles, the n-gram prior)
 *  out of the L1 and L2 caches, as a call through the gateway does between two decisions (the
 *  kernel's network stack, the parsers, the upstream exchange). */
void evict_caches() {
  static std::vector<std::uint64_t> junk((std::size_t{4} << 20) / sizeof(std::uint64_t));
  for (std::uint64_t& word : junk) {
    ++word;
  }
  benchmark::ClobberMemory();
}

/** The benchmark prompts again, each decided with cold caches: closer to what a decision costs
 *  inside the gateway (docs/performance.md: 2.7 µs of trees a routed call under load, against
 *  about 1.1 µs in the warm loop above). */
void BM_DecisionBenchmarkPromptsColdCaches(benchmark::State& state) {
  const Setup& s = setup();
  std::size_t i = 0;
  std::vector<double> ns;
  for (auto _ : state) {
    state.PauseTiming();
    evict_caches();
    const std::size_t k = i++ % s.prompts.size();
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(decide_once(s, s.prompts[k], s.prompt_bytes[k], nullptr));
    ns.push_back(
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ns.begin(), ns.end());
  state.counters["p50_ns"] = ns[ns.size() / 2];
  state.counters["p99_ns"] = ns[std::min(ns.size() - 1, ns.size() * 99 / 100)];
  state.SetLabel(std::to_string(s.prompts.size()) + " prompts, caches evicted before each");
}
BENCHMARK(BM_DecisionBenchmarkPromptsColdCaches);

void BM_DecisionAgentStep(benchmark::State& state) {
  const Setup& s = setup();
  server::TaskBrief brief;
  brief.calls = 9;
  brief.last_rank = 0;
  brief.budget_left = 0.8;
  brief.last_messages_hash = s.previous_step_hash;  // as the task's memory holds it
  percentiles(state, [&] { return decide_once(s, s.agent, s.agent_bytes, &brief); });
  state.SetLabel("9 prior calls, 4 tool rounds, 4 tools");
}
BENCHMARK(BM_DecisionAgentStep);

/** A long prompt: a user message of about 8 kB (a pasted source file and a question). */
void BM_DecisionLongPrompt(benchmark::State& state) {
  const Setup& s = setup();
  percentiles(state, [&] { return decide_once(s, s.long_prompt, s.long_prompt_bytes, nullptr); });
  state.SetLabel(std::to_string(s.long_prompt_bytes) + " B body");
}
BENCHMARK(BM_DecisionLongPrompt);

/** The same step sent again: its messages are hashed to recognise the retry. */
void BM_DecisionAgentRetry(benchmark::State& state) {
  const Setup& s = setup();
  server::TaskBrief brief;
  brief.calls = 10;
  brief.last_rank = 0;
  brief.budget_left = 0.8;
  brief.last_messages_hash = server::messages_hash(s.agent);
  percentiles(state, [&] { return decide_once(s, s.agent, s.agent_bytes, &brief); });
  state.SetLabel("the agent step again: a retry");
}
BENCHMARK(BM_DecisionAgentRetry);

}  // namespace

BENCHMARK_MAIN();
