#include "json_lines_log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>

namespace governor::server {

JsonLinesLog::JsonLinesLog(const config::DecisionLogConfig& config, std::string name, Format format)
    : format_(format) {
  const std::filesystem::path path{config.path};
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      throw std::runtime_error("cannot create the " + name + "'s directory " +
                               path.parent_path().string() + ": " + ec.message());
    }
  }
  try {
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        config.path, static_cast<std::size_t>(config.max_bytes),
        static_cast<std::size_t>(config.max_files));
    pool_ = std::make_shared<spdlog::details::thread_pool>(32768, 1);
    logger_ = std::make_shared<spdlog::async_logger>(name, std::move(sink), pool_,
                                                     spdlog::async_overflow_policy::overrun_oldest);
    logger_->set_pattern("%v");
    logger_->set_level(spdlog::level::info);
    // Flushed line by line, on the log's own thread: a reader (tail -f, a shipper) sees each
    // call as soon as it is written, and a crash loses at most the queue.
    logger_->flush_on(spdlog::level::info);
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error("cannot open the " + name + " " + config.path + ": " + e.what());
  }
}

JsonLinesLog::~JsonLinesLog() {
  // Join the log thread first (the pool's destructor drains the queue, then joins), so every
  // line is written and that thread is gone before the logger and its file are destroyed here.
  pool_.reset();
  logger_.reset();
}

void JsonLinesLog::write(const CallRecord& record) {
  logger_->info(format_(record));
}

void JsonLinesLog::flush() {
  if (logger_) {
    logger_->flush();
  }
}

}  // namespace governor::server
