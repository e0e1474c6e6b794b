#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace governor::sim {

/** How sure a simulated model is of its tokens. `quality` is 1 (the model's normal confidence)
 *  unless the answer is graded (`success=P`): then grade_attempt() draws it per answer, from
 *  [0.6, 1] for a right answer and [0.2, 0.7] for a wrong one, and every logprob follows it
 *  through token_logprob(). */
struct ConfidenceProfile {
  double uncertain_rate = 0.12;    ///< share of tokens that are uncertain at quality 1
  double confident_floor = -0.05;  ///< confident tokens have logprob in [confident_floor, 0]
  double uncertain_floor = -3.0;   ///< uncertain tokens have logprob in [uncertain_floor, -0.05)
  double quality = 1.0;            ///< (0, 1]: lower quality → more uncertain tokens

  bool operator==(const ConfidenceProfile&) const = default;
};

/** The log-probability of the token at `index` of the answer seeded by `seed`: a pure
 *  function. Most tokens are confident; a share (uncertain_rate / quality) is not. */
double token_logprob(std::uint64_t seed, std::size_t index, const ConfidenceProfile& profile);

/** One alternative in `top_logprobs`. */
struct TopLogprob {
  std::string token;
  double logprob = 0;

  bool operator==(const TopLogprob&) const = default;
};

/** One entry of `logprobs.content`. */
struct TokenLogprob {
  std::string token;
  double logprob = 0;
  std::vector<TopLogprob> top;  ///< sorted by logprob, descending; contains `token`

  bool operator==(const TokenLogprob&) const = default;
};

/** The logprob entry for `token`, with `top_k` alternatives (0..20) whose probabilities, with
 *  the chosen token's, sum to at most 1. */
TokenLogprob make_token_logprob(const std::string& token, std::uint64_t seed, std::size_t index,
                                unsigned top_k, const ConfidenceProfile& profile);

}  // namespace governor::sim
