#pragma once

#include <random>
#include <string>
#include <string_view>

namespace governor::openai::testing {

/** Characters that matter to JSON and SSE, plus bytes that are not UTF-8 (and the lead bytes of
 *  UTF-8 and of encoded surrogates). */
inline constexpr std::string_view kJsonAlphabet =
    "{}[]\":,\\ \r\n0123456789.-+eE:tfnul\x80\xbf\xc3\xe2\xed\xa0\xff";

/** 1 to 4 random edits of `text`: a byte replaced or inserted from `alphabet`, a few bytes
 *  erased, or the rest cut off. Deterministic for a given generator state. */
inline std::string mutate(std::string text, std::mt19937& rng,
                          std::string_view alphabet = kJsonAlphabet) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const std::size_t at = rng() % text.size();
    switch (rng() % 4) {
      case 0:
        text[at] = alphabet[rng() % alphabet.size()];
        break;
      case 1:
        text.insert(at, 1, alphabet[rng() % alphabet.size()]);
        break;
      case 2:
        text.erase(at, 1 + rng() % 8);
        break;
      default:
        text.resize(at);
        break;
    }
  }
  return text;
}

}  // namespace governor::openai::testing
