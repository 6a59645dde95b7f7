// The `groot` binary end to end: synth -> convert -> read back (parquet exact, video within codec
// tolerance, meta), the franka_stack fixture via the YAML mapping, CLI error reporting, kill -9.
// Bad-input details are covered in-process by tests/data/test_convert.cpp (each groot start loads LibTorch).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>

#include "data/convert.h"
#include "data/hdf5.h"
#include "data/parquet.h"
#include "data/synth.h"
#include "data/video.h"
#include "groot/build_config.h"
#include "convert_test_util.h"
#include "test_util.h"

namespace fs = std::filesystem;
namespace h5 = groot::h5;
namespace pq = groot::pq;
using groot::test::run_cmd;
using groot::test::run_groot;
using groot::test::TempDir;
using json = nlohmann::json;

namespace {

using namespace groot::test::convert;

std::string synth_small(const fs::path& path, int seed, bool gap, bool gzip = true) {
  return "synth -q --output " + q(path) + " --demos 3 --min-length 20 --max-length 36 --height 64 --width 80 --seed " +
         std::to_string(seed) + (gap ? " --gap" : "") + (gzip ? "" : " --no-gzip");
}

}  // namespace


TEST(Convert, SynthToDatasetReadBack) {
  if (!groot::video::available()) GTEST_SKIP() << "needs FFmpeg video (this build has none)";
  TempDir tmp;
  fs::path in = tmp / "demos.hdf5", out = tmp / "ds";
  auto r = run_groot(synth_small(in, 7, /*gap=*/true));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_groot("convert --hdf5 " + q(in) + " --output " + q(out) + " --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3 episodes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("convert: 3/3 episodes"), std::string::npos) << r.output;  // plain progress line
  EXPECT_EQ(leftovers(tmp.path), 0);

  groot::synth::Options so;
  so.demos = 3;
  so.min_length = 20;
  so.max_length = 36;
  so.height = 64;
  so.width = 80;
  so.seed = 7;
  so.gap = true;

  json info = read_json(out / "meta/info.json");
  EXPECT_EQ(info["codebase_version"], "v2.1");
  EXPECT_EQ(info["robot_type"], "franka_panda");
  EXPECT_EQ(info["total_episodes"], 3);
  EXPECT_EQ(info["total_tasks"], 1);
  EXPECT_EQ(info["total_videos"], 6);
  EXPECT_EQ(info["total_chunks"], 1);
  EXPECT_EQ(info["chunks_size"], 1000);
  EXPECT_EQ(info["fps"], 30);
  EXPECT_EQ(info["splits"]["train"], "0:3");
  const auto& ft = info["features"];
  std::vector<std::string> keys;
  for (auto it = ft.begin(); it != ft.end(); ++it) keys.push_back(it.key());
  // nlohmann::json sorts keys; check the set and the content.
  EXPECT_EQ(ft.size(), 9u);
  EXPECT_EQ(ft["observation.state"]["shape"], json({8}));
  EXPECT_EQ(ft["observation.state"]["names"], json({"eef_x", "eef_y", "eef_z", "qx", "qy", "qz", "qw", "gripper"}));
  EXPECT_EQ(ft["action"]["shape"], json({7}));
  EXPECT_EQ(ft["action"]["names"], json({"dx", "dy", "dz", "droll", "dpitch", "dyaw", "gripper"}));
  for (const char* cam : {"observation.images.wrist", "observation.images.table"}) {
    EXPECT_EQ(ft[cam]["dtype"], "video");
    EXPECT_EQ(ft[cam]["shape"], json({64, 80, 3}));  // from the data, not 224x224
    EXPECT_EQ(ft[cam]["info"]["video.height"], 64);
    EXPECT_EQ(ft[cam]["info"]["video.width"], 80);
    EXPECT_EQ(ft[cam]["info"]["video.codec"], "h264");
    EXPECT_EQ(ft[cam]["info"]["video.pix_fmt"], "yuv420p");
    EXPECT_EQ(ft[cam]["info"]["video.fps"], 30);
    EXPECT_EQ(ft[cam]["info"]["has_audio"], false);
  }
  EXPECT_EQ(ft["timestamp"]["dtype"], "float32");
  EXPECT_EQ(ft["index"]["dtype"], "int64");
  // info.json key order as LeRobot writes it.
  std::ifstream raw(out / "meta/info.json");
  std::string text((std::istreambuf_iterator<char>(raw)), {});
  EXPECT_LT(text.find("\"codebase_version\""), text.find("\"total_episodes\""));
  EXPECT_LT(text.find("\"observation.state\""), text.find("\"observation.images.wrist\""));
  EXPECT_LT(text.find("\"observation.images.table\""), text.find("\"timestamp\""));

  json mod = read_json(out / "meta/modality.json");
  EXPECT_EQ(mod["state"]["eef_pos"], json({{"start", 0}, {"end", 3}}));
  EXPECT_EQ(mod["state"]["eef_quat"], json({{"start", 3}, {"end", 7}}));
  EXPECT_EQ(mod["state"]["gripper"], json({{"start", 7}, {"end", 8}}));
  EXPECT_EQ(mod["action"]["arm"], json({{"start", 0}, {"end", 6}}));
  EXPECT_EQ(mod["action"]["gripper"], json({{"start", 6}, {"end", 7}}));
  EXPECT_EQ(mod["video"]["wrist"]["original_key"], "observation.images.wrist");
  EXPECT_EQ(mod["video"]["table"]["original_key"], "observation.images.table");
  EXPECT_EQ(mod["annotation"]["human.task_description"]["original_key"], "task_index");

  auto tasks = read_jsonl(out / "meta/tasks.jsonl");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0], json({{"task_index", 0}, {"task", "pick up the blue block and insert it into the MCX card slot"}}));
  auto eps = read_jsonl(out / "meta/episodes.jsonl");
  auto stats = read_jsonl(out / "meta/episodes_stats.jsonl");
  ASSERT_EQ(eps.size(), 3u);
  ASSERT_EQ(stats.size(), 3u);
  json conv = read_json(out / "meta/conversion.json");

  int64_t index = 0, total = 0;
  double worst_mae = 0;
  for (int e = 0; e < 3; ++e) {
    // Numeric demo order with gaps: demo_0, demo_8, demo_11.
    groot::synth::Episode ep = groot::synth::script_episode(so, e);
    const int64_t T = ep.length;
    EXPECT_EQ(conv["episodes"][e]["demo"], "demo_" + std::to_string(ep.demo_id));
    EXPECT_EQ(eps[e]["episode_index"], e);
    EXPECT_EQ(eps[e]["length"], T);
    EXPECT_EQ(eps[e]["tasks"], json({tasks[0]["task"]}));
    total += T;

    pq::Table t = pq::read_table((out / "data/chunk-000" / (ep_name(e) + ".parquet")).string());
    ASSERT_EQ(t.num_rows, T);
    std::vector<std::string> names;
    for (auto& c : t.columns) names.push_back(c.name);
    EXPECT_EQ(names, (std::vector<std::string>{"observation.state", "action", "timestamp", "frame_index",
                                               "episode_index", "index", "task_index"}));
    const auto& st = t.at("observation.state");
    const auto& ac = t.at("action");
    EXPECT_EQ(st.shape, pq::Shape::kFixedList);
    EXPECT_EQ(st.list_size, 8);
    EXPECT_EQ(st.elem, pq::Elem::kFloat32);
    EXPECT_EQ(ac.list_size, 7);
    for (int64_t r = 0; r < T; ++r) {
      const float* s = &st.f32[size_t(r * 8)];
      for (int j = 0; j < 3; ++j) ASSERT_EQ(s[j], ep.eef_pos[r][j]);
      for (int j = 0; j < 4; ++j) ASSERT_EQ(s[3 + j], ep.eef_quat[r][j]);
      ASSERT_EQ(s[7], ep.gripper_pos[r][0]);
      for (int j = 0; j < 7; ++j) ASSERT_EQ(ac.f32[size_t(r * 7 + j)], ep.actions[r][j]);
      ASSERT_EQ(t.at("timestamp").f32[r], float(double(r) / 30.0));
      ASSERT_EQ(t.at("frame_index").i64[r], r);
      ASSERT_EQ(t.at("episode_index").i64[r], e);
      ASSERT_EQ(t.at("index").i64[r], index + r);  // global and contiguous
      ASSERT_EQ(t.at("task_index").i64[r], 0);
    }
    index += T;
    // episodes_stats: LeRobot v2.1 per-episode stats.
    const json& s = stats[e]["stats"];
    EXPECT_EQ(stats[e]["episode_index"], e);
    EXPECT_EQ(s["observation.state"]["count"], json({T}));
    EXPECT_DOUBLE_EQ(s["action"]["min"][6].get<double>(), -1.0);
    EXPECT_DOUBLE_EQ(s["action"]["max"][6].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(s["index"]["min"][0].get<double>(), double(index - T));
    EXPECT_DOUBLE_EQ(s["timestamp"]["max"][0].get<double>(), double(T - 1) / 30.0);
    EXPECT_EQ(s["observation.images.wrist"]["count"], json({T}));  // T < 100: every frame sampled
    EXPECT_EQ(s["observation.images.wrist"]["mean"].size(), 3u);
    EXPECT_EQ(s["observation.images.wrist"]["mean"][0], json::array({json::array({s["observation.images.wrist"]["mean"][0][0][0]})}));

    // Videos: one frame per row, within codec tolerance of the source frames.
    h5::File hf = h5::File::open(in.string());
    for (auto [cam, key] : {std::pair{"wrist", "obs/wrist_rgb"}, std::pair{"table", "obs/table_rgb"}}) {
      fs::path mp4 = out / "videos/chunk-000" / (std::string("observation.images.") + cam) / (ep_name(e) + ".mp4");
      groot::video::Decoder dec(mp4.string());
      EXPECT_EQ(dec.info().width, 80);
      EXPECT_EQ(dec.info().height, 64);
      EXPECT_EQ(dec.info().codec, "h264");
      EXPECT_EQ(dec.info().pix_fmt, "yuv420p");
      h5::Dataset src_ds = hf.dataset("data/demo_" + std::to_string(ep.demo_id) + "/" + key);
      std::vector<uint8_t> srcf(64 * 80 * 3), other(64 * 80 * 3), got;
      auto mae = [&](const std::vector<uint8_t>& a) {
        double m = 0;
        for (size_t i = 0; i < got.size(); ++i) m += std::abs(int(got[i]) - int(a[i]));
        return m / double(got.size());
      };
      int64_t n = 0;
      double own = 0, far = 0;
      while (dec.next(got)) {
        ASSERT_LT(n, T) << mp4;
        ASSERT_EQ(got.size(), srcf.size());
        src_ds.read_rows(n, 1, srcf.data());
        src_ds.read_rows((n + T / 2) % T, 1, other.data());
        double m = mae(srcf);
        worst_mae = std::max(worst_mae, m);
        own += m;
        far += mae(other);
        ++n;
      }
      EXPECT_EQ(n, T) << mp4;  // exactly one frame per parquet row
      // Frame i decodes to source frame i, not to some other frame of the episode.
      EXPECT_LT(own, 0.5 * far) << mp4;
    }
  }
  EXPECT_EQ(info["total_frames"], total);
  // H.264 crf 23 yuv420p at 64x80: chroma subsampling of the saturated block/chequer edges costs a few
  // grey levels per pixel on average (about 7 observed); a wrong or corrupted frame costs far more.
  EXPECT_LT(worst_mae, 10.0);
  std::printf("worst per-frame mean abs error: %.2f\n", worst_mae);
}

