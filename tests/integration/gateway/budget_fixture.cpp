#include "budget_fixture.hpp"

#include <cstdlib>
#include <fstream>
#include <thread>

namespace governor::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "governor-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void BudgetTest::write_policy(const std::string& name, const std::string& yaml) {
  std::filesystem::create_directories(policies_dir());
  std::ofstream(policies_dir() / (name + ".yaml")) << yaml;
}

void BudgetTest::start_budgeted(const std::string& sections, GatewayOptions options) {
  std::filesystem::create_directories(policies_dir());
  options.sections += "policies: {dir: " + policies_dir().string() + "}\n" +
                      "ledger: {data_dir: " + data_dir().string() + "}\n" + sections;
  start(options);
}

std::vector<HttpResult> fire_all(std::uint16_t port, const std::vector<Shot>& shots) {
  std::vector<HttpResult> results(shots.size());
  std::vector<std::thread> threads;
  threads.reserve(shots.size());
  for (std::size_t i = 0; i < shots.size(); ++i) {
    threads.emplace_back([&, i] {
      TestClient c(port);
      results[i] = c.post_json(shots[i].target, shots[i].body, shots[i].headers);
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  return results;
}

std::size_t count_status(const std::vector<HttpResult>& results, unsigned status) {
  return static_cast<std::size_t>(std::count_if(
      results.begin(), results.end(), [&](const HttpResult& r) { return r.status == status; }));
}

MicroUsd sum_costs(const std::vector<HttpResult>& results) {
  MicroUsd total;
  for (const auto& r : results) {
    std::string cost = r.header("x-governor-cost-usd");
    if (const auto it = r.trailers.find("x-governor-cost-usd");
        cost.empty() && it != r.trailers.end()) {
      cost = it->second;
    }
    if (!cost.empty()) {
      total += MicroUsd::parse(cost).value_or(MicroUsd{});
    }
  }
  return total;
}

}  // namespace governor::testing
