#include "identity.hpp"

#include <algorithm>

#include "governor/core/sha256.hpp"
#include "governor/ledger/ledger.hpp"
#include "governor/openai/json_document.hpp"

namespace governor::server {
namespace {

openai::ApiError bad_header(std::string_view header, std::string message) {
  return openai::make_api_error(errc::invalid_request, std::move(message), std::string(header));
}

bool allows(const std::vector<std::string>& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& item) { return item == "*" || item == value; });
}

/** One field: header, else metadata key; both present must agree. */
boost::system::result<std::optional<std::string>, openai::ApiError> field_value(
    std::optional<std::string_view> header, std::string_view header_name,
    const openai::JsonValue* metadata, std::string_view metadata_key) {
  std::optional<std::string> from_metadata;
  if (metadata != nullptr) {
    if (const auto* value = openai::find_member(*metadata, metadata_key);
        value != nullptr && value->IsString()) {
      from_metadata = std::string(openai::string_of(*value));
    }
  }
  if (header && from_metadata && *header != *from_metadata) {
    return bad_header(header_name, std::string(header_name) + " and metadata." +
                                       std::string(metadata_key) + " disagree");
  }
  if (header) {
    return std::optional<std::string>(std::string(*header));
  }
  return from_metadata;
}

/** An id field: absent is fine, present must be a valid id. */
boost::system::result<std::string, openai::ApiError> id_field(
    std::optional<std::string_view> header, std::string_view header_name,
    const openai::JsonValue* metadata, std::string_view metadata_key) {
  auto value = field_value(header, header_name, metadata, metadata_key);
  if (!value) {
    return value.error();
  }
  if (!*value) {
    return std::string{};
  }
  if (!is_valid_id(**value)) {
    return bad_header(
        header_name, std::string(header_name) + " must be 1-128 characters of A-Z a-z 0-9 . _ : -");
  }
  return std::move(**value);
}

}  // namespace

boost::system::result<Caller, openai::ApiError> authenticate(
    const config::AuthConfig& auth, std::optional<std::string_view> authorization) {
  if (!auth.enabled()) {
    return Caller{std::string(kDefaultTenant), nullptr};
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization || authorization->empty()) {
    return openai::make_api_error(
        errc::unauthenticated,
        "Missing API key: send your Governor key as 'Authorization: Bearer <key>'");
  }
  if (authorization->size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), authorization->begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return openai::make_api_error(errc::unauthenticated,
                                  "Malformed Authorization header: expected 'Bearer <key>'");
  }
  const std::string hash = sha256_hex(authorization->substr(kBearer.size()));
  // Every key is compared, in constant time, so timing says nothing about which hash is close.
  const config::AuthKey* found = nullptr;
  for (const auto& key : auth.keys) {
    if (equal_constant_time(hash, key.sha256)) {
      found = &key;
    }
  }
  if (found == nullptr) {
    return openai::make_api_error(errc::unauthenticated, "Invalid API key");
  }
  return Caller{found->tenant, found};
}

boost::system::result<TaskRef, openai::ApiError> read_task_ref(const GovernorHeaders& headers,
                                                               const openai::JsonValue* metadata) {
  TaskRef ref;
  // Most calls name nothing (one-step calls of an agent that sends no ids): six lookups of
  // nothing were about 450 instructions.
  if (metadata == nullptr && !headers.task && !headers.session && !headers.step &&
      !headers.trust_domain && !headers.policy && !headers.retry) {
    return ref;
  }
  struct IdField {
    std::optional<std::string_view> header;
    std::string_view header_name;
    std::string_view metadata_key;
    std::string* out;
  };
  const IdField ids[] = {
      {headers.task, "X-Governor-Task", "governor_task", &ref.task},
      {headers.session, "X-Governor-Session", "governor_session", &ref.session},
      {headers.trust_domain, "X-Governor-Trust-Domain", "governor_trust_domain", &ref.trust_domain},
      {headers.policy, "X-Governor-Policy", "governor_policy", &ref.policy},
  };
  for (const auto& f : ids) {
    auto value = id_field(f.header, f.header_name, metadata, f.metadata_key);
    if (!value) {
      return value.error();
    }
    *f.out = std::move(*value);
  }

  if (ledger::one_step_call_id(ref.task)) {
    return bad_header("X-Governor-Task",
                      "X-Governor-Task: ids of the form call-<number> name one-step calls (calls "
                      "sent without a task id) and cannot be chosen; use another id");
  }

  auto step = field_value(headers.step, "X-Governor-Step", metadata, "governor_step");
  if (!step) {
    return step.error();
  }
  if (*step) {
    ref.step = parse_step_type(**step);
    if (!ref.step) {
      return bad_header("X-Governor-Step",
                        "X-Governor-Step must be one of plan, act, tool, verify, summarize, "
                        "handoff");
    }
  }

  auto retry = field_value(headers.retry, "X-Governor-Retry", metadata, "governor_retry");
  if (!retry) {
    return retry.error();
  }
  if (*retry) {
    if (**retry != "true" && **retry != "false") {
      return bad_header("X-Governor-Retry", "X-Governor-Retry must be true or false");
    }
    ref.retry = **retry == "true";
  }
  return ref;
}

std::optional<openai::ApiError> authorize(const Caller& caller, const TaskRef& ref) {
  if (caller.key == nullptr) {
    return std::nullopt;
  }
  if (!ref.policy.empty() && !allows(caller.key->policies, ref.policy)) {
    return openai::make_api_error(
        errc::permission_denied,
        "API key '" + caller.key->name + "' may not use policy '" + ref.policy + "'",
        "X-Governor-Policy");
  }
  if (!ref.trust_domain.empty() && !allows(caller.key->trust_domains, ref.trust_domain)) {
    return openai::make_api_error(
        errc::permission_denied,
        "API key '" + caller.key->name + "' may not use trust domain '" + ref.trust_domain + "'",
        "X-Governor-Trust-Domain");
  }
  return std::nullopt;
}

boost::system::result<const config::Policy*, openai::ApiError> choose_policy(
    const config::PolicySet* policies, const Caller& caller, const TaskRef& ref) {
  if (policies == nullptr) {
    if (!ref.policy.empty()) {
      return openai::make_api_error(errc::invalid_request,
                                    "Unknown policy '" + ref.policy + "': no policies are loaded",
                                    "X-Governor-Policy");
    }
    return nullptr;
  }
  const config::Policy* policy = policies->select(ref.policy, ref.trust_domain, caller.key_name());
  if (policy == nullptr && !ref.policy.empty()) {
    return openai::make_api_error(errc::invalid_request, "Unknown policy '" + ref.policy + "'",
                                  "X-Governor-Policy");
  }
  return policy;
}

}  // namespace governor::server
