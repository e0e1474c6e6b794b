#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace governor::server {

/** Whether a whole (non-streamed) chat completion answered a request that offered tools with a
 *  tool call whose arguments are not JSON, break the tool's schema, or name no offered tool.
 *  Parses the body only when the request offered tools and the body mentions tool_calls. */
bool has_malformed_tool_call(std::string_view completion_body, const nlohmann::json& request);

}  // namespace governor::server
