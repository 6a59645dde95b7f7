// groot convert, in-process (fast): every bad input of the issue with its exact message, bad files and
// outputs, --skip-invalid, --overwrite, several inputs, the franka_stack fixture via the JSON mapping.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>

#include "data/convert.h"
#include "data/frame_cache.h"
#include "data/lerobot.h"
#include "data/hdf5.h"
#include "data/parquet.h"
#include "data/synth.h"
#include "data/video.h"
#include "groot/build_config.h"
#include "util/error.h"
#include "convert_test_util.h"
#include "test_util.h"

namespace fs = std::filesystem;
namespace h5 = groot::h5;
namespace pq = groot::pq;
using groot::test::TempDir;
using json = nlohmann::json;

namespace {

using namespace groot::test::convert;



// Runs the converter in-process; returns "" on success, else the groot::Error message.
std::string convert_err(groot::convert::Options o) {
  o.quiet = true;
  try {
    groot::convert::run(o);
  } catch (const groot::Error& e) {
    return e.what();
  }
  return "";
}
groot::convert::Options opts(const fs::path& in, const fs::path& out) {
  groot::convert::Options o;
  o.inputs = {in.string()};
  o.output = out.string();
  o.quiet = true;
  return o;
}
groot::synth::Options synth_opts(const fs::path& path, int seed, bool gap, bool gzip = true) {
  groot::synth::Options so;
  so.output = path.string();
  so.demos = 3;
  so.min_length = 20;
  so.max_length = 36;
  so.height = 64;
  so.width = 80;
  so.seed = uint64_t(seed);
  so.gap = gap;
  so.gzip = gzip;
  so.quiet = true;
  return so;
}

}  // namespace

TEST(ConvertLib, FrankaStackFixtureViaJsonMapping) {
  TempDir tmp;
  fs::path out = tmp / "stack_j";
  auto o = opts(fixture(), out);
  o.mapping_path = src("examples/mappings/franka_stack.json");
  ASSERT_EQ(convert_err(o), "");
  expect_franka_stack_dataset(out);
}

TEST(ConvertLib, SeveralInputFilesAreConcatenated) {
  // These cases convert camera terms, which a build without FFmpeg refuses by design (see
  // ConvertLib.WithoutFfmpegCamerasGiveAClearError); CI builds with FFmpeg and runs them all.
  if (!groot::video::available()) GTEST_SKIP() << "needs FFmpeg video encoding (this build has none)";
  TempDir tmp;
  fs::path a = tmp / "a.hdf5", b = tmp / "b.hdf5", out = tmp / "ds";
  groot::synth::write_file(synth_opts(a, 1, false));
  groot::synth::write_file(synth_opts(b, 2, true, /*gzip=*/false));  // contiguous storage
  auto o = opts(a, out);
  o.inputs.push_back(b.string());
  o.task = "insert it";
  o.fps = 15;
  o.jobs = 3;
  ASSERT_EQ(convert_err(o), "");
  json conv = read_json(out / "meta/conversion.json");
  ASSERT_EQ(conv["episodes"].size(), 6u);
  EXPECT_EQ(conv["episodes"][2]["file"], a.string());
  EXPECT_EQ(conv["episodes"][3]["file"], b.string());
  EXPECT_EQ(conv["episodes"][4]["demo"], "demo_8");
  auto eps = read_jsonl(out / "meta/episodes.jsonl");
  int64_t index = 0;
  for (int e = 0; e < 6; ++e) {
    pq::Table t = pq::read_table((out / "data/chunk-000" / (ep_name(e) + ".parquet")).string(), {"index", "timestamp"});
    EXPECT_EQ(t.at("index").i64.front(), index);
    EXPECT_FLOAT_EQ(t.at("timestamp").f32[3], 0.2f);
    index += eps[e]["length"].get<int64_t>();
  }
  EXPECT_EQ(read_jsonl(out / "meta/tasks.jsonl")[0]["task"], "insert it");
  EXPECT_EQ(read_json(out / "meta/info.json")["fps"], 15);
}


