// Dataset statistics (data/stats.h) end to end:
//  - the robot_sim fixture's parquet files reproduce upstream Isaac-GR00T N1.6's stats.json and
//    relative_stats.json for the same episodes (fixture gr00t_n16_meta_gr1_picknplace) byte for byte,
//    and the N1.5 stats.json of the fixture itself within 1e-5 relative for the float features;
//  - relative stats on a dataset written by our parquet writer against an independent
//    straightforward double-precision computation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "data/lerobot.h"
#include "data/modality_config.h"
#include "data/stats.h"
#include "lerobot_test_util.h"
#include "test_util.h"
#include "util/error.h"
#include "util/fs.h"

namespace {

using namespace groot::data;
namespace fsys = std::filesystem;

std::string fixture(const std::string& name) {
  return groot::test::fixtures_dir() + "/" + name;
}

// A copy of the robot_sim fixture without videos (meta + data).
void copy_robot_sim(const fsys::path& dst) {
  fsys::path src = fixture("gr00t_robot_sim_picknplace_v20");
  fsys::create_directories(dst);
  fsys::copy(src / "meta", dst / "meta", fsys::copy_options::recursive);
  fsys::copy(src / "data", dst / "data", fsys::copy_options::recursive);
  for (auto& p : fsys::recursive_directory_iterator(dst))
    fsys::permissions(p.path(), fsys::perms::owner_write, fsys::perm_options::add);
}

const char* kGr1RelativeConfig = R"J({
  "embodiment_tag": "gr1",
  "state": {"delta_indices": [0], "modality_keys": ["left_arm", "right_arm", "left_hand", "right_hand"]},
  "action": {"delta_indices": "range(16)", "modality_keys": ["left_arm", "right_arm", "left_hand", "right_hand"],
             "action_configs": [{"rep": "relative", "type": "non_eef", "format": "default"},
                                {"rep": "relative", "type": "non_eef", "format": "default"},
                                {"rep": "relative", "type": "non_eef", "format": "default"},
                                {"rep": "relative", "type": "non_eef", "format": "default"}]}})J";

TEST(StatsDataset, RobotSimReproducesUpstreamN16StatsByteForByte) {
  groot::test::TempDir tmp;
  copy_robot_sim(tmp.path);
  Dataset ds = open_dataset(tmp.path);
  std::vector<FeatureStats> st = compute_stats(ds, {});
  ASSERT_EQ(st.size(), 4u);
  std::string ours = dump_stats_json(stats_to_json(st));
  std::string upstream = groot::read_file(fixture("gr00t_n16_meta_gr1_picknplace") + "/meta/stats.json");
  EXPECT_EQ(ours, upstream);

  // The fixture's own N1.5 stats.json (all columns) agrees on the float features within 1e-5.
  ojson n15 = parse_json_text(groot::read_file(tmp / "meta/stats.json"), "stats.json");
  ojson j = stats_to_json(st);
  int compared = 0;
  for (auto it = j.begin(); it != j.end(); ++it)
    for (auto s = it.value().begin(); s != it.value().end(); ++s)
      for (size_t d = 0; d < s.value().size(); ++d) {
        double a = s.value()[d].get<double>(), b = n15[it.key()][s.key()][d].get<double>();
        EXPECT_LE(std::fabs(a - b), 1e-5 * std::max(std::fabs(b), 1e-6))
            << it.key() << "." << s.key() << "[" << d << "]";
        ++compared;
      }
  EXPECT_EQ(compared, 6 * (44 + 44 + 1 + 1));
}

