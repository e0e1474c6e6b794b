#include "request_rules.hpp"

#include <array>
#include <limits>

namespace governor::openai::rules {
namespace {

constexpr auto kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr auto kInt64Max = std::numeric_limits<std::int64_t>::max();

struct IntegerRule {
  std::string_view key;
  std::int64_t min;
  std::int64_t max;
};

struct NumberRule {
  std::string_view key;
  double min;
  double max;
};

// OpenAI's documented ranges.
constexpr std::array<IntegerRule, 5> kIntegerRules = {{
    {"max_tokens", 1, kInt64Max},
    {"max_completion_tokens", 1, kInt64Max},
    {"n", 1, 128},
    {"top_logprobs", 0, 20},
    {"seed", kInt64Min, kInt64Max},
}};

constexpr std::array<NumberRule, 4> kNumberRules = {{
    {"temperature", 0.0, 2.0},
    {"top_p", 0.0, 1.0},
    {"presence_penalty", -2.0, 2.0},
    {"frequency_penalty", -2.0, 2.0},
}};

constexpr std::array<std::string_view, 3> kResponseFormatTypes = {"text", "json_object",
                                                                  "json_schema"};
constexpr std::size_t kMaxStopSequences = 4;

bool is_true(const JsonValue* value) {
  return value != nullptr && value->IsTrue();
}

MaybeError check_response_format(const JsonDocument& body) {
  const FieldPath path{"response_format"};
  const JsonValue* format = member(body, "response_format");
  if (format == nullptr) {
    return std::nullopt;
  }
  if (auto e = expect_object(*format, path)) {
    return e;
  }
  const JsonValue* type = member(*format, "type");
  if (type == nullptr) {
    return missing(path.child("type"));
  }
  if (auto e = expect_one_of(*type, path.child("type"), kResponseFormatTypes)) {
    return e;
  }
  if (!is_string_equal(*type, "json_schema")) {
    return std::nullopt;
  }
  const FieldPath schema_path = path.child("json_schema");
  const JsonValue* schema = member(*format, "json_schema");
  if (schema == nullptr) {
    return missing(schema_path);
  }
  if (auto e = expect_object(*schema, schema_path)) {
    return e;
  }
  if (auto e = required_string(*schema, schema_path, "name")) {
    return e;
  }
  if (auto e = optional_string(*schema, schema_path, "description")) {
    return e;
  }
  if (auto e = optional_object(*schema, schema_path, "schema")) {
    return e;
  }
  return optional_bool(*schema, schema_path, "strict");
}

// Governor reads its X-Governor-* fallbacks from here, so the values must be strings.
MaybeError check_metadata(const JsonDocument& body) {
  const FieldPath path{"metadata"};
  const JsonValue* metadata = member(body, "metadata");
  if (metadata == nullptr) {
    return std::nullopt;
  }
  if (auto e = expect_object(*metadata, path)) {
    return e;
  }
  for (const auto& entry : metadata->GetObject()) {
    if (auto e = expect_string(entry.value, path.child(string_of(entry.name)))) {
      return e;
    }
  }
  return std::nullopt;
}

MaybeError check_stop(const JsonDocument& body) {
  const FieldPath path{"stop"};
  const JsonValue* stop = member(body, "stop");
  if (stop == nullptr || stop->IsString()) {
    return std::nullopt;
  }
  if (!stop->IsArray()) {
    return wrong_type(path, "a string or an array of strings", *stop);
  }
  if (stop->Size() > kMaxStopSequences) {
    return bad_field(path, "must contain at most 4 sequences");
  }
  for (rapidjson::SizeType i = 0; i < stop->Size(); ++i) {
    if (auto e = expect_string((*stop)[i], path.at(i))) {
      return e;
    }
  }
  return std::nullopt;
}

}  // namespace

MaybeError check_stream(const JsonDocument& body) {
  const JsonValue* stream = member(body, "stream");
  if (stream != nullptr) {
    if (auto e = expect_bool(*stream, FieldPath{"stream"})) {
      return e;
    }
  }
  const FieldPath path{"stream_options"};
  const JsonValue* options = member(body, "stream_options");
  if (options == nullptr) {
    return std::nullopt;
  }
  // OpenAI refuses stream_options on a non-streaming call rather than ignoring it.
  if (!is_true(stream)) {
    return bad_field(path, "is only allowed when stream is true");
  }
  if (auto e = expect_object(*options, path)) {
    return e;
  }
  return optional_bool(*options, path, "include_usage");
}

MaybeError check_sampling(const JsonDocument& body) {
  for (const auto& rule : kIntegerRules) {
    const JsonValue* value = member(body, rule.key);
    if (value != nullptr) {
      if (auto e = expect_integer(*value, FieldPath{rule.key}, rule.min, rule.max)) {
        return e;
      }
    }
  }
  for (const auto& rule : kNumberRules) {
    const JsonValue* value = member(body, rule.key);
    if (value != nullptr) {
      if (auto e = expect_number(*value, FieldPath{rule.key}, rule.min, rule.max)) {
        return e;
      }
    }
  }
  const JsonValue* logprobs = member(body, "logprobs");
  if (logprobs != nullptr) {
    if (auto e = expect_bool(*logprobs, FieldPath{"logprobs"})) {
      return e;
    }
  }
  if (member(body, "top_logprobs") != nullptr && !is_true(logprobs)) {
    return bad_field(FieldPath{"top_logprobs"}, "requires logprobs to be true");
  }
  return std::nullopt;
}

MaybeError check_output_options(const JsonDocument& body) {
  if (auto e = check_response_format(body)) {
    return e;
  }
  if (auto e = check_metadata(body)) {
    return e;
  }
  if (auto e = optional_string(body, FieldPath{}, "user")) {
    return e;
  }
  return check_stop(body);
}

}  // namespace governor::openai::rules
