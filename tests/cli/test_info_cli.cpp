// groot info on the real fixtures.
#include <gtest/gtest.h>

#include "test_util.h"

using groot::test::run_groot;
using groot::test::fixtures_dir;
using groot::test::golden_root;

TEST(InfoCli, RobotSimSummary) {
  auto r = run_groot("info " + fixtures_dir() + "/gr00t_robot_sim_picknplace_v20");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"LeRobot v2.0, robot_type GR1ArmsOnly, fps 20", "episodes: 5 (length 328..470",
                        "frames: 2096", "tasks: 6", "observation.state", "float64  [44]",
                        "parquet list<double>", "observation.images.ego_view", "files 5/5", "files 0/5",
                        "left_arm[0:7]", "ego_view<-observation.images.ego_view", "stats.json: 10 features"})
    EXPECT_NE(r.output.find(s), std::string::npos) << "missing \"" << s << "\" in:\n" << r.output;
}

TEST(InfoCli, N16MetaOnlyFixture) {
  auto r = run_groot("info --no-probe " + fixtures_dir() + "/gr00t_n16_meta_cube_to_bowl_5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("LeRobot v2.1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("av1 yuv420p 30 fps (info)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("relative_stats.json: single_arm[16][5]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("covers every float feature (N1.6)"), std::string::npos) << r.output;
}

TEST(InfoCli, NotADataset) {
  groot::test::TempDir tmp;
  auto r = run_groot("info " + tmp.path.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("meta/info.json: missing"), std::string::npos) << r.output;
}
