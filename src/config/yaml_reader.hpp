#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.hpp"
#include "governor/config/gateway_config.hpp"

namespace governor::config::detail {

/** 1-based line of a node, or `fallback` when yaml-cpp has no position for it. */
int line_of(const YAML::Node& node, int fallback);

/** What the user wrote, for "expected X, got Y": "'abc'", "a list", "a mapping", "nothing". */
std::string describe(const YAML::Node& node);

/** Scalar conversions shared by mapping values and list items. Each reports its own error
 *  (at `field`, `line`) and returns nullopt on failure. */
std::optional<std::string> as_string(const YAML::Node& node, const std::string& field, int line,
                                     Diagnostics& diag);
std::optional<std::int64_t> as_int(const YAML::Node& node, const std::string& field, int line,
                                   Diagnostics& diag, std::int64_t min, std::int64_t max);

/** A key that is never accepted but common enough to deserve its own message instead of
 *  "unknown key" (a plaintext API key, a section reserved for later). */
struct ForbiddenKey {
  std::string_view key;
  std::string_view message;
};

/** Reads one YAML mapping: checks it is a mapping (a null node counts as an empty one), reports
 *  unknown and duplicate keys against the list of allowed ones, records the line of every key in
 *  `diag`, and offers typed reads that report wrong types and ranges with file, line and field.
 *  Every read_* returns true only when the key was present and its value valid; `out` is left
 *  untouched otherwise, so defaults survive. */
class MapReader {
 public:
  /** @param field dotted path of this mapping ("" for the document root)
   *  @param line  line to use when `node` has no position (a null value): the key's line
   *  @param forbidden keys reported with their own message (never echoing the value) */
  MapReader(const YAML::Node& node, std::string field, int line,
            std::initializer_list<std::string_view> allowed_keys, Diagnostics& diag,
            std::initializer_list<ForbiddenKey> forbidden = {});

  /** False when the node was present but not a mapping (already reported). */
  bool ok() const { return ok_; }
  int line() const { return line_; }
  const std::string& field() const { return field_; }
  Diagnostics& diag() const { return diag_; }

  bool has(std::string_view key) const { return find(key) != nullptr; }
  /** The value of `key`, or null when the key is absent. */
  const YAML::Node* find(std::string_view key) const;
  std::string field_of(std::string_view key) const { return child_field(field_, key); }
  /** The key's line, or this mapping's line when the key is absent. */
  int line_of(std::string_view key) const;

  /** Reports `key` as missing, at this mapping's line. Returns false for `if (!require(..))`. */
  bool require(std::string_view key) const;

  bool read_string(std::string_view key, std::string& out) const;
  /** Like read_string, but the value must also be non-empty. */
  bool read_nonempty(std::string_view key, std::string& out) const;
  bool read_bool(std::string_view key, bool& out) const;
  bool read_int(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max) const;
  template <class T>
  bool read_int_as(std::string_view key, T& out, std::int64_t min, std::int64_t max) const {
    std::int64_t value = 0;
    if (!read_int(key, value, min, max)) {
      return false;
    }
    out = static_cast<T>(value);
    return true;
  }
  /** A finite decimal number in [min, max] (an integer is accepted). */
  bool read_number(std::string_view key, double& out, double min, double max) const;
  /** An integer number of milliseconds in [min, kMaxMillis]. */
  bool read_millis(std::string_view key, Millis& out, std::int64_t min) const;
  /** A dollar amount per million tokens, parsed exactly from the scalar's text. */
  bool read_price(std::string_view key, PricePerMillion& out) const;
  /** A dollar amount (a budget), parsed exactly from the scalar's text. */
  bool read_dollars(std::string_view key, MicroUsd& out) const;
  bool read_dollars(std::string_view key, std::optional<MicroUsd>& out) const;

  /** One day: no timeout or backoff needs more, and the bound keeps deadline sums far from
   *  overflowing a nanosecond clock. */
  static constexpr std::int64_t kMaxMillis = 86'400'000;

 private:
  /** The key's scalar as exact dollars; reports "expected <expected> ..." when it is not. */
  std::optional<MicroUsd> read_exact_dollars(std::string_view key, std::string_view expected) const;

  struct Entry {
    std::string key;
    int line;
    YAML::Node value;
  };

  std::string field_;
  int line_;
  Diagnostics& diag_;
  bool ok_ = true;
  std::vector<Entry> entries_;
};

/** The text of the file at `path`, or nullopt after reporting (at line 0) why it cannot be read. */
std::optional<std::string> read_file_text(const std::string& path, Diagnostics& diag);

/** Parses `yaml` into exactly one document, or reports why not: a syntax error (alone, with its
 *  line), an empty file ("the file is empty (expected <expected>)"), or several documents. */
std::optional<YAML::Node> read_single_document(const std::string& yaml, std::string_view expected,
                                               Diagnostics& diag);

/** Visits a YAML list: reports a non-list (a null node counts as an empty list) and calls
 *  fn(item, item_field, item_line) for each item, recording each item's line. Returns the
 *  number of items, or nullopt when the node is not a list. */
template <class Fn>
std::optional<std::size_t> for_each_item(const YAML::Node& node, const std::string& field, int line,
                                         Diagnostics& diag, Fn&& fn) {
  if (node.IsNull()) {
    return 0;
  }
  if (!node.IsSequence()) {
    diag.error(line, field, "expected a list, got " + describe(node));
    return std::nullopt;
  }
  std::size_t index = 0;
  for (const YAML::Node& item : node) {
    const std::string item_path = item_field(field, index);
    const int item_line = line_of(item, line);
    diag.note_line(item_path, item_line);
    fn(item, item_path, item_line);
    ++index;
  }
  return index;
}

}  // namespace governor::config::detail
