// Structural reading of one policy file (docs/policies.md).
#include "parse_policy.hpp"

#include "parse.hpp"
#include "text_rules.hpp"
#include "yaml_reader.hpp"

namespace governor::config::detail {
namespace {

// Token counts per call. A billion leaves every cost product (tokens x price) far from overflow
// and is far above any context window.
constexpr std::int64_t kMaxTokens = 1'000'000'000;
constexpr std::int64_t kMaxRetries = 1'000;

void parse_match(const MapReader& root, PolicyMatch& match) {
  const YAML::Node* node = root.find("match");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node, "match", root.line_of("match"), {"trust_domains", "keys"}, root.diag()};
  if (!r.ok()) {
    return;
  }
  // A catch-all match would hide the selection order; the policy named "default" is the
  // catch-all, and it is always tried last.
  constexpr std::string_view kHint = "; calls that match no policy get the policy named 'default'";
  if (const YAML::Node* list = r.find("trust_domains")) {
    match.trust_domains = read_id_list(*list, r.field_of("trust_domains"),
                                       r.line_of("trust_domains"), r.diag(), false, kHint);
  }
  if (const YAML::Node* list = r.find("keys")) {
    match.keys = read_id_list(*list, r.field_of("keys"), r.line_of("keys"), r.diag(), false, kHint);
  }
}

void read_on_exhausted(const MapReader& root, OnExhausted& out) {
  std::string text;
  if (!root.read_string("on_exhausted", text)) {
    return;
  }
  if (const auto value = parse_on_exhausted(text)) {
    out = *value;
    return;
  }
  root.diag().error(root.line_of("on_exhausted"), root.field_of("on_exhausted"),
                    "expected reject or degrade, got '" + text + "'");
}

void parse_task(const MapReader& root, TaskBudget& task) {
  const YAML::Node* node = root.find("task");
  if (node == nullptr) {
    return;
  }
  const MapReader r{
      *node,
      "task",
      root.line_of("task"),
      {"total_dollars", "max_input_tokens", "max_output_tokens", "reserve_for_final_synthesis",
       "reserve_for_human_handoff", "hard_stop_after_retries", "min_useful_output_tokens"},
      root.diag()};
  if (!r.ok()) {
    return;
  }
  r.read_dollars("total_dollars", task.total_dollars);
  std::int64_t tokens = 0;
  if (r.read_int("max_input_tokens", tokens, 1, kMaxTokens)) {
    task.max_input_tokens = tokens;
  }
  if (r.read_int("max_output_tokens", tokens, 1, kMaxTokens)) {
    task.max_output_tokens = tokens;
  }
  r.read_dollars("reserve_for_final_synthesis", task.reserve_for_final_synthesis);
  r.read_dollars("reserve_for_human_handoff", task.reserve_for_human_handoff);
  std::int64_t retries = 0;
  if (r.read_int("hard_stop_after_retries", retries, 0, kMaxRetries)) {
    task.hard_stop_after_retries = static_cast<std::uint32_t>(retries);
  }
  r.read_int("min_useful_output_tokens", task.min_useful_output_tokens, 1, kMaxTokens);
  // The same rules a client-opened task is held to; values that failed to parse kept their
  // defaults above, so nothing is reported twice.
  for (const BudgetProblem& problem : check_task_budget(task)) {
    // A rule can be broken by a default (min_useful_output_tokens is 64 unless written); say so,
    // or the message names a value that appears nowhere in the file.
    const std::string note =
        r.has(problem.field) ? "" : " (" + problem.field + " is not set, so its default applies)";
    r.diag().error_at(r.field_of(problem.field), problem.message + note);
  }
}

void parse_session(const MapReader& root, SessionBudget& session) {
  const YAML::Node* node = root.find("session");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node, "session", root.line_of("session"), {"total_dollars"}, root.diag()};
  if (r.ok()) {
    r.read_dollars("total_dollars", session.total_dollars);
  }
}

