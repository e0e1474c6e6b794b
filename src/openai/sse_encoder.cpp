#include "governor/openai/sse.hpp"

namespace governor::openai {

std::string sse_data(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 8);
  std::size_t start = 0;
  for (;;) {
    const std::size_t eol = data.find_first_of("\r\n", start);
    out += "data: ";
    out += data.substr(start, eol - start);
    out += '\n';
    if (eol == std::string_view::npos) {
      break;
    }
    start = eol + 1;
    if (data[eol] == '\r' && start < data.size() && data[start] == '\n') {
      ++start;
    }
  }
  out += '\n';
  return out;
}

}  // namespace governor::openai
