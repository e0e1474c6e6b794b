#include "governor/training/labelled_records.hpp"

#include <rapidjson/document.h>

#include <fstream>

#include "governor/routing/route_input.hpp"

namespace governor::training {

namespace {

using nlohmann::json;

/** A score field: a number in [0,1] (booleans are accepted as 1/0). */
std::optional<std::string> read_score(const json& line, const char* name, double& out) {
  const auto it = line.find(name);
  if (it == line.end()) {
    return std::string("\"") + name + "\" is required";
  }
  if (it->is_boolean()) {
    out = it->get<bool>() ? 1.0 : 0.0;
    return std::nullopt;
  }
  if (!it->is_number() || it->get<double>() < 0.0 || it->get<double>() > 1.0) {
    return std::string("\"") + name + "\" must be a number in [0, 1]";
  }
  out = it->get<double>();
  return std::nullopt;
}

std::optional<std::string> read_cost(const json& line, const char* name,
                                     std::optional<double>& out) {
  const auto it = line.find(name);
  if (it == line.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_number() || it->get<double>() < 0.0) {
    return std::string("\"") + name + "\" must be a number >= 0 (dollars)";
  }
  out = it->get<double>();
  return std::nullopt;
}

std::optional<std::string> read_messages(const json& line, json& out) {
  const auto prompt = line.find("prompt");
  const auto messages = line.find("messages");
  if (prompt != line.end() && prompt->is_string()) {
    out = json::array({{{"role", "user"}, {"content", *prompt}}});
    return std::nullopt;
  }
  if (messages != line.end() && messages->is_array() && !messages->empty()) {
    for (const auto& m : *messages) {
      if (!m.is_object() || !m.contains("role") || !m.at("role").is_string()) {
        return std::string("every entry of \"messages\" must be an object with a string \"role\"");
      }
    }
    out = *messages;
    return std::nullopt;
  }
  return std::string("needs \"prompt\" (a string) or \"messages\" (a non-empty array)");
}

}  // namespace

DataResult<std::vector<LabelledRecord>> load_labelled_records(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return DataError(path, 0, "cannot be read");
  }
  std::vector<LabelledRecord> records;
  std::string text;
  std::size_t line_number = 0;
  while (std::getline(in, text)) {
    ++line_number;
    if (text.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    const json line = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (line.is_discarded() || !line.is_object()) {
      return DataError(path, line_number, "not a JSON object");
    }
    LabelledRecord record;
    std::optional<std::string> error = read_messages(line, record.messages);
    if (!error) {
      error = read_score(line, "weak", record.outcome.weak);
    }
    if (!error) {
      error = read_score(line, "strong", record.outcome.strong);
    }
    if (!error) {
      error = read_cost(line, "weak_cost", record.weak_cost);
    }
    if (!error) {
      error = read_cost(line, "strong_cost", record.strong_cost);
    }
    if (error) {
      return DataError(path, line_number, *error);
    }
    for (const char* field : {"category", "benchmark"}) {
      if (const auto it = line.find(field); it != line.end() && it->is_string()) {
        record.category = it->get<std::string>();
        break;
      }
    }
    records.push_back(std::move(record));
  }
  if (records.empty()) {
    return DataError(path, 0, "no records");
  }
  return records;
}

void record_features(const LabelledRecord& record, routing::FeatureVector& out) {
  // The router reads request documents as the gateway parses them.
  const std::string text = json{{"messages", record.messages}}.dump();
  rapidjson::Document body;
  body.Parse(text.data(), text.size());
  const auto input = routing::route_input_from_body(body, 0);
  routing::extract_features(input, routing::TaskHistory{}, out);
}

std::vector<routing::FeatureVector> record_feature_vectors(
    const std::vector<LabelledRecord>& records) {
  std::vector<routing::FeatureVector> rows(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    record_features(records[i], rows[i]);
  }
  return rows;
}

}  // namespace governor::training
