// governor-sim: a simulated OpenAI-compatible upstream for Governor's tests, demos and
// benchmarks. See docs/simulator.md.
#include <pthread.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "sim/sim_server.hpp"

namespace {

// Write to a temporary name, then rename: a reader polling the file never sees it half written.
bool write_port_file(const std::string& path, std::uint16_t port) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out{temporary, std::ios::trunc};
    out << port << '\n';
    if (!out.flush()) {
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"governor-sim: a simulated OpenAI-compatible model server"};
  governor::sim::SimOptions options;
  std::string port_file;
  unsigned ttft_ms = 0;
  app.add_option("--listen", options.address, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port to listen on (0: ephemeral)")->capture_default_str();
  app.add_option("--port-file", port_file, "Write the bound port number to this file");
  app.add_option("--threads", options.threads, "Worker threads")
      ->check(CLI::Range(1U, 256U))
      ->capture_default_str();
  auto* cert = app.add_option("--tls-cert", options.tls_cert_file, "PEM certificate (HTTPS)")
                   ->check(CLI::ExistingFile);
  auto* key = app.add_option("--tls-key", options.tls_key_file, "PEM private key (HTTPS)")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  app.add_option("--ttft-ms", ttft_ms, "Default time to first token, ms")->capture_default_str();
  app.add_option("--tokens-per-second", options.tokens_per_second,
                 "Default tokens per second (0: as fast as possible)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--api-key", options.api_key,
                 "Require 'Authorization: Bearer KEY' on /v1 endpoints");
  CLI11_PARSE(app, argc, argv);
  options.ttft = std::chrono::milliseconds{ttft_ms};

  // Block the stop signals in every thread (the server's threads inherit this mask), then wait
  // for them synchronously below: no async-signal-safety concerns, a clean stop, exit 0.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  governor::sim::SimServer server{options};
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "governor-sim: cannot start: " << e.what() << '\n';
    return 1;
  }
  if (!port_file.empty() && !write_port_file(port_file, server.port())) {
    std::cerr << "governor-sim: cannot write port file " << port_file << '\n';
    server.stop();
    return 1;
  }
  std::cout << "governor-sim listening on " << options.address << ':' << server.port() << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  return 0;
}
