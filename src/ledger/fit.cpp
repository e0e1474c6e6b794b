#include "fit.hpp"

#include <algorithm>

namespace governor::ledger {
namespace {

std::int64_t non_negative(std::int64_t tokens) {
  return std::max<std::int64_t>(tokens, 0);
}

}  // namespace

std::optional<std::int64_t> largest_output_within(std::int64_t input_tokens,
                                                  std::int64_t max_output_tokens,
                                                  const ModelPrices& prices, MicroUsd available) {
  const std::int64_t input = non_negative(input_tokens);
  const auto cost = [&](std::int64_t n) { return cost_of(TokenUsage{input, n}, prices); };
  std::int64_t lo = 0;
  if (cost(lo) > available) {
    return std::nullopt;
  }
  // Invariant: cost(lo) fits; everything above hi does not.
  std::int64_t hi = non_negative(max_output_tokens);
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo + 1) / 2;
    if (cost(mid) <= available) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

std::int64_t min_useful_output(std::int64_t min_output_tokens, const Candidate& candidate) {
  return std::max<std::int64_t>(1, std::min(min_output_tokens, candidate.max_output_tokens));
}

MicroUsd smallest_useful_cost(std::int64_t input_tokens, std::int64_t min_output_tokens,
                              const Candidate& candidate) {
  return cost_of(
      TokenUsage{non_negative(input_tokens), min_useful_output(min_output_tokens, candidate)},
      candidate.prices);
}

std::optional<Fit> first_fit(std::int64_t input_tokens, std::int64_t min_output_tokens,
                             const std::vector<Candidate>& candidates,
                             std::optional<MicroUsd> available) {
  const std::int64_t input = non_negative(input_tokens);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    const std::int64_t max_output = non_negative(c.max_output_tokens);
    const MicroUsd worst = cost_of(TokenUsage{input, max_output}, c.prices);
    if (!available || worst <= *available) {
      return Fit{i, max_output, false, worst};
    }
    const auto n = largest_output_within(input, max_output, c.prices, *available);
    if (n && *n >= min_useful_output(min_output_tokens, c)) {
      return Fit{i, *n, *n < max_output, cost_of(TokenUsage{input, *n}, c.prices)};
    }
  }
  return std::nullopt;
}

}  // namespace governor::ledger
