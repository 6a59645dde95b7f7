// groot validate: exit status and messages.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/convert.h"
#include "data/video.h"
#include "test_util.h"

using groot::test::run_groot;
using groot::test::fixtures_dir;
using groot::test::golden_root;
namespace fsys = std::filesystem;

TEST(ValidateCli, RobotSimFixtureIsUsable) {
  auto r = run_groot("validate " + fixtures_dir() + "/gr00t_robot_sim_picknplace_v20");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  if (groot::video::available()) {
    EXPECT_NE(r.output.find("OK, usable for training (0 errors, 2 warnings)"), std::string::npos) << r.output;
  } else {  // a build without FFmpeg says that it only checked that the videos exist
    EXPECT_NE(r.output.find("OK, usable for training (0 errors, 3 warnings)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("warning: groot was built without FFmpeg: video files were only checked for presence"),
              std::string::npos)
        << r.output;
  }
  EXPECT_NE(r.output.find(
                "warning: meta/info.json: video feature \"observation.images.egoview\" has no video files"),
            std::string::npos)
      << r.output;
}

TEST(ValidateCli, CorruptCopyFails) {
  groot::test::TempDir tmp;
  fsys::path src = fixtures_dir() + "/gr00t_robot_sim_picknplace_v20";
  fsys::copy(src / "meta", tmp / "meta", fsys::copy_options::recursive);
  fsys::copy(src / "data", tmp / "data", fsys::copy_options::recursive);
  for (auto& p : fsys::recursive_directory_iterator(tmp.path))
    fsys::permissions(p.path(), fsys::perms::owner_write, fsys::perm_options::add);
  fsys::remove(tmp / "data/chunk-000/episode_000000.parquet");
  auto r = run_groot("validate --no-video " + tmp.path.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(
      r.output.find("error: data/chunk-000/episode_000000.parquet: missing (episode 0 in episodes.jsonl)"),
      std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("NOT USABLE (1 error"), std::string::npos) << r.output;
}

TEST(ValidateCli, ModalityConfigIsChecked) {
  groot::test::TempDir tmp;
  auto cfg = std::string(GROOT_SOURCE_DIR) + "/examples/modality/franka_mcx.yaml";
  auto r = run_groot("validate --no-video --modality-config " + cfg + " " + fixtures_dir() + "/gr00t_robot_sim_picknplace_v20");
  EXPECT_EQ(r.exit_code, 1) << r.output;  // the Franka config does not fit the GR1 dataset
  EXPECT_NE(r.output.find("video key \"wrist\" is not in meta/modality.json \"video\" (has: ego_view)"),
            std::string::npos)
      << r.output;
}

TEST(ValidateCli, NoCameraIsAWarningThatTheModelSeesNoImages) {
  groot::test::TempDir tmp;
  groot::convert::Options co;  // the Franka stack recording has no cameras; its mapping maps none
  co.inputs = {fixtures_dir() + "/isaaclab_hdf5_franka_stack/dataset.hdf5"};
  co.mapping_path = std::string(GROOT_SOURCE_DIR) + "/examples/mappings/franka_stack.yaml";
  co.output = (tmp / "ds").string();
  co.quiet = true;
  groot::convert::run(co);
  auto r = run_groot("validate " + (tmp / "ds").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;  // still trainable: a warning, not an error
  EXPECT_NE(r.output.find("warning: meta/modality.json: has no camera (no video modality keys): the model will see "
                          "no images"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("the dataset has no video features"), std::string::npos) << r.output;
}
