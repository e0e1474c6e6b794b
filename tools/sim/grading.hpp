#pragma once

#include <cstdint>
#include <string_view>

namespace governor::sim {

/** Whether a graded answer (the `success=P` directive) is right, and how sure the model sounds.
 *  Uncertainty is informative but noisy about correctness: a right answer's quality is drawn
 *  from [0.6, 1], a wrong one's from [0.2, 0.7], so the two overlap. */
struct Grade {
  bool passed = true;
  double quality = 1.0;  ///< ConfidenceProfile::quality for the answer's logprobs

  bool operator==(const Grade&) const = default;
};

/** The grade of attempt `attempt` (1-based) of the request identified by `request_key` on
 *  `model`: passed with probability `success`. A pure function, so a run is reproducible; each
 *  attempt and each model draws afresh, as a resampled real model would. */
Grade grade_attempt(double success, std::uint64_t request_key, std::string_view model,
                    std::uint64_t attempt) noexcept;

}  // namespace governor::sim