void parse_tenant(const MapReader& root, TenantBudget& tenant) {
  const YAML::Node* node = root.find("tenant");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node,
                    "tenant",
                    root.line_of("tenant"),
                    {"dollars_per_day", "dollars_per_month"},
                    root.diag()};
  if (!r.ok()) {
    return;
  }
  r.read_dollars("dollars_per_day", tenant.dollars_per_day);
  r.read_dollars("dollars_per_month", tenant.dollars_per_month);
  // Every day lies inside its month: a larger daily limit could never be reached.
  if (tenant.dollars_per_day && tenant.dollars_per_month &&
      *tenant.dollars_per_day > *tenant.dollars_per_month) {
    r.diag().error(r.line_of("dollars_per_day"), r.field_of("dollars_per_day"),
                   "dollars_per_day (" + dollars_text(*tenant.dollars_per_day) +
                       ") exceeds dollars_per_month (" + dollars_text(*tenant.dollars_per_month) +
                       "); it could never be reached");
  }
}

/** accept.escalate_on: the signals that escalate, a list of names (replaces the default: all). */
void parse_escalate_on(const MapReader& accept, AcceptRule& out) {
  const YAML::Node* node = accept.find("escalate_on");
  if (node == nullptr) {
    return;
  }
  std::array<bool, kEscalationSignals> chosen{};
  bool valid = true;
  const auto items = for_each_item(
      *node, accept.field_of("escalate_on"), accept.line_of("escalate_on"), accept.diag(),
      [&](const YAML::Node& item, const std::string& field, int line) {
        const auto text = as_string(item, field, line, accept.diag());
        if (!text) {
          valid = false;
          return;
        }
        const auto signal = parse_escalation_signal(*text);
        if (!signal) {
          std::string names;
          for (std::size_t i = 0; i < kEscalationSignals; ++i) {
            names += (i == 0 ? "" : ", ");
            names += to_string(static_cast<EscalationSignal>(i));
          }
          accept.diag().error(line, field, "expected one of " + names + ", got '" + *text + "'");
          valid = false;
          return;
        }
        chosen[static_cast<std::size_t>(*signal)] = true;
      });
  if (items && valid) {
    out.escalate_on = chosen;
  }
}

void parse_step_rules(const MapReader& routing, RoutingPolicy& out) {
  const YAML::Node* node = routing.find("steps");
  if (node == nullptr) {
    return;
  }
  const MapReader steps{*node,
                        routing.field_of("steps"),
                        routing.line_of("steps"),
                        {"plan", "act", "tool", "verify", "summarize", "handoff"},
                        routing.diag()};
  if (!steps.ok()) {
    return;
  }
  for (const StepType step : kAllStepTypes) {
    const std::string_view name = to_string(step);
    const YAML::Node* rule_node = steps.find(name);
    if (rule_node == nullptr) {
      continue;
    }
    const MapReader rule{*rule_node,
                         steps.field_of(name),
                         steps.line_of(name),
                         {"min_tier", "max_tier", "cascade", "accept"},
                         steps.diag()};
    if (!rule.ok()) {
      continue;
    }
    StepRouting& target = out.steps[static_cast<std::size_t>(step)];
    rule.read_nonempty("min_tier", target.min_tier);
    rule.read_nonempty("max_tier", target.max_tier);
    rule.read_bool("cascade", target.cascade);
    if (const YAML::Node* accept_node = rule.find("accept")) {
      const MapReader accept{*accept_node,
                             rule.field_of("accept"),
                             rule.line_of("accept"),
                             {"max_uncertainty", "max_entropy", "escalate_on"},
                             rule.diag()};
      if (accept.ok()) {
        constexpr double kMaxEntropy = 1e3;
        if (accept.has("max_uncertainty")) {
          double value = 0;
          accept.read_number("max_uncertainty", value, 0.0, 1.0);
          target.accept.max_uncertainty = value;
        }
        if (accept.has("max_entropy")) {
          double value = 0;
          accept.read_number("max_entropy", value, 0.0, kMaxEntropy);
          target.accept.max_entropy = value;
        }
        parse_escalate_on(accept, target.accept);
      }
    }
  }
}

