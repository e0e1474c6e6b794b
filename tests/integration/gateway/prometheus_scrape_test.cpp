// The real Prometheus server (Debian's /usr/bin/prometheus) scrapes the gateway's admin listener
// every second; real calls must show up in its query API as a spend series and a latency
// histogram with the values the clients saw. Everything the test starts, it stops.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "budget_fixture.hpp"

extern char** environ;

namespace governor::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kPrometheusBinary = "/usr/bin/prometheus";

/** A loopback port nobody listens on right now (Prometheus takes it a moment later). */
std::uint16_t prometheus_test_free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(0)});
  return acceptor.local_endpoint().port();
}

std::string prometheus_test_url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char ch : text) {
    if (std::isalnum(ch) != 0 || ch == '_' || ch == '-' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

/** Prometheus as a child process, stopped (SIGTERM, then waited for) on destruction. */
class PrometheusProcess {
 public:
  PrometheusProcess(const fs::path& dir, std::uint16_t scrape_port)
      : port_(prometheus_test_free_port()) {
    const fs::path config = dir / "prometheus.yml";
    std::ofstream(config) << "global:\n"
                             "  scrape_interval: 1s\n"
                             "  evaluation_interval: 1s\n"
                             "scrape_configs:\n"
                             "  - job_name: governor\n"
                             "    scrape_interval: 1s\n"
                             "    scrape_timeout: 1s\n"
                             "    static_configs:\n"
                             "      - targets: ['127.0.0.1:"
                          << scrape_port << "']\n";
    log_ = dir / "prometheus.log";
    const std::string args[] = {kPrometheusBinary, "--config.file=" + config.string(),
                                "--storage.tsdb.path=" + (dir / "tsdb").string(),
                                "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                "--log.level=warn"};
    std::vector<char*> argv;
    for (const auto& a : args) {
      argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = log_.string();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, kPrometheusBinary, &actions, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~PrometheusProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  PrometheusProcess(const PrometheusProcess&) = delete;
  PrometheusProcess& operator=(const PrometheusProcess&) = delete;

  bool started() const { return pid_ > 0; }
  std::string log() const {
    std::ifstream in(log_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  /** The instant-query result vector for `promql`; empty when Prometheus is not up yet. */
  json query(const std::string& promql) const {
    try {
      TestClient c(port_, std::chrono::seconds(5));
      const auto r = c.request("GET", "/api/v1/query?query=" + prometheus_test_url_encode(promql));
      if (r.status != 200) {
        return json::array();
      }
      const json body = json::parse(r.body);
      return body.at("data").at("result");
    } catch (const std::exception&) {
      return json::array();  // not listening yet
    }
  }

  /** The value of the single series `promql` selects, once it equals `expected`. */
  bool wait_for_value(const std::string& promql, double expected,
                      std::chrono::seconds timeout = std::chrono::seconds(30)) const {
    return eventually(
        [&] {
          const json result = query(promql);
          if (result.size() != 1) {
            return false;
          }
          const double value = std::stod(result[0].at("value").at(1).get<std::string>());
          return std::abs(value - expected) < 1e-9;
        },
        timeout);
  }

 private:
  std::uint16_t port_;
  fs::path log_;
  pid_t pid_ = -1;
};

class PrometheusScrapeTest : public BudgetTest {};

TEST_F(PrometheusScrapeTest, SpendAndLatencyHistogramReachPrometheus) {
  if (!fs::exists(kPrometheusBinary)) {
    GTEST_SKIP() << kPrometheusBinary << " is not installed (Debian package prometheus)";
  }
  write_policy("default", "name: default\n");
  start_budgeted();
  std::vector<HttpResult> results;
  auto c = client();
  for (int n = 0; n < 3; ++n) {
    results.push_back(
        c.post_json("/v1/chat/completions", chat_body("auto", "call " + std::to_string(n))));
    ASSERT_EQ(results.back().status, 200) << results.back().body;
  }
  const double spent = static_cast<double>(sum_costs(results).micros()) / 1e6;
  ASSERT_GT(spent, 0);

  PrometheusProcess prometheus(dir_.path(), admin_port());
  ASSERT_TRUE(prometheus.started());
  EXPECT_TRUE(prometheus.wait_for_value(
      R"(governor_spend_usd_total{tenant="default",model="sim-small",job="governor"})", spent))
      << prometheus.query(R"(governor_spend_usd_total)").dump() << "\n"
      << prometheus.log();
  EXPECT_TRUE(prometheus.wait_for_value(
      R"(governor_upstream_latency_seconds_bucket{upstream="sim-small",le="+Inf"})", 3))
      << prometheus.query(R"(governor_upstream_latency_seconds_bucket)").dump();
  EXPECT_TRUE(
      prometheus.wait_for_value(R"(sum(governor_requests_total{route="auto",outcome="ok"}))", 3));
  // The scrape itself is healthy (Prometheus' own series for the target).
  EXPECT_TRUE(prometheus.wait_for_value(R"(up{job="governor"})", 1));
}

}  // namespace
}  // namespace governor::testing
