#include <algorithm>
#include <string>
#include <vector>

#include "governor/openai/chat_request.hpp"
#include "governor/openai/json_text.hpp"

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

void append_member(std::string& out, std::string_view key, std::string_view value_json) {
  if (out.size() > 1) {
    out += ',';
  }
  append_quoted_json(out, key);
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

/** The members Governor writes itself, sorted by key ("logprobs" < "max_completion_tokens" <
 *  "max_tokens" < "model" < "stream_options" < "top_logprobs"). */
std::vector<Insert> inserts_for(const json& body, const UpstreamEdits& edits) {
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
  return inserts;
}

/** The client's text can be copied member by member when the parse listed every member once
 *  (a repeated key would be sent twice). */
bool spliceable(const ChatRequest& request, const json& body) {
  if (request.members.empty() || request.members.size() != body.size()) {
    return false;
  }
  return std::all_of(request.members.begin(), request.members.end(), [&](const RawMember& m) {
    return m.value_begin < m.value_end && m.value_end <= request.text.size();
  });
}

/** The client's members in the client's order, each copied byte for byte unless Governor
 *  replaces or filters it; members Governor adds come last. */
std::string spliced(const ChatRequest& request, const json& body, std::vector<Insert>& inserts) {
  std::string out;
  out.reserve(request.text.size() + 128);
  out += '{';
  const std::string_view text = request.text;
  for (const RawMember& m : request.members) {
    const auto insert = std::find_if(inserts.begin(), inserts.end(),
                                     [&](const Insert& i) { return i.key == m.key; });
    if (insert != inserts.end()) {
      append_member(out, insert->key, insert->value_json);
      insert->written = true;
      continue;
    }
    if (m.key == kMetadata) {
      if (auto kept = metadata_json(body.at(kMetadata)); !kept.empty()) {
        append_member(out, m.key, kept);
      }
      continue;
    }
    append_member(out, m.key, text.substr(m.value_begin, m.value_end - m.value_begin));
  }
  for (const Insert& i : inserts) {
    if (!i.written) {
      append_member(out, i.key, i.value_json);
    }
  }
  out += '}';
  return out;
}

}  // namespace

// The client's bytes are copied member by member (the body can hold megabytes of messages, and
// serializing a document allocates per node); only the members Governor edits are written anew.
// A request built without its text (tests, or repeated keys) is serialized from the document
// instead, keys sorted, with the edited members in sorted position.
std::string upstream_body(const ChatRequest& request, const UpstreamEdits& edits) {
  static const json kEmpty = json::object();
  const json& body = request.body.is_object() ? request.body : kEmpty;
  std::vector<Insert> inserts = inserts_for(body, edits);
  if (spliceable(request, body)) {
    return spliced(request, body, inserts);
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