struct BadCase {
  const char* what;
  std::function<void(h5::File&)> make;  // writes demo_0 (good) and a bad demo_1 / file content
  std::string expect;                   // substring of the error
};

TEST(ConvertLib, BadDemosAreReportedPrecisely) {
  // These cases convert camera terms, which a build without FFmpeg refuses by design (see
  // ConvertLib.WithoutFfmpegCamerasGiveAClearError); CI builds with FFmpeg and runs them all.
  if (!groot::video::available()) GTEST_SKIP() << "needs FFmpeg video encoding (this build has none)";
  auto nan = std::numeric_limits<float>::quiet_NaN();
  auto inf = std::numeric_limits<float>::infinity();
  std::vector<BadCase> cases;
  auto demo_then = [](std::function<void(h5::File&, const std::string&)> bad) {
    return [bad](h5::File& f) {
      write_demo(f, "demo_0", 12);
      bad(f, "data/demo_1");
    };
  };
  auto all_but = [](h5::File& f, const std::string& g, const std::string& skip, int T = 12) {
    f.create_group(g + "/obs");
    for (auto [key, D] : std::vector<std::pair<std::string, int>>{
             {"actions", 7}, {"obs/eef_pos", 3}, {"obs/eef_quat", 4}, {"obs/gripper_pos", 2}}) {
      if (key == skip) continue;
      std::vector<float> v(size_t(T) * D, 0.5f);
      f.create_dataset(g + "/" + key, h5::Type::kFloat32, {T, D}).write_rows(0, T, v.data());
    }
    for (const char* cam : {"obs/wrist_rgb", "obs/table_rgb"}) {
      if (skip == cam) continue;
      std::vector<uint8_t> img(size_t(T) * 16 * 16 * 3, 100);
      f.create_dataset(g + "/" + cam, h5::Type::kUInt8, {T, 16, 16, 3}).write_rows(0, T, img.data());
    }
  };
  cases.push_back({"missing dataset", demo_then([&](h5::File& f, const std::string& g) { all_but(f, g, "obs/eef_quat"); }),
                   "bad.hdf5: demo_1: obs/eef_quat: dataset is missing (state group 'eef_quat')"});
  cases.push_back({"missing camera", demo_then([&](h5::File& f, const std::string& g) { all_but(f, g, "obs/table_rgb"); }),
                   "bad.hdf5: demo_1: obs/table_rgb: dataset is missing (camera 'table')"});
  cases.push_back({"mismatched T", demo_then([&](h5::File& f, const std::string& g) {
                     all_but(f, g, "obs/eef_pos");
                     std::vector<float> v(11 * 3, 0.1f);
                     f.create_dataset(g + "/obs/eef_pos", h5::Type::kFloat32, {11, 3}).write_rows(0, 11, v.data());
                   }),
                   "bad.hdf5: demo_1: obs/eef_pos: has 11 rows but actions has 12 rows (mismatched T)"});
  cases.push_back({"camera T", demo_then([&](h5::File& f, const std::string& g) {
                     all_but(f, g, "obs/wrist_rgb");
                     std::vector<uint8_t> img(13 * 16 * 16 * 3, 1);
                     f.create_dataset(g + "/obs/wrist_rgb", h5::Type::kUInt8, {13, 16, 16, 3}).write_rows(0, 13, img.data());
                   }),
                   "bad.hdf5: demo_1: obs/wrist_rgb: has 13 frames but actions has 12 rows (mismatched T)"});
  cases.push_back({"wrong dtype", demo_then([&](h5::File& f, const std::string& g) {
                     all_but(f, g, "obs/eef_pos");
                     std::vector<uint8_t> v(12 * 3, 1);
                     f.create_dataset(g + "/obs/eef_pos", h5::Type::kUInt8, {12, 3}).write_rows(0, 12, v.data());
                   }),
                   "bad.hdf5: demo_1: obs/eef_pos: dtype uint8, expected float32 or float64"});
  cases.push_back({"wrong rank", demo_then([&](h5::File& f, const std::string& g) {
                     all_but(f, g, "obs/eef_pos");
                     std::vector<float> v(12 * 3 * 2, 1);
                     f.create_dataset(g + "/obs/eef_pos", h5::Type::kFloat32, {12, 3, 2}).write_rows(0, 12, v.data());
                   }),
                   "bad.hdf5: demo_1: obs/eef_pos: shape (12, 3, 2), expected (T,) or (T, D)"});
  cases.push_back({"too few columns", demo_then([&](h5::File& f, const std::string& g) {
                     all_but(f, g, "actions");
                     std::vector<float> v(12 * 5, 1);
                     f.create_dataset(g + "/actions", h5::Type::kFloat32, {12, 5}).write_rows(0, 12, v.data());
                   }),
                   "bad.hdf5: demo_1: actions: slice [0, 6) out of range for shape (12, 5)"});
  cases.push_back({"camera dtype", demo_then([&](h5::File& f, const std::string& g) {
                     all_but(f, g, "obs/wrist_rgb");
                     std::vector<float> img(12 * 16 * 16 * 3, 1);
                     f.create_dataset(g + "/obs/wrist_rgb", h5::Type::kFloat32, {12, 16, 16, 3}).write_rows(0, 12, img.data());
                   }),
                   "bad.hdf5: demo_1: obs/wrist_rgb: dtype float32, expected uint8 RGB frames"});
  cases.push_back({"camera shape", demo_then([&](h5::File& f, const std::string& g) {
                     all_but(f, g, "obs/wrist_rgb");
                     std::vector<uint8_t> img(12 * 16 * 16 * 4, 1);
                     f.create_dataset(g + "/obs/wrist_rgb", h5::Type::kUInt8, {12, 16, 16, 4}).write_rows(0, 12, img.data());
                   }),
                   "bad.hdf5: demo_1: obs/wrist_rgb: shape (12, 16, 16, 4), expected (T, H, W, 3)"});
  cases.push_back({"camera size differs", demo_then([&](h5::File& f, const std::string& g) {
                     all_but(f, g, "obs/wrist_rgb");
                     std::vector<uint8_t> img(12 * 8 * 16 * 3, 1);
                     f.create_dataset(g + "/obs/wrist_rgb", h5::Type::kUInt8, {12, 8, 16, 3}).write_rows(0, 12, img.data());
                   }),
                   "bad.hdf5: demo_1: obs/wrist_rgb: frames are 8x16 but camera 'wrist' is 16x16"});
  cases.push_back({"odd frame size", demo_then([&](h5::File& f, const std::string& g) {
                     all_but(f, g, "obs/wrist_rgb");
                     std::vector<uint8_t> img(12 * 15 * 16 * 3, 1);
                     f.create_dataset(g + "/obs/wrist_rgb", h5::Type::kUInt8, {12, 15, 16, 3}).write_rows(0, 12, img.data());
                   }),
                   "bad.hdf5: demo_1: obs/wrist_rgb: frames are 15x16; yuv420p video needs even height and width"});
  cases.push_back({"NaN in state", demo_then([&](h5::File& f, const std::string& g) {
                     all_but(f, g, "obs/eef_quat");
                     std::vector<float> v(12 * 4, 0.f);
                     v[5 * 4 + 2] = nan;
                     f.create_dataset(g + "/obs/eef_quat", h5::Type::kFloat32, {12, 4}).write_rows(0, 12, v.data());
                   }),
                   "bad.hdf5: demo_1: obs/eef_quat: NaN at row 5, column 2 (eef_quat)"});
  cases.push_back({"Inf in action", demo_then([&](h5::File& f, const std::string& g) {
                     all_but(f, g, "actions");
                     std::vector<float> v(12 * 7, 0.f);
                     v[3 * 7 + 6] = -inf;
                     f.create_dataset(g + "/actions", h5::Type::kFloat32, {12, 7}).write_rows(0, 12, v.data());
                   }),
                   "bad.hdf5: demo_1: actions: Inf at row 3, column 6 (gripper)"});
  cases.push_back({"empty demo", demo_then([&](h5::File& f, const std::string& g) { all_but(f, g, "", 0); }),
                   "bad.hdf5: demo_1: actions: empty demo (0 rows)"});
  cases.push_back({"demo is not a group", demo_then([&](h5::File& f, const std::string& g) {
                     std::vector<float> v(4, 0.f);
                     f.create_dataset(g, h5::Type::kFloat32, {4}).write_rows(0, 4, v.data());
                   }),
                   "bad.hdf5: demo_1: is not a group"});
  cases.push_back({"no /data", [](h5::File& f) { f.create_group("meta"); }, "bad.hdf5: group /data is missing"});
  cases.push_back({"no demos", [](h5::File& f) { f.create_group("data/mask"); }, "bad.hdf5: /data has no demo_<N> groups"});

  TempDir tmp;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    fs::path in = tmp / "bad.hdf5", out = tmp / "out";
    {
      h5::File f = h5::File::create(in.string());
      c.make(f);
      f.close();
    }
    std::string err = convert_err(opts(in, out));
    EXPECT_NE(err.find(c.expect), std::string::npos) << "want: " << c.expect << "\ngot: " << err;
    EXPECT_FALSE(fs::exists(out)) << c.what;
    EXPECT_EQ(leftovers(tmp.path), 0);
  }
}

