#pragma once

#include <memory>
#include <string>

#include "call_record.hpp"
#include "governor/config/gateway_config.hpp"

namespace spdlog {
class logger;
namespace details {
class thread_pool;
}
}  // namespace spdlog

namespace governor::server {

/** The decision log: one JSON object per line and per chat call, with the request, task,
 *  session and step ids, the routing decision (candidates with p_success and estimated cost,
 *  lambda, reason codes), the budget before and after, the outcome, cost and latencies.
 *  Written by spdlog's thread pool to a size-rotated file, so a worker never waits on the disk;
 *  when the queue is full the oldest unwritten line is dropped, never the call.
 *  @par Thread safety write() may be called from any thread. */
class DecisionLog {
 public:
  /** Opens (creating directories) or throws std::runtime_error saying why. */
  explicit DecisionLog(const config::DecisionLogConfig& config);
  ~DecisionLog();
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  void write(const CallRecord& record);
  void flush();

 private:
  /** Its own queue and thread: a burst of decisions never delays the main log, and the
   *  destructor can join the thread, so no line is still being written when the file closes. */
  std::shared_ptr<spdlog::details::thread_pool> pool_;
  std::shared_ptr<spdlog::logger> logger_;
};

/** The line for one call (no trailing newline); public for tests. */
std::string decision_line(const CallRecord& record);

}  // namespace governor::server