TEST(Convert, FrankaStackFixtureViaMappingFile) {
  TempDir tmp;
  fs::path out = tmp / "stack_y";
  auto r = run_groot("convert --hdf5 " + q(fixture()) + " --mapping " + q(src("examples/mappings/franka_stack.yaml")) +
                     " --output " + q(out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_franka_stack_dataset(out);
}


TEST(Convert, CliReportsErrorsWithExitCode) {
  if (!groot::video::available()) GTEST_SKIP() << "needs FFmpeg video (this build has none)";
  TempDir tmp;
  fs::path in = tmp / "bad.hdf5", out = tmp / "out";
  {
    h5::File f = h5::File::create(in.string());
    write_demo(f, "demo_0", 12);
    write_demo(f, "demo_1", 12);
    std::vector<float> v(12 * 7, 0.f);
    v[2 * 7 + 1] = std::numeric_limits<float>::quiet_NaN();
    f.dataset("data/demo_1/actions").write_rows(0, 12, v.data());
    f.close();
  }
  auto r = run_groot("convert --hdf5 " + q(in) + " --output " + q(out));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("groot convert: error: " + in.string() + ": demo_1: actions: NaN at row 2, column 1 (arm)"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out));
  r = run_groot("convert --skip-invalid --hdf5 " + q(in) + " --output " + q(out));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("skipped " + in.string() + " demo_1: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(1 episodes, 12 frames, 1 demos skipped)"), std::string::npos) << r.output;
  r = run_groot("convert --hdf5 " + q(in));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--output is required"), std::string::npos) << r.output;
  r = run_groot("convert --hdf5 " + q(in) + " --output " + q(tmp / "x") + " --codec vp9");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("vp9"), std::string::npos) << r.output;
}

