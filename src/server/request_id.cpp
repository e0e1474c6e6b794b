#include "request_id.hpp"

#include <cstdio>

namespace governor::server {

std::string request_id_text(std::uint32_t prefix, unsigned worker, std::uint64_t counter) {
  if (counter >> 40 != 0) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x%02x%010llx", prefix, worker & 0xff,
                  static_cast<unsigned long long>(counter));
    return buf;
  }
  constexpr char kHex[] = "0123456789abcdef";
  std::string id(20, '0');
  const auto put = [&](std::size_t end, std::uint64_t value, std::size_t digits) {
    for (std::size_t i = 1; i <= digits; ++i, value >>= 4) {
      id[end - i] = kHex[value & 0xf];
    }
  };
  put(8, prefix, 8);
  put(10, worker & 0xff, 2);
  put(20, counter, 10);
  return id;
}

}  // namespace governor::server
