#include <cmath>
#include <nlohmann/json.hpp>

#include "governor/cascade/signals.hpp"

namespace governor::cascade {

namespace {

/** The entropy of a token's top_logprobs plus the left-out mass as one outcome; none when the
 *  entry has no usable top_logprobs. */
std::optional<double> top_entropy(const nlohmann::json& top) {
  if (!top.is_array() || top.empty()) {
    return std::nullopt;
  }
  double mass = 0.0;
  double entropy = 0.0;
  for (const auto& alternative : top) {
    const auto logprob = alternative.find("logprob");
    if (logprob == alternative.end() || !logprob->is_number()) {
      return std::nullopt;
    }
    const double p = std::exp(std::min(0.0, logprob->get<double>()));
    mass += p;
    if (p > 0.0) {
      entropy -= p * std::log(p);
    }
  }
  const double rest = 1.0 - mass;
  if (rest > 1e-12) {
    entropy -= rest * std::log(rest);
  }
  return entropy;
}

}  // namespace

std::optional<TokenConfidence> token_confidence(const nlohmann::json& content) {
  if (!content.is_array() || content.empty()) {
    return std::nullopt;
  }
  TokenConfidence out;
  double uncertainty = 0.0;
  double entropy = 0.0;
  bool every_token_has_top = true;
  for (const auto& token : content) {
    if (!token.is_object()) {
      return std::nullopt;
    }
    const auto logprob = token.find("logprob");
    if (logprob == token.end() || !logprob->is_number()) {
      return std::nullopt;
    }
    uncertainty += 1.0 - std::exp(std::min(0.0, logprob->get<double>()));
    const auto top = token.find("top_logprobs");
    const auto h = top == token.end() ? std::nullopt : top_entropy(*top);
    if (h) {
      entropy += *h;
    } else {
      every_token_has_top = false;
    }
    ++out.tokens;
  }
  const auto n = static_cast<double>(out.tokens);
  out.mean_uncertainty = uncertainty / n;
  if (every_token_has_top) {
    out.mean_entropy = entropy / n;
  }
  return out;
}

}  // namespace governor::cascade
