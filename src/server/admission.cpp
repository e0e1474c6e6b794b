#include "admission.hpp"

#include <algorithm>
#include <functional>
#include <string_view>

#include "governor/openai/usage.hpp"

namespace governor::server {
namespace {

using openai::JsonValue;

/** messages_hash(): the low bits hash the messages, the top 16 count them. */
constexpr int kContentHashBits = 48;
constexpr std::uint64_t kContentHashMask = (std::uint64_t{1} << kContentHashBits) - 1;

std::int64_t media_parts(const JsonValue& messages) {
  std::int64_t parts = 0;
  for (const JsonValue& message : messages.GetArray()) {
    const JsonValue* content = openai::find_member(message, "content");
    if (content == nullptr || !content->IsArray()) {
      continue;
    }
    for (const JsonValue& part : content->GetArray()) {
      const JsonValue* type = openai::find_member(part, "type");
      if (type != nullptr && type->IsString() && openai::string_of(*type) != "text") {
        ++parts;
      }
    }
  }
  return parts;
}

/** The number of messages (validation made `messages` an array), 0 without any. */
std::uint64_t message_count(const openai::ChatRequest& request) {
  const JsonValue* messages = openai::body_member(request, "messages");
  return messages != nullptr && messages->IsArray() ? messages->Size() : 0;
}

/** A candidate's output bound: the client's max_tokens, else the context window of its chain,
 *  within the policy's max_output_tokens; at least 1. */
std::int64_t output_bound_of(const AdmissionInput& in, const ChainBound& bound) {
  std::int64_t max_output = in.request.max_tokens.value_or(bound.context_window);
  if (in.policy != nullptr && in.policy->task.max_output_tokens) {
    max_output = std::min(max_output, *in.policy->task.max_output_tokens);
  }
  return std::max<std::int64_t>(max_output, 1);
}

}  // namespace

ChainBound chain_bound(const config::GatewayConfig& cfg, const config::UpstreamConfig& first) {
  ChainBound bound;
  const config::UpstreamConfig* up = &first;
  // The config loader rejects fallback cycles; the step cap is a second line of defence.
  for (std::size_t steps = 0; up != nullptr && steps <= cfg.upstreams.size(); ++steps) {
    bound.prices.input.micros_per_million =
        std::max(bound.prices.input.micros_per_million, up->prices.input.micros_per_million);
    bound.prices.output.micros_per_million =
        std::max(bound.prices.output.micros_per_million, up->prices.output.micros_per_million);
    bound.context_window = std::max(bound.context_window, up->context_window);
    up = up->fallback.empty() ? nullptr : cfg.find_upstream(up->fallback);
  }
  return bound;
}

std::int64_t input_token_bound(const openai::ChatRequest& request, std::size_t body_bytes) {
  const JsonValue* messages = openai::body_member(request, "messages");
  const std::int64_t media =
      messages != nullptr && messages->IsArray() ? media_parts(*messages) : std::int64_t{0};
  return static_cast<std::int64_t>(body_bytes) + media * kMaxTokensPerMediaPart;
}

std::uint64_t messages_hash(const openai::ChatRequest& request) {
  const std::string_view messages = openai::raw_member(request, "messages");
  if (messages.empty()) {
    return 0;
  }
  const std::uint64_t count = message_count(request) & 0xffff;
  // The messages as the client wrote them: an agent that sends the same step again sends the
  // same bytes.
  const std::uint64_t h = std::hash<std::string_view>{}(messages)&kContentHashMask;
  // Never 0, which means "no hash" to the ledger: a count of 0 with a content hash of 0 is 1.
  const std::uint64_t hash = (count << kContentHashBits) | h;
  return hash == 0 ? 1 : hash;
}

bool may_repeat(const openai::ChatRequest& request, std::uint64_t last_hash) {
  const std::uint64_t count = message_count(request) & 0xffff;
  return (last_hash >> kContentHashBits) == count;
}

AdmissionPlan plan_admission(const AdmissionInput& in) {
  AdmissionPlan plan;
  auto& r = plan.request;
  r.tenant = in.caller.tenant;
  r.one_step = in.ref.task.empty();
  r.task = r.one_step ? in.one_step_task_id : in.ref.task;
  r.session = in.ref.session;
  r.step = in.step;
  r.explicit_retry = in.ref.retry;
  r.messages_hash = r.one_step         ? 0
                    : in.messages_hash ? *in.messages_hash
                                       : messages_hash(in.request);
  r.input_tokens = input_token_bound(in.request, in.body_bytes);
  r.input_tokens_estimate = openai::estimate_tokens(static_cast<std::int64_t>(in.body_bytes));
  if (in.policy != nullptr) {
    r.policy = in.policy->name;
    r.task_budget = in.policy->task;
    r.session_budget = in.policy->session;
    r.tenant_budget = in.policy->tenant;
    r.min_output_tokens = in.policy->task.min_useful_output_tokens;
  }

  std::vector<const config::UpstreamConfig*> order{in.target.upstream};
  std::vector<std::string> tiers{in.target.tier};
  const bool degrade =
      in.policy != nullptr && in.policy->on_exhausted == config::OnExhausted::degrade;
  if (degrade && !in.target.pinned) {
    const int tier = in.config.tier_of(in.target.upstream->name);
    for (int t = tier - 1; t >= 0; --t) {
      const auto& cheaper = in.config.tiers[static_cast<std::size_t>(t)];
      if (const auto* up = in.config.find_upstream(cheaper.upstreams.front())) {
        order.push_back(up);
        tiers.push_back(cheaper.name);
      }
    }
  }
  for (std::size_t i = 0; i < order.size(); ++i) {
    const ChainBound bound = chain_bound(in.config, *order[i]);
    r.candidates.push_back(ledger::Candidate{bound.prices, output_bound_of(in, bound)});
  }
  r.min_output_tokens = std::min(r.min_output_tokens, r.candidates.front().max_output_tokens);
  plan.upstreams = std::move(order);
  plan.tiers = std::move(tiers);
  return plan;
}

std::int64_t planned_output_tokens(const AdmissionInput& in,
                                   const config::UpstreamConfig& candidate) {
  return output_bound_of(in, chain_bound(in.config, candidate));
}

std::optional<std::int64_t> output_bound_to_send(const openai::ChatRequest& request,
                                                 const ledger::Grant& grant, std::int64_t planned,
                                                 const config::Policy* policy) {
  if (request.max_tokens) {
    if (grant.output_tokens < *request.max_tokens) {
      return grant.output_tokens;
    }
    return std::nullopt;
  }
  const bool policy_bounds = policy != nullptr && policy->task.max_output_tokens.has_value();
  if (grant.output_tokens < planned || policy_bounds) {
    return grant.output_tokens;
  }
  return std::nullopt;
}

}  // namespace governor::server
