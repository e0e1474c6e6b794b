#include "sim/schema_fill.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/hash.hpp"
#include "sim/words.hpp"

namespace governor::sim {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr int kMaxDepth = 8;

std::string schema_type(const json& schema) {
  const auto type = schema.find("type");
  if (type != schema.end()) {
    if (type->is_string()) {
      return type->get<std::string>();
    }
    if (type->is_array()) {
      // ["string", "null"]: the first non-null type.
      for (const auto& t : *type) {
        if (t.is_string() && t.get<std::string>() != "null") {
          return t.get<std::string>();
        }
      }
      return "null";
    }
  }
  if (schema.contains("properties")) {
    return "object";
  }
  if (schema.contains("items")) {
    return "array";
  }
  return "string";
}

double number_field(const json& schema, const char* key, double fallback) {
  const auto it = schema.find(key);
  return it != schema.end() && it->is_number() ? it->get<double>() : fallback;
}

ordered_json fill_string(const json& schema, std::uint64_t seed) {
  const auto format = schema.value("format", std::string{});
  std::string text;
  if (format == "date") {
    text = "2024-01-15";
  } else if (format == "date-time") {
    text = "2024-01-15T12:00:00Z";
  } else if (format == "email") {
    text = "user@example.com";
  } else if (format == "uri" || format == "url") {
    text = "https://example.com/" + std::string{word_for(seed)};
  } else if (format == "uuid") {
    text = "00000000-0000-4000-8000-000000000000";
  } else {
    text = std::string{word_for(seed)};
  }
  const auto min_length = static_cast<std::size_t>(number_field(schema, "minLength", 0));
  const auto max_length = static_cast<std::size_t>(number_field(schema, "maxLength", 1e9));
  while (text.size() < min_length) {
    text += "_" + std::string{word_for(seed + text.size())};
  }
  if (text.size() > max_length) {
    text.resize(max_length);
  }
  return text;
}

ordered_json fill_number(const json& schema, std::uint64_t seed, bool integer) {
  double lo = number_field(schema, "minimum", -1e18);
  double hi = number_field(schema, "maximum", 1e18);
  lo = std::max(lo, number_field(schema, "exclusiveMinimum", -1e18) + (integer ? 1 : 0.5));
  hi = std::min(hi, number_field(schema, "exclusiveMaximum", 1e18) - (integer ? 1 : 0.5));
  double value = integer ? static_cast<double>(1 + seed % 100) : (seed % 1000) / 10.0 + 0.5;
  value = std::clamp(value, lo, std::max(lo, hi));
  if (integer) {
    return static_cast<std::int64_t>(std::ceil(value));
  }
  return value;
}

ordered_json fill(const json& schema, std::uint64_t seed, int depth) {
  if (!schema.is_object() || depth > kMaxDepth) {
    return std::string{word_for(seed)};
  }
  if (const auto it = schema.find("const"); it != schema.end()) {
    return ordered_json::parse(it->dump());
  }
  if (const auto it = schema.find("enum"); it != schema.end() && it->is_array() && !it->empty()) {
    return ordered_json::parse(it->front().dump());
  }
  for (const char* key : {"anyOf", "oneOf", "allOf"}) {
    const auto it = schema.find(key);
    if (it != schema.end() && it->is_array() && !it->empty()) {
      // The first alternative that is not just {"type":"null"}.
      for (const auto& option : *it) {
        if (!(option.is_object() && option.value("type", json{}) == "null")) {
          return fill(option, seed, depth + 1);
        }
      }
    }
  }
  const auto type = schema_type(schema);
  if (type == "object") {
    ordered_json object = ordered_json::object();
    if (const auto props = schema.find("properties"); props != schema.end() && props->is_object()) {
      for (const auto& [name, property] : props->items()) {
        object[name] = fill(property, mix(seed ^ fnv1a(name)), depth + 1);
      }
    }
    if (const auto required = schema.find("required");
        required != schema.end() && required->is_array()) {
      for (const auto& name : *required) {
        if (name.is_string() && !object.contains(name.get<std::string>())) {
          object[name.get<std::string>()] = std::string{word_for(seed ^ fnv1a(name.dump()))};
        }
      }
    }
    return object;
  }
  if (type == "array") {
    ordered_json array = ordered_json::array();
    const auto items = schema.find("items");
    const json item_schema = items == schema.end() ? json::object() : *items;
    const auto min_items = static_cast<std::size_t>(number_field(schema, "minItems", 1));
    const auto max_items = static_cast<std::size_t>(number_field(schema, "maxItems", 1e9));
    const std::size_t count = std::min(std::max<std::size_t>(min_items, 1), max_items);
    for (std::size_t i = 0; i < std::min<std::size_t>(count, 16); ++i) {
      array.push_back(fill(item_schema, mix(seed + i), depth + 1));
    }
    return array;
  }
  if (type == "integer" || type == "number") {
    return fill_number(schema, seed, type == "integer");
  }
  if (type == "boolean") {
    return true;
  }
  if (type == "null") {
    return nullptr;
  }
  return fill_string(schema, seed);
}

}  // namespace

ordered_json fill_schema(const json& schema, std::uint64_t seed) {
  return fill(schema, seed, 0);
}

}  // namespace governor::sim
