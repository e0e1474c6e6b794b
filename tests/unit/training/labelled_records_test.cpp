// The labelled JSONL reader on files written into a temporary directory: what each kind of
// line becomes, and the line number and reason of every refusal.
#include "governor/training/labelled_records.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace governor::training {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class LabelledRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "governor-labelled-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = root_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  fs::path root_;
};

TEST_F(LabelledRecordsTest, ReadsPromptAndMessagesRecords) {
  const std::string path = write(
      "records.jsonl",
      R"({"prompt": "What is 2+2?", "weak": 1, "strong": 1, "weak_cost": 0.001, "strong_cost": 0.03, "category": "math", "benchmark": "gsm8k"})"
      "\n"
      "\n"
      R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], "weak": true, "strong": false, "benchmark": "mt_bench"})"
      "\n"
      "   \t\r\n"
      R"({"prompt": "x", "weak": 0.25, "strong": 0.75, "weak_cost": null, "extra": [1, 2]})"
      "\r\n");
  const auto records = load_labelled_records(path);
  ASSERT_TRUE(records) << records.error().to_string();
  ASSERT_EQ(3u, records->size());

  const auto& first = (*records)[0];
  EXPECT_EQ(json::parse(R"([{"role": "user", "content": "What is 2+2?"}])"), first.messages);
  EXPECT_EQ(1.0, first.outcome.weak);
  EXPECT_EQ(1.0, first.outcome.strong);
  EXPECT_EQ(0.001, first.weak_cost.value_or(-1));
  EXPECT_EQ(0.03, first.strong_cost.value_or(-1));
  EXPECT_EQ("math", first.category);  // "category" before "benchmark"

  const auto& second = (*records)[1];
  ASSERT_EQ(2u, second.messages.size());
  EXPECT_EQ("system", second.messages[0]["role"]);
  EXPECT_EQ("Hi", second.messages[1]["content"]);
  EXPECT_EQ(1.0, second.outcome.weak);    // true
  EXPECT_EQ(0.0, second.outcome.strong);  // false
  EXPECT_FALSE(second.weak_cost.has_value());
  EXPECT_FALSE(second.strong_cost.has_value());
  EXPECT_EQ("mt_bench", second.category);

  const auto& third = (*records)[2];
  EXPECT_EQ(0.25, third.outcome.weak);
  EXPECT_EQ(0.75, third.outcome.strong);
  EXPECT_FALSE(third.weak_cost.has_value());  // null means unknown
  EXPECT_EQ("", third.category);
}

TEST_F(LabelledRecordsTest, RecordFeaturesSeeTheLastUserMessage) {
  const std::string path = write(
      "records.jsonl",
      R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 3 + 4?"}], "weak": 1, "strong": 1})"
      "\n");
  const auto records = load_labelled_records(path);
  ASSERT_TRUE(records) << records.error().to_string();
  const auto rows = record_feature_vectors(*records);
  ASSERT_EQ(1u, rows.size());
  EXPECT_EQ(2.0f, rows[0][routing::Feature::message_count]);
  EXPECT_EQ(14.0f, rows[0][routing::Feature::prompt_chars]);
  EXPECT_EQ(9.0f, rows[0][routing::Feature::context_chars]);
  EXPECT_EQ(1.0f, rows[0][routing::Feature::math_signal]);
  EXPECT_EQ(0.0f, rows[0][routing::Feature::step_index]);
}

TEST_F(LabelledRecordsTest, BadLinesAreNamed) {
  const std::string good = R"({"prompt": "fine", "weak": 1, "strong": 0})";
  struct Case {
    const char* name;
    std::string bad_line;
    const char* message;
  };
  const std::vector<Case> cases{
      {"not JSON", "{\"prompt\": ", "not a JSON object"},
      {"a JSON array", "[1, 2]", "not a JSON object"},
      {"missing weak", R"({"prompt": "p", "strong": 1})", "\"weak\" is required"},
      {"score above 1", R"({"prompt": "p", "weak": 1, "strong": 1.5})",
       "\"strong\" must be a number in [0, 1]"},
      {"score below 0", R"({"prompt": "p", "weak": -0.1, "strong": 1})",
       "\"weak\" must be a number in [0, 1]"},
      {"score as a string", R"({"prompt": "p", "weak": "1", "strong": 1})",
       "\"weak\" must be a number in [0, 1]"},
      {"negative cost", R"({"prompt": "p", "weak": 1, "strong": 1, "weak_cost": -0.5})",
       "\"weak_cost\" must be a number >= 0"},
      {"cost as a string", R"({"prompt": "p", "weak": 1, "strong": 1, "strong_cost": "$1"})",
       "\"strong_cost\" must be a number >= 0"},
      {"message without role", R"({"messages": [{"content": "hi"}], "weak": 1, "strong": 1})",
       "string \"role\""},
      {"message that is a string", R"({"messages": ["hi"], "weak": 1, "strong": 1})",
       "string \"role\""},
      {"neither prompt nor messages", R"({"question": "hi", "weak": 1, "strong": 1})",
       "needs \"prompt\""},
      {"empty messages", R"({"messages": [], "weak": 1, "strong": 1})", "needs \"prompt\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    // The bad line is line 3, after a good line and a blank one.
    const std::string path = write("bad.jsonl", good + "\n\n" + c.bad_line + "\n" + good + "\n");
    const auto records = load_labelled_records(path);
    ASSERT_FALSE(records);
    EXPECT_EQ(path, records.error().file);
    EXPECT_EQ(3u, records.error().line);
    EXPECT_NE(std::string::npos, records.error().message.find(c.message))
        << records.error().message;
    EXPECT_NE(std::string::npos, records.error().to_string().find(path + ":3:"))
        << records.error().to_string();
  }
}

TEST_F(LabelledRecordsTest, EmptyAndMissingFiles) {
  for (const std::string text : {"", "\n\n  \n"}) {
    const std::string path = write("empty.jsonl", text);
    const auto records = load_labelled_records(path);
    ASSERT_FALSE(records);
    EXPECT_EQ(0u, records.error().line);
    EXPECT_EQ("no records", records.error().message);
  }
  const std::string missing = (root_ / "missing.jsonl").string();
  const auto records = load_labelled_records(missing);
  ASSERT_FALSE(records);
  EXPECT_EQ(missing, records.error().file);
  EXPECT_EQ("cannot be read", records.error().message);
}

}  // namespace
}  // namespace governor::training
