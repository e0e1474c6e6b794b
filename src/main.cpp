// governor: wiring only. Parses the command line, loads the config, runs the server.

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>

#include "calibrate_command.hpp"
#include "governor/config/loader.hpp"
#include "governor/config/policy_loader.hpp"
#include "governor/core/sha256.hpp"
#include "governor/routing/prompt_model.hpp"
#include "governor/server/io_backend.hpp"
#include "governor/server/server.hpp"
#include "router_commands.hpp"

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
  if (const auto problem = server::io_backend_problem()) {
    spdlog::error("cannot start: {}", *problem);
    spdlog::shutdown();
    return 1;
  }

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

  // SIGHUP reloads the policies (a bad file keeps the old ones); SIGINT/SIGTERM drain and stop.
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM, SIGHUP);
  int received = 0;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec) {
          return;
        }
        if (sig != SIGHUP) {
          received = sig;
          return;
        }
        const auto errors = srv.reload_policies();
        for (const auto& error : errors) {
          spdlog::error("policy reload (SIGHUP): {}", error);
        }
        if (errors.empty()) {
          spdlog::info("policies reloaded (SIGHUP)");
        } else {
          spdlog::error("policy reload (SIGHUP) failed: the policies in force are unchanged");
        }
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  signals_io.run();
  spdlog::info("signal {} received: draining for up to {} ms", received,
               cfg->listen.drain_timeout.count());
  const bool drained = srv.shutdown();
  spdlog::info("stopped ({})", drained ? "drained" : "drain timeout");
  spdlog::shutdown();
  return 0;
}

void print_errors(const std::vector<config::ConfigError>& errors) {
  for (const auto& error : errors) {
    std::cerr << error.to_string() << "\n";
  }
}

/** `governor check`: the config, then the policies directory it names, then the rules between
 *  them (keys naming policies, policies matching keys). Every error of all of them goes to
 *  stderr as file:line: field: message; a valid setup prints "<file>: ok (<counts>)". */
int check(const std::string& config_path) {
  const auto cfg = load_or_report(config_path);
  if (!cfg) {
    std::cerr << config_path << ": note: policies are checked once the config loads\n";
    return 1;
  }
  auto policies = std::make_shared<const config::PolicySet>();
  if (!cfg->policies.dir.empty()) {
    auto loaded = config::load_policy_dir(cfg->policies.dir);
    print_errors(loaded.errors);
    if (!loaded.policies) {
      return 1;
    }
    policies = std::move(loaded.policies);
  }
  const auto mismatches = config::check_policies_against_config(*cfg, *policies);
  print_errors(mismatches);
  if (!mismatches.empty()) {
    return 1;
  }
  // The prompt models the policies name must load as the server would load them.
  std::set<std::string> models;
  for (const auto& policy : policies->policies) {
    if (policy.routing.model.empty() || models.contains(policy.routing.model)) {
      continue;
    }
    if (auto model = routing::PromptModel::load_file(policy.routing.model); !model) {
      std::cerr << policy.source << ": routing.model: " << model.error() << "\n";
      return 1;
    }
    models.insert(policy.routing.model);
  }
  const auto count = [](std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string{n == 1 ? one : many};
  };
  std::cout << config_path << ": ok (" << count(cfg->upstreams.size(), "upstream", "upstreams")
            << ", " << count(cfg->tiers.size(), "tier", "tiers") << ", "
            << count(cfg->auth.keys.size(), "API key", "API keys") << ", ";
  if (cfg->policies.dir.empty()) {
    std::cout << "no policies.dir: calls are unbudgeted)\n";
  } else {
    std::cout << count(policies->policies.size(), "policy", "policies") << " in "
              << cfg->policies.dir << ", "
              << count(models.size(), "routing model", "routing models") << ")\n";
  }
  return 0;
}

/** Turns terminal echo off while it lives, so a key typed at a prompt is not shown. */
class EchoOff {
 public:
  EchoOff() : active_(tcgetattr(STDIN_FILENO, &saved_) == 0) {
    if (active_) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  }
  ~EchoOff() {
    if (active_) {
      tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

/** `governor hash-key`: prints the SHA-256 (lowercase hex) of the key on stdin's first line,
 *  the value for auth.keys[].sha256. The key never comes from argv, which `ps` shows. */
int hash_key() {
  std::string key;
  bool read = false;
  if (isatty(STDIN_FILENO) == 1) {
    std::cerr << "API key (not echoed): " << std::flush;
    const EchoOff echo_off;
    read = static_cast<bool>(std::getline(std::cin, key));
    std::cerr << "\n";
  } else {
    read = static_cast<bool>(std::getline(std::cin, key));
  }
  if (!key.empty() && key.back() == '\r') {
    key.pop_back();  // a line from a Windows editor or clipboard
  }
  if (!read || key.empty()) {
    std::cerr << "hash-key: no key on stdin (usage: printf '%s' \"$KEY\" | governor hash-key)\n";
    return 1;
  }
  // Clients send the key in an Authorization header, whose parsers trim surrounding blanks: a
  // key with them could never match its hash.
  if (std::isspace(static_cast<unsigned char>(key.front())) != 0 ||
      std::isspace(static_cast<unsigned char>(key.back())) != 0) {
    std::cerr << "hash-key: the key starts or ends with whitespace, which an HTTP header "
                 "cannot carry; strip it\n";
    return 1;
  }
  std::cout << sha256_hex(key) << "\n";
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

  std::string argv_key;
  auto* hash_cmd = app.add_subcommand(
      "hash-key", "Print the SHA-256 of an API key read from stdin (for auth.keys[].sha256)");
  // Accepted only to refuse it with a reason: a key in argv is visible to every `ps`.
  hash_cmd->add_option("key", argv_key)->group("");

  const auto run_router_command = commands::add_router_commands(app);
  const auto run_calibrate = commands::add_calibrate_command(app);

  CLI11_PARSE(app, argc, argv);
  if (*serve_cmd) {
    return serve(config_path, port, workers, port_file);
  }
  if (*check_cmd) {
    return check(check_path);
  }
  if (*hash_cmd) {
    if (!argv_key.empty()) {
      std::cerr << "hash-key: do not pass the key as an argument (other users can see it with "
                   "ps, and it stays in shell history); send it on stdin\n";
      return 2;
    }
    return hash_key();
  }
  if (const int status = run_router_command(); status >= 0) {
    return status;
  }
  if (const int status = run_calibrate(); status >= 0) {
    return status;
  }
  return 2;
}
