// The small functions of the ledger's public value types, and the hashes of its keys.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string_view>

#include "governor/ledger/ledger.hpp"
#include "records.hpp"

namespace governor::ledger {

std::string_view to_string(Scope scope) {
  switch (scope) {
    case Scope::task:
      return "task";
    case Scope::session:
      return "session";
    case Scope::tenant_day:
      return "tenant_day";
    case Scope::tenant_month:
      return "tenant_month";
  }
  return "task";
}

namespace {
constexpr std::string_view kOneStepPrefix = "call-";
}  // namespace

std::string one_step_task_name(std::uint64_t reservation) {
  // Written on the stack and made a string once: two appends cost twice as much.
  char name[kOneStepPrefix.size() + 20];  // 20: the digits of the largest 64-bit number
  std::copy(kOneStepPrefix.begin(), kOneStepPrefix.end(), name);
  const auto end = std::to_chars(name + kOneStepPrefix.size(), std::end(name), reservation).ptr;
  return std::string(name, end);
}

std::optional<std::uint64_t> one_step_call_id(std::string_view task) {
  if (!task.starts_with(kOneStepPrefix)) {
    return std::nullopt;
  }
  const std::string_view digits = task.substr(kOneStepPrefix.size());
  // Exactly what one_step_task_name writes: digits only, no sign, no leading zero, a rowid.
  if (digits.empty() || digits.front() == '0' ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc{} || end != digits.data() + digits.size() ||
      id > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return id;
}

std::string_view to_string(Refusal::Reason reason) {
  switch (reason) {
    case Refusal::Reason::budget_exhausted:
      return "budget_exhausted";
    case Refusal::Reason::retry_limit:
      return "retry_limit";
    case Refusal::Reason::input_too_large:
      return "input_too_large";
    case Refusal::Reason::ledger_unavailable:
      return "ledger_unavailable";
  }
  return "budget_exhausted";
}

std::optional<MicroUsd> Remaining::tightest() const {
  std::optional<MicroUsd> least;
  for (const auto& r : {task, session, tenant_day, tenant_month}) {
    if (r && (!least || *r < *least)) {
      least = r;
    }
  }
  return least;
}

namespace {

std::size_t combine(std::size_t seed, std::size_t h) {
  // boost::hash_combine's mixing step.
  return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

/** MurmurHash3's 64-bit finaliser: a bijection in which every input bit moves every output bit. */
std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

template <class Word>
std::uint64_t load(const char* p) {
  Word w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

/** The hash of a key's text. The keys the ledger hashes on every call are short: tenant names,
 *  windows ("2024-03-15", "2024-03") and one-step task names ("call-4711"). Up to 16 bytes, two
 *  words hold every byte (8 bytes from each end, overlapping below 16; 4 from each end below 8;
 *  the first, middle and last byte below 4), and with the length they tell any two such strings
 *  apart; two mixes make the hash. About 40 instructions, where std::hash (an out-of-line loop
 *  over the bytes) took about 90. Longer text goes to std::hash. */
std::uint64_t text_hash(std::string_view text) {
  const std::size_t n = text.size();
  if (n > 16) {
    return std::hash<std::string_view>{}(text);
  }
  const char* p = text.data();
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (n >= 8) {
    first = load<std::uint64_t>(p);
    last = load<std::uint64_t>(p + n - 8);
  } else if (n >= 4) {
    first = load<std::uint32_t>(p);
    last = load<std::uint32_t>(p + n - 4);
  } else if (n > 0) {
    const auto byte = [](char c) { return std::uint64_t{static_cast<unsigned char>(c)}; };
    first = byte(p[0]) << 16 | byte(p[n / 2]) << 8 | byte(p[n - 1]);
  }
  return mix(mix(first ^ (n * 0x9e3779b97f4a7c15ULL)) ^ last);
}

}  // namespace

std::size_t TaskKeyHash::operator()(const TaskKey& k) const {
  return combine(text_hash(k.tenant), text_hash(k.task));
}

std::size_t SpendKeyHash::operator()(const SpendKey& k) const {
  return combine(combine(static_cast<std::size_t>(k.scope), text_hash(k.tenant)),
                 text_hash(k.name));
}

TaskRecord one_step_record_of(const ReservationRecord& reservation) {
  TaskRecord t;
  for (const SpendKey& k : reservation.scopes) {
    if (k.scope == Scope::session) {
      t.session = k.name;
    }
  }
  t.created_unix_ms = reservation.time_unix_ms;
  t.one_step = true;
  return t;
}

}  // namespace governor::ledger
