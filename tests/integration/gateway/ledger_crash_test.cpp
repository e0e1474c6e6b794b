// kill -9 the real governor binary at random moments under load, restart it on the same ledger,
// and check that no settled spend was lost and no budget was exceeded.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "budget_fixture.hpp"

namespace governor::testing {
namespace {

using nlohmann::json;

/** The real binary, started with a config file; killed with SIGKILL or SIGTERM. */
class GatewayProcess {
 public:
  GatewayProcess(const std::filesystem::path& config, const std::filesystem::path& port_file)
      : port_file_(port_file) {
    std::filesystem::remove(port_file_);
    const std::string binary = std::string(GOVERNOR_BINARY_DIR_PATH) + "/governor";
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string cfg = config.string();
      const std::string pf = port_file.string();
      ::execl(binary.c_str(), binary.c_str(), "serve", "-c", cfg.c_str(), "--port-file", pf.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~GatewayProcess() { kill(SIGKILL); }

  /** The port once the gateway listens (0 when it did not start in time). */
  std::uint16_t wait_port() {
    std::uint16_t port = 0;
    eventually(
        [&] {
          std::ifstream in(port_file_);
          return static_cast<bool>(in >> port);
        },
        std::chrono::seconds(10));
    return port;
  }

  void kill(int signal) {
    if (pid_ > 0) {
      ::kill(pid_, signal);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

 private:
  std::filesystem::path port_file_;
  pid_t pid_ = -1;
};

constexpr int kTasks = 4;
constexpr int kRounds = 5;
constexpr int kClients = 8;

TEST(LedgerCrash, KillNineNeverLosesSettledSpendNorExceedsABudget) {
  sim::SimServer sim{sim::SimOptions{}};
  sim.start();
  TempDir dir;
  const auto policies = dir.path() / "policies";
  std::filesystem::create_directories(policies);

  const std::string plain = chat_body("auto", "crash me [[sim delay_ms=15]]", R"("max_tokens":32)");
  const MicroUsd each = cost_of({static_cast<std::int64_t>(plain.size()) + 40, 32}, kSmallPrices);
  const MicroUsd task_budget{each.micros() * 60};
  const MicroUsd tenant_budget{each.micros() * 200};
  std::ofstream(policies / "default.yaml")
      << "name: default\ntask: {total_dollars: " << task_budget.to_string()
      << "}\ntenant: {dollars_per_day: " << tenant_budget.to_string() << "}\n";
  GatewayOptions options;
  options.workers = 2;
  options.sections = "policies: {dir: " + policies.string() +
                     "}\nledger: {data_dir: " + (dir.path() / "data").string() + "}\n";
  const auto config_path = dir.path() / "governor.yaml";
  std::ofstream(config_path) << gateway_yaml(sim.port(), options);
  const auto port_file = dir.path() / "port";

  std::mutex mu;
  MicroUsd received;  // sum of X-Governor-Cost-Usd the clients saw
  std::size_t answered = 0;
  std::mt19937 rng(20261122);
  for (int round = 0; round < kRounds; ++round) {
    GatewayProcess gateway(config_path, port_file);
    const std::uint16_t port = gateway.wait_port();
    ASSERT_NE(port, 0) << "round " << round;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        for (int i = 0; !stop.load(); ++i) {
          const bool stream = (i + c) % 3 == 0;
          const std::string body = stream ? chat_body("auto", "crash me [[sim delay_ms=15]]",
                                                      R"("max_tokens":32,"stream":true)")
                                          : plain;
          const Headers headers{{"X-Governor-Task", "t" + std::to_string((i + c) % kTasks)}};
          try {
            TestClient client(port, std::chrono::seconds(5));
            const auto r = client.post_json("/v1/chat/completions", body, headers);
            const MicroUsd cost = sum_costs({r});
            const std::lock_guard lock(mu);
            received += cost;
            answered += r.status == 200 && cost > MicroUsd{0} ? 1 : 0;
          } catch (const std::exception&) {
            // The gateway died mid-call: the client saw no cost.
          }
        }
      });
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 450)(rng)));
    gateway.kill(SIGKILL);
    stop = true;
    for (auto& t : clients) {
      t.join();
    }
  }

  // After the last crash: restart and read the ledger.
  GatewayProcess gateway(config_path, port_file);
  const std::uint16_t port = gateway.wait_port();
  ASSERT_NE(port, 0);
  MicroUsd spent;
  MicroUsd tenant_spent;
  for (int t = 0; t < kTasks; ++t) {
    TestClient client(port);
    const auto r = client.request("GET", "/v1/tasks/t" + std::to_string(t));
    ASSERT_EQ(r.status, 200) << r.body;
    const json task = json::parse(r.body);
    const MicroUsd task_spent{std::llround(task["spent_usd"].get<double>() * 1e6)};
    EXPECT_LE(task_spent, task_budget) << "task t" << t << " exceeded its budget";
    EXPECT_EQ(task["reserved_usd"].get<double>(), 0.0) << "reservations survive a restart";
    spent += task_spent;
    tenant_spent =
        MicroUsd{std::llround(task["scopes"]["tenant_day"]["spent_usd"].get<double>() * 1e6)};
  }
  std::cout << "answered " << answered << " calls, clients received $" << received.to_string()
            << ", ledger spent $" << spent.to_string() << " of $"
            << MicroUsd{task_budget.micros() * kTasks}.to_string() << "\n";
  EXPECT_GT(answered, 0u);
  EXPECT_GE(spent, received) << "settled spend was lost";
  EXPECT_LE(tenant_spent, tenant_budget);
  EXPECT_EQ(tenant_spent, spent);
  gateway.kill(SIGTERM);
  sim.stop();
}

}  // namespace
}  // namespace governor::testing
