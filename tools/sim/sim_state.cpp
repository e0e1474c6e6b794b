#include "sim/sim_state.hpp"

namespace governor::sim {

void SimState::record_request(std::string_view authorization, std::string_view body) {
  requests_.fetch_add(1);
  const std::lock_guard lock{mutex_};
  last_authorization_.assign(authorization);
  last_body_.assign(body);
}

std::uint64_t SimState::count_attempt(std::uint64_t key) {
  const std::lock_guard lock{mutex_};
  return ++attempts_[key];
}

SimStats SimState::snapshot() const {
  SimStats stats;
  stats.requests = requests_.load();
  stats.completed = completed_.load();
  stats.client_aborted = client_aborted_.load();
  stats.faults_injected = faults_.load();
  const std::lock_guard lock{mutex_};
  stats.last_authorization = last_authorization_;
  stats.last_body = last_body_;
  return stats;
}

void SimState::reset() {
  requests_.store(0);
  completed_.store(0);
  client_aborted_.store(0);
  faults_.store(0);
  const std::lock_guard lock{mutex_};
  last_authorization_.clear();
  last_body_.clear();
  attempts_.clear();
}

}  // namespace governor::sim
