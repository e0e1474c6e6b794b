#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "field_path.hpp"
#include "governor/openai/chat_request.hpp"
#include "governor/openai/json_document.hpp"

/** Building blocks of request validation: typed checks of one value that name the field when they
 *  fail. Every check returns the first error found, or nullopt. */
namespace governor::openai::rules {

using MaybeError = std::optional<RequestError>;

/** The member `key` of `object`, or nullptr when it is absent or null. OpenAI treats an explicit
 *  null like an absent optional parameter, and SDKs do send nulls, so every rule does too. */
const JsonValue* member(const JsonValue& object, std::string_view key);

/** member() of the request's top-level object, its names summarized. */
const JsonValue* member(const JsonDocument& body, std::string_view key);

/** The member `key` of `object` when it is a string, else "". */
std::string_view string_member(const JsonValue& object, std::string_view key);

/** "null", "boolean", "integer", "number", "string", "array" or "object". */
std::string_view type_name(const JsonValue& value);

/** The value of an integer field. JSON has one number type, and some clients serialize integers
 *  as 100.0, so a float is accepted when it is integral and fits in int64. Booleans are not
 *  numbers. nullopt when the value is not such an integer; an unsigned above INT64_MAX counts as
 *  an integer but yields nullopt from here (see expect_integer). */
std::optional<std::int64_t> integer_value(const JsonValue& value);

RequestError missing(const FieldPath& path);
RequestError wrong_type(const FieldPath& path, std::string_view expected, const JsonValue& got);
/** "<path> must be <requirement>; got <value>" */
RequestError bad_value(const FieldPath& path, std::string_view requirement, const JsonValue& got);
/** "<path> <sentence>" */
RequestError bad_field(const FieldPath& path, std::string_view sentence);

MaybeError expect_string(const JsonValue& value, const FieldPath& path);
MaybeError expect_bool(const JsonValue& value, const FieldPath& path);
MaybeError expect_object(const JsonValue& value, const FieldPath& path);
MaybeError expect_array(const JsonValue& value, const FieldPath& path);
MaybeError expect_integer(const JsonValue& value, const FieldPath& path, std::int64_t min,
                          std::int64_t max);
MaybeError expect_number(const JsonValue& value, const FieldPath& path, double min, double max);
MaybeError expect_one_of(const JsonValue& value, const FieldPath& path,
                         std::span<const std::string_view> allowed);

/** `expect` applied to the member `key` of `object`, which must be present unless `optional`.
 *  `Object` is a JsonValue or the request's JsonDocument (its root, looked up through the
 *  summary of its names). */
template <class Object>
MaybeError check_member(const Object& object, const FieldPath& object_path, std::string_view key,
                        bool optional, MaybeError (*expect)(const JsonValue&, const FieldPath&)) {
  const JsonValue* value = member(object, key);
  if (value == nullptr) {
    return optional ? std::nullopt : MaybeError{missing(object_path.child(key))};
  }
  return expect(*value, object_path.child(key));
}

/** Checks of an optional member: no error when it is absent or null. */
template <class Object>
MaybeError optional_string(const Object& object, const FieldPath& path, std::string_view key) {
  return check_member(object, path, key, true, expect_string);
}
template <class Object>
MaybeError optional_bool(const Object& object, const FieldPath& path, std::string_view key) {
  return check_member(object, path, key, true, expect_bool);
}
template <class Object>
MaybeError optional_object(const Object& object, const FieldPath& path, std::string_view key) {
  return check_member(object, path, key, true, expect_object);
}

/** Checks of a required member, which must not be absent or null. */
template <class Object>
MaybeError required_string(const Object& object, const FieldPath& path, std::string_view key) {
  return check_member(object, path, key, false, expect_string);
}

}  // namespace governor::openai::rules
