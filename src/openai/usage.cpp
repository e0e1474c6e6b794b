#include "governor/openai/usage.hpp"

#include "chunk_scanner.hpp"

namespace governor::openai {
namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

}  // namespace

std::optional<TokenUsage> usage_from_completion(std::string_view body) {
  // A whole completion can be large; the SAX scan reads it without building a document.
  return scan_chunk(body).usage;
}

ChunkInfo inspect_chunk(std::string_view data) {
  if (trim(data) == "[DONE]") {
    ChunkInfo info;
    info.done = true;
    return info;
  }
  return scan_chunk(data);
}

std::int64_t estimate_tokens(std::int64_t chars) {
  if (chars <= 0) {
    return 0;
  }
  return chars / 4 + (chars % 4 != 0 ? 1 : 0);
}

}  // namespace governor::openai
