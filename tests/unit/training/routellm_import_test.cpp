// The RouteLLM import end to end on a tiny fixture directory: exact output records, the
// contamination drop, the hash split, and errors that leave no output behind.
#include "governor/training/routellm_import.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace governor::training {
namespace {

namespace fs = std::filesystem;
using Lines = std::vector<std::string>;

constexpr const char* kHeader = "prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview";

/** A fresh temporary directory holding a valid RouteLLM-shaped fixture under data/. */
class ImportFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "governor-training-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    data_ = root_ / "data";
    out_ = root_ / "out";
    fs::create_directories(data_ / "mmlu_responses");

    write("gsm8k_gsm8k_responses.csv",
          std::string(kHeader) +
              ",mistralai/Mixtral-8x7B-Instruct-v0.1_response,gpt-4-1106-preview_response\n"
              "\"Q1, with a comma\",True,False,\"says \"\"18\"\"\nover two lines\",18\n"
              "Q2 contaminated,True,True,a,b\n"
              "\"Q3\nmulti-line\",False,True,,\"x\"\n");
    write("gsm8k_contaminated_prompts.jsonl",
          "{\"train_prompt\":\"t\",\"eval_prompt\":\"Q2 contaminated\",\"eval_idx\":1}\n");

    // Files listed out of name order on purpose: the output follows the names.
    write("mmlu_responses/mmlu_zoology.csv", std::string(kHeader) +
                                                 "\n"
                                                 "Z1,False,False\n"
                                                 "Shared prompt,True,True\n");
    write("mmlu_responses/mmlu_anatomy.csv", std::string(kHeader) +
                                                 "\r\n"
                                                 "A1,True,False\r\n"
                                                 "Shared prompt,False,True\r\n"
                                                 "A contaminated,True,True\r\n");
    write("mmlu_responses/README.txt", "not a subject file\n");
    write("mmlu_contaminated_prompts.jsonl", "{\"eval_prompt\":\"A contaminated\"}\n");

    write("mt_bench_question.jsonl",
          "{\"question_id\": 81, \"category\": \"writing\", \"turns\": [\"Write a poem.\", "
          "\"Shorter.\"]}\n"
          "{\"question_id\": 82, \"category\": \"math\", \"turns\": [\"2+2?\", \"Contaminated "
          "turn two\"]}\n"
          "{\"question_id\": 83, \"category\": \"coding\", \"turns\": [\"Fizzbuzz.\", \"In "
          "C.\"]}\n");
    write("mt_bench_contaminated_prompts.jsonl", "{\"eval_prompt\":\"Contaminated turn two\"}\n");
    std::string judgements;
    const auto judge = [&](int id, const char* model, int turn, const char* score) {
      judgements += "{\"question_id\": " + std::to_string(id) + ", \"model\": \"" + model +
                    "\", \"judge\": [\"gpt-4\", \"single-v1\"], \"turn\": " + std::to_string(turn) +
                    ", \"score\": " + score + "}\n";
    };
    const char* weak = "mistralai/Mixtral-8x7B-Instruct-v0.1";
    const char* strong = "gpt-4-1106-preview";
    judge(81, weak, 1, "5.5");
    judge(81, weak, 2, "5.5");
    judge(81, strong, 1, "10");
    judge(81, strong, 2, "10");
    judge(82, weak, 1, "2");  // question 82 is dropped, and needs no complete set
    judge(83, weak, 1, "7");
    judge(83, weak, 2, "8");
    judge(83, strong, 2, "1");
    judge(83, strong, 1, "1");
    judge(83, "some-other-model", 1, "-1");  // another model's row is ignored, even a bad one
    write("mt_bench_judgements.jsonl", judgements);
  }

  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(data_ / name, std::ios::binary) << text;
  }

  Lines read_lines(const std::string& name) const {
    std::ifstream in(out_ / name, std::ios::binary);
    EXPECT_TRUE(in.good()) << name;
    Lines lines;
    for (std::string line; std::getline(in, line);) {
      lines.push_back(line);
    }
    return lines;
  }

  ImportOptions options(double test_fraction = 0.3) const {
    ImportOptions o;
    o.dir = data_;
    o.out = out_;
    o.test_fraction = test_fraction;
    return o;
  }

  /** Runs an import expected to fail; checks that no output file appeared. */
  DataError expect_failure() {
    auto result = import_routellm(options());
    EXPECT_FALSE(result.has_value());
    EXPECT_FALSE(fs::exists(out_) && !fs::is_empty(out_)) << "partial output written";
    return result ? DataError{} : result.error();
  }

  fs::path root_;
  fs::path data_;
  fs::path out_;
};

