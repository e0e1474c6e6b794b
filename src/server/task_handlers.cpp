#include "task_handlers.hpp"

#include <nlohmann/json.hpp>

#include "identity.hpp"
#include "task_json.hpp"

namespace governor::server {
namespace {

using nlohmann::json;

net::awaitable<bool> reply_error(Call& ex, const openai::ApiError& error) {
  co_return co_await write_response(ex, error_response(ex, error));
}

/** Caller, task reference (from headers) and policy: what both endpoints need first. */
struct TaskContext {
  Caller caller;
  TaskRef ref;
  config::PolicySetPtr policies;  ///< keeps `policy` alive
  const config::Policy* policy = nullptr;
};

boost::system::result<TaskContext, openai::ApiError> task_context(
    Call& ex, const openai::JsonValue* metadata) {
  const auto& cfg = *ex.worker.config();
  auto caller = authenticate(cfg.auth, header_of(ex.request, "Authorization"));
  if (!caller) {
    return caller.error();
  }
  auto ref = read_task_ref(governor_headers(ex.request), metadata);
  if (!ref) {
    return ref.error();
  }
  if (auto denied = authorize(*caller, *ref)) {
    return *denied;
  }
  TaskContext ctx{std::move(*caller), std::move(*ref), ex.worker.services().policy_snapshot(),
                  nullptr};
  auto policy = choose_policy(ctx.policies.get(), ctx.caller, ctx.ref);
  if (!policy) {
    return policy.error();
  }
  ctx.policy = *policy;
  return ctx;
}

ledger::Ledger* ledger_of(Call& ex) {
  return ex.worker.services().ledger.get();
}

/** The budgets a policy sets, or none. A plain function: g++ 12 miscompiles conditional
 *  expressions with class temporaries inside coroutines. */
struct PolicyBudgets {
  std::string name;  ///< empty: no policy
  config::TaskBudget task;
  config::SessionBudget session;
  config::TenantBudget tenant;
};

PolicyBudgets budgets_of(const config::Policy* policy) {
  if (policy == nullptr) {
    return {};
  }
  return {policy->name, policy->task, policy->session, policy->tenant};
}

openai::ApiError budgets_off() {
  return openai::make_api_error(errc::not_found, "Budgets are off: no ledger is configured");
}

}  // namespace

net::awaitable<bool> handle_get_task(Call& ex, std::string_view id) {
  auto ctx = task_context(ex, nullptr);
  if (!ctx) {
    co_return co_await reply_error(ex, ctx.error());
  }
  if (!is_valid_id(id)) {
    co_return co_await reply_error(
        ex, openai::make_api_error(errc::invalid_request,
                                   "Task ids are 1-128 characters of A-Z a-z 0-9 . _ : -", "id"));
  }
  auto* ledger = ledger_of(ex);
  if (ledger == nullptr) {
    co_return co_await reply_error(ex, budgets_off());
  }
  const PolicyBudgets budgets = budgets_of(ctx->policy);
  auto view =
      co_await ledger->task(ctx->caller.tenant, std::string(id), budgets.session, budgets.tenant);
  if (!view) {
    co_return co_await reply_error(
        ex, openai::make_api_error(errc::not_found, "No task '" + std::string(id) + "'", "id"));
  }
  co_return co_await write_response(ex,
                                    json_response(ex, http::status::ok, task_json(*view).dump()));
}

net::awaitable<bool> handle_open_task(Call& ex) {
  const json body = json::parse(ex.request.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    co_return co_await reply_error(
        ex, openai::make_api_error(errc::invalid_json, "The body must be a JSON object"));
  }
  // read_task_ref reads metadata as the chat handler has it: a RapidJSON value.
  rapidjson::Document metadata;
  if (const auto m = body.find("metadata"); m != body.end()) {
    const std::string text = m->dump();
    metadata.Parse(text.data(), text.size());
  }
  auto ctx = task_context(ex, metadata.IsNull() ? nullptr : &metadata);
  if (!ctx) {
    co_return co_await reply_error(ex, ctx.error());
  }
  const auto id = body.find("id");
  if (id == body.end() || !id->is_string() || !is_valid_id(id->get<std::string>())) {
    co_return co_await reply_error(
        ex, openai::make_api_error(errc::invalid_request,
                                   "id must be a string of 1-128 characters of A-Z a-z 0-9 . _ : -",
                                   "id"));
  }
  if (ledger::one_step_call_id(id->get<std::string>())) {
    co_return co_await reply_error(
        ex, openai::make_api_error(errc::invalid_request,
                                   "ids of the form call-<number> name one-step calls (calls sent "
                                   "without a task id) and cannot be chosen; use another id",
                                   "id"));
  }
  std::string session = ctx->ref.session;
  if (const auto s = body.find("session"); s != body.end()) {
    if (!s->is_string() || !is_valid_id(s->get<std::string>())) {
      co_return co_await reply_error(
          ex, openai::make_api_error(errc::invalid_request,
                                     "session must be 1-128 characters of A-Z a-z 0-9 . _ : -",
                                     "session"));
    }
    session = s->get<std::string>();
  }
  for (const auto& [key, value] : body.items()) {
    if (key != "id" && key != "session" && key != "budget" && key != "metadata") {
      co_return co_await reply_error(
          ex, openai::make_api_error(errc::invalid_request, "Unknown field '" + key + "'", key));
    }
  }
  const PolicyBudgets budgets = budgets_of(ctx->policy);
  config::TaskBudget budget = budgets.task;
  if (const auto b = body.find("budget"); b != body.end()) {
    auto parsed = parse_task_budget(*b, budgets.task, budgets.name);
    if (!parsed) {
      co_return co_await reply_error(ex, parsed.error());
    }
    budget = *parsed;
  }
  auto* ledger = ledger_of(ex);
  if (ledger == nullptr) {
    co_return co_await reply_error(ex, budgets_off());
  }
  ledger::OpenTask open{ctx->caller.tenant, id->get<std::string>(), session, budgets.name, budget,
                        budgets.session,    budgets.tenant};
  const auto result = co_await ledger->open_task(open);
  if (result == ledger::OpenResult::unavailable) {
    co_return co_await reply_error(
        ex, openai::make_api_error(errc::ledger_unavailable,
                                   "The ledger could not store the task; retry"));
  }
  if (result == ledger::OpenResult::already_exists) {
    co_return co_await reply_error(
        ex,
        openai::make_api_error(errc::task_exists, "Task '" + open.task + "' already exists", "id"));
  }
  auto view =
      co_await ledger->task(open.tenant, open.task, open.session_budget, open.tenant_budget);
  if (!view) {
    co_return co_await reply_error(
        ex, openai::make_api_error(errc::internal, "The task was created but not found"));
  }
  auto res = json_response(ex, http::status::created, task_json(*view).dump());
  res.set("X-Governor-Task", open.task);
  co_return co_await write_response(ex, std::move(res));
}

}  // namespace governor::server
