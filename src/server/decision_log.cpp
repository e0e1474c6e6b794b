#include "decision_log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "decision_json.hpp"

namespace governor::server {

namespace {

using nlohmann::json;

json or_null(const std::string& value) {
  return value.empty() ? json(nullptr) : json(value);
}

template <class T>
json or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace

std::string decision_line(const CallRecord& r) {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  json line = {{"ts_unix_ms", ms},
               {"request_id", r.request_id},
               {"tenant", or_null(r.tenant)},
               {"task", or_null(r.task)},
               {"session", or_null(r.session)},
               {"step", or_null(r.step)},
               {"policy", or_null(r.policy)},
               {"model", or_null(r.requested_model)},
               {"tier", or_null(r.tier)},
               {"upstream", or_null(r.upstream)},
               {"reason", r.reason},
               {"clamped", r.clamped},
               {"stream", r.stream},
               {"status", r.status},
               {"outcome", r.outcome},
               {"input_tokens", r.usage.input_tokens},
               {"output_tokens", r.usage.output_tokens},
               {"usage_estimated", r.usage_estimated},
               {"malformed_tool_call", r.malformed_tool_call},
               {"cost_usd", static_cast<double>(r.cost.micros()) / 1e6},
               {"budget_before_usd", or_null(r.budget_before)},
               {"budget_remaining", or_null(r.budget_remaining)},
               {"upstream_ttfb_us", r.upstream_first_byte.count()},
               {"total_us", r.total.count()}};
  if (r.prediction) {
    line["prediction"] = {{"weak", r.prediction->weak}, {"strong", r.prediction->strong}};
  }
  if (r.decision) {
    line["decision"] = decision_json(*r.decision);
  }
  if (!r.error.empty()) {
    line["error"] = r.error;
  }
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

DecisionLog::DecisionLog(const config::DecisionLogConfig& config) {
  const std::filesystem::path path{config.path};
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      throw std::runtime_error("cannot create the decision log's directory " +
                               path.parent_path().string() + ": " + ec.message());
    }
  }
  try {
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        config.path, static_cast<std::size_t>(config.max_bytes),
        static_cast<std::size_t>(config.max_files));
    pool_ = std::make_shared<spdlog::details::thread_pool>(32768, 1);
    logger_ = std::make_shared<spdlog::async_logger>("decisions", std::move(sink), pool_,
                                                     spdlog::async_overflow_policy::overrun_oldest);
    logger_->set_pattern("%v");
    logger_->set_level(spdlog::level::info);
    // Flushed line by line, on the log's own thread: a reader (tail -f, a shipper) sees each
    // call as soon as it is written, and a crash loses at most the queue.
    logger_->flush_on(spdlog::level::info);
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error("cannot open the decision log " + config.path + ": " + e.what());
  }
}

DecisionLog::~DecisionLog() {
  // Join the log thread first (the pool's destructor drains the queue, then joins), so every
  // line is written and that thread is gone before the logger and its file are destroyed here.
  pool_.reset();
  logger_.reset();
}

void DecisionLog::write(const CallRecord& record) {
  logger_->info(decision_line(record));
}

void DecisionLog::flush() {
  if (logger_) {
    logger_->flush();
  }
}

}  // namespace governor::server
