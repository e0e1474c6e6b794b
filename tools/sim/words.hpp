#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace governor::sim {

/** The fixed vocabulary every simulated answer is made of (lower-case ASCII words). */
std::span<const std::string_view> vocabulary() noexcept;

/** The vocabulary word selected by `seed`. */
std::string_view word_for(std::uint64_t seed) noexcept;

}  // namespace governor::sim
