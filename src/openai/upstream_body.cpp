#include <string>

#include "governor/openai/chat_request.hpp"
#include "json_text.hpp"

namespace governor::openai {
namespace {

using nlohmann::json;

constexpr std::string_view kModel = "model";
constexpr std::string_view kStreamOptions = "stream_options";

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

}  // namespace

// Serializes the document member by member instead of copying it and editing the copy: the body
// can hold megabytes of messages (images, long contexts) and a json copy allocates per node. The
// object's keys are sorted (nlohmann::json is std::map-backed), and the replaced/added members are
// written in sorted position too, so the output is exactly what dump() of an edited copy gives.
std::string upstream_body(const ChatRequest& request, std::string_view upstream_model) {
  static const json kEmpty = json::object();
  const json& body = request.body.is_object() ? request.body : kEmpty;
  const bool add_stream_options = streams(body);

  std::string out = "{";
  bool model_written = false;
  bool options_written = !add_stream_options;
  const auto write_model = [&] {
    append_member(out, kModel, quote_json(upstream_model));
    model_written = true;
  };
  const auto write_options = [&] {
    append_member(out, kStreamOptions, stream_options_json(body));
    options_written = true;
  };

  for (const auto& [key, value] : body.items()) {
    if (!model_written && std::string_view{key} >= kModel) {
      write_model();
      if (key == kModel) {
        continue;
      }
    }
    if (!options_written && std::string_view{key} >= kStreamOptions) {
      write_options();
      if (key == kStreamOptions) {
        continue;
      }
    }
    append_member(out, key, dump_json(value));
  }
  if (!model_written) {
    write_model();
  }
  if (!options_written) {
    write_options();
  }
  out += '}';
  return out;
}

}  // namespace governor::openai
