#include "governor/routing/decision.hpp"

#include <algorithm>
#include <string>

namespace governor::routing {

namespace {

void mark(Decision& d, Reason r) {
  d.reasons[static_cast<std::size_t>(r)] = true;
}

double dollars(double per_token, std::int64_t tokens) {
  return per_token * static_cast<double>(std::max<std::int64_t>(tokens, 0));
}

/** Lambda for this step, and the paced allowance when there is one. */
double lambda_for(const DecisionInput& in, std::optional<double>& allowance) {
  if (!in.lambda.paced) {
    return in.lambda.fixed;
  }
  if (!in.budget_left) {
    return in.lambda.fixed;  // no budget to pace against
  }
  const double steps_left = std::max<double>(1.0, static_cast<double>(in.lambda.expected_steps) -
                                                      static_cast<double>(in.history.step_index));
  const TierOption& cheapest = in.ladder.front();
  const double cheapest_step =
      dollars(cheapest.input_dollars_per_token, in.input_tokens_estimate) +
      dollars(cheapest.output_dollars_per_token, in.output_tokens_expected);
  // Keep a cheapest-tier finish for every other expected step: the task never strands itself.
  const double spendable = *in.budget_left - cheapest_step * (steps_left - 1.0);
  allowance = std::max(spendable / steps_left, 1e-9);
  // The policy's lambda is a floor: room to spare never makes a dollar worth less than that.
  return std::max(in.lambda.fixed, in.lambda.scale / *allowance);
}

}  // namespace

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::utility:
      return "utility";
    case Reason::default_tier:
      return "default_tier";
    case Reason::step_min_tier:
      return "step_min_tier";
    case Reason::step_max_tier:
      return "step_max_tier";
    case Reason::recovery_upgrade:
      return "recovery_upgrade";
    case Reason::context_window:
      return "context_window";
    case Reason::budget:
      return "budget";
    case Reason::count_:
      break;
  }
  return "unknown";
}

std::string Decision::reason_text() const {
  std::string text;
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    if (reasons[i]) {
      if (!text.empty()) {
        text += '+';
      }
      text += to_string(static_cast<Reason>(i));
    }
  }
  return text;
}

double success_at_rank(const SuccessPrediction& p, std::size_t rank, std::size_t tiers) {
  if (tiers <= 1) {
    return p.strong;
  }
  const double position = static_cast<double>(rank) / static_cast<double>(tiers - 1);
  return p.weak + (p.strong - p.weak) * position;
}

Decision decide(const DecisionInput& in) {
  Decision d;
  const std::size_t n = in.ladder.size();
  if (n == 0) {
    return d;
  }
  d.lambda = lambda_for(in, d.allowance);

  // The ranks the step may use: its rule, then recovery pressure.
  std::size_t low = std::min(in.rule.min_rank, n - 1);
  std::size_t high = std::min(in.rule.max_rank, n - 1);
  high = std::max(high, low);
  if ((in.retry || in.previous_failed) && in.previous_rank) {
    const std::size_t up = std::min(*in.previous_rank + 1, high);
    if (up > low) {
      low = up;
      mark(d, Reason::recovery_upgrade);
    }
  }

  d.candidates.reserve(n);
  for (std::size_t rank = 0; rank < n; ++rank) {
    const TierOption& tier = in.ladder[rank];
    CandidateScore c;
    c.rank = rank;
    c.tier = tier.name;
    c.p_success = in.prediction ? success_at_rank(*in.prediction, rank, n) : 0.0;
    c.est_cost = dollars(tier.input_dollars_per_token, in.input_tokens_estimate) +
                 dollars(tier.output_dollars_per_token, in.output_tokens_expected);
    c.worst_cost = dollars(tier.input_dollars_per_token, in.input_token_bound) +
                   dollars(tier.output_dollars_per_token, in.output_token_bound);
    c.utility = c.p_success - d.lambda * c.est_cost;
    c.allowed = rank >= low && rank <= high;
    d.candidates.push_back(c);
  }
  // Context pressure: a tier that cannot hold the request is never chosen. The estimate, not
  // the byte bound, is compared: the bound over-counts text about four times.
  for (auto& c : d.candidates) {
    if (in.input_tokens_estimate > in.ladder[c.rank].context_window) {
      if (c.allowed) {
        mark(d, Reason::context_window);
      }
      c.allowed = false;
    }
  }
  // Budget: a tier whose worst case the task cannot pay is passed over while a cheaper one can.
  if (in.budget_left) {
    for (auto& c : d.candidates) {
      if (c.allowed && c.worst_cost > *in.budget_left) {
        c.allowed = false;
        mark(d, Reason::budget);
      }
    }
  }

  std::optional<std::size_t> best;
  if (!in.prediction) {
    mark(d, Reason::default_tier);
    // The allowed tier nearest the default (the cheaper one on a tie): a budget that cannot
    // pay for the default steps down one rung, not to the bottom.
    const std::size_t preferred = std::clamp(in.default_rank, low, high);
    for (std::size_t distance = 0; distance < n && !best; ++distance) {
      if (distance <= preferred && d.candidates[preferred - distance].allowed) {
        best = preferred - distance;
      } else if (preferred + distance < n && d.candidates[preferred + distance].allowed) {
        best = preferred + distance;
      }
    }
  } else {
    for (const auto& c : d.candidates) {
      if (c.allowed && (!best || c.utility > d.candidates[*best].utility)) {
        best = c.rank;
      }
    }
    if (best) {
      mark(d, Reason::utility);
    }
  }
  if (!best) {
    // Nothing the rules allow fits the budget: the cheapest tier within the rules that can hold
    // the request; the ledger then clamps, degrades or refuses with the exact numbers. When no
    // tier within the rules can hold it, the cheapest above the floor that can: a step cap
    // never sends a call to a model that must reject it.
    const auto fits = [&](std::size_t rank) {
      return in.input_tokens_estimate <= in.ladder[rank].context_window;
    };
    for (std::size_t rank = low; rank <= high && !best; ++rank) {
      if (fits(rank)) {
        best = rank;
      }
    }
    for (std::size_t rank = low; rank < n && !best; ++rank) {
      if (fits(rank)) {
        best = rank;
      }
    }
  }
  d.chosen = best.value_or(low);
  // Name the rule when it moved the choice away from what the router alone preferred.
  std::size_t preferred = std::min(in.default_rank, n - 1);
  if (in.prediction) {
    preferred = static_cast<std::size_t>(
        std::max_element(d.candidates.begin(), d.candidates.end(),
                         [](const CandidateScore& a, const CandidateScore& b) {
                           return a.utility < b.utility;
                         }) -
        d.candidates.begin());
  }
  if (in.rule.min_rank > preferred && d.chosen >= std::min(in.rule.min_rank, n - 1)) {
    mark(d, Reason::step_min_tier);
  }
  if (in.rule.max_rank < preferred && d.chosen <= in.rule.max_rank) {
    mark(d, Reason::step_max_tier);
  }
  return d;
}

}  // namespace governor::routing
