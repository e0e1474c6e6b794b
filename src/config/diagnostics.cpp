#include "diagnostics.hpp"

#include <algorithm>

namespace governor::config::detail {

void Diagnostics::error(int line, std::string field, std::string message) {
  errors_.push_back(ConfigError{file_, line, std::move(field), std::move(message)});
}

void Diagnostics::error_at(std::string field, std::string message) {
  const int line = line_of(field);
  error(line, std::move(field), std::move(message));
}

void Diagnostics::note_line(const std::string& field, int line) {
  lines_.emplace(field, line);
}

int Diagnostics::line_of(std::string_view field) const {
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
  return 1;
}

std::vector<ConfigError> Diagnostics::take_errors() {
  std::stable_sort(errors_.begin(), errors_.end(),
                   [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
  return std::move(errors_);
}

std::string child_field(std::string_view parent, std::string_view key) {
  if (parent.empty()) {
    return std::string{key};
  }
  std::string out{parent};
  out += '.';
  out += key;
  return out;
}

std::string item_field(std::string_view parent, std::size_t index) {
  std::string out{parent};
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

}  // namespace governor::config::detail
