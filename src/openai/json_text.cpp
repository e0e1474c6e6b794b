#include "governor/openai/json_text.hpp"

namespace governor::openai {

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string quote_json(std::string_view text) {
  return dump_json(nlohmann::json(text));
}

}  // namespace governor::openai
