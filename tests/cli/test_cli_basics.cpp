#include <gtest/gtest.h>

#include "test_util.h"

using groot::test::run_groot;

TEST(Cli, HelpListsVerbsAndExamples) {
  auto r = run_groot("--help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Commands:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("version"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Examples:"), std::string::npos) << r.output;
}

TEST(Cli, UnknownVerbFailsWithMessage) {
  auto r = run_groot("frobnicate");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("unknown command 'frobnicate'"), std::string::npos) << r.output;
}

TEST(Cli, VersionReportsTorchAndComponents) {
  auto r = run_groot("--version");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("LibTorch: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("CUDA: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("FFmpeg video: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ZeroMQ policy server: "), std::string::npos) << r.output;
}