const BenchmarkSummary& find(const ImportSummary& s, const std::string& name) {
  const auto it = std::find_if(s.benchmarks.begin(), s.benchmarks.end(),
                               [&](const BenchmarkSummary& b) { return b.name == name; });
  EXPECT_NE(it, s.benchmarks.end()) << name;
  return *it;
}

TEST(Fnv1a, KnownVectors) {
  EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8ULL);
}

TEST(Split, FractionBoundsAndPerMilleBuckets) {
  for (const std::string prompt : {"", "a", "foobar", "Shared prompt"}) {
    EXPECT_FALSE(in_test_split(prompt, 0.0)) << prompt;
    EXPECT_TRUE(in_test_split(prompt, 1.0)) << prompt;
    const auto bucket = fnv1a_64(prompt) % 1000;
    EXPECT_TRUE(in_test_split(prompt, static_cast<double>(bucket + 1) / 1000)) << prompt;
    EXPECT_FALSE(in_test_split(prompt, static_cast<double>(bucket) / 1000)) << prompt;
  }
}

TEST_F(ImportFixture, WritesExactRecordsAndDropsContaminated) {
  auto result = import_routellm(options());
  ASSERT_TRUE(result.has_value()) << result.error().to_string();

  EXPECT_EQ(
      read_lines("gsm8k.jsonl"),
      (Lines{
          R"({"prompt":"Q1, with a comma","weak":1,"strong":0,"benchmark":"gsm8k","category":"gsm8k"})",
          R"({"prompt":"Q3\nmulti-line","weak":0,"strong":1,"benchmark":"gsm8k","category":"gsm8k"})"}));
  EXPECT_EQ(
      read_lines("mmlu.jsonl"),
      (Lines{
          R"({"prompt":"A1","weak":1,"strong":0,"benchmark":"mmlu","category":"anatomy"})",
          R"({"prompt":"Shared prompt","weak":0,"strong":1,"benchmark":"mmlu","category":"anatomy"})",
          R"({"prompt":"Z1","weak":0,"strong":0,"benchmark":"mmlu","category":"zoology"})",
          R"({"prompt":"Shared prompt","weak":1,"strong":1,"benchmark":"mmlu","category":"zoology"})"}));
  const Lines mt = read_lines("mt_bench.jsonl");
  ASSERT_EQ(mt.size(), 2u);
  // Weak: turns 5.5 and 5.5 -> (5.5 - 1) / 9 = 0.5; strong: 10 and 10 -> 1.
  EXPECT_EQ(
      mt[0],
      R"({"prompt":"Write a poem.","weak":0.5,"strong":1,"benchmark":"mt_bench","category":"writing"})");
  const auto q83 = nlohmann::json::parse(mt[1]);
  EXPECT_EQ(q83["prompt"], "Fizzbuzz.");
  EXPECT_EQ(q83["category"], "coding");
  EXPECT_DOUBLE_EQ(q83["weak"].get<double>(), (7.5 - 1) / 9);
  EXPECT_EQ(q83["strong"], 0);

  const ImportSummary& s = *result;
  ASSERT_EQ(s.benchmarks.size(), 3u);
  EXPECT_EQ(s.written.size(), 9u);
  const auto& gsm = find(s, "gsm8k");
  EXPECT_EQ(gsm.rows_read, 3u);
  EXPECT_EQ(gsm.contaminated, 1u);
  EXPECT_EQ(gsm.kept, 2u);
  EXPECT_DOUBLE_EQ(gsm.weak_mean, 0.5);
  EXPECT_DOUBLE_EQ(gsm.strong_mean, 0.5);
  const auto& mmlu = find(s, "mmlu");
  EXPECT_EQ(mmlu.files, 2u);
  EXPECT_EQ(mmlu.rows_read, 5u);
  EXPECT_EQ(mmlu.contaminated, 1u);
  EXPECT_EQ(mmlu.kept, 4u);
  EXPECT_EQ(mmlu.distinct_prompts, 3u);
  EXPECT_DOUBLE_EQ(mmlu.weak_mean, 0.5);
  EXPECT_DOUBLE_EQ(mmlu.strong_mean, 0.5);
  const auto& mt_bench = find(s, "mt_bench");
  EXPECT_EQ(mt_bench.rows_read, 3u);
  EXPECT_EQ(mt_bench.contaminated, 1u);
  EXPECT_EQ(mt_bench.kept, 2u);
  EXPECT_EQ(mt_bench.train + mt_bench.test, 2u);
  EXPECT_FALSE(fs::exists(out_ / ".gsm8k.jsonl.tmp"));
}

