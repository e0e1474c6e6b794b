#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sim/sim_server.hpp"

namespace governor::sim {

/** The state every connection of one server shares: counters and fail_times attempts.
 *  @par Thread safety
 *  All members may be called concurrently. */
class SimState {
 public:
  void record_request(std::string_view authorization, std::string_view body);
  /** Counted just *before* the response's last write, so a client that has read a whole
   *  response always sees it counted; undo_completed() takes it back when that write fails. */
  void count_completed() noexcept { completed_.fetch_add(1); }
  void undo_completed() noexcept { completed_.fetch_sub(1); }
  void count_aborted() noexcept { client_aborted_.fetch_add(1); }
  void count_fault() noexcept { faults_.fetch_add(1); }

  /** Records one more attempt of the request identified by `key`; returns its number (1-based). */
  std::uint64_t count_attempt(std::uint64_t key);

  SimStats snapshot() const;
  void reset();

 private:
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> client_aborted_{0};
  std::atomic<std::uint64_t> faults_{0};
  mutable std::mutex mutex_;  // guards the members below; never held across a co_await
  std::string last_authorization_;
  std::string last_body_;
  std::unordered_map<std::uint64_t, std::uint64_t> attempts_;
};

}  // namespace governor::sim
