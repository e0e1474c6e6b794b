#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace governor {

/** An amount of US dollars as an integer count of micro-dollars (1e-6 USD).
 *  Integer arithmetic only: sums of many small costs never drift. */
class MicroUsd {
 public:
  constexpr MicroUsd() = default;
  constexpr explicit MicroUsd(std::int64_t micros) : micros_(micros) {}

  constexpr std::int64_t micros() const { return micros_; }
  /** As a floating-point figure in dollars, for JSON, metrics and the router's estimates; sums
   *  stay in micro-dollars. */
  constexpr double dollars() const { return static_cast<double>(micros_) / 1e6; }
  constexpr MicroUsd operator+(MicroUsd o) const { return MicroUsd{micros_ + o.micros_}; }
  constexpr MicroUsd operator-(MicroUsd o) const { return MicroUsd{micros_ - o.micros_}; }
  constexpr MicroUsd& operator+=(MicroUsd o) {
    micros_ += o.micros_;
    return *this;
  }
  constexpr auto operator<=>(const MicroUsd&) const = default;

  /** Exact decimal rendering, e.g. 1234 -> "0.001234", -5 -> "-0.000005". */
  std::string to_string() const;

  /** Parses a non-negative decimal dollar amount ("0.15", "3", "2.5e-1" is rejected) with at
   *  most six fractional digits, exactly, without floating point. */
  static std::optional<MicroUsd> parse(std::string_view dollars);

 private:
  std::int64_t micros_ = 0;
};

/** A price for one million tokens, held exactly as micro-dollars per million tokens, i.e.
 *  pico-dollars per token. "$0.15 per 1M tokens" is 150000. */
struct PricePerMillion {
  std::int64_t micros_per_million = 0;
  constexpr auto operator<=>(const PricePerMillion&) const = default;
};

/** Token counts of one call, as reported by the upstream's `usage`. */
struct TokenUsage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  bool operator==(const TokenUsage&) const = default;
};

/** Prices of one model. */
struct ModelPrices {
  PricePerMillion input;
  PricePerMillion output;
  bool operator==(const ModelPrices&) const = default;
};

/** Cost of a call: exact in pico-dollars, then rounded *up* to a whole micro-dollar so that a
 *  ledger never under-counts (the over-count is below one micro-dollar per call). */
MicroUsd cost_of(const TokenUsage& usage, const ModelPrices& prices);

}  // namespace governor
