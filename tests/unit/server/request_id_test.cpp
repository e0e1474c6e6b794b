#include "request_id.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

namespace governor::server {
namespace {

std::string with_snprintf(std::uint32_t prefix, unsigned worker, std::uint64_t counter) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x%02x%010llx", prefix, worker & 0xff,
                static_cast<unsigned long long>(counter));
  return buf;
}

TEST(RequestId, IsWhatSnprintfWrites) {
  const std::uint64_t counters[] = {0, 1, 0xf, 0x10, 0xffffffffff, 0x10000000000, ~0ull};
  for (const std::uint64_t counter : counters) {
    for (const std::uint32_t prefix : {0u, 0x1u, 0xdeadbeefu, 0xffffffffu}) {
      for (const unsigned worker : {0u, 7u, 255u, 256u, 300u}) {
        EXPECT_EQ(request_id_text(prefix, worker, counter), with_snprintf(prefix, worker, counter))
            << prefix << " " << worker << " " << counter;
      }
    }
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10'000; ++i) {
    const auto prefix = static_cast<std::uint32_t>(rng());
    const auto counter = rng() >> (i % 64);
    EXPECT_EQ(request_id_text(prefix, 1, counter), with_snprintf(prefix, 1, counter));
  }
}

}  // namespace
}  // namespace governor::server
