#include "governor/openai/json_text.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <nlohmann/json.hpp>

namespace governor::openai {

std::string json_text(const JsonValue& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

namespace {

/** Printable ASCII other than the quote and the backslash: copied between quotes as it is. */
bool plain(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\') {
      return false;
    }
  }
  return true;
}

}  // namespace

void append_quoted_json(std::string& out, std::string_view text) {
  if (plain(text)) {  // names, ids and model names: no serializer needed
    out += '"';
    out += text;
    out += '"';
    return;
  }
  // nlohmann's serializer escapes what JSON requires and, with `replace`, writes invalid UTF-8
  // as U+FFFD instead of throwing.
  out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string quote_json(std::string_view text) {
  std::string out;
  append_quoted_json(out, text);
  return out;
}

}  // namespace governor::openai
