#include "value_rules.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace governor::openai::rules {
namespace {

// Values echoed in error messages are cut short: a client's 1 MB string must not come back.
constexpr std::size_t kMaxEchoedBytes = 64;

// Cuts at a UTF-8 character boundary so the message stays valid UTF-8.
std::string_view truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return text;
  }
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return text.substr(0, cut);
}

/** A number as nlohmann writes it: integers as they are, a double in its shortest round-trip
 *  form with ".0" when it would read as an integer. */
std::string number_text(const JsonValue& value) {
  if (value.IsInt64()) {
    return std::to_string(value.GetInt64());
  }
  if (value.IsUint64()) {
    return std::to_string(value.GetUint64());
  }
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value.GetDouble());
  std::string text(buffer, ec == std::errc{} ? end : buffer);
  if (text.find_first_of(".e") == std::string::npos) {
    text += ".0";
  }
  return text;
}

std::string echo(const JsonValue& value) {
  if (value.IsString()) {
    const std::string_view text = string_of(value);
    std::string out = "'";
    out += truncate_utf8(text, kMaxEchoedBytes);
    out += text.size() > kMaxEchoedBytes ? "...'" : "'";
    return out;
  }
  if (value.IsNumber()) {
    return number_text(value);
  }
  if (value.IsBool() || value.IsNull()) {
    return value.IsNull() ? "null" : value.IsTrue() ? "true" : "false";
  }
  return std::string{type_name(value)};
}

std::string format_bound(double bound) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, bound);
  return ec == std::errc{} ? std::string(buffer, end) : std::to_string(bound);
}

// The rule an out-of-range integer broke. `beyond` is +1/-1 for a value outside int64 (which is
// then outside [min, max] whatever they are), 0 otherwise.
std::string range_text(std::int64_t min, std::int64_t max, int beyond) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  const bool no_min = min == kMin;
  const bool no_max = max == kMax;
  // Beyond int64 with no bound on that side: int64 itself is the bound that was broken.
  if ((beyond > 0 && no_max) || (no_min && !no_max)) {
    return "at most " + std::to_string(max);
  }
  if ((beyond < 0 && no_min) || (no_max && !no_min)) {
    return "at least " + std::to_string(min);
  }
  return "between " + std::to_string(min) + " and " + std::to_string(max);
}

}  // namespace

const JsonValue* member(const JsonValue& object, std::string_view key) {
  const JsonValue* found = find_member(object, key);
  return found == nullptr || found->IsNull() ? nullptr : found;
}

const JsonValue* member(const JsonDocument& body, std::string_view key) {
  const JsonValue* found = body.member(key);
  return found == nullptr || found->IsNull() ? nullptr : found;
}

std::string_view string_member(const JsonValue& object, std::string_view key) {
  const JsonValue* value = member(object, key);
  if (value == nullptr || !value->IsString()) {
    return {};
  }
  return string_of(*value);
}

std::string_view type_name(const JsonValue& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "boolean";
    case rapidjson::kNumberType:
      return value.IsDouble() ? "number" : "integer";
    case rapidjson::kStringType:
      return "string";
    case rapidjson::kArrayType:
      return "array";
    case rapidjson::kObjectType:
      return "object";
  }
  return "invalid";
}

std::optional<std::int64_t> integer_value(const JsonValue& value) {
  if (value.IsInt64()) {
    return value.GetInt64();
  }
  if (value.IsUint64()) {
    return std::nullopt;  // above INT64_MAX
  }
  if (value.IsDouble()) {
    const double d = value.GetDouble();
    // 2^63 is exactly representable; anything at or above it does not fit.
    constexpr double kLimit = 9223372036854775808.0;
    if (std::trunc(d) != d || d >= kLimit || d < -kLimit) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

RequestError missing(const FieldPath& path) {
  std::string p = path.str();
  std::string message = "'" + p + "' is a required property";
  return {errc::invalid_request, std::move(message), std::move(p)};
}

RequestError wrong_type(const FieldPath& path, std::string_view expected, const JsonValue& got) {
  std::string p = path.str();
  std::string message = p;
  message += " must be ";
  message += expected;
  message += "; got ";
  message += type_name(got);
  return {errc::invalid_request, std::move(message), std::move(p)};
}

RequestError bad_value(const FieldPath& path, std::string_view requirement, const JsonValue& got) {
  std::string p = path.str();
  std::string message = p;
  message += " must be ";
  message += requirement;
  message += "; got ";
  message += echo(got);
  return {errc::invalid_request, std::move(message), std::move(p)};
}

RequestError bad_field(const FieldPath& path, std::string_view sentence) {
  std::string p = path.str();
  std::string message = p;
  message += ' ';
  message += sentence;
  return {errc::invalid_request, std::move(message), std::move(p)};
}

MaybeError expect_string(const JsonValue& value, const FieldPath& path) {
  if (!value.IsString()) {
    return wrong_type(path, "a string", value);
  }
  return std::nullopt;
}

MaybeError expect_bool(const JsonValue& value, const FieldPath& path) {
  if (!value.IsBool()) {
    return wrong_type(path, "a boolean", value);
  }
  return std::nullopt;
}

MaybeError expect_object(const JsonValue& value, const FieldPath& path) {
  if (!value.IsObject()) {
    return wrong_type(path, "an object", value);
  }
  return std::nullopt;
}

MaybeError expect_array(const JsonValue& value, const FieldPath& path) {
  if (!value.IsArray()) {
    return wrong_type(path, "an array", value);
  }
  return std::nullopt;
}

MaybeError expect_integer(const JsonValue& value, const FieldPath& path, std::int64_t min,
                          std::int64_t max) {
  const auto n = integer_value(value);
  if (n && *n >= min && *n <= max) {
    return std::nullopt;
  }
  // An integer, just one outside int64: 2^64-1, or 1e30 (integral as a double).
  int beyond = 0;
  if (!n && value.IsUint64()) {
    beyond = 1;
  } else if (!n && value.IsDouble()) {
    const double d = value.GetDouble();
    beyond = std::trunc(d) == d ? (d > 0 ? 1 : -1) : 0;
  }
  if (!n && beyond == 0) {
    return wrong_type(path, "an integer", value);
  }
  return bad_value(path, range_text(min, max, beyond), value);
}

MaybeError expect_number(const JsonValue& value, const FieldPath& path, double min, double max) {
  if (!value.IsNumber()) {
    return wrong_type(path, "a number", value);
  }
  const double d = value.GetDouble();
  if (!(d >= min && d <= max)) {
    return bad_value(path, "between " + format_bound(min) + " and " + format_bound(max), value);
  }
  return std::nullopt;
}

MaybeError expect_one_of(const JsonValue& value, const FieldPath& path,
                         std::span<const std::string_view> allowed) {
  if (value.IsString()) {
    const std::string_view text = string_of(value);
    for (const auto candidate : allowed) {
      if (text == candidate) {
        return std::nullopt;
      }
    }
  }
  std::string requirement = "one of ";
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    if (i > 0) {
      requirement += ", ";
    }
    requirement += allowed[i];
  }
  return bad_value(path, requirement, value);
}

}  // namespace governor::openai::rules
