#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace governor::sim {

/** FNV-1a, 64 bit. Stable across runs and platforms (std::hash is neither), so answers, ids and
 *  logprobs are byte-identical from one run of the simulator to the next. */
constexpr std::uint64_t fnv1a(std::string_view text,
                              std::uint64_t hash = 0xcbf29ce484222325ULL) noexcept {
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

/** SplitMix64 finalizer: spreads every input bit over the output. Used to derive independent
 *  seeds (`mix(seed ^ k)`) for the different things generated from one request. */
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/** A tiny deterministic generator (SplitMix64 sequence). Not for anything but simulation. */
class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed) noexcept : state_(seed) {}

  constexpr std::uint64_t next() noexcept {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix(state_);
  }
  /** Uniform-enough integer in [0, n); n == 0 yields 0. */
  constexpr std::uint64_t below(std::uint64_t n) noexcept { return n == 0 ? 0 : next() % n; }
  /** Integer in [lo, hi]; hi < lo yields lo. */
  constexpr std::uint64_t between(std::uint64_t lo, std::uint64_t hi) noexcept {
    return hi <= lo ? lo : lo + below(hi - lo + 1);
  }
  /** Double in [0, 1). */
  constexpr double unit() noexcept {
    return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
  }

 private:
  std::uint64_t state_;
};

/** `length` characters of [0-9A-Za-z] derived from `seed`: the shape of OpenAI's ids. */
inline std::string base62_id(std::uint64_t seed, std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  Rng rng{seed};
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    out.push_back(kAlphabet[rng.below(kAlphabet.size())]);
  }
  return out;
}

}  // namespace governor::sim
