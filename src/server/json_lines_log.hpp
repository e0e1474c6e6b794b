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

/** A per-call JSON-lines log (the decision log, the JSON access log): one line per chat call,
 *  formatted by `Format`, written by its own spdlog thread to a size-rotated file, so a worker
 *  never waits on the disk; when the queue is full the oldest unwritten line is dropped, never
 *  the call. Each line is flushed as it is written.
 *  @par Thread safety write() may be called from any thread. */
class JsonLinesLog {
 public:
  using Format = std::string (*)(const CallRecord&);

  /** Opens (creating directories) or throws std::runtime_error saying why; `name` is for
   *  messages ("decision log"). */
  JsonLinesLog(const config::DecisionLogConfig& config, std::string name, Format format);
  ~JsonLinesLog();
  JsonLinesLog(const JsonLinesLog&) = delete;
  JsonLinesLog& operator=(const JsonLinesLog&) = delete;

  void write(const CallRecord& record);
  void flush();

 private:
  /** Its own queue and thread: a burst of lines never delays the main log, and the
   *  destructor can join the thread, so no line is still being written when the file closes. */
  std::shared_ptr<spdlog::details::thread_pool> pool_;
  std::shared_ptr<spdlog::logger> logger_;
  Format format_;
};

}  // namespace governor::server