TEST(StatsDataset, RobotSimRelativeStatsMatchUpstreamGr1ByteForByte) {
  groot::test::TempDir tmp;
  copy_robot_sim(tmp.path);
  Dataset ds = open_dataset(tmp.path);
  ModalityConfig cfg = parse_modality_config(parse_json_text(kGr1RelativeConfig, "gr1.json"), "gr1.json");
  validate_modality_config(cfg, *ds.modality, ds.info, "meta/modality.json");
  StatsOptions opt;
  opt.threads = 2;
  std::vector<RelativeStats> rs = compute_relative_stats(ds, cfg, {}, opt);
  ASSERT_EQ(rs.size(), 4u);
  EXPECT_EQ(rs[0].key, "left_arm");  // sorted by name
  EXPECT_EQ(rs[1].key, "left_hand");
  EXPECT_EQ(rs[0].horizon, 16);
  EXPECT_EQ(rs[0].dim, 7);
  EXPECT_EQ(rs[0].num_chunks, 2096 - 5 * 15);
  std::string upstream =
      groot::read_file(fixture("gr00t_n16_meta_gr1_picknplace") + "/meta/relative_stats.json");
  EXPECT_EQ(dump_stats_json(relative_stats_to_json(rs)), upstream);
}

// Independent reference: plain double precision, sort-based quantiles (numpy "linear" definition).
struct RefStats {
  double mean, std, min, max, q01, q99;
};
RefStats reference(std::vector<double> v) {
  RefStats r{};
  double s = 0;
  for (double x : v) s += x;
  r.mean = s / v.size();
  double ss = 0;
  for (double x : v) ss += (x - r.mean) * (x - r.mean);
  r.std = std::sqrt(ss / v.size());
  std::sort(v.begin(), v.end());
  r.min = v.front();
  r.max = v.back();
  auto q = [&](double p) {
    double pos = p * (v.size() - 1);
    size_t lo = size_t(std::floor(pos));
    size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - lo);
  };
  r.q01 = q(0.01);
  r.q99 = q(0.99);
  return r;
}

TEST(StatsDataset, RelativeStatsAgainstStraightforwardComputation) {
  groot::test::TempDir tmp;
  groot::test::SynthSpec spec;
  spec.lengths = {40, 3, 25, 7};  // the 3-frame episode is shorter than the horizon
  groot::test::write_synth_dataset(tmp.path, spec);
  Dataset ds = open_dataset(tmp.path);
  // "arm" is RELATIVE (to state "arm"), "grip" ABSOLUTE.
  ModalityConfig cfg = parse_modality_config(parse_json_text(R"J({
    "state": {"delta_indices": [0], "modality_keys": ["arm", "grip"]},
    "action": {"delta_indices": [0, 1, 2, 3, 4], "modality_keys": ["arm", "grip"],
               "action_configs": [{"rep": "relative", "type": "non_eef", "format": "default"},
                                  {"rep": "absolute", "type": "non_eef", "format": "default"}]}})J",
                                                             "cfg"),
                                             "cfg");
  validate_modality_config(cfg, *ds.modality, ds.info, "meta/modality.json");
  std::vector<RelativeStats> rs = compute_relative_stats(ds, cfg);
  ASSERT_EQ(rs.size(), 1u);
  const RelativeStats& r = rs[0];
  EXPECT_EQ(r.key, "arm");
  EXPECT_EQ(r.horizon, 5);
  EXPECT_EQ(r.dim, 3);
  // windows: 40-4 + 0 + 25-4 + 7-4
  EXPECT_EQ(r.num_chunks, 36 + 21 + 3);

  // Reference: every window of every episode, action[i + t][0:3] - state[i][0:3].
  std::vector<std::vector<double>> cols(size_t(5 * 3));
  for (const auto& ep : ds.episodes) {
    groot::pq::Table t = read_episode_table(ds, ep.episode_index);
    Matrix S = column_matrix_f64(t, "observation.state", 4, "s");
    Matrix A = column_matrix_f64(t, "action", 4, "a");
    for (int64_t i = 0; i + 4 < A.rows; ++i)
      for (int64_t ti = 0; ti < 5; ++ti)
        for (int64_t d = 0; d < 3; ++d) cols[ti * 3 + d].push_back(A.at(i + ti, d) - S.at(i, d));
  }
  ASSERT_EQ(int64_t(cols[0].size()), r.num_chunks);
  auto near = [](double got, double want, const char* what, size_t c) {
    EXPECT_LE(std::fabs(got - want), 1e-5 * std::max(1.0, std::fabs(want))) << what << " column " << c;
  };
  for (size_t c = 0; c < cols.size(); ++c) {
    RefStats ref = reference(cols[c]);
    near(r.mean[c], ref.mean, "mean", c);
    near(r.std[c], ref.std, "std", c);
    near(r.min[c], ref.min, "min", c);
    near(r.max[c], ref.max, "max", c);
    near(r.q01[c], ref.q01, "q01", c);
    near(r.q99[c], ref.q99, "q99", c);
  }
  // The JSON is [T][D] per statistic.
  ojson j = relative_stats_to_json(rs);
  EXPECT_EQ(j["arm"]["q99"].size(), 5u);
  EXPECT_EQ(j["arm"]["q99"][4].size(), 3u);

  // Plain stats on the same data: float32 features only, timestamp included.
  std::vector<FeatureStats> st = compute_stats(ds);
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[2].key, "timestamp");
  EXPECT_EQ(st[2].min[0], 0.f);
  EXPECT_FLOAT_EQ(st[2].max[0], 3.9f);
}

