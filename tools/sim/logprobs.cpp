#include "sim/logprobs.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "sim/hash.hpp"
#include "sim/words.hpp"

namespace governor::sim {
namespace {

// An alternative spelled like `token`: same leading space, same capitalisation, so the
// alternatives look like what a tokenizer would have offered instead.
std::string alternative_like(const std::string& token, std::uint64_t seed) {
  std::string word{word_for(seed)};
  const bool leading_space = !token.empty() && token.front() == ' ';
  const std::size_t first = leading_space ? 1 : 0;
  if (token.size() > first && std::isupper(static_cast<unsigned char>(token[first]))) {
    word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
  }
  return leading_space ? " " + word : word;
}

}  // namespace

double token_logprob(std::uint64_t seed, std::size_t index, const ConfidenceProfile& profile) {
  Rng rng{mix(seed ^ (0x10c9b0b5ULL + index))};
  const double quality = std::clamp(profile.quality, 0.05, 1.0);
  const double uncertain_rate = std::min(1.0, profile.uncertain_rate / quality);
  const bool uncertain = rng.unit() < uncertain_rate;
  const double u = rng.unit();
  if (uncertain) {
    return profile.confident_floor + u * (profile.uncertain_floor - profile.confident_floor);
  }
  return u * profile.confident_floor;
}

TokenLogprob make_token_logprob(const std::string& token, std::uint64_t seed, std::size_t index,
                                unsigned top_k, const ConfidenceProfile& profile) {
  TokenLogprob entry;
  entry.token = token;
  entry.logprob = token_logprob(seed, index, profile);
  if (top_k == 0) {
    return entry;
  }
  entry.top.push_back({token, entry.logprob});
  // The rest of the probability mass, shared geometrically among the alternatives (sum < 1).
  const double rest = std::max(1.0 - std::exp(entry.logprob), 1e-6);
  double share = 0.6;
  Rng rng{mix(seed ^ (0xa17e5ULL + index))};
  for (unsigned attempt = 0; entry.top.size() < std::min(top_k, 20U) && attempt < 200; ++attempt) {
    auto candidate = alternative_like(token, rng.next());
    const bool taken = std::any_of(entry.top.begin(), entry.top.end(),
                                   [&](const TopLogprob& t) { return t.token == candidate; });
    if (taken) {
      continue;
    }
    entry.top.push_back({std::move(candidate), std::log(rest * share)});
    share *= 0.4;
  }
  std::stable_sort(entry.top.begin(), entry.top.end(),
                   [](const TopLogprob& a, const TopLogprob& b) { return a.logprob > b.logprob; });
  return entry;
}

}  // namespace governor::sim
