#include "yaml_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <vector>

#include "text_rules.hpp"

namespace governor::config::detail {
namespace {

constexpr std::int64_t kNoMax = INT64_MAX;

std::string range_message(std::int64_t min, std::int64_t max, std::int64_t got) {
  if (max == kNoMax) {
    return "must be at least " + std::to_string(min) + ", got " + std::to_string(got);
  }
  return "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
         std::to_string(got);
}

bool is_integer_text(std::string_view text) {
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    text.remove_prefix(1);
  }
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

int line_of(const YAML::Node& node, int fallback) {
  if (!node.IsDefined()) {
    return fallback;
  }
  const YAML::Mark mark = node.Mark();
  return mark.is_null() || mark.line < 0 ? fallback : mark.line + 1;
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) {
    return "nothing";
  }
  if (node.IsSequence()) {
    return "a list";
  }
  if (node.IsMap()) {
    return "a mapping";
  }
  // Quoted back into a one-line message: control characters would break the line or the
  // terminal, so they are shown as '?'; long values are cut.
  constexpr std::size_t kShown = 40;
  const std::string& scalar = node.Scalar();
  std::string text;
  for (const char c : std::string_view{scalar}.substr(0, kShown)) {
    const auto byte = static_cast<unsigned char>(c);
    text += byte < 0x20 || byte == 0x7f ? '?' : c;
  }
  if (scalar.size() > kShown) {
    text += "...";
  }
  return "'" + text + "'";
}

std::optional<std::string> as_string(const YAML::Node& node, const std::string& field, int line,
                                     Diagnostics& diag) {
  if (!node.IsScalar()) {
    diag.error(line, field, "expected a string, got " + describe(node));
    return std::nullopt;
  }
  return node.Scalar();
}

/** A bound as the user would write it: "0.5", "100", no trailing zeros. */
static std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

std::optional<std::int64_t> as_int(const YAML::Node& node, const std::string& field, int line,
                                   Diagnostics& diag, std::int64_t min, std::int64_t max) {
  if (!node.IsScalar() || !is_integer_text(node.Scalar())) {
    diag.error(line, field, "expected an integer, got " + describe(node));
    return std::nullopt;
  }
  std::string_view text = node.Scalar();
  if (text.front() == '+') {
    text.remove_prefix(1);  // from_chars takes '-' but not '+'
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    diag.error(line, field, "integer " + describe(node) + " is out of range");
    return std::nullopt;
  }
  if (value < min || value > max) {
    diag.error(line, field, range_message(min, max, value));
    return std::nullopt;
  }
  return value;
}

MapReader::MapReader(const YAML::Node& node, std::string field, int line,
                     std::initializer_list<std::string_view> allowed_keys, Diagnostics& diag,
                     std::initializer_list<ForbiddenKey> forbidden)
    : field_(std::move(field)), line_(detail::line_of(node, line)), diag_(diag) {
  if (!node.IsDefined() || node.IsNull()) {
    return;
  }
  if (!node.IsMap()) {
    diag_.error(line_, field_, "expected a mapping, got " + describe(node));
    ok_ = false;
    return;
  }
  const std::span<const std::string_view> allowed{allowed_keys.begin(), allowed_keys.size()};
  for (const auto& pair : node) {
    const int key_line = detail::line_of(pair.first, line_);
    if (!pair.first.IsScalar()) {
      diag_.error(key_line, field_, "keys must be plain strings, got " + describe(pair.first));
      continue;
    }
    const std::string& key = pair.first.Scalar();
    const auto banned = std::find_if(forbidden.begin(), forbidden.end(),
                                     [&](const ForbiddenKey& f) { return f.key == key; });
    if (banned != forbidden.end()) {
      diag_.error(key_line, field_of(key), std::string{banned->message});
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string message = "unknown key '" + key + "' (expected one of: " + join(allowed) + ")";
      if (const std::string_view guess = closest_match(key, allowed); !guess.empty()) {
        message += "; did you mean '" + std::string{guess} + "'?";
      }
      diag_.error(key_line, field_of(key), std::move(message));
      continue;
    }
    const auto seen = std::find_if(entries_.begin(), entries_.end(),
                                   [&](const Entry& e) { return e.key == key; });
    if (seen != entries_.end()) {
      diag_.error(key_line, field_of(key),
                  "duplicate key '" + key + "' (first at line " + std::to_string(seen->line) + ")");
      continue;
    }
    diag_.note_line(field_of(key), key_line);
    entries_.push_back(Entry{key, key_line, pair.second});
  }
}

const YAML::Node* MapReader::find(std::string_view key) const {
  const auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == key; });
  return it == entries_.end() ? nullptr : &it->value;
}

int MapReader::line_of(std::string_view key) const {
  const auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == key; });
  return it == entries_.end() ? line_ : it->line;
}

bool MapReader::require(std::string_view key) const {
  diag_.error(line_, field_of(key), "required key '" + std::string{key} + "' is missing");
  return false;
}

