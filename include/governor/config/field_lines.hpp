#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

namespace governor::config {

/** Where each field of a loaded file was written ("auth.keys[1].policies[0]" -> line 42).
 *  Kept with the loaded value so that rules checked later, across files (a key naming a policy
 *  that a reload removed), still report file:line: field like the loader does.
 *  @par Thread safety: immutable once the loaded value is published; const members only. */
class FieldLines {
 public:
  /** Records where `field` was written; the first record of a field wins. */
  void note(const std::string& field, int line);

  /** The 1-based line of `field`, or of its nearest recorded ancestor ("a[1].b.c" -> "a[1].b"
   *  -> "a[1]" -> "a"); 0 when neither is recorded. */
  int line_of(std::string_view field) const;

  /** True when `field` itself (not an ancestor) was recorded. */
  bool has(std::string_view field) const { return lines_.contains(std::string{field}); }

  bool empty() const { return lines_.empty(); }

 private:
  std::unordered_map<std::string, int> lines_;
};

}  // namespace governor::config
