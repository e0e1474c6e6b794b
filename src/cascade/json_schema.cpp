// The only user of valijson: JSON Schema validation for tool arguments and JSON-mode answers.
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "governor/cascade/signals.hpp"

namespace governor::cascade {

std::optional<std::string> schema_violation(const nlohmann::json& schema,
                                            const nlohmann::json& value) {
  valijson::Schema parsed;
  try {
    valijson::SchemaParser parser;
    const valijson::adapters::NlohmannJsonAdapter schema_adapter(schema);
    parser.populateSchema(schema_adapter, parsed);
  } catch (const std::exception& e) {
    return std::string{"the schema cannot be read: "} + e.what();
  }
  valijson::Validator validator;
  valijson::ValidationResults results;
  const valijson::adapters::NlohmannJsonAdapter value_adapter(value);
  if (validator.validate(parsed, value_adapter, &results)) {
    return std::nullopt;
  }
  // The deepest error names the field at fault; the first one is its outermost context.
  valijson::ValidationResults::Error error;
  std::string where;
  std::string what = "does not match the schema";
  while (results.popError(error)) {
    where.clear();
    for (const auto& part : error.context) {
      where += part;
    }
    what = error.description;
  }
  return (where.empty() ? std::string{"<root>"} : where) + ": " + what;
}

}  // namespace governor::cascade
