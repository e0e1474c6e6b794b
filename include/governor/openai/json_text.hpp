#pragma once

#include <string>
#include <string_view>

#include "governor/openai/json_document.hpp"

namespace governor::openai {

/** A parsed request's value, serialized compactly by RapidJSON (non-ASCII kept as UTF-8). */
std::string json_text(const JsonValue& value);

/** `text` as a JSON string literal, quotes included; never throws on invalid UTF-8. */
std::string quote_json(std::string_view text);

/** Appends quote_json(text) to `out`; printable ASCII without quotes or backslashes (the usual
 *  key, id or model name) is copied without building a document or allocating. */
void append_quoted_json(std::string& out, std::string_view text);

}  // namespace governor::openai
