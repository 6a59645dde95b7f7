// cli/flags.h through the binary: usage errors exit 2 naming the flag (range, not a number,
// missing, unknown with "did you mean"), and --help shows true defaults in every verb.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "data/convert.h"
#include "data/synth.h"
#include "test_util.h"

namespace fs = std::filesystem;
using groot::test::run_groot;
using groot::test::TempDir;

namespace {

bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

// The verb names listed by `groot --help` ("Commands:" section).
std::vector<std::string> verbs() {
  auto r = run_groot("--help");
  std::istringstream in(r.output);
  std::string line;
  std::vector<std::string> out;
  bool in_commands = false;
  while (std::getline(in, line)) {
    if (line == "Commands:") {
      in_commands = true;
    } else if (in_commands) {
      if (line.rfind("  ", 0) != 0) break;
      std::istringstream w(line);
      std::string name;
      w >> name;
      out.push_back(name);
    }
  }
  return out;
}

}  // namespace

TEST(Flags, UnknownFlagSuggestsTheNearestAndExits2) {
  TempDir tmp;
  auto r = run_groot("convert --hdf5 in.hdf5 --output " + (tmp / "o").string() + " --fsp 3");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(has(r.output, "groot convert: error: unknown flag --fsp (did you mean --fps?)")) << r.output;
  EXPECT_FALSE(fs::exists(tmp / "o"));
  // A typo of a required flag names the typo, not the missing flag.
  r = run_groot("synth --ouput x.hdf5 --demo 3");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(has(r.output, "unknown flag --ouput (did you mean --output?)")) << r.output;
  r = run_groot("validate --zzzzzz ds");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(has(r.output, "unknown flag --zzzzzz")) << r.output;
  EXPECT_FALSE(has(r.output, "did you mean")) << r.output;
  r = run_groot("conver --hdf5 x");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(has(r.output, "unknown command 'conver' (did you mean 'convert'?)")) << r.output;
  r = run_groot("bench convrt");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(has(r.output, "unknown benchmark 'convrt' (did you mean 'convert'?)")) << r.output;
  r = run_groot("info a b");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(has(r.output, "unexpected argument 'b'")) << r.output;
}

namespace {

struct Case {
  std::string args, message;
};

void expect_usage_errors(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    auto r = run_groot(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_TRUE(has(r.output, "error: " + c.message)) << c.args << "\n" << r.output;
  }
}

}  // namespace

TEST(Flags, ConvertNumericFlagsAreCheckedAtParseTime) {
  TempDir tmp;
  const std::string conv = "convert --hdf5 in.hdf5 --output " + (tmp / "o").string();
  expect_usage_errors({
      {conv + " --fps 0", "--fps: 0 is out of range (must be in [1, 1000])"},
      {conv + " --fps abc", "--fps: 'abc' is not a number"},
      {conv + " --jobs -2", "--jobs: -2 is out of range (must be >= 1)"},
      {conv + " --crf -5", "--crf: -5 is out of range for --codec h264 (must be in [0, 51])"},
      {conv + " --crf 52", "--crf: 52 is out of range for --codec h264 (must be in [0, 51])"},
      {conv + " --codec av1 --crf 64", "--crf: 64 is out of range for --codec av1 (must be in [0, 63])"},
      {conv + " --gop -1", "--gop: -1 is out of range (must be >= 0)"},
      {"convert --hdf5 in.hdf5", "--output is required"},
  });
  EXPECT_FALSE(fs::exists(tmp / "o"));
  // In range for av1 (not for h264): parsing passes and the run fails on the missing input instead.
  auto r = run_groot(conv + " --codec av1 --crf 60");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_FALSE(has(r.output, "--crf")) << r.output;
}

