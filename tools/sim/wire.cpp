#include "sim/wire.hpp"

namespace governor::sim {
namespace {

using nlohmann::ordered_json;

constexpr const char* kFingerprint = "fp_sim";

// Never throws: strings that are not valid UTF-8 are replaced, not rejected.
std::string dump(const ordered_json& value) {
  return value.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::string sse(const ordered_json& value) {
  return "data: " + dump(value) + "\n\n";
}

ordered_json utf8_bytes(const std::string& token) {
  ordered_json bytes = ordered_json::array();
  for (const char c : token) {
    bytes.push_back(static_cast<unsigned char>(c));
  }
  return bytes;
}

ordered_json logprob_json(const TokenLogprob& entry) {
  ordered_json top = ordered_json::array();
  for (const auto& alternative : entry.top) {
    ordered_json item;
    item["token"] = alternative.token;
    item["logprob"] = alternative.logprob;
    item["bytes"] = utf8_bytes(alternative.token);
    top.push_back(std::move(item));
  }
  ordered_json out;
  out["token"] = entry.token;
  out["logprob"] = entry.logprob;
  out["bytes"] = utf8_bytes(entry.token);
  out["top_logprobs"] = std::move(top);
  return out;
}

ordered_json logprobs_object(ordered_json content) {
  ordered_json out;
  out["content"] = std::move(content);
  out["refusal"] = nullptr;
  return out;
}

ordered_json tool_call_json(const ToolCall& call, const std::string& arguments) {
  ordered_json function;
  function["name"] = call.name;
  function["arguments"] = arguments;
  ordered_json out;
  out["id"] = call.id;
  out["type"] = "function";
  out["function"] = std::move(function);
  return out;
}

ordered_json chunk_json(const ResponseMeta& meta, ordered_json choices) {
  ordered_json out;
  out["id"] = meta.id;
  out["object"] = "chat.completion.chunk";
  out["created"] = meta.created;
  out["model"] = meta.model;
  out["system_fingerprint"] = kFingerprint;
  out["choices"] = std::move(choices);
  if (meta.include_usage) {
    out["usage"] = nullptr;
  }
  return out;
}

ordered_json choice_json(ordered_json delta, ordered_json logprobs, ordered_json finish_reason) {
  ordered_json choice;
  choice["index"] = 0;
  choice["delta"] = std::move(delta);
  choice["logprobs"] = std::move(logprobs);
  choice["finish_reason"] = std::move(finish_reason);
  return ordered_json::array({std::move(choice)});
}

ordered_json role_delta(const Answer& answer) {
  ordered_json delta;
  delta["role"] = "assistant";
  if (answer.tool_call) {
    delta["content"] = nullptr;
    auto call = tool_call_json(*answer.tool_call, "");
    ordered_json indexed;
    indexed["index"] = 0;
    for (auto& [key, value] : call.items()) {
      indexed[key] = value;
    }
    delta["tool_calls"] = ordered_json::array({std::move(indexed)});
  } else {
    delta["content"] = "";
  }
  delta["refusal"] = nullptr;
  return delta;
}

ordered_json piece_delta(const Answer& answer, const std::string& piece) {
  ordered_json delta;
  if (answer.tool_call) {
    ordered_json call;
    call["index"] = 0;
    call["function"] = {{"arguments", piece}};
    delta["tool_calls"] = ordered_json::array({std::move(call)});
  } else {
    delta["content"] = piece;
  }
  return delta;
}

}  // namespace

ordered_json usage_json(const Answer& answer) {
  ordered_json usage;
  usage["prompt_tokens"] = answer.prompt_tokens;
  usage["completion_tokens"] = answer.completion_tokens();
  usage["total_tokens"] = answer.prompt_tokens + answer.completion_tokens();
  usage["prompt_tokens_details"] = {{"cached_tokens", 0}, {"audio_tokens", 0}};
  usage["completion_tokens_details"] = {{"reasoning_tokens", answer.reasoning_tokens},
                                        {"audio_tokens", 0},
                                        {"accepted_prediction_tokens", 0},
                                        {"rejected_prediction_tokens", 0}};
  return usage;
}

ordered_json completion_json(const ResponseMeta& meta, const Answer& answer) {
  ordered_json message;
  message["role"] = "assistant";
  if (answer.tool_call) {
    message["content"] = nullptr;
    message["tool_calls"] =
        ordered_json::array({tool_call_json(*answer.tool_call, answer.tool_call->arguments)});
  } else {
    message["content"] = answer.text();
  }
  message["refusal"] = nullptr;

  ordered_json choice;
  choice["index"] = 0;
  choice["message"] = std::move(message);
  if (meta.logprobs && !answer.tool_call) {
    ordered_json content = ordered_json::array();
    for (const auto& entry : answer.logprobs) {
      content.push_back(logprob_json(entry));
    }
    choice["logprobs"] = logprobs_object(std::move(content));
  } else {
    choice["logprobs"] = nullptr;
  }
  choice["finish_reason"] = answer.finish_reason;

  ordered_json out;
  out["id"] = meta.id;
  out["object"] = "chat.completion";
  out["created"] = meta.created;
  out["model"] = meta.model;
  out["choices"] = ordered_json::array({std::move(choice)});
  out["usage"] = usage_json(answer);
  out["system_fingerprint"] = kFingerprint;
  return out;
}

std::vector<StreamEvent> stream_events(const ResponseMeta& meta, const Answer& answer,
                                       const StreamShape& shape) {
  std::vector<StreamEvent> events;
  events.push_back(
      {sse(chunk_json(meta, choice_json(role_delta(answer), nullptr, nullptr))), false});
  for (std::size_t i = 0; i < answer.pieces.size(); ++i) {
    ordered_json logprobs = nullptr;
    if (meta.logprobs && i < answer.logprobs.size()) {
      logprobs = logprobs_object(ordered_json::array({logprob_json(answer.logprobs[i])}));
    }
    auto choices = choice_json(piece_delta(answer, answer.pieces[i]), std::move(logprobs), nullptr);
    events.push_back({sse(chunk_json(meta, std::move(choices))), true});
    if (shape.malformed && i == 0) {
      // A chunk cut off mid-object: what a buggy upstream or a broken proxy would send.
      events.push_back({"data: {\"id\":\"" + meta.id +
                            "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\n\n",
                        false});
    }
  }
  events.push_back(
      {sse(chunk_json(meta, choice_json(ordered_json::object(), nullptr, answer.finish_reason))),
       false});
  if (shape.usage_chunk) {
    auto usage_chunk = chunk_json(meta, ordered_json::array());
    usage_chunk["usage"] = usage_json(answer);
    events.push_back({sse(usage_chunk), false});
  }
  events.push_back({"data: [DONE]\n\n", false});
  return events;
}

ordered_json models_json() {
  ordered_json data = ordered_json::array();
  for (const auto& profile : named_models()) {
    ordered_json model;
    model["id"] = std::string{profile.id};
    model["object"] = "model";
    model["created"] = 1'700'000'000;
    model["owned_by"] = "governor-sim";
    data.push_back(std::move(model));
  }
  ordered_json out;
  out["object"] = "list";
  out["data"] = std::move(data);
  return out;
}

}  // namespace governor::sim