TEST(ConvertLib, BadFilesAndOutputs) {
  // These cases convert camera terms, which a build without FFmpeg refuses by design (see
  // ConvertLib.WithoutFfmpegCamerasGiveAClearError); CI builds with FFmpeg and runs them all.
  if (!groot::video::available()) GTEST_SKIP() << "needs FFmpeg video encoding (this build has none)";
  TempDir tmp;
  fs::path good = tmp / "good.hdf5";
  groot::synth::write_file(synth_opts(good, 3, false));
  // Not HDF5.
  { std::ofstream(tmp / "notes.hdf5") << "hello\n"; }
  std::string e = convert_err(opts(tmp / "notes.hdf5", tmp / "o1"));
  EXPECT_NE(e.find("notes.hdf5: not an HDF5 file"), std::string::npos) << e;
  // Truncated.
  {
    std::ifstream in(good, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(tmp / "cut.hdf5", std::ios::binary).write(all.data(), std::streamsize(all.size() * 2 / 3));
  }
  e = convert_err(opts(tmp / "cut.hdf5", tmp / "o2"));
  EXPECT_NE(e.find("cut.hdf5: cannot open HDF5 file (truncated or corrupt?)"), std::string::npos) << e;
  // Missing.
  e = convert_err(opts(tmp / "nope.hdf5", tmp / "o3"));
  EXPECT_NE(e.find("nope.hdf5: no such file"), std::string::npos) << e;
  // Non-empty output without --overwrite.
  fs::create_directories(tmp / "full");
  { std::ofstream(tmp / "full/keep.txt") << "mine\n"; }
  e = convert_err(opts(good, tmp / "full"));
  EXPECT_NE(e.find("full exists and is not empty (pass --overwrite to replace it)"), std::string::npos) << e;
  EXPECT_TRUE(fs::exists(tmp / "full/keep.txt"));
  // Output is a file / cannot be created under a file.
  { std::ofstream(tmp / "afile") << "x\n"; }
  e = convert_err(opts(good, tmp / "afile"));
  EXPECT_NE(e.find("afile exists and is not a directory"), std::string::npos) << e;
  e = convert_err(opts(good, tmp / "afile/sub"));
  EXPECT_NE(e.find("cannot create"), std::string::npos) << e;
  // Bad mapping file: the message names the mapping file and field.
  { std::ofstream(tmp / "m.yaml") << "state:\n  - {name: s, key: obs/eef_pos, slice: [0, 9]}\naction:\n  - {name: a, key: actions}\n"; }
  auto o4 = opts(good, tmp / "o4");
  o4.task = "t";
  o4.mapping_path = (tmp / "m.yaml").string();
  e = convert_err(o4);
  EXPECT_NE(e.find("good.hdf5: demo_0: obs/eef_pos: slice [0, 9) out of range for shape ("), std::string::npos) << e;
  { std::ofstream(tmp / "m2.yaml") << "stat:\n  - {name: s, key: obs/eef_pos}\n"; }
  auto o5 = opts(good, tmp / "o5");
  o5.mapping_path = (tmp / "m2.yaml").string();
  e = convert_err(o5);
  EXPECT_NE(e.find("m2.yaml: unknown field 'stat'"), std::string::npos) << e;
  // An input inside the output folder is refused before anything is written.
  fs::create_directories(tmp / "o6");
  fs::copy_file(good, tmp / "o6/in.hdf5");
  auto o6 = opts(tmp / "o6/in.hdf5", tmp / "o6");
  o6.overwrite = true;
  e = convert_err(o6);
  EXPECT_NE(e.find("lies inside the output folder"), std::string::npos) << e;
  EXPECT_TRUE(fs::exists(tmp / "o6/in.hdf5"));
  for (const char* o : {"o1", "o2", "o3", "o4", "o5"}) EXPECT_FALSE(fs::exists(tmp / o)) << o;
  EXPECT_EQ(leftovers(tmp.path), 0);
}

TEST(ConvertLib, SkipInvalidSkipsAndReports) {
  // These cases convert camera terms, which a build without FFmpeg refuses by design (see
  // ConvertLib.WithoutFfmpegCamerasGiveAClearError); CI builds with FFmpeg and runs them all.
  if (!groot::video::available()) GTEST_SKIP() << "needs FFmpeg video encoding (this build has none)";
  TempDir tmp;
  fs::path in = tmp / "mixed.hdf5", out = tmp / "ds";
  {
    h5::File f = h5::File::create(in.string());
    write_demo(f, "demo_0", 10);
    write_demo(f, "demo_1", 11);
    write_demo(f, "demo_2", 12);
    write_demo(f, "demo_10", 13);
    // demo_2's gripper has a NaN; demo_3 lacks actions.
    std::vector<float> v(12 * 2, 0.f);
    v[6] = std::numeric_limits<float>::quiet_NaN();  // row 3, finger 0 (the mapped column)
    f.dataset("data/demo_2/obs/gripper_pos").write_rows(0, 12, v.data());
    f.create_group("data/demo_3/obs");
    f.close();
  }
  std::string e = convert_err(opts(in, out));
  EXPECT_NE(e.find("demo_2: obs/gripper_pos: NaN at row 3, column 0 (gripper)"), std::string::npos) << e;
  EXPECT_NE(e.find("use --skip-invalid"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(out));
  auto o = opts(in, out);
  o.skip_invalid = true;
  auto res = groot::convert::run(o);
  EXPECT_EQ(res.episodes, 3);
  EXPECT_EQ(res.frames, 34);
  ASSERT_EQ(res.skipped.size(), 2u);
  EXPECT_EQ(res.skipped[0].demo, "demo_2");
  EXPECT_NE(res.skipped[0].reason.find("NaN at row 3"), std::string::npos);
  EXPECT_EQ(res.skipped[1].demo, "demo_3");
  EXPECT_NE(res.skipped[1].reason.find(in.string() + ": demo_3: actions: dataset is missing"), std::string::npos)
      << res.skipped[1].reason;
  json conv = read_json(out / "meta/conversion.json");
  ASSERT_EQ(conv["skipped"].size(), 2u);
  EXPECT_EQ(conv["skipped"][0]["demo"], "demo_2");
  EXPECT_EQ(conv["episodes"][2]["demo"], "demo_10");
  pq::Table t = pq::read_table((out / "data/chunk-000/episode_000002.parquet").string());
  EXPECT_EQ(t.num_rows, 13);
  EXPECT_EQ(t.at("index").i64[0], 21);  // contiguous over the kept episodes
  EXPECT_EQ(read_json(out / "meta/info.json")["total_frames"], 34);
}

TEST(ConvertLib, OverwriteReplacesOnlyWhenComplete) {
  // These cases convert camera terms, which a build without FFmpeg refuses by design (see
  // ConvertLib.WithoutFfmpegCamerasGiveAClearError); CI builds with FFmpeg and runs them all.
  if (!groot::video::available()) GTEST_SKIP() << "needs FFmpeg video encoding (this build has none)";
  TempDir tmp;
  fs::path in = tmp / "d.hdf5", out = tmp / "ds";
  groot::synth::write_file(synth_opts(in, 4, false));
  auto o = opts(in, out);
  o.task = "first";
  ASSERT_EQ(convert_err(o), "");
  o.task = "second";
  EXPECT_NE(convert_err(o), "");
  EXPECT_EQ(read_jsonl(out / "meta/tasks.jsonl")[0]["task"], "first");
  // A failing run with --overwrite leaves the existing dataset as it was.
  auto bad = opts(tmp / "missing.hdf5", out);
  bad.overwrite = true;
  EXPECT_NE(convert_err(bad), "");
  EXPECT_EQ(read_jsonl(out / "meta/tasks.jsonl")[0]["task"], "first");
  o.overwrite = true;
  ASSERT_EQ(convert_err(o), "");
  EXPECT_EQ(read_jsonl(out / "meta/tasks.jsonl")[0]["task"], "second");
  EXPECT_EQ(leftovers(tmp.path), 0);
}


TEST(ConvertLib, WithoutFfmpegCamerasGiveAClearError) {
  // Without FFmpeg, a mapping with cameras fails before anything is written, naming the cameras,
  // the mapping and what to do; with FFmpeg the same conversion succeeds.
  TempDir tmp;
  fs::path in = tmp / "d.hdf5", out = tmp / "ds";
  {
    h5::File f = h5::File::create(in.string());
    write_demo(f, "demo_0", 6);
    f.close();
  }
  std::string err = convert_err(opts(in, out));
  if (groot::video::available()) {
    EXPECT_EQ(err, "");
    EXPECT_TRUE(fs::exists(out / "meta/info.json"));
  } else {
    EXPECT_NE(err.find("video encoding is not available"), std::string::npos) << err;
    EXPECT_NE(err.find("(wrist, table)"), std::string::npos) << err;
    EXPECT_NE(err.find("mapping without a 'video' section"), std::string::npos) << err;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_EQ(leftovers(tmp.path), 0);
  }
}

TEST(ConvertLib, ChunksOf1000Episodes) {
  // 1001 tiny camera-less demos: episode 1000 goes to chunk-001.
  TempDir tmp;
  fs::path in = tmp / "many.hdf5", out = tmp / "ds";
  {
    h5::File f = h5::File::create(in.string());
    std::vector<float> a(3 * 7, 0.25f), p(3 * 3, 0.5f);
    for (int i = 0; i < 1001; ++i) {
      std::string g = "data/demo_" + std::to_string(i);
      f.create_group(g + "/obs");
      f.create_dataset(g + "/actions", h5::Type::kFloat32, {3, 7}).write_rows(0, 3, a.data());
      f.create_dataset(g + "/obs/eef_pos", h5::Type::kFloat32, {3, 3}).write_rows(0, 3, p.data());
    }
    f.close();
  }
  { std::ofstream(tmp / "m.json") << R"({"task": "t", "state": [{"name": "pos", "key": "obs/eef_pos"}],
                                        "action": [{"name": "all", "key": "actions"}]})"; }
  auto o = opts(in, out);
  o.mapping_path = (tmp / "m.json").string();
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(convert_err(o), "");
  std::printf("convert of 1001 episodes: %.2f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  json info = read_json(out / "meta/info.json");
  EXPECT_EQ(info["total_episodes"], 1001);
  EXPECT_EQ(info["total_chunks"], 2);
  EXPECT_TRUE(fs::exists(out / "data/chunk-000/episode_000999.parquet"));
  EXPECT_FALSE(fs::exists(out / "data/chunk-000/episode_001000.parquet"));
  pq::Table t = pq::read_table((out / "data/chunk-001/episode_001000.parquet").string());
  EXPECT_EQ(t.at("episode_index").i64[0], 1000);
  EXPECT_EQ(t.at("index").i64[0], 3000);
  EXPECT_EQ(read_json(out / "meta/info.json")["features"]["observation.state"]["names"], json({"pos_0", "pos_1", "pos_2"}));
}

TEST(ConvertLib, Av1OnRequest) {
  if (!groot::video::available()) GTEST_SKIP() << "needs FFmpeg video (this build has none)";
  TempDir tmp;
  fs::path in = tmp / "d.hdf5", out = tmp / "ds";
  auto so = synth_opts(in, 2, false);
  so.demos = 1;
  so.min_length = so.max_length = 12;
  groot::synth::write_file(so);
  auto o = opts(in, out);
  o.codec = "av1";
  o.crf = 30;
  o.preset = "8";
  ASSERT_EQ(convert_err(o), "");
  json info = read_json(out / "meta/info.json");
  EXPECT_EQ(info["features"]["observation.images.wrist"]["info"]["video.codec"], "av1");
  auto vi = groot::video::probe((out / "videos/chunk-000/observation.images.wrist/episode_000000.mp4").string());
  EXPECT_EQ(vi.codec, "av1");
  EXPECT_EQ(vi.num_frames, 12);
  EXPECT_EQ(vi.pix_fmt, "yuv420p");
}

// --frames-to-cache: camera frames go into the dataset's frame cache (no mp4, no FFmpeg needed) and the
// training reader gets exactly the HDF5 frames.
TEST(ConvertLib, FramesToCacheWritesTheFrameCache) {
  TempDir tmp;
  fs::path in = tmp / "in.hdf5";
  {
    h5::File f = h5::File::create(in.string());
    f.create_group("data");
    write_demo(f, "demo_0", 5, 8, 12);
    write_demo(f, "demo_1", 3, 8, 12);
  }
  auto o = opts(in, tmp / "ds");
  o.frames_to_cache = true;
  ASSERT_EQ(convert_err(o), "");
  for (auto& p : fs::recursive_directory_iterator(tmp / "ds")) EXPECT_NE(p.path().extension(), ".mp4") << p.path();
  groot::data::Dataset ds = groot::data::open_dataset(tmp / "ds");
  groot::data::FrameCache cache(ds, {"observation.images.wrist", "observation.images.table"}, {});
  // write_demo fills every camera with byte i * 7 of the [T, H, W, 3] block.
  for (size_t e = 0; e < 2; ++e) {
    const auto& f = cache.file(1, e);
    ASSERT_EQ(f.frames(), e == 0 ? 5 : 3);
    ASSERT_EQ(f.width(), 12);
    ASSERT_EQ(f.height(), 8);
    for (int64_t t = 0; t < f.frames(); ++t)
      for (size_t k = 0; k < f.frame_bytes(); ++k)
        ASSERT_EQ(f.frame(t)[k], uint8_t((size_t(t) * f.frame_bytes() + k) * 7)) << e << " " << t << " " << k;
  }
}
