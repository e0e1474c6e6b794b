#pragma once

// Randomly damaged HTTP/1 messages, for the tests that check a one-pass head reader against
// Beast's parser: bytes replaced, inserted, deleted or the message cut short, one to three times,
// with the bytes that matter to HTTP's grammar (separators, line ends, DEL, obs-text, NUL).

#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace governor::testing {

/** One of `seeds`, damaged one to three times. */
inline std::string damaged_message(const std::vector<std::string>& seeds, std::mt19937& random) {
  static const std::string kAlphabet = std::string(" \t\r\n:,;-/0123aAzZ\x7f\x80\xff", 21) + '\0';
  std::string wire = seeds[random() % seeds.size()];
  const int damage = 1 + static_cast<int>(random() % 3);
  for (int d = 0; d < damage && !wire.empty(); ++d) {
    const std::size_t at = random() % wire.size();
    const char c = kAlphabet[random() % kAlphabet.size()];
    switch (random() % 4) {
      case 0:
        wire[at] = c;
        break;
      case 1:
        wire.insert(wire.begin() + static_cast<std::ptrdiff_t>(at), c);
        break;
      case 2:
        wire.erase(at, 1);
        break;
      default:
        wire.resize(at);
        break;
    }
  }
  return wire;
}

}  // namespace governor::testing
