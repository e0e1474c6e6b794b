#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "governor/config/loader.hpp"
#include "governor/core/money.hpp"

namespace governor::config::testing {

/** The repository root: GOVERNOR_SOURCE_DIR from ctest, else the configure-time path. */
inline std::string source_dir() {
  const char* dir = std::getenv("GOVERNOR_SOURCE_DIR");
  return dir != nullptr && *dir != '\0' ? dir : GOVERNOR_DEFAULT_SOURCE_DIR;
}

inline std::string fixture(std::string_view name) {
  return source_dir() + "/tests/testdata/config/" + std::string{name};
}

/** A directory under tests/testdata/policies/. */
inline std::string policy_fixture(std::string_view name) {
  return source_dir() + "/tests/testdata/policies/" + std::string{name};
}

/** A fresh, empty directory for one test, removed with everything in it at scope exit. */
class TempDir {
 public:
  TempDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("governor-config-test-" + std::to_string(::getpid()) + "-" +
             (test != nullptr ? std::string{test->name()} : std::string{"x"}));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  /** Writes `text` to `name` inside the directory; returns the file's path. */
  std::string write(const std::string& name, std::string_view text) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream{file, std::ios::binary} << text;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

/** A dollar amount written as in YAML ("0.50"); the text must parse. */
inline MicroUsd dollars(std::string_view text) {
  return *MicroUsd::parse(text);
}

/** An environment holding exactly `vars`. */
inline EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>{it->second};
  };
}

inline EnvLookup empty_env() {
  return env_of({});
}

/** 1-based line of the first line containing `needle`; 0 when absent. */
inline int line_containing(std::string_view text, std::string_view needle) {
  const auto at = text.find(needle);
  if (at == std::string_view::npos) {
    return 0;
  }
  int line = 1;
  for (std::size_t i = 0; i < at; ++i) {
    line += text[i] == '\n' ? 1 : 0;
  }
  return line;
}

/** `text` with the first `from` replaced by `to`; fails the test when `from` is absent. */
inline std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test setup: '" << from << "' not in the base YAML";
  if (at != std::string::npos) {
    text.replace(at, from.size(), to);
  }
  return text;
}

/** The first error naming `field`, or null. */
inline const ConfigError* error_for(const std::vector<ConfigError>& errors,
                                    std::string_view field) {
  for (const ConfigError& e : errors) {
    if (e.field == field) {
      return &e;
    }
  }
  return nullptr;
}

inline const ConfigError* error_for(const LoadResult& result, std::string_view field) {
  return error_for(result.errors, field);
}

/** Every error, one per line, for failure messages. */
inline std::string dump(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const ConfigError& e : errors) {
    out += "  " + e.to_string() + "\n";
  }
  return out.empty() ? "  (no errors)\n" : out;
}

inline std::string dump(const LoadResult& result) {
  return dump(result.errors);
}

/** A valid two-upstream config that tests mutate one line at a time. Keep the layout: tests
 *  compute expected lines from the text, but several also rely on these exact snippets. */
inline constexpr std::string_view kValid = R"(listen:
  port: 0
upstreams:
  - name: small
    base_url: http://127.0.0.1:9001/v1
    price_per_million: {input: 0.15, output: 0.60}
  - name: large
    base_url: https://api.example.com/v1/
    model: large-2024
    api_key_env: EXAMPLE_KEY
    price_per_million:
      input: 2.50
      output: 10.00
    capabilities: [tools, streaming]
    fallback: small
tiers:
  - name: cheap
    upstreams: [small]
  - name: premium
    upstreams: [large]
routing:
  default_tier: cheap
)";

inline LoadResult load(std::string_view yaml,
                       const EnvLookup& env = env_of({{"EXAMPLE_KEY", "k"}})) {
  return load_config_text(std::string{yaml}, "test.yaml", env);
}

}  // namespace governor::config::testing
