// groot stats: writes upstream-identical files atomically, --check, --if-missing, errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.h"

using groot::test::run_groot;
using groot::test::fixtures_dir;
using groot::test::golden_root;
namespace fsys = std::filesystem;

namespace {
std::string slurp(const fsys::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void copy_robot_sim(const fsys::path& dst) {
  fsys::create_directories(dst);
  fsys::path src = fixtures_dir() + "/gr00t_robot_sim_picknplace_v20";
  fsys::copy(src / "meta", dst / "meta", fsys::copy_options::recursive);
  fsys::copy(src / "data", dst / "data", fsys::copy_options::recursive);
  for (auto& p : fsys::recursive_directory_iterator(dst))
    fsys::permissions(p.path(), fsys::perms::owner_write, fsys::perm_options::add);
}
}  // namespace

TEST(StatsCli, ReproducesFixtureAndUpstreamN16Files) {
  groot::test::TempDir tmp;
  copy_robot_sim(tmp.path);
  // The fixture's N1.5 stats.json agrees within 1e-5 on the N1.6 (float) features.
  auto c = run_groot("stats -q --check " + tmp.path.string());
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("meta/stats.json: 4 features, max relative difference"), std::string::npos)
      << c.output;
  std::ofstream(tmp / "gr1.yaml")
      << "embodiment_tag: gr1\n"
         "state: {delta_indices: [0], modality_keys: [left_arm, right_arm, left_hand, right_hand]}\n"
         "action:\n  delta_indices: range(16)\n  modality_keys: [left_arm, right_arm, left_hand, "
         "right_hand]\n"
         "  action_configs:\n"
         "    - {rep: relative, type: non_eef, format: default}\n"
         "    - {rep: relative, type: non_eef, format: default}\n"
         "    - {rep: relative, type: non_eef, format: default}\n"
         "    - {rep: relative, type: non_eef, format: default}\n";
  auto r = run_groot("stats -q --threads 2 --modality-config " + (tmp / "gr1.yaml").string() + " " +
                     tmp.path.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("left_arm [16][7] over 2021 chunks"), std::string::npos) << r.output;
  fsys::path up = fixtures_dir() + "/gr00t_n16_meta_gr1_picknplace/meta";
  EXPECT_EQ(slurp(tmp / "meta/stats.json"), slurp(up / "stats.json"));
  EXPECT_EQ(slurp(tmp / "meta/relative_stats.json"), slurp(up / "relative_stats.json"));
  // no temp files left behind
  for (auto& p : fsys::directory_iterator(tmp / "meta"))
    EXPECT_EQ(p.path().filename().string().find(".tmp"), std::string::npos) << p.path();
  // --check now passes with tolerance 0
  auto k = run_groot("stats -q --check --tolerance 0 --modality-config " + (tmp / "gr1.yaml").string() + " " +
                     tmp.path.string());
  EXPECT_EQ(k.exit_code, 0) << k.output;
}

TEST(StatsCli, IfMissingKeepsCompleteFilesAndCheckDetectsChanges) {
  groot::test::TempDir tmp;
  copy_robot_sim(tmp.path);
  std::string before = slurp(tmp / "meta/stats.json");
  auto r = run_groot("stats -q --if-missing " + tmp.path.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("complete, kept"), std::string::npos) << r.output;
  EXPECT_EQ(slurp(tmp / "meta/stats.json"), before);
  // Tamper with a value: --check fails and names it.
  std::string s = before;
  size_t p = s.find("10.666498184204102");
  ASSERT_NE(p, std::string::npos);
  s.replace(p, 18, "10.766498184204102");
  std::ofstream(tmp / "meta/stats.json", std::ios::trunc) << s;
  auto c = run_groot("stats -q --check " + tmp.path.string());
  EXPECT_EQ(c.exit_code, 1) << c.output;
  EXPECT_NE(c.output.find("at .timestamp.mean[0]"), std::string::npos) << c.output;
}

TEST(StatsCli, Errors) {
  groot::test::TempDir tmp;
  auto r = run_groot("stats " + (tmp / "nope").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("not a directory"), std::string::npos) << r.output;
  copy_robot_sim(tmp / "ds");
  auto e = run_groot("stats --embodiment-tag robot9000 " + (tmp / "ds").string());
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_NE(e.output.find("embodiment_tag \"robot9000\" is not a GR00T N1.6 tag"), std::string::npos)
      << e.output;
  std::ofstream(tmp / "bad.yaml") << "action: {delta_indices: [0], modality_keys: [tail]}\n";
  auto b = run_groot("stats --modality-config " + (tmp / "bad.yaml").string() + " " + (tmp / "ds").string());
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.output.find("action key \"tail\" is not in"), std::string::npos) << b.output;
}