bool MapReader::read_string(std::string_view key, std::string& out) const {
  const YAML::Node* node = find(key);
  if (node == nullptr) {
    return false;
  }
  auto value = as_string(*node, field_of(key), line_of(key), diag_);
  if (!value) {
    return false;
  }
  out = std::move(*value);
  return true;
}

bool MapReader::read_nonempty(std::string_view key, std::string& out) const {
  std::string value;
  if (!read_string(key, value)) {
    return false;
  }
  if (value.empty()) {
    diag_.error(line_of(key), field_of(key), "must not be empty");
    return false;
  }
  out = std::move(value);
  return true;
}

bool MapReader::read_bool(std::string_view key, bool& out) const {
  const YAML::Node* node = find(key);
  if (node == nullptr) {
    return false;
  }
  // Only the two YAML 1.2 spellings: yaml-cpp would also take yes/no/on/off, which YAML 1.2
  // treats as strings, so a file meaning one thing to one tool and another to us is refused.
  if (node->IsScalar() && (node->Scalar() == "true" || node->Scalar() == "false")) {
    out = node->Scalar() == "true";
    return true;
  }
  diag_.error(line_of(key), field_of(key), "expected true or false, got " + describe(*node));
  return false;
}

bool MapReader::read_int(std::string_view key, std::int64_t& out, std::int64_t min,
                         std::int64_t max) const {
  const YAML::Node* node = find(key);
  if (node == nullptr) {
    return false;
  }
  const auto value = as_int(*node, field_of(key), line_of(key), diag_, min, max);
  if (!value) {
    return false;
  }
  out = *value;
  return true;
}

bool MapReader::read_number(std::string_view key, double& out, double min, double max) const {
  const YAML::Node* node = find(key);
  if (node == nullptr) {
    return false;
  }
  double value = 0.0;
  const std::string_view text = node->IsScalar() ? std::string_view(node->Scalar()) : "";
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!node->IsScalar() || text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    diag_.error(line_of(key), field_of(key), "expected a number, got " + describe(*node));
    return false;
  }
  if (value < min || value > max) {
    diag_.error(line_of(key), field_of(key),
                "must be between " + number_text(min) + " and " + number_text(max) + ", got " +
                    std::string(text));
    return false;
  }
  out = value;
  return true;
}

bool MapReader::read_millis(std::string_view key, Millis& out, std::int64_t min) const {
  std::int64_t value = 0;
  if (!read_int(key, value, min, kMaxMillis)) {
    return false;
  }
  out = Millis{value};
  return true;
}

std::optional<MicroUsd> MapReader::read_exact_dollars(std::string_view key,
                                                      std::string_view expected) const {
  const YAML::Node* node = find(key);
  if (node == nullptr) {
    return std::nullopt;
  }
  // The scalar's own text, never a double: 0.15 must be exactly 150000 micro-dollars, and
  // budgets must add up exactly.
  const auto micros = node->IsScalar() ? MicroUsd::parse(node->Scalar()) : std::nullopt;
  if (!micros) {
    diag_.error(line_of(key), field_of(key),
                "expected " + std::string(expected) +
                    " as a plain decimal with at most 6 decimal places, got " + describe(*node));
  }
  return micros;
}

bool MapReader::read_price(std::string_view key, PricePerMillion& out) const {
  const auto micros = read_exact_dollars(key, "a dollar amount per million tokens (e.g. 0.15)");
  if (!micros) {
    return false;
  }
  out = PricePerMillion{micros->micros()};
  return true;
}

bool MapReader::read_dollars(std::string_view key, MicroUsd& out) const {
  std::optional<MicroUsd> value;
  if (!read_dollars(key, value)) {
    return false;
  }
  out = *value;
  return true;
}

bool MapReader::read_dollars(std::string_view key, std::optional<MicroUsd>& out) const {
  const auto micros = read_exact_dollars(key, "a dollar amount (e.g. 0.50)");
  if (!micros) {
    return false;
  }
  out = *micros;
  return true;
}

std::optional<std::string> read_file_text(const std::string& path, Diagnostics& diag) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    diag.error(0, "", "cannot read the file: it is a directory");
    return std::nullopt;
  }
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  if (in) {
    text << in.rdbuf();
  }
  if (!in || in.bad()) {
    diag.error(0, "", std::string{"cannot read the file: "} + std::strerror(errno));
    return std::nullopt;
  }
  return std::move(text).str();
}

std::optional<YAML::Node> read_single_document(const std::string& yaml, std::string_view expected,
                                               Diagnostics& diag) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(yaml);
  } catch (const YAML::Exception& e) {
    diag.error(e.mark.is_null() ? 0 : e.mark.line + 1, "", "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
  if (documents.empty() || (documents.size() == 1 && documents[0].IsNull())) {
    diag.error(1, "", "the file is empty (expected " + std::string{expected} + ")");
    return std::nullopt;
  }
  if (documents.size() > 1) {
    diag.error(line_of(documents[1], 1), "",
               "expected one YAML document, found " + std::to_string(documents.size()));
    return std::nullopt;
  }
  return documents[0];
}

}  // namespace governor::config::detail
