// groot modality-init: derives meta/modality.json from info.json; validate's missing-file error names it.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_util.h"
#include "util/fs.h"

using groot::test::fixtures_dir;
using groot::test::run_groot;
namespace fsys = std::filesystem;

TEST(ModalityInitCli, DerivesFromInfoJsonAndValidatePointsToIt) {
  groot::test::TempDir tmp;
  fsys::path src = fixtures_dir() + "/gr00t_robot_sim_picknplace_v20";
  fsys::copy(src / "meta", tmp / "meta", fsys::copy_options::recursive);
  fsys::copy(src / "data", tmp / "data", fsys::copy_options::recursive);
  for (auto& p : fsys::recursive_directory_iterator(tmp.path))
    fsys::permissions(p.path(), fsys::perms::owner_write, fsys::perm_options::add);
  fsys::remove(tmp / "meta/modality.json");

  auto v = run_groot("validate --no-video " + tmp.path.string());
  EXPECT_EQ(v.exit_code, 1) << v.output;
  EXPECT_NE(v.output.find("run `groot modality-init " + tmp.path.string() + "`"), std::string::npos) << v.output;

  auto dry = run_groot("modality-init --dry-run " + tmp.path.string());
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_FALSE(fsys::exists(tmp / "meta/modality.json"));

  auto r = run_groot("modality-init " + tmp.path.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(groot::read_file(tmp / "meta/modality.json"));
  // info.json: observation.state float64 [44], action float64 [44], two cameras, task_index.
  nlohmann::json want = {
      {"state", {{"state", {{"start", 0}, {"end", 44}, {"original_key", "observation.state"}}}}},
      {"action", {{"action", {{"start", 0}, {"end", 44}, {"original_key", "action"}}}}},
      {"video",
       {{"egoview", {{"original_key", "observation.images.egoview"}}},
        {"ego_view", {{"original_key", "observation.images.ego_view"}}}}},
      {"annotation", {{"human.task_description", {{"original_key", "task_index"}}}}}};
  EXPECT_EQ(j, want) << j.dump(2);
  EXPECT_NE(r.output.find("\"original_key\": \"observation.state\""), std::string::npos) << r.output;  // printed

  auto again = run_groot("modality-init " + tmp.path.string());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("exists; pass --force"), std::string::npos) << again.output;
  EXPECT_EQ(run_groot("modality-init --force " + tmp.path.string()).exit_code, 0);

  // The derived file passes validate's modality checks (the egoview camera has no files: a warning).
  auto v2 = run_groot("validate --no-video " + tmp.path.string());
  EXPECT_EQ(v2.output.find("modality.json: missing"), std::string::npos) << v2.output;
}
