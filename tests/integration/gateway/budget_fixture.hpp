#pragma once

// Gateway tests with budgets: policy files in a temporary directory, a real SQLite ledger file.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "gateway_fixture.hpp"
#include "governor/core/money.hpp"

namespace governor::testing {

/** A fresh directory under the system temp dir, removed with everything in it. */
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/** sim-small's prices in the test config. */
inline constexpr ModelPrices kSmallPrices{{150'000}, {600'000}};
inline constexpr ModelPrices kLargePrices{{2'500'000}, {10'000'000}};

class BudgetTest : public GatewayTest {
 protected:
  /** Writes policies/<name>.yaml (YAML text of one policy). */
  void write_policy(const std::string& name, const std::string& yaml);
  /** Starts sim + gateway with the policies dir and a ledger in the temp dir; `sections` adds
   *  more top-level YAML (e.g. auth). */
  void start_budgeted(const std::string& sections = "", GatewayOptions options = {});

  std::filesystem::path policies_dir() const { return dir_.path() / "policies"; }
  std::filesystem::path data_dir() const { return dir_.path() / "data"; }

  TempDir dir_;
};

/** One call sent from its own thread and connection. */
struct Shot {
  std::string target = "/v1/chat/completions";
  std::string body;
  Headers headers;
};

/** Sends every shot at once (one thread and connection each) and returns the results in order. */
std::vector<HttpResult> fire_all(std::uint16_t port, const std::vector<Shot>& shots);

/** Counts of results by status. */
std::size_t count_status(const std::vector<HttpResult>& results, unsigned status);

/** Sum of X-Governor-Cost-Usd over the results (the header, or the trailer of a stream). */
MicroUsd sum_costs(const std::vector<HttpResult>& results);

}  // namespace governor::testing
