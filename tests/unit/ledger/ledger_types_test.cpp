// The hashes of the ledger's keys: equal keys hash equal, and the keys the ledger hashes on every
// call (tenants, windows, one-step task names) spread without collisions.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "records.hpp"
#include "windows.hpp"

namespace governor::ledger {
namespace {

std::size_t hash(const TaskKey& k) {
  return TaskKeyHash{}(k);
}
std::size_t hash(const SpendKey& k) {
  return SpendKeyHash{}(k);
}

/** "abcdefgh..." of `n` bytes. */
std::string text_of(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(static_cast<char>('a' + i % 26));
  }
  return s;
}

TEST(KeyHash, EqualKeysHashEqual) {
  for (std::size_t n = 0; n <= 40; ++n) {
    const std::string a = text_of(n);
    const std::string b = text_of(n);  // another string, the same bytes
    EXPECT_EQ(hash(TaskKey{a, a}), hash(TaskKey{b, b})) << n;
    EXPECT_EQ(hash(SpendKey{Scope::tenant_day, a, a}), hash(SpendKey{Scope::tenant_day, b, b}));
  }
}

TEST(KeyHash, EveryByteAndTheLengthCount) {
  // Each length of the short path (1-3, 4-7, 8-16 bytes) and the long one: a change of any one
  // byte, or one byte more or less, changes the hash.
  for (std::size_t n = 0; n <= 40; ++n) {
    const std::string base = text_of(n);
    std::unordered_set<std::size_t> seen{hash(TaskKey{"acme", base})};
    std::size_t keys = 1;
    for (std::size_t at = 0; at < n; ++at) {
      for (const char byte : {'\0', 'Z', '\xff'}) {
        std::string changed = base;
        changed[at] = byte;
        seen.insert(hash(TaskKey{"acme", changed}));
        ++keys;
      }
    }
    for (const std::string& other : {base + '\0', base + 'a', n > 0 ? base.substr(1) : "x"}) {
      seen.insert(hash(TaskKey{"acme", other}));
      ++keys;
    }
    EXPECT_EQ(seen.size(), keys) << "length " << n;
  }
}

TEST(KeyHash, TheFieldsOfAKeyAreNotInterchangeable) {
  EXPECT_NE(hash(TaskKey{"ab", ""}), hash(TaskKey{"a", "b"}));
  EXPECT_NE(hash(TaskKey{"a", "b"}), hash(TaskKey{"b", "a"}));
  EXPECT_NE(hash(SpendKey{Scope::tenant_day, "acme", "2024-03"}),
            hash(SpendKey{Scope::tenant_month, "acme", "2024-03"}));
  EXPECT_NE(hash(SpendKey{Scope::session, "acme", "globex"}),
            hash(SpendKey{Scope::session, "globex", "acme"}));
}

TEST(KeyHash, TheEverydayKeysOfTheLedgerDoNotCollide) {
  std::unordered_set<std::size_t> tasks;
  std::size_t task_keys = 0;
  for (const char* tenant : {"acme", "globex", "a", "tenant-with-a-long-name"}) {
    for (std::uint64_t id = 1; id <= 100'000; ++id) {
      tasks.insert(hash(TaskKey{tenant, one_step_task_name(id)}));
      ++task_keys;
    }
  }
  EXPECT_EQ(tasks.size(), task_keys);

  std::unordered_set<std::size_t> windows;
  std::size_t window_keys = 0;
  using namespace std::chrono;
  for (const char* tenant : {"acme", "globex", "a"}) {
    for (sys_days day = sys_days{2000y / January / 1}; day < sys_days{2040y / January / 1};
         day += days{1}) {
      const TimePoint t{day};
      windows.insert(hash(SpendKey{Scope::tenant_day, tenant, day_window(t)}));
      ++window_keys;
      if (year_month_day{day}.day() == 1d) {
        windows.insert(hash(SpendKey{Scope::tenant_month, tenant, month_window(t)}));
        ++window_keys;
      }
    }
  }
  EXPECT_EQ(windows.size(), window_keys);
}

}  // namespace
}  // namespace governor::ledger
