#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "governor/core/money.hpp"
#include "governor/ledger/ledger.hpp"

namespace governor::ledger {

/** The largest n in [0, max_output_tokens] with cost_of({input_tokens, n}) <= available, or
 *  nullopt when not even the input alone fits. cost_of is monotone in n, so a binary search over
 *  it is exact: no floating point, no off-by-one from rounding the price. */
std::optional<std::int64_t> largest_output_within(std::int64_t input_tokens,
                                                  std::int64_t max_output_tokens,
                                                  const ModelPrices& prices, MicroUsd available);

/** The smallest output worth reserving for on `candidate`: the request's min_output_tokens, but
 *  never more than the candidate's own bound (a call that asks for 10 tokens is fully useful with
 *  10) and never below one token. */
std::int64_t min_useful_output(std::int64_t min_output_tokens, const Candidate& candidate);

/** The cheapest useful reservation on `candidate`: the input plus min_useful_output. */
MicroUsd smallest_useful_cost(std::int64_t input_tokens, std::int64_t min_output_tokens,
                              const Candidate& candidate);

/** Which candidate a call gets and how much output it may ask for. */
struct Fit {
  std::size_t candidate = 0;
  std::int64_t output_tokens = 0;
  bool clamped = false;  ///< output_tokens is below the candidate's max_output_tokens
  MicroUsd amount;       ///< cost_of(input, output_tokens) on that candidate: what to reserve
  bool operator==(const Fit&) const = default;
};

/** The first candidate, in order, whose worst case fits `available` (nullopt: no limit), or
 *  failing that can be clamped to at least min_useful_output. Nullopt when none can. */
std::optional<Fit> first_fit(std::int64_t input_tokens, std::int64_t min_output_tokens,
                             const std::vector<Candidate>& candidates,
                             std::optional<MicroUsd> available);

}  // namespace governor::ledger