TEST(StatsDataset, ErrorsNameTheProblem) {
  groot::test::TempDir tmp;
  groot::test::SynthSpec spec;
  spec.lengths = {6, 6};
  groot::test::write_synth_dataset(tmp.path, spec);
  Dataset ds = open_dataset(tmp.path);
  // EEF relative stats are not implemented upstream either.
  ModalityConfig eef = parse_modality_config(parse_json_text(R"J({
    "state": {"delta_indices": [0], "modality_keys": ["arm"]},
    "action": {"delta_indices": [0, 1], "modality_keys": ["arm"],
               "action_configs": [{"rep": "relative", "type": "eef", "format": "xyz+rot6d"}]}})J",
                                                             "eef.json"),
                                             "eef.json");
  try {
    compute_relative_stats(ds, eef);
    FAIL() << "expected an error";
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find("EEF action \"arm\" are not supported"), std::string::npos)
        << e.what();
  }
  // Horizon longer than every episode.
  ModalityConfig longh = parse_modality_config(parse_json_text(R"J({
    "state": {"delta_indices": [0], "modality_keys": ["arm"]},
    "action": {"delta_indices": "range(30)", "modality_keys": ["arm"],
               "action_configs": [{"rep": "relative", "type": "non_eef", "format": "default"}]}})J",
                                                               "l.json"),
                                               "l.json");
  try {
    compute_relative_stats(ds, longh);
    FAIL() << "expected an error";
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no episode is long enough"), std::string::npos) << e.what();
  }
  // NaN in a float column.
  groot::pq::Table t = groot::pq::read_table((tmp / "data/chunk-000/episode_000001.parquet").string());
  for (auto& c : t.columns)
    if (c.name == "action") c.f32[2 * 4 + 1] = NAN;
  groot::pq::write_table((tmp / "data/chunk-000/episode_000001.parquet").string(), t);
  try {
    compute_stats(ds);
    FAIL() << "expected an error";
  } catch (const groot::Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("episode_000001.parquet: column \"action\" row 2 dim 1 is nan"), std::string::npos) << m;
  }
  // No parquet files at all.
  groot::test::TempDir empty;
  fsys::create_directories(empty / "meta");
  fsys::copy(tmp / "meta", empty / "meta", fsys::copy_options::recursive);
  Dataset e2 = open_dataset(empty.path);
  try {
    compute_stats(e2);
    FAIL() << "expected an error";
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no parquet files match data/*/*.parquet"), std::string::npos)
        << e.what();
  }
}

TEST(StatsDataset, PythonFloatRepr) {
  EXPECT_EQ(python_float_repr(1.0), "1.0");
  EXPECT_EQ(python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(python_float_repr(0.1), "0.1");
  EXPECT_EQ(python_float_repr(1e-05), "1e-05");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(1.5e-07), "1.5e-07");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(python_float_repr(123.25), "123.25");
  EXPECT_EQ(python_float_repr(0.005017762165516615), "0.005017762165516615");
  EXPECT_EQ(python_float_repr(double(10.666498184204102f)), "10.666498184204102");
  EXPECT_EQ(python_float_repr(5e-324), "5e-324");
  EXPECT_EQ(python_float_repr(-2.5e+300), "-2.5e+300");
}

}  // namespace
