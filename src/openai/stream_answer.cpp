#include "governor/openai/stream_answer.hpp"

namespace governor::openai {
namespace {

using nlohmann::json;

const json* member(const json& object, const char* key) {
  if (!object.is_object()) {
    return nullptr;
  }
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

const json* first_choice(const json& chunk) {
  const json* choices = member(chunk, "choices");
  if (choices == nullptr || !choices->is_array()) {
    return nullptr;
  }
  for (const json& choice : *choices) {
    const json* index = member(choice, "index");
    if (index == nullptr || (index->is_number_integer() && index->get<std::int64_t>() == 0)) {
      return &choice;
    }
  }
  return nullptr;
}

void append_string(const json* value, std::string& out, bool& seen) {
  if (value != nullptr && value->is_string()) {
    out += value->get_ref<const std::string&>();
    seen = true;
  }
}

}  // namespace

void StreamedAnswer::add_chunk(const json& chunk) {
  const json* choice = first_choice(chunk);
  if (choice == nullptr) {
    return;
  }
  if (const json* finish = member(*choice, "finish_reason"); finish && finish->is_string()) {
    finish_reason_ = *finish;
  }
  if (const json* logprobs = member(*choice, "logprobs")) {
    if (const json* content = member(*logprobs, "content"); content && content->is_array()) {
      has_logprobs_ = true;
      for (const json& entry : *content) {
        logprobs_.push_back(entry);
      }
    }
  }
  const json* delta = member(*choice, "delta");
  if (delta == nullptr) {
    return;
  }
  append_string(member(*delta, "content"), content_, has_content_);
  append_string(member(*delta, "refusal"), refusal_, has_refusal_);
  const json* calls = member(*delta, "tool_calls");
  if (calls == nullptr || !calls->is_array()) {
    return;
  }
  constexpr std::int64_t kMaxToolCalls = 128;
  for (const json& call : *calls) {
    const json* index = member(call, "index");
    if (index == nullptr || !index->is_number_integer() || index->get<std::int64_t>() < 0 ||
        index->get<std::int64_t>() >= kMaxToolCalls) {
      continue;
    }
    const auto i = static_cast<std::size_t>(index->get<std::int64_t>());
    if (tool_calls_.size() <= i) {
      tool_calls_.resize(i + 1);
    }
    ToolCall& out = tool_calls_[i];
    if (const json* id = member(call, "id"); id && id->is_string()) {
      out.id = id->get<std::string>();
    }
    if (const json* function = member(call, "function")) {
      bool seen = false;
      if (const json* name = member(*function, "name"); name && name->is_string()) {
        out.name = name->get<std::string>();
      }
      append_string(member(*function, "arguments"), out.arguments, seen);
    }
  }
}

json StreamedAnswer::choice() const {
  json message = {{"role", "assistant"},
                  {"content", has_content_ ? json(content_) : json()},
                  {"refusal", has_refusal_ ? json(refusal_) : json()}};
  if (!tool_calls_.empty()) {
    json calls = json::array();
    for (const ToolCall& call : tool_calls_) {
      calls.push_back({{"id", call.id},
                       {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    }
    message["tool_calls"] = std::move(calls);
  }
  return {{"index", 0},
          {"message", std::move(message)},
          {"finish_reason", finish_reason_},
          {"logprobs", has_logprobs_ ? json{{"content", logprobs_}} : json()}};
}

bool strip_logprobs(json& completion) {
  if (!completion.is_object()) {
    return false;
  }
  const auto choices = completion.find("choices");
  if (choices == completion.end() || !choices->is_array()) {
    return false;
  }
  bool changed = false;
  for (json& choice : *choices) {
    if (!choice.is_object()) {
      continue;
    }
    const auto it = choice.find("logprobs");
    if (it != choice.end() && !it->is_null()) {
      *it = nullptr;
      changed = true;
    }
  }
  return changed;
}

}  // namespace governor::openai