TEST_F(ImportFixture, SplitFollowsThePromptHashAndPartitionsEveryBenchmark) {
  auto result = import_routellm(options(0.5));
  ASSERT_TRUE(result.has_value()) << result.error().to_string();
  for (const std::string name : {"gsm8k", "mmlu", "mt_bench"}) {
    const Lines all = read_lines(name + ".jsonl");
    const Lines train = read_lines(name + ".train.jsonl");
    const Lines test = read_lines(name + ".test.jsonl");
    Lines expect_train;
    Lines expect_test;
    for (const auto& line : all) {
      const auto prompt = nlohmann::json::parse(line)["prompt"].get<std::string>();
      (in_test_split(prompt, 0.5) ? expect_test : expect_train).push_back(line);
    }
    EXPECT_EQ(train, expect_train) << name;
    EXPECT_EQ(test, expect_test) << name;
    EXPECT_EQ(find(*result, name).train, train.size());
    EXPECT_EQ(find(*result, name).test, test.size());
  }
}

TEST_F(ImportFixture, SplitDoesNotDependOnRowOrder) {
  const auto sides = [&] {
    std::vector<Lines> files{read_lines("gsm8k.train.jsonl"), read_lines("gsm8k.test.jsonl")};
    for (auto& lines : files) {
      std::sort(lines.begin(), lines.end());
    }
    return files;
  };
  ASSERT_TRUE(import_routellm(options()).has_value());
  const auto before = sides();
  write("gsm8k_gsm8k_responses.csv",
        std::string(kHeader) +
            ",mistralai/Mixtral-8x7B-Instruct-v0.1_response,gpt-4-1106-preview_response\n"
            "\"Q3\nmulti-line\",False,True,,\"x\"\n"
            "\"Q1, with a comma\",True,False,r,18\n");
  ASSERT_TRUE(import_routellm(options()).has_value());
  EXPECT_EQ(sides(), before);
}

TEST_F(ImportFixture, MissingFileIsAnErrorAndWritesNothing) {
  fs::remove(data_ / "mt_bench_judgements.jsonl");
  const DataError error = expect_failure();
  EXPECT_EQ(fs::path(error.file).filename(), "mt_bench_judgements.jsonl");
  EXPECT_EQ(error.line, 0u);
}

TEST_F(ImportFixture, BadCorrectnessCellNamesFileAndLine) {
  write("mmlu_responses/mmlu_zoology.csv",
        std::string(kHeader) + "\nZ1,False,False\nZ2,Yes,True\n");
  const DataError error = expect_failure();
  EXPECT_EQ(fs::path(error.file).filename(), "mmlu_zoology.csv");
  EXPECT_EQ(error.line, 3u);
  EXPECT_NE(error.message.find("expected True or False, got \"Yes\""), std::string::npos)
      << error.message;
  EXPECT_NE(error.to_string().find("mmlu_zoology.csv:3: "), std::string::npos);
}

TEST_F(ImportFixture, UnterminatedQuoteNamesFileAndLine) {
  write("gsm8k_gsm8k_responses.csv", std::string(kHeader) + "\nQ1,True,True\n\"Q2,True,True\n");
  const DataError error = expect_failure();
  EXPECT_EQ(fs::path(error.file).filename(), "gsm8k_gsm8k_responses.csv");
  EXPECT_EQ(error.line, 3u);
}

TEST_F(ImportFixture, UnknownColumnLayoutIsAnError) {
  write("mmlu_responses/mmlu_anatomy.csv", "prompt,gpt-3.5,gpt-4-1106-preview\nA1,True,True\n");
  const DataError error = expect_failure();
  EXPECT_EQ(error.line, 1u);
  EXPECT_NE(error.message.find("unknown column layout"), std::string::npos) << error.message;
}

TEST_F(ImportFixture, WrongFieldCountIsAnError) {
  write("mmlu_responses/mmlu_anatomy.csv", std::string(kHeader) + "\nA1,True\n");
  const DataError error = expect_failure();
  EXPECT_EQ(error.line, 2u);
}

TEST_F(ImportFixture, IncompleteJudgementsAreAnError) {
  write("mt_bench_judgements.jsonl",
        "{\"question_id\": 81, \"model\": \"gpt-4-1106-preview\", \"turn\": 1, \"score\": 9}\n");
  const DataError error = expect_failure();
  EXPECT_NE(error.message.find("question 81"), std::string::npos) << error.message;
}

TEST_F(ImportFixture, BadJsonLineIsAnError) {
  write("mt_bench_question.jsonl", "{\"question_id\": 81,\n");
  const DataError error = expect_failure();
  EXPECT_EQ(error.line, 1u);
}

TEST_F(ImportFixture, ExistingOutputsSurviveAFailedRun) {
  ASSERT_TRUE(import_routellm(options()).has_value());
  const Lines before = read_lines("mmlu.jsonl");
  write("mmlu_responses/mmlu_zoology.csv", std::string(kHeader) + "\nZ1,maybe,False\n");
  EXPECT_FALSE(import_routellm(options()).has_value());
  EXPECT_EQ(read_lines("mmlu.jsonl"), before);
}

}  // namespace
}  // namespace governor::training
