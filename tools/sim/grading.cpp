#include "sim/grading.hpp"

#include "sim/hash.hpp"

namespace governor::sim {

Grade grade_attempt(double success, std::uint64_t request_key, std::string_view model,
                    std::uint64_t attempt) noexcept {
  Rng rng{mix(fnv1a(model, request_key) ^ mix(attempt))};
  Grade grade;
  grade.passed = rng.unit() < success;
  const double spread = rng.unit();
  grade.quality = grade.passed ? 0.6 + 0.4 * spread : 0.2 + 0.5 * spread;
  return grade;
}

}  // namespace governor::sim
