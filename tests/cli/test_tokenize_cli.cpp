// `groot tokenize` end to end: ids, --prompt batches (golden ids / padding), --decode, errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"
#include "util/fs.h"

using groot::test::run_groot;
using json = nlohmann::json;

namespace {
std::vector<json> json_lines(const std::string& out) {
  std::vector<json> v;
  std::istringstream is(out);
  std::string line;
  while (std::getline(is, line)) {
    if (!line.empty() && line[0] == '{') v.push_back(json::parse(line));
  }
  return v;
}
}  // namespace

TEST(CliTokenize, TextIds) {
  auto r = run_groot("tokenize --tokens 'Hello world' 'pick up the red cube'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 2u) << r.output;
  EXPECT_EQ(lines[0]["ids"], json({9707, 1879}));
  EXPECT_EQ(lines[0]["tokens"], json({"Hello", "Ġworld"}));
  EXPECT_EQ(lines[1]["text"], "pick up the red cube");
  EXPECT_EQ(lines[1]["ids"], json({29245, 705, 279, 2518, 23739}));
}

TEST(CliTokenize, PromptBatchMatchesGolden) {
  auto r = run_groot(
      "tokenize --prompt --images 2 'Pick up the blue block and insert it into the MCX card slot.' "
      "'pick up the red cube'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 2u) << r.output;
  json pre = json::parse(groot::read_file(groot::test::golden_root() + "/tiny_v1/preprocess.json"));
  for (size_t b = 0; b < 2; ++b) {
    std::vector<int64_t> ids = lines[b]["ids"], mask = lines[b]["attention_mask"], real;
    ASSERT_EQ(ids.size(), 206u);
    for (size_t k = 0; k < ids.size(); ++k) {
      if (mask[k]) real.push_back(ids[k]);
    }
    EXPECT_EQ(real, pre["prompts"]["prompt_ids_unpadded"][b].get<std::vector<int64_t>>());
    EXPECT_EQ(lines[b]["language"], pre["prompts"]["formalized_language"][b]);
    EXPECT_EQ(lines[b]["tokens_per_image"], 81);
  }
  EXPECT_EQ(lines[1]["length"], 197);
  EXPECT_EQ(lines[1]["ids"][0], 151643);
}

TEST(CliTokenize, PromptImageSizeAndStdin) {
  auto r = groot::test::run_cmd("printf 'open the drawer\\n' | " + groot::test::groot_binary() +
                                " tokenize --prompt --images 1 --image-size 252x336 -");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0]["tokens_per_image"], 108);
  std::vector<int64_t> ids = lines[0]["ids"];
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 151669), 108);
}

TEST(CliTokenize, Decode) {
  auto r = run_groot("tokenize --decode '9707, 1879' '151644 872'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 2u) << r.output;
  EXPECT_EQ(lines[0]["text"], "Hello world");
  EXPECT_EQ(lines[1]["text"], "<|im_start|>user");
}

TEST(CliTokenize, Errors) {
  auto r = run_groot("tokenize --tokenizer /nonexistent/tok 'hi'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/nonexistent/tok does not exist"), std::string::npos) << r.output;

  r = run_groot("tokenize \"$(printf 'bad \\377 text')\"");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("not valid UTF-8"), std::string::npos) << r.output;

  r = run_groot("tokenize --prompt --image-size 252 'x'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("expected HxW"), std::string::npos) << r.output;

  r = run_groot("tokenize --decode '1,abc'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("\"abc\" is not an integer"), std::string::npos) << r.output;

  r = run_groot("tokenize --decode '99999999'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("id 99999999"), std::string::npos) << r.output;

  r = run_groot("tokenize");
  EXPECT_NE(r.exit_code, 0);
}

TEST(CliTokenize, GoldenCheck) {
  auto r = run_groot("tokenize --golden " + groot::test::golden_root() + "/tiny_v1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0]["ok"], true);
  EXPECT_EQ(lines[0]["failed"], 0);
  EXPECT_GT(lines[0]["checked"].get<int>(), 30);

  groot::test::TempDir d;
  json pre = json::parse(groot::read_file(groot::test::golden_root() + "/tiny_v1/preprocess.json"));
  pre["tokenizer"]["strings"][0]["ids"] = json({1, 2});
  groot::write_file_atomic(d / "preprocess.json", pre.dump());
  r = run_groot("tokenize --golden " + d.path.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("MISMATCH tokenizer.strings[0] \"Hello world\": ids differ at position 0"),
            std::string::npos)
      << r.output;
}