TEST(Flags, NumericFlagsOfEveryVerbAreCheckedAtParseTime) {
  expect_usage_errors({
      {"synth --output x.hdf5 --demos 0", "--demos: 0 is out of range (must be >= 1)"},
      {"synth --output x.hdf5 --height 4", "--height: 4 is out of range (must be in [8, 4096])"},
      {"synth --output x.hdf5 --min-length 50 --max-length 10", "--max-length: 10 is below --min-length 50"},
      {"validate ds --threads -1", "--threads: -1 is out of range (must be >= 0)"},
      {"validate ds --max-per-kind 0", "--max-per-kind: 0 is out of range (must be >= 1)"},
      {"stats ds --tolerance -1", "--tolerance: -1 is out of range (must be >= 0)"},
      {"tokenize --prompt --images -1 hi", "--images: -1 is out of range (must be >= 0)"},
      {"inspect ckpt --tune-top-llm-layers -1", "--tune-top-llm-layers: -1 is out of range (must be >= 0)"},
      {"bench convert --jobs 0", "--jobs: 0 is out of range (must be >= 1)"},
      {"eval ckpt --dataset-path ds --output o --steps 0", "--steps: 0 is out of range (must be >= 1)"},
      {"eval ckpt --dataset-path ds --output o --traj-ids 3 -1", "--traj-ids: -1 is out of range (must be >= 0)"},
  });
}

TEST(Flags, HelpShowsTrueDefaultsInEveryVerb) {
  std::vector<std::string> names = verbs();
  ASSERT_GE(names.size(), 8u);
  names.push_back("bench convert");
  names.push_back("bench infer");
  for (const std::string& v : names) {
    if (v == "bench") continue;  // a dispatcher: its benchmarks have the flags
    auto r = run_groot(v + " --help");
    ASSERT_EQ(r.exit_code, 0) << v << "\n" << r.output;
    EXPECT_FALSE(has(r.output, "{false}") || has(r.output, "{true}")) << v << "\n" << r.output;
    // Every optional flag that takes a value says what it is when not given. An entry is a line
    // starting with "  -" plus its continuation lines (long names put the description below).
    std::istringstream in(r.output);
    std::vector<std::string> entries;
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("  -", 0) == 0)
        entries.push_back(line);
      else if (!entries.empty() && line.rfind("   ", 0) == 0)
        entries.back() += " " + line;
      else if (!entries.empty() && !entries.back().empty())
        entries.push_back("");  // a blank or section line ends the entry
    }
    int options = 0;
    for (const std::string& e : entries) {
      if (e.empty() || e.rfind("  -h, --help", 0) == 0) continue;
      const std::string head = e.substr(0, e.find("  ", 2));
      const bool value = has(head, " INT") || has(head, " UINT") || has(head, " FLOAT") || has(head, " TEXT");
      if (!value || has(head, "REQUIRED")) continue;
      ++options;
      EXPECT_TRUE(has(e, "[default: ")) << "groot " << v << " --help:\n" << e;
    }
    if (v == "convert" || v == "synth" || v == "validate" || v == "stats") EXPECT_GT(options, 0) << v << r.output;
  }

}

TEST(Flags, HelpDefaultsAreTheOnesTheCodeUses) {
  auto r = run_groot("synth --help");
  ASSERT_TRUE(groot::synth::Options().gzip);
  EXPECT_TRUE(has(r.output, "--gzip, --no-gzip")) << r.output;
  EXPECT_TRUE(has(r.output, "[default: --gzip]")) << r.output;
  EXPECT_TRUE(has(r.output, "[default: " + std::to_string(groot::synth::Options().demos) + "]")) << r.output;
  r = run_groot("convert --help");
  EXPECT_TRUE(has(r.output, "[default: " + std::to_string(groot::convert::Options().crf) + "]")) << r.output;
  EXPECT_TRUE(has(r.output, "[default: all cores]")) << r.output;
  EXPECT_TRUE(has(r.output, "[default: the mapping's fps, else 30]")) << r.output;
  r = run_groot("inspect --help");
  EXPECT_TRUE(has(r.output, "--tune-llm, --no-tune-llm")) << r.output;
  EXPECT_TRUE(has(r.output, "recipe: train the whole LLM [default: from the checkpoint]")) << r.output;
}
