#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "governor/config/field_lines.hpp"
#include "governor/config/loader.hpp"

namespace governor::config::detail {

/** Collects the errors of one load and remembers the line on which each field was seen, so the
 *  cross-reference checks that run after parsing can still point at a line.
 *  @par Thread safety: none; one instance per load. */
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }

  /** An error at an explicit 1-based line (0: no line, e.g. the file cannot be read). */
  void error(int line, std::string field, std::string message);

  /** An error at the line recorded for `field`, or for its nearest recorded ancestor. */
  void error_at(std::string field, std::string message);

  /** Remembers where `field` ("upstreams[1].fallback") was written. The first record wins. */
  void note_line(const std::string& field, int line) { lines_.note(field, line); }

  /** The line recorded for `field` or its nearest ancestor; 1 when nothing is recorded. */
  int line_of(std::string_view field) const;

  /** True when `field` itself was written in the file (not defaulted). */
  bool was_written(std::string_view field) const { return lines_.has(field); }

  bool has_errors() const { return !errors_.empty(); }

  /** The errors ordered by line (stable, so errors on one line keep their discovery order). */
  std::vector<ConfigError> take_errors();

  /** Every line recorded, to keep with the loaded value for checks that run later. */
  FieldLines take_lines() { return std::move(lines_); }

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
  FieldLines lines_;
};

/** "upstreams[1].timeouts" + "total" -> "upstreams[1].timeouts.total"; "" + "listen" -> "listen".
 */
std::string child_field(std::string_view parent, std::string_view key);

/** "upstreams" + 1 -> "upstreams[1]". */
std::string item_field(std::string_view parent, std::size_t index);

}  // namespace governor::config::detail
