#include "governor/config/field_lines.hpp"

namespace governor::config {

void FieldLines::note(const std::string& field, int line) {
  lines_.emplace(field, line);
}

int FieldLines::line_of(std::string_view field) const {
  // Walk up the path: "a[1].b.c" -> "a[1].b" -> "a[1]" -> "a". A field that was defaulted has no
  // line of its own, and the mapping that lacks it is the best place to point at.
  std::string key{field};
  while (!key.empty()) {
    if (const auto it = lines_.find(key); it != lines_.end()) {
      return it->second;
    }
    const auto cut = key.find_last_of(".[");
    key.resize(cut == std::string::npos ? 0 : cut);
  }
  return 0;
}

}  // namespace governor::config
