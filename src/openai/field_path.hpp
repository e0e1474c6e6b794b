#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace governor::openai {

/** The path of a field inside a request body ("messages[1].content[0].text"), built on the stack
 *  while the validator walks the document and rendered only when a rule fails, so a valid request
 *  pays nothing for it. A path refers to its parent: keep parents alive while a child is used
 *  (pass `path.child("x")` as an argument; never store a child of a temporary). */
class FieldPath {
 public:
  /** The request body itself; renders as "". */
  constexpr FieldPath() = default;
  /** A top-level member of the request body. */
  constexpr explicit FieldPath(std::string_view key) : key_(key) {}

  FieldPath child(std::string_view key) const { return FieldPath{this, key, 0, false}; }
  FieldPath at(std::size_t index) const { return FieldPath{this, {}, index, true}; }

  /** e.g. "tools[0].function.name" */
  std::string str() const;

 private:
  constexpr FieldPath(const FieldPath* parent, std::string_view key, std::size_t index,
                      bool is_index)
      : parent_(parent), key_(key), index_(index), is_index_(is_index) {}

  void append_to(std::string& out) const;

  const FieldPath* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = 0;
  bool is_index_ = false;
};

}  // namespace governor::openai
