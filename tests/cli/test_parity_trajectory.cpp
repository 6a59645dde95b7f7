// groot parity on a training-trajectory folder: passes on the upstream golden, fails (exit 1) and says
// which step when the recorded recipe differs from what the trainer does.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_util.h"

using groot::test::golden_root;
using groot::test::run_groot;
namespace fs = std::filesystem;

TEST(ParityTrajectoryCli, UpstreamTrajectoryPasses) {
  auto r = run_groot("parity " + golden_root() + "/tiny_v1_train");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("parity: OK"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("weights after step 10: 92 tensors"), std::string::npos) << r.output;
}

TEST(ParityTrajectoryCli, DifferentRecipeFailsNamingTheStep) {
  groot::test::TempDir tmp;
  const fs::path dir = tmp / "tiny_v1_train";
  fs::create_directories(dir);
  fs::copy_file(golden_root() + "/tiny_v1_train/trajectory.safetensors.zst", dir / "trajectory.safetensors.zst");
  auto j = nlohmann::json::parse(std::ifstream(golden_root() + "/tiny_v1_train/trajectory.json"));
  j["settings"]["weight_decay"] = 0.5;  // the trainer now decays much harder than upstream did
  std::ofstream(dir / "trajectory.json") << j.dump();
  auto r = run_groot("parity " + dir.string() + " --model " + golden_root() + "/tiny_v1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("parity: FAILED"), std::string::npos) << r.output;
  // Without --model the sibling folder (tiny_v1) is not there.
  r = run_groot("parity " + dir.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("io.safetensors"), std::string::npos) << r.output;
}
