// governor: wiring only. Parses the command line, loads the config, runs the server.

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "governor/config/loader.hpp"
#include "governor/server/server.hpp"

namespace {

using namespace governor;

/** Loads and validates; prints every error (file:line: field: message) and the notices. */
config::GatewayConfigPtr load_or_report(const std::string& path) {
  auto loaded = config::load_config_file(path);
  for (const auto& notice : loaded.notices) {
    std::cerr << path << ": note: " << notice << "\n";
  }
  for (const auto& error : loaded.errors) {
    std::cerr << error.to_string() << "\n";
  }
  return loaded.errors.empty() ? loaded.config : nullptr;
}

void setup_logging(const config::LogConfig& logs) {
  // Asynchronous so that a slow terminal or pipe never stalls a worker.
  spdlog::init_thread_pool(16384, 1);
  auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  auto logger = std::make_shared<spdlog::async_logger>(
      "governor", sink, spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  spdlog::set_level(spdlog::level::from_str(logs.level));
  spdlog::flush_every(std::chrono::seconds(1));
}

/** Writes the port atomically (temp file + rename) so a reader never sees half a number. */
void write_port_file(const std::string& path, std::uint16_t port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
  }
  std::filesystem::rename(tmp, path);
}

int serve(const std::string& config_path, std::optional<int> port, std::optional<unsigned> workers,
          const std::string& port_file) {
  auto loaded = load_or_report(config_path);
  if (!loaded) {
    return 1;
  }
  auto cfg = std::make_shared<config::GatewayConfig>(*loaded);
  if (port) {
    cfg->listen.port = static_cast<std::uint16_t>(*port);
  }
  if (workers) {
    cfg->listen.workers = *workers;
  }
  setup_logging(cfg->logs);

  server::Server srv(cfg);
  try {
    srv.start();
  } catch (const std::exception& e) {
    spdlog::error("cannot start: {}", e.what());
    spdlog::shutdown();
    return 1;
  }
  if (!port_file.empty()) {
    write_port_file(port_file, srv.port());
  }

  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  int received = 0;
  signals.async_wait([&](const boost::system::error_code&, int sig) { received = sig; });
  signals_io.run();
  spdlog::info("signal {} received: draining for up to {} ms", received,
               cfg->listen.drain_timeout.count());
  const bool drained = srv.shutdown();
  spdlog::info("stopped ({})", drained ? "drained" : "drain timeout");
  spdlog::shutdown();
  return 0;
}

int check(const std::string& config_path) {
  if (!load_or_report(config_path)) {
    return 1;
  }
  std::cout << config_path << ": ok\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Governor: a budget-aware routing gateway for AI agents"};
  app.require_subcommand(1);

  std::string config_path = "config/governor.yaml";
  std::optional<int> port;
  std::optional<unsigned> workers;
  std::string port_file;
  auto* serve_cmd = app.add_subcommand("serve", "Run the gateway");
  serve_cmd->add_option("-c,--config", config_path, "Gateway config file")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("-p,--port", port, "Override listen.port (0: any free port)")
      ->check(CLI::Range(0, 65535));
  serve_cmd->add_option("-w,--workers", workers, "Override listen.workers (0: one per core)");
  serve_cmd->add_option("--port-file", port_file, "Write the bound port to this file");

  std::string check_path = "config/governor.yaml";
  auto* check_cmd = app.add_subcommand("check", "Validate a config file and exit");
  check_cmd->add_option("-c,--config", check_path, "Gateway config file")->required();

  CLI11_PARSE(app, argc, argv);
  if (*serve_cmd) {
    return serve(config_path, port, workers, port_file);
  }
  if (*check_cmd) {
    return check(check_path);
  }
  return 2;
}