void parse_inference(const MapReader& routing, RoutingPolicy& out) {
  const YAML::Node* node = routing.find("infer_steps");
  if (node == nullptr) {
    return;
  }
  out.infer_steps.clear();
  for_each_item(*node, routing.field_of("infer_steps"), routing.line_of("infer_steps"),
                routing.diag(), [&](const YAML::Node& item, const std::string& field, int line) {
                  const MapReader r{item, field, line, {"when", "step"}, routing.diag()};
                  if (!r.ok()) {
                    return;
                  }
                  bool complete = true;
                  for (const char* key : {"when", "step"}) {
                    if (!r.has(key)) {
                      complete = r.require(key);
                    }
                  }
                  if (!complete) {
                    return;
                  }
                  StepInference rule;
                  std::string text;
                  if (r.read_string("when", text)) {
                    if (const auto signal = parse_step_signal(text)) {
                      rule.when = *signal;
                    } else {
                      r.diag().error(r.line_of("when"), r.field_of("when"),
                                     "expected first_call, tool_result, tools_offered, "
                                     "tool_required or json_mode, got '" +
                                         text + "'");
                      return;
                    }
                  }
                  if (r.read_string("step", text)) {
                    if (const auto step = parse_step_type(text)) {
                      rule.step = *step;
                    } else {
                      r.diag().error(r.line_of("step"), r.field_of("step"),
                                     "expected plan, act, tool, verify, summarize or handoff, "
                                     "got '" +
                                         text + "'");
                      return;
                    }
                  }
                  out.infer_steps.push_back(rule);
                });
}

void parse_routing(const MapReader& root, RoutingPolicy& routing) {
  const YAML::Node* node = root.find("routing");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node,
                    "routing",
                    root.line_of("routing"),
                    {"model", "lambda", "pacing", "expected_output_tokens", "steps", "infer_steps",
                     "recovery", "cascade_streams"},
                    root.diag()};
  if (!r.ok()) {
    return;
  }
  r.read_nonempty("model", routing.model);
  constexpr double kMaxLambda = 1e9;
  r.read_number("lambda", routing.lambda, 0.0, kMaxLambda);
  if (const YAML::Node* pacing = r.find("pacing")) {
    const MapReader p{
        *pacing, r.field_of("pacing"), r.line_of("pacing"), {"expected_steps", "scale"}, r.diag()};
    if (p.ok()) {
      Pacing value;
      p.read_int_as("expected_steps", value.expected_steps, 1, 100'000);
      p.read_number("scale", value.scale, 0.0, 1e6);
      routing.pacing = value;
    }
  }
  r.read_int("expected_output_tokens", routing.expected_output_tokens, 1, kMaxTokens);
  r.read_bool("recovery", routing.recovery);
  r.read_bool("cascade_streams", routing.cascade_streams);
  parse_step_rules(r, routing);
  parse_inference(r, routing);
}

}  // namespace

Policy parse_policy(const YAML::Node& root, Diagnostics& diag) {
  Policy policy;
  const MapReader r{root, "",
                    1,    {"name", "match", "on_exhausted", "task", "session", "tenant", "routing"},
                    diag, {{"steps", "step rules live under routing.steps"}}};
  if (!r.ok()) {
    return policy;
  }
  read_id(r, "name", policy.name, true);
  parse_match(r, policy.match);
  read_on_exhausted(r, policy.on_exhausted);
  parse_task(r, policy.task);
  parse_session(r, policy.session);
  parse_tenant(r, policy.tenant);
  parse_routing(r, policy.routing);
  return policy;
}

}  // namespace governor::config::detail
