#include <algorithm>
#include <string>
#include <vector>

#include "governor/openai/chat_request.hpp"
#include "json_text.hpp"

namespace governor::openai {
namespace {

using nlohmann::json;

constexpr std::string_view kModel = "model";
constexpr std::string_view kStreamOptions = "stream_options";
constexpr std::string_view kMetadata = "metadata";
constexpr std::string_view kMaxTokens = "max_tokens";
constexpr std::string_view kMaxCompletionTokens = "max_completion_tokens";
constexpr std::string_view kLogprobs = "logprobs";
constexpr std::string_view kTopLogprobs = "top_logprobs";

void append_member(std::string& out, std::string_view key, const std::string& value_json) {
  if (out.size() > 1) {
    out += ',';
  }
  out += quote_json(key);
  out += ':';
  out += value_json;
}

bool streams(const json& body) {
  const auto it = body.find("stream");
  return it != body.end() && it->is_boolean() && *it;
}

// The client's stream_options with include_usage forced on; other options kept.
std::string stream_options_json(const json& body) {
  json options = json::object();
  if (const auto it = body.find(kStreamOptions); it != body.end() && it->is_object()) {
    options = *it;  // a few scalars: cheap to copy, unlike the whole body
  }
  options["include_usage"] = true;
  return dump_json(options);
}

bool is_governor_key(std::string_view key) {
  return key.starts_with(kGovernorMetadataPrefix);
}

// The client's metadata without Governor's keys; empty when nothing else is left.
std::string metadata_json(const json& metadata) {
  if (!metadata.is_object()) {
    return dump_json(metadata);
  }
  json kept = json::object();
  for (const auto& [key, value] : metadata.items()) {
    if (!is_governor_key(key)) {
      kept[key] = value;
    }
  }
  return kept.empty() ? std::string{} : dump_json(kept);
}

/** A member Governor writes itself, in sorted position among the client's members. */
struct Insert {
  std::string_view key;
  std::string value_json;
  bool written = false;
};

}  // namespace

// Serializes the document member by member instead of copying it and editing the copy: the body
// can hold megabytes of messages (images, long contexts) and a json copy allocates per node. The
// object's keys are sorted (nlohmann::json is std::map-backed), and the replaced/added members are
// written in sorted position too, so the output is exactly what dump() of an edited copy gives.
std::string upstream_body(const ChatRequest& request, const UpstreamEdits& edits) {
  static const json kEmpty = json::object();
  const json& body = request.body.is_object() ? request.body : kEmpty;

  // Members replaced or added, sorted by key ("logprobs" < "max_completion_tokens" < "max_tokens"
  // < "model" < "stream_options" < "top_logprobs").
  std::vector<Insert> inserts;
  if (edits.top_logprobs) {
    inserts.push_back({kLogprobs, "true"});
  }
  if (edits.max_output_tokens) {
    const bool client_used_max_tokens =
        body.contains(kMaxTokens) && !body.contains(kMaxCompletionTokens);
    inserts.push_back({client_used_max_tokens ? kMaxTokens : kMaxCompletionTokens,
                       std::to_string(*edits.max_output_tokens)});
  }
  inserts.push_back({kModel, quote_json(edits.model)});
  if (streams(body)) {
    inserts.push_back({kStreamOptions, stream_options_json(body)});
  }
  if (edits.top_logprobs) {
    unsigned top = *edits.top_logprobs;
    if (const auto it = body.find(kTopLogprobs); it != body.end() && it->is_number_unsigned()) {
      top = std::max(top, it->get<unsigned>());
    }
    inserts.push_back({kTopLogprobs, std::to_string(top)});
  }

  std::string out = "{";
  auto next = inserts.begin();
  for (const auto& [key, value] : body.items()) {
    const std::string_view k{key};
    bool replaced = false;
    for (; next != inserts.end() && next->key <= k; ++next) {
      append_member(out, next->key, next->value_json);
      replaced = replaced || next->key == k;
    }
    if (replaced) {
      continue;
    }
    if (k == kMetadata) {
      if (auto kept = metadata_json(value); !kept.empty()) {
        append_member(out, k, kept);
      }
      continue;
    }
    append_member(out, k, dump_json(value));
  }
  for (; next != inserts.end(); ++next) {
    append_member(out, next->key, next->value_json);
  }
  out += '}';
  return out;
}

}  // namespace governor::openai
