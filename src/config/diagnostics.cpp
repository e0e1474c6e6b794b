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

int Diagnostics::line_of(std::string_view field) const {
  const int line = lines_.line_of(field);
  return line > 0 ? line : 1;
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
