#include <algorithm>
#include <string>
#include <vector>

#include "governor/openai/chat_request.hpp"
#include "governor/openai/json_text.hpp"

namespace governor::openai {
namespace {

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

// The client's stream_options with include_usage forced on; other options kept.
std::string stream_options_json(const JsonValue* options) {
  std::string out = "{";
  if (options != nullptr && options->IsObject()) {
    for (const auto& option : options->GetObject()) {
      if (string_of(option.name) != "include_usage") {
        append_member(out, string_of(option.name), json_text(option.value));
      }
    }
  }
  append_member(out, "include_usage", "true");
  out += '}';
  return out;
}

bool is_governor_key(std::string_view key) {
  return key.starts_with(kGovernorMetadataPrefix);
}

// The client's metadata without Governor's keys; empty when nothing else is left. Validation
// made it an object of strings.
std::string metadata_json(const JsonValue& metadata) {
  std::string out = "{";
  for (const auto& entry : metadata.GetObject()) {
    const std::string_view key = string_of(entry.name);
    if (!is_governor_key(key)) {
      append_member(out, key, json_text(entry.value));
    }
  }
  out += '}';
  return out.size() == 2 ? std::string{} : out;
}

/** A member Governor writes itself, in sorted position among the client's members. */
struct Insert {
  std::string_view key;
  std::string value_json;
  bool written = false;
};

/** The members Governor writes itself, sorted by key ("logprobs" < "max_completion_tokens" <
 *  "max_tokens" < "model" < "stream_options" < "top_logprobs"). */
std::vector<Insert> inserts_for(const JsonDocument& body, const UpstreamEdits& edits) {
  constexpr std::size_t kMostInserts = 5;  // one of each push_back below
  std::vector<Insert> inserts;
  inserts.reserve(kMostInserts);
  if (edits.top_logprobs) {
    inserts.push_back({kLogprobs, "true"});
  }
  if (edits.max_output_tokens) {
    const bool client_used_max_tokens =
        body.member(kMaxTokens) != nullptr && body.member(kMaxCompletionTokens) == nullptr;
    inserts.push_back({client_used_max_tokens ? kMaxTokens : kMaxCompletionTokens,
                       std::to_string(*edits.max_output_tokens)});
  }
  inserts.push_back({kModel, quote_json(edits.model)});
  if (const JsonValue* stream = body.member("stream"); stream != nullptr && stream->IsTrue()) {
    inserts.push_back({kStreamOptions, stream_options_json(body.member(kStreamOptions))});
  }
  if (edits.top_logprobs) {
    unsigned top = *edits.top_logprobs;
    if (const JsonValue* client = body.member(kTopLogprobs);
        client != nullptr && client->IsUint()) {
      top = std::max(top, client->GetUint());
    }
    inserts.push_back({kTopLogprobs, std::to_string(top)});
  }
  return inserts;
}

/** True when only spaces and one comma lie between `before`'s value and `after`'s key: the two
 *  can be copied as one run of text. Not so where a repeated key was dropped between them. */
bool adjacent(std::string_view text, const RawMember& before, const RawMember& after) {
  if (after.key_begin <= before.value_end) {
    return false;
  }
  int commas = 0;
  for (std::size_t i = before.value_end; i < after.key_begin; ++i) {
    const char c = text[i];
    commas += c == ',' ? 1 : 0;
    if (c != ',' && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      return false;
    }
  }
  return commas == 1;
}

/** The client's members in the client's order, copied byte for byte (keys included, in runs of
 *  adjacent members) unless Governor replaces or filters them; members Governor adds come
 *  last. */
std::string spliced(const ChatRequest& request, std::vector<Insert>& inserts) {
  std::string out;
  out.reserve(request.text.size() + 128);
  out += '{';
  const std::string_view text = request.text;
  const RawMember* run_first = nullptr;  // the run of copied members not yet written
  const RawMember* run_last = nullptr;
  const auto flush_run = [&] {
    if (run_first != nullptr) {
      if (out.size() > 1) {
        out += ',';
      }
      out += text.substr(run_first->key_begin, run_last->value_end - run_first->key_begin);
      run_first = run_last = nullptr;
    }
  };
  for (const RawMember& m : request.members) {
    const auto insert = std::find_if(inserts.begin(), inserts.end(),
                                     [&](const Insert& i) { return i.key == m.key; });
    if (insert == inserts.end() && m.key != kMetadata) {
      if (run_first != nullptr && !adjacent(text, *run_last, m)) {
        flush_run();
      }
      run_first = run_first == nullptr ? &m : run_first;
      run_last = &m;
      continue;
    }
    flush_run();
    if (insert != inserts.end()) {
      append_member(out, insert->key, insert->value_json);
      insert->written = true;
      continue;
    }
    // The metadata, without Governor's keys.
    const JsonValue* metadata = body_member(request, kMetadata);
    if (auto kept = metadata != nullptr && metadata->IsObject() ? metadata_json(*metadata)
                                                                : std::string{"null"};
        !kept.empty()) {
      append_member(out, m.key, kept);
    }
  }
  flush_run();
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
std::string upstream_body(const ChatRequest& request, const UpstreamEdits& edits) {
  std::vector<Insert> inserts = inserts_for(request.body, edits);
  return spliced(request, inserts);
}

}  // namespace governor::openai