TEST(Convert, KillDashNineLeavesNoDatasetAndRerunWorks) {
  if (!groot::video::available()) GTEST_SKIP() << "needs FFmpeg video (this build has none)";
  TempDir tmp;
  fs::path in = tmp / "big.hdf5", out = tmp / "ds", old = tmp / "old";
  {
    groot::synth::Options so;  // in-process: every groot start loads LibTorch (seconds on a busy machine)
    so.output = in.string();
    so.demos = 6;
    so.min_length = so.max_length = 100;
    so.height = 96;
    so.width = 128;
    so.seed = 9;
    so.quiet = true;
    groot::synth::write_file(so);
  }
  groot::test::CmdResult r;
  auto start_and_kill = [&](const fs::path& target, const std::string& extra) {
    auto bg = run_cmd(groot::test::groot_binary() + " convert --jobs 1 --hdf5 " + q(in) + " --output " + q(target) +
                      extra + " > " + q(tmp / "log.txt") + " 2>&1 & echo $!");
    int pid = std::stoi(bg.output);
    // Wait until the first episode file exists in the staging folder, then kill -9.
    fs::path staging = tmp / ("." + target.filename().string() + ".staging-" + std::to_string(pid));
    bool seen = false;
    for (int i = 0; i < 6000 && !seen; ++i) {
      seen = fs::exists(staging / "data/chunk-000/episode_000000.parquet");
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_TRUE(seen) << "staging never appeared";
    EXPECT_EQ(::kill(pid, SIGKILL), 0);
    for (int i = 0; i < 400 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_FALSE(fs::exists(staging / "meta/info.json")) << "was killed after finishing; make the input bigger";
  };
  start_and_kill(out, "");
  EXPECT_FALSE(fs::exists(out)) << "a killed run must not leave a dataset-looking folder";

  // An existing dataset survives a killed --overwrite run unchanged.
  {
    groot::synth::Options so;
    so.output = (tmp / "small.hdf5").string();
    so.demos = 2;
    so.min_length = so.max_length = 10;
    so.height = 32;
    so.width = 32;
    so.quiet = true;
    groot::synth::write_file(so);
    groot::convert::Options co;
    co.inputs = {so.output};
    co.output = old.string();
    co.quiet = true;
    groot::convert::run(co);
  }
  std::string before = groot::test::run_cmd("cat " + q(old / "meta/info.json") + " " + q(old / "meta/episodes.jsonl")).output;
  start_and_kill(old, " --overwrite");
  EXPECT_EQ(groot::test::run_cmd("cat " + q(old / "meta/info.json") + " " + q(old / "meta/episodes.jsonl")).output, before);

  // Reruns succeed and clean up the dead runs' staging folders.
  r = run_groot("convert -q --hdf5 " + q(in) + " --output " + q(out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_json(out / "meta/info.json")["total_episodes"], 6);
  r = run_groot("convert -q --overwrite --hdf5 " + q(in) + " --output " + q(old));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_json(old / "meta/info.json")["total_episodes"], 6);
  EXPECT_EQ(leftovers(tmp.path), 0);
}

TEST(Convert, VideoBackendAvailabilityIsExplicit) {
#if GROOT_HAVE_FFMPEG
  // Normal build: the H.264 encoder the converter uses by default is there (SynthToDatasetReadBack
  // checks the videos themselves).
  auto r = run_groot("--version");
  EXPECT_NE(r.output.find("libx264"), std::string::npos) << r.output;
#else
  // Video-less build: cameras in the mapping fail clearly; camera-less mappings still work.
  TempDir tmp;
  fs::path in = tmp / "d.hdf5";
  ASSERT_EQ(run_groot(synth_small(in, 1, false)).exit_code, 0);
  auto r = run_groot("convert -q --hdf5 " + q(in) + " --output " + q(tmp / "ds"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("video encoding is not available in this groot"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp / "ds"));
  r = run_groot("convert -q --hdf5 " + q(fixture()) + " --mapping " + q(src("examples/mappings/franka_stack.yaml")) +
                " --output " + q(tmp / "stack"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
#endif
}
