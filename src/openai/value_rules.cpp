#include "value_rules.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "governor/openai/json_text.hpp"

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

std::string echo(const json& value) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    std::string out = "'";
    out += truncate_utf8(text, kMaxEchoedBytes);
    out += text.size() > kMaxEchoedBytes ? "...'" : "'";
    return out;
  }
  if (value.is_primitive()) {
    return dump_json(value);
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

const json* member(const json& object, std::string_view key) {
  if (!object.is_object()) {
    return nullptr;
  }
  // A request's objects hold a handful of members and the rules ask for about 36 names a call,
  // most of them absent: a scan that compares lengths first beats the map's ordered search, whose
  // every step calls memcmp (they were 2% of a proxied call's instructions).
  constexpr std::size_t kScanned = 8;
  const auto& members = object.get_ref<const json::object_t&>();
  const json* found = nullptr;
  if (members.size() <= kScanned) {
    for (const auto& [name, value] : members) {
      if (name == key) {  // compares the lengths first
        found = &value;
        break;
      }
    }
  } else if (const auto it = members.find(key); it != members.end()) {
    found = &it->second;
  }
  return found == nullptr || found->is_null() ? nullptr : found;
}

std::string_view string_member(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (value == nullptr || !value->is_string()) {
    return {};
  }
  return value->get_ref<const std::string&>();
}

std::string_view type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    case json::value_t::binary:
      return "binary";
    case json::value_t::discarded:
      break;
  }
  return "invalid";
}

std::optional<std::int64_t> integer_value(const json& value) {
  switch (value.type()) {
    case json::value_t::number_integer:
      return value.get<std::int64_t>();
    case json::value_t::number_unsigned: {
      const auto u = value.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return std::nullopt;
      }
      return static_cast<std::int64_t>(u);
    }
    case json::value_t::number_float: {
      const double d = value.get<double>();
      // 2^63 is exactly representable; anything at or above it does not fit.
      constexpr double kLimit = 9223372036854775808.0;
      if (std::trunc(d) != d || d >= kLimit || d < -kLimit) {
        return std::nullopt;
      }
      return static_cast<std::int64_t>(d);
    }
    default:
      return std::nullopt;
  }
}

RequestError missing(const FieldPath& path) {
  std::string p = path.str();
  std::string message = "'" + p + "' is a required property";
  return {errc::invalid_request, std::move(message), std::move(p)};
}

RequestError wrong_type(const FieldPath& path, std::string_view expected, const json& got) {
  std::string p = path.str();
  std::string message = p;
  message += " must be ";
  message += expected;
  message += "; got ";
  message += type_name(got);
  return {errc::invalid_request, std::move(message), std::move(p)};
}

RequestError bad_value(const FieldPath& path, std::string_view requirement, const json& got) {
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

MaybeError expect_string(const json& value, const FieldPath& path) {
  if (!value.is_string()) {
    return wrong_type(path, "a string", value);
  }
  return std::nullopt;
}

MaybeError expect_bool(const json& value, const FieldPath& path) {
  if (!value.is_boolean()) {
    return wrong_type(path, "a boolean", value);
  }
  return std::nullopt;
}

MaybeError expect_object(const json& value, const FieldPath& path) {
  if (!value.is_object()) {
    return wrong_type(path, "an object", value);
  }
  return std::nullopt;
}

MaybeError expect_array(const json& value, const FieldPath& path) {
  if (!value.is_array()) {
    return wrong_type(path, "an array", value);
  }
  return std::nullopt;
}

MaybeError expect_integer(const json& value, const FieldPath& path, std::int64_t min,
                          std::int64_t max) {
  const auto n = integer_value(value);
  if (n && *n >= min && *n <= max) {
    return std::nullopt;
  }
  // An integer, just one outside int64: 2^64-1, or 1e30 (integral as a double).
  int beyond = 0;
  if (!n && value.is_number_unsigned()) {
    beyond = 1;
  } else if (!n && value.is_number_float()) {
    const double d = value.get<double>();
    beyond = std::trunc(d) == d ? (d > 0 ? 1 : -1) : 0;
  }
  if (!n && beyond == 0) {
    return wrong_type(path, "an integer", value);
  }
  return bad_value(path, range_text(min, max, beyond), value);
}

MaybeError expect_number(const json& value, const FieldPath& path, double min, double max) {
  if (!value.is_number()) {
    return wrong_type(path, "a number", value);
  }
  const double d = value.get<double>();
  if (!(d >= min && d <= max)) {
    return bad_value(path, "between " + format_bound(min) + " and " + format_bound(max), value);
  }
  return std::nullopt;
}

MaybeError expect_one_of(const json& value, const FieldPath& path,
                         std::span<const std::string_view> allowed) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
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

MaybeError optional_string(const json& object, const FieldPath& object_path, std::string_view key) {
  const json* value = member(object, key);
  return value == nullptr ? std::nullopt : expect_string(*value, object_path.child(key));
}

MaybeError optional_bool(const json& object, const FieldPath& object_path, std::string_view key) {
  const json* value = member(object, key);
  return value == nullptr ? std::nullopt : expect_bool(*value, object_path.child(key));
}

MaybeError optional_object(const json& object, const FieldPath& object_path, std::string_view key) {
  const json* value = member(object, key);
  return value == nullptr ? std::nullopt : expect_object(*value, object_path.child(key));
}

MaybeError required_string(const json& object, const FieldPath& object_path, std::string_view key) {
  const json* value = member(object, key);
  if (value == nullptr) {
    return missing(object_path.child(key));
  }
  return expect_string(*value, object_path.child(key));
}

}  // namespace governor::openai::rules
