// groot validate's checks (data/validate.h): the robot_sim fixture passes with its quirks reported
// as warnings; corrupted copies each fail with a precise message.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "data/lerobot.h"
#include "data/parquet.h"
#include "data/validate.h"
#include "data/video.h"
#include "lerobot_test_util.h"
#include "test_util.h"
#include "util/fs.h"

namespace {

using namespace groot::data;
namespace fsys = std::filesystem;
namespace pq = groot::pq;

fsys::path fixture() {
  return groot::test::fixtures_dir() + "/gr00t_robot_sim_picknplace_v20";
}

void copy_fixture(const fsys::path& dst, bool videos) {
  fsys::create_directories(dst);
  for (const char* d : {"meta", "data", "videos"}) {
    if (!videos && std::string(d) == "videos") continue;
    fsys::copy(fixture() / d, dst / d, fsys::copy_options::recursive);
  }
  for (auto& p : fsys::recursive_directory_iterator(dst))
    fsys::permissions(p.path(), fsys::perms::owner_write, fsys::perm_options::add);
}

bool has_issue(const ValidateReport& r, Issue::Severity sev, const std::string& needle) {
  for (const auto& i : r.issues)
    if (i.severity == sev && (i.where + ": " + i.message).find(needle) != std::string::npos) return true;
  return false;
}

ValidateOptions no_video() {
  ValidateOptions o;
  o.check_videos = false;
  return o;
}

// Rewrites one episode's parquet file through our writer after `edit`.
template <typename Fn>
void edit_episode(const fsys::path& root, int ep, Fn&& edit) {
  char name[64];
  std::snprintf(name, sizeof(name), "data/chunk-000/episode_%06d.parquet", ep);
  pq::Table t = pq::read_table((root / name).string());
  edit(t);
  pq::write_table((root / name).string(), t);
}

pq::Column& col(pq::Table& t, const std::string& name) {
  for (auto& c : t.columns)
    if (c.name == name) return c;
  throw std::runtime_error("no column " + name);
}

TEST(LeRobotValidate, RobotSimFixturePassesWithWarnings) {
  ValidateOptions opt;
  ValidateReport r = validate_dataset(fixture(), opt);
  EXPECT_TRUE(r.ok()) << r.format();
  EXPECT_EQ(r.episodes_checked, 5);
  EXPECT_EQ(r.frames_checked, 2096);
  EXPECT_TRUE(
      has_issue(r, Issue::kWarning, "video feature \"observation.images.egoview\" has no video files"))
      << r.format();
  EXPECT_TRUE(has_issue(r, Issue::kWarning, "timestamps that start at 0.05 s")) << r.format();
  if (groot::video::available()) {
    EXPECT_EQ(r.videos_checked, 5);
  }
}

TEST(LeRobotValidate, SyntheticDatasetIsClean) {
  groot::test::TempDir tmp;
  groot::test::write_synth_dataset(tmp.path, {});
  ValidateReport r = validate_dataset(tmp.path, {});
  EXPECT_TRUE(r.ok()) << r.format();
  // only the missing stats.json, the 5-frame episode (horizon 16) and the absence of any camera
  // (GR00T N1.6 is trained on images) are worth a warning
  EXPECT_EQ(r.warnings(), 3) << r.format();
  EXPECT_TRUE(has_issue(r, Issue::kWarning, "meta/modality.json: has no camera (no video modality keys): the model "
                                            "will see no images"));
  EXPECT_TRUE(has_issue(r, Issue::kWarning, "meta/stats.json: missing; run `groot stats DATASET`"));
  EXPECT_TRUE(has_issue(r, Issue::kWarning, "1 episode(s) are shorter than the action horizon (16)"));
}

TEST(LeRobotValidate, MissingParquet) {
  groot::test::TempDir tmp;
  copy_fixture(tmp.path, false);
  fsys::remove(tmp / "data/chunk-000/episode_000002.parquet");
  ValidateReport r = validate_dataset(tmp.path, no_video());
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has_issue(r, Issue::kError,
                        "data/chunk-000/episode_000002.parquet: missing (episode 2 in episodes.jsonl)"))
      << r.format();
}

TEST(LeRobotValidate, TruncatedVideo) {
  if (!groot::video::available()) GTEST_SKIP() << "built without FFmpeg";
  groot::test::TempDir tmp;
  copy_fixture(tmp.path, true);
  fsys::path v = tmp / "videos/chunk-000/observation.images.ego_view/episode_000001.mp4";
  fsys::resize_file(v, fsys::file_size(v) / 2);
  ValidateReport r = validate_dataset(tmp.path, {});
  EXPECT_FALSE(r.ok());
  bool found = false;
  for (const auto& i : r.issues)
    if (i.severity == Issue::kError &&
        i.where == "videos/chunk-000/observation.images.ego_view/episode_000001.mp4")
      found = true;
  EXPECT_TRUE(found) << r.format();
  EXPECT_EQ(r.errors(), 1) << r.format();  // only that file
}

TEST(LeRobotValidate, MissingVideoOfUsedCamera) {
  if (!groot::video::available()) GTEST_SKIP() << "built without FFmpeg";
  groot::test::TempDir tmp;
  copy_fixture(tmp.path, true);
  fsys::remove(tmp / "videos/chunk-000/observation.images.ego_view/episode_000003.mp4");
  ValidateReport r = validate_dataset(tmp.path, {});
  EXPECT_TRUE(has_issue(r, Issue::kError,
                        "videos/chunk-000/observation.images.ego_view/episode_000003.mp4: missing (camera "
                        "\"observation.images.ego_view\", episode 3)"))
      << r.format();
}

