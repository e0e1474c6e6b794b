#pragma once

// Test helper: reads sample values out of the Prometheus text exposition format, so tests assert
// numbers and not only names. Header-only; used by unit and integration tests.

#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace governor::testing {

using MetricLabels = std::map<std::string, std::string>;

/** One sample line split into name, labels and value; false for comments and blank lines. */
inline bool parse_metrics_line(std::string_view line, std::string& name, MetricLabels& labels,
                               double& value) {
  if (line.empty() || line.front() == '#') {
    return false;
  }
  labels.clear();
  std::size_t i = line.find_first_of("{ ");
  if (i == std::string_view::npos) {
    return false;
  }
  name = std::string(line.substr(0, i));
  if (line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const std::size_t eq = line.find('=', i);
      if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
        return false;
      }
      std::string key(line.substr(i, eq - i));
      std::string val;
      std::size_t j = eq + 2;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size()) {
          ++j;
          val.push_back(line[j] == 'n' ? '\n' : line[j]);
        } else {
          val.push_back(line[j]);
        }
      }
      labels.emplace(std::move(key), std::move(val));
      i = j + 1;
      if (i < line.size() && line[i] == ',') {
        ++i;
      }
    }
    ++i;  // '}'
  }
  const std::string rest(line.substr(i));
  value = std::strtod(rest.c_str(), nullptr);  // "+Inf", "NaN" included
  return true;
}

/** The value of the sample with exactly this name and label set; nullopt when absent. */
inline std::optional<double> metric_value(const std::string& text, std::string_view name,
                                          const MetricLabels& labels = {}) {
  std::istringstream in(text);
  std::string line;
  std::string n;
  MetricLabels l;
  double v = 0;
  while (std::getline(in, line)) {
    if (parse_metrics_line(line, n, l, v) && n == name && l == labels) {
      return v;
    }
  }
  return std::nullopt;
}

/** The sum of every sample of `name` whose labels include `subset` (0 when none). */
inline double metric_sum(const std::string& text, std::string_view name,
                         const MetricLabels& subset = {}) {
  std::istringstream in(text);
  std::string line;
  std::string n;
  MetricLabels l;
  double v = 0;
  double sum = 0;
  while (std::getline(in, line)) {
    if (!parse_metrics_line(line, n, l, v) || n != name) {
      continue;
    }
    bool match = true;
    for (const auto& [key, val] : subset) {
      const auto it = l.find(key);
      match = match && it != l.end() && it->second == val;
    }
    if (match) {
      sum += v;
    }
  }
  return sum;
}

}  // namespace governor::testing
