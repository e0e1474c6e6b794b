#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "governor/config/policy.hpp"
#include "governor/ledger/ledger.hpp"

namespace governor::server {

/** What every worker shares, owned by the Server: the ledger and the current policy set.
 *  @par Thread safety the ledger is thread-safe; the policy set is swapped whole (atomically)
 *  on reload, and a call keeps the snapshot it started with. */
struct Services {
  ledger::LedgerPtr ledger;  ///< null: budgets are off
  std::atomic<config::PolicySetPtr> policies;
  std::mutex reload_mutex;  ///< one policy reload at a time (SIGHUP and the admin endpoint)

  config::PolicySetPtr policy_snapshot() const { return policies.load(std::memory_order_acquire); }
};

}  // namespace governor::server