TEST(LeRobotValidate, BrokenModalityRange) {
  groot::test::TempDir tmp;
  copy_fixture(tmp.path, false);
  std::string m = groot::read_file(tmp / "meta/modality.json");
  size_t p = m.find("\"end\": 44");
  ASSERT_NE(p, std::string::npos);
  m.replace(p, 9, "\"end\": 46");
  groot::write_file_atomic(tmp / "meta/modality.json", m);
  ValidateReport r = validate_dataset(tmp.path, no_video());
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(
      has_issue(r, Issue::kError,
                "meta/modality.json: state.waist: range [41:46) exceeds \"observation.state\", which has 44 "
                "values per row"))
      << r.format();
}

TEST(LeRobotValidate, NaNInjectedWithOurWriter) {
  groot::test::TempDir tmp;
  copy_fixture(tmp.path, false);
  edit_episode(tmp.path, 1, [](pq::Table& t) {
    pq::Column& a = col(t, "action");
    ASSERT_EQ(a.elem, pq::Elem::kFloat64);
    a.f64[17 * 44 + 5] = NAN;
    a.f64[20 * 44 + 0] = INFINITY;
  });
  ValidateReport r = validate_dataset(tmp.path, no_video());
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has_issue(
      r, Issue::kError,
      "data/chunk-000/episode_000001.parquet: column \"action\" has 2 non-finite value(s); first at "
      "row 17 dim 5 (nan)"))
      << r.format();
}

TEST(LeRobotValidate, WrongTimestamps) {
  groot::test::TempDir tmp;
  copy_fixture(tmp.path, false);
  edit_episode(tmp.path, 0, [](pq::Table& t) { col(t, "timestamp").f64[100] += 0.01; });
  ValidateReport r = validate_dataset(tmp.path, no_video());
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has_issue(r, Issue::kError, "data/chunk-000/episode_000000.parquet: timestamp jumps from"))
      << r.format();
  EXPECT_TRUE(
      has_issue(r, Issue::kError, "(row 100): step 0.06 s, expected 1/fps = 0.05 s (tolerance 0.0001 s)"))
      << r.format();
}

TEST(LeRobotValidate, BadTaskIndex) {
  groot::test::TempDir tmp;
  copy_fixture(tmp.path, false);
  edit_episode(tmp.path, 4,
               [](pq::Table& t) { col(t, "annotation.human.action.task_description").i64[7] = 99; });
  ValidateReport r = validate_dataset(tmp.path, no_video());
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has_issue(
      r, Issue::kError,
      "data/chunk-000/episode_000004.parquet: column \"annotation.human.action.task_description\" row 7 "
      "has task index 99, which is not in meta/tasks.jsonl (6 tasks)"))
      << r.format();
}

TEST(LeRobotValidate, LengthAndColumnProblems) {
  groot::test::TempDir tmp;
  copy_fixture(tmp.path, false);
  std::string eps = groot::read_file(tmp / "meta/episodes.jsonl");
  size_t p = eps.find("\"length\": 470");
  ASSERT_NE(p, std::string::npos);
  eps.replace(p, 13, "\"length\": 471");
  groot::write_file_atomic(tmp / "meta/episodes.jsonl", eps);
  edit_episode(tmp.path, 3, [](pq::Table& t) {
    t.columns.erase(std::remove_if(t.columns.begin(), t.columns.end(),
                                   [](const pq::Column& c) { return c.name == "next.done"; }),
                    t.columns.end());
    pq::Column& s = col(t, "observation.state");  // drop the last value of row 0: 43 values
    ASSERT_EQ(s.shape, pq::Shape::kList);
    s.f64.erase(s.f64.begin() + 43);
    for (size_t i = 1; i < s.offsets.size(); ++i) s.offsets[i] -= 1;
  });
  ValidateReport r = validate_dataset(tmp.path, no_video());
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(
      has_issue(r, Issue::kError,
                "episode_000001.parquet: has 470 rows but episodes.jsonl says length 471 for episode 1"))
      << r.format();
  EXPECT_TRUE(has_issue(r, Issue::kError,
                        "episode_000003.parquet: column \"next.done\" (declared in info.json) is missing"))
      << r.format();
  EXPECT_TRUE(has_issue(r, Issue::kError, "column \"observation.state\" row 0 has 43 values, expected 44"))
      << r.format();
  EXPECT_TRUE(has_issue(r, Issue::kWarning, "total_frames is 2096 but the episode lengths sum to 2097"))
      << r.format();
}

TEST(LeRobotValidate, UnreadableMetaAndConfig) {
  groot::test::TempDir tmp;
  copy_fixture(tmp.path, false);
  groot::write_file_atomic(tmp / "meta/tasks.jsonl", "{\"task_index\": 0, \"task\": \"a\"}\n{\"task\": 3}\n");
  ValidateReport r = validate_dataset(tmp.path, no_video());
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has_issue(r, Issue::kError, "tasks.jsonl:2: missing field \"task_index\"")) << r.format();

  groot::test::TempDir t2;
  copy_fixture(t2.path, false);
  groot::write_file_atomic(t2 / "cfg.yaml", "state: {delta_indices: [0], modality_keys: [left_arm, tail]}\n");
  ValidateOptions o = no_video();
  o.modality_config = (t2 / "cfg.yaml").string();
  ValidateReport r2 = validate_dataset(t2.path, o);
  EXPECT_FALSE(r2.ok());
  EXPECT_TRUE(has_issue(r2, Issue::kError, "state key \"tail\" is not in meta/modality.json")) << r2.format();
}

}  // namespace
