// HDF5 wrapper + synth: layout, encodings, row-range reads, error messages, scene consistency.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "data/hdf5.h"
#include "data/synth.h"
#include "test_util.h"
#include "util/error.h"

namespace h5 = groot::h5;
namespace synth = groot::synth;
using groot::test::TempDir;
using groot::test::error_of;

namespace {

std::string fixture() { return groot::test::fixtures_dir() + "/isaaclab_hdf5_franka_stack/dataset.hdf5"; }

synth::Options small(const std::string& out, bool gzip, bool gap = false) {
  synth::Options o;
  o.output = out;
  o.demos = 3;
  o.min_length = 20;
  o.max_length = 40;
  o.height = 48;
  o.width = 64;
  o.seed = 5;
  o.gzip = gzip;
  o.gap = gap;
  o.quiet = true;
  return o;
}

}  // namespace

TEST(Hdf5, GuessChunkMatchesH5py) {
  // Values printed by h5py 3.7 (h5py.filters.guess_chunk) for these shapes.
  EXPECT_EQ(h5::guess_chunk({300, 160, 256, 3}, 1), (std::vector<int64_t>{38, 20, 64, 1}));
  EXPECT_EQ(h5::guess_chunk({300, 240, 320, 3}, 1), (std::vector<int64_t>{38, 30, 40, 1}));
  EXPECT_EQ(h5::guess_chunk({300, 480, 640, 3}, 1), (std::vector<int64_t>{19, 60, 80, 1}));
  EXPECT_EQ(h5::guess_chunk({300, 26}, 4), (std::vector<int64_t>{150, 13}));
}

TEST(Hdf5, FrankaFixtureLayoutAndValues) {
  h5::File f = h5::File::open(fixture());
  auto demos = f.children("data");
  // HDF5 lists names lexically; the numbering has gaps.
  EXPECT_EQ(demos, (std::vector<std::string>{"demo_0", "demo_1", "demo_12", "demo_13", "demo_14", "demo_16", "demo_2",
                                              "demo_6", "demo_8", "demo_9"}));
  EXPECT_EQ(f.attr_type("data", "total"), h5::Type::kInt64);
  EXPECT_EQ(f.attr_int("data", "total"), 3901);
  EXPECT_EQ(f.attr_string("data", "env_args"), "{\"env_name\": \"Isaac-Stack-Cube-Franka-IK-Rel-v0\", \"type\": 2}");
  EXPECT_EQ(f.attr_type("data/demo_0", "success"), h5::Type::kBool);
  EXPECT_TRUE(f.attr_bool("data/demo_0", "success"));
  EXPECT_EQ(f.attr_int("data/demo_0", "num_samples"), 236);
  EXPECT_EQ(f.kind("data/demo_0/obs"), h5::Kind::kGroup);
  EXPECT_EQ(f.kind("data/demo_0/obs/eef_quat"), h5::Kind::kDataset);
  EXPECT_EQ(f.kind("data/demo_3"), h5::Kind::kNone);
  EXPECT_EQ(f.kind("data/demo_3/obs/eef_quat"), h5::Kind::kNone);
  h5::Dataset q = f.dataset("data/demo_0/obs/eef_quat");
  EXPECT_EQ(q.info().type, h5::Type::kFloat32);
  EXPECT_EQ(q.info().shape, (std::vector<int64_t>{236, 4}));
  EXPECT_FALSE(q.info().chunked);
  EXPECT_TRUE(q.info().filters.empty());
  float row[4];
  q.read_rows(0, 1, row);
  EXPECT_FLOAT_EQ(row[0], -0.01045851f);
  EXPECT_FLOAT_EQ(row[1], 0.99891174f);
  EXPECT_FLOAT_EQ(row[2], -0.02453229f);
  EXPECT_FLOAT_EQ(row[3], 0.03826473f);
  // Type conversion by HDF5: float32 -> double gives the same values.
  double rowd[4];
  q.read_rows(0, 1, rowd);
  EXPECT_EQ(float(rowd[1]), row[1]);
  int64_t total = 0;
  for (const auto& d : demos) total += f.dataset("data/" + d + "/actions").info().shape[0];
  EXPECT_EQ(total, 2163);  // the stale total attribute says 3901
}

TEST(Hdf5, ErrorsNameFileAndObject) {
  TempDir tmp;
  EXPECT_NE(error_of([&] { h5::File::open((tmp / "nope.hdf5").string()); }).find("nope.hdf5: no such file"),
            std::string::npos);
  {
    std::ofstream(tmp / "text.hdf5") << "this is not hdf5\n";
  }
  EXPECT_NE(error_of([&] { h5::File::open((tmp / "text.hdf5").string()); }).find("not an HDF5 file"), std::string::npos);
  // Truncated copy of a real file: the superblock is intact but the end of file is missing.
  {
    std::ifstream in(fixture(), std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(tmp / "trunc.hdf5", std::ios::binary).write(all.data(), std::streamsize(all.size() / 2));
  }
  std::string e = error_of([&] { h5::File::open((tmp / "trunc.hdf5").string()); });
  EXPECT_NE(e.find("trunc.hdf5"), std::string::npos) << e;
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  h5::File f = h5::File::open(fixture());
  e = error_of([&] { f.dataset("data/demo_0/obs/wrist_rgb"); });
  EXPECT_NE(e.find("dataset.hdf5: dataset /data/demo_0/obs/wrist_rgb is missing"), std::string::npos) << e;
  e = error_of([&] { f.dataset("data/demo_0/obs"); });
  EXPECT_NE(e.find("is a group, expected a dataset"), std::string::npos) << e;
  e = error_of([&] { f.attr_int("data/demo_0", "nope"); });
  EXPECT_NE(e.find("/data/demo_0 has no attribute 'nope'"), std::string::npos) << e;
  e = error_of([&] { f.attr_string("data", "total"); });
  EXPECT_NE(e.find("expected a string"), std::string::npos) << e;
  h5::Dataset d = f.dataset("data/demo_0/actions");
  float buf[7 * 4];
  e = error_of([&] { d.read_rows(234, 4, buf); });
  EXPECT_NE(e.find("rows [234, 238) out of range for shape (236, 7)"), std::string::npos) << e;
}

TEST(Hdf5, SynthLayoutMatchesIsaacLab) {
  TempDir tmp;
  for (bool gzip : {true, false}) {
    std::string path = (tmp / (gzip ? "g.hdf5" : "c.hdf5")).string();
    auto o = small(path, gzip);
    auto sum = synth::write_file(o);
    EXPECT_EQ(sum.demos, 3);
    h5::File f = h5::File::open(path);
    EXPECT_EQ(f.children("data"), (std::vector<std::string>{"demo_0", "demo_1", "demo_2"}));
    EXPECT_EQ(f.attr_type("data", "total"), h5::Type::kInt64);
    EXPECT_EQ(f.attr_int("data", "total"), sum.frames);
    EXPECT_NE(f.attr_string("data", "env_args").find("\"env_name\""), std::string::npos);
    int64_t frames = 0;
    for (int i = 0; i < 3; ++i) {
      std::string g = "data/demo_" + std::to_string(i);
      int64_t T = synth::demo_length(o, i);
      frames += T;
      EXPECT_GE(T, 20);
      EXPECT_LE(T, 40);
      EXPECT_EQ(f.attr_int(g, "num_samples"), T);
      EXPECT_EQ(f.attr_type(g, "success"), h5::Type::kBool);
      EXPECT_TRUE(f.attr_bool(g, "success"));
      struct Want {
        const char* key;
        h5::Type type;
        std::vector<int64_t> shape;
      };
      for (const Want& w : {Want{"actions", h5::Type::kFloat32, {T, 7}}, Want{"obs/eef_pos", h5::Type::kFloat32, {T, 3}},
                            Want{"obs/eef_quat", h5::Type::kFloat32, {T, 4}},
                            Want{"obs/gripper_pos", h5::Type::kFloat32, {T, 2}},
                            Want{"obs/wrist_rgb", h5::Type::kUInt8, {T, 48, 64, 3}},
                            Want{"obs/table_rgb", h5::Type::kUInt8, {T, 48, 64, 3}}}) {
        auto info = f.dataset_info(g + "/" + w.key);
        EXPECT_EQ(info.type, w.type) << w.key;
        EXPECT_EQ(info.shape, w.shape) << w.key;
        EXPECT_EQ(info.chunked, gzip) << w.key;
        if (gzip) {
          EXPECT_EQ(info.filters, std::vector<std::string>{"deflate"}) << w.key;
          EXPECT_EQ(info.chunk, h5::guess_chunk(w.shape, w.type == h5::Type::kUInt8 ? 1 : 4)) << w.key;
        } else {
          EXPECT_TRUE(info.filters.empty()) << w.key;
        }
      }
      // Stored values equal the scripted episode, images equal the renderer's output.
      synth::Episode ep = synth::script_episode(o, i);
      std::vector<float> a(size_t(T) * 7);
      f.dataset(g + "/actions").read_rows(0, T, a.data());
      EXPECT_EQ(0, std::memcmp(a.data(), ep.actions[0].data(), a.size() * 4));
      std::vector<uint8_t> img(48 * 64 * 3), ref(48 * 64 * 3);
      f.dataset(g + "/obs/table_rgb").read_rows(T / 2, 1, img.data());
      synth::render(ep, int(T / 2), synth::Camera::kTable, 48, 64, ref.data());
      EXPECT_EQ(img, ref);
    }
    EXPECT_EQ(frames, sum.frames);
  }
}

TEST(Hdf5, RowRangeReadsEqualFullRead) {
  TempDir tmp;
  std::string path = (tmp / "g.hdf5").string();
  auto o = small(path, true);
  o.demos = 1;
  o.min_length = o.max_length = 37;
  synth::write_file(o);
  h5::File f = h5::File::open(path);
  h5::Dataset d = f.dataset("data/demo_0/obs/wrist_rgb");
  const size_t fb = 48 * 64 * 3;
  std::vector<uint8_t> all(37 * fb), part;
  d.read_rows(0, 37, all.data());
  // Ranges crossing chunk boundaries in every way, including single rows and the tail.
  for (auto [r0, n] : std::vector<std::pair<int, int>>{{0, 1}, {5, 12}, {17, 20}, {36, 1}, {3, 34}}) {
    part.assign(size_t(n) * fb, 0);
    d.read_rows(r0, n, part.data());
    EXPECT_EQ(0, std::memcmp(part.data(), all.data() + size_t(r0) * fb, part.size())) << r0 << "+" << n;
  }
}

TEST(Hdf5, DirectChunkReadsEqualHdf5Reads) {
  // uint8 chunked datasets (deflate or no filter) are read as raw chunks + zlib outside HDF5's lock;
  // the result must equal HDF5's own hyperslab read for every range, chunk shape and edge chunk.
  TempDir tmp;
  std::string path = (tmp / "c.hdf5").string();
  const std::vector<int64_t> shape{23, 10, 14, 3};
  std::vector<uint8_t> data(23 * 10 * 14 * 3);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t((i * 2654435761u) >> 13);
  {
    h5::File f = h5::File::create(path);
    f.create_dataset("gz", h5::Type::kUInt8, shape, {5, 4, 6, 2}, 4).write_rows(0, 23, data.data());
    f.create_dataset("raw", h5::Type::kUInt8, shape, {7, 10, 5, 3}, 0).write_rows(0, 23, data.data());
    h5::Dataset part = f.create_dataset("partial", h5::Type::kUInt8, shape, {4, 10, 14, 3}, 4);
    part.write_rows(0, 8, data.data());  // rows 8.. never written: fill value 0
    f.close();
  }
  h5::File f = h5::File::open(path);
  const size_t row = 10 * 14 * 3;
  for (const char* name : {"gz", "raw", "partial"}) {
    for (auto [r0, n] : std::vector<std::pair<int, int>>{{0, 23}, {0, 1}, {3, 9}, {4, 5}, {19, 4}, {22, 1}}) {
      std::vector<uint8_t> fast(size_t(n) * row, 7), slow(size_t(n) * row, 9);
      f.dataset(name).read_rows(r0, n, fast.data());
      ::setenv("GROOT_HDF5_NO_DIRECT", "1", 1);
      f.dataset(name).read_rows(r0, n, slow.data());
      ::unsetenv("GROOT_HDF5_NO_DIRECT");
      EXPECT_TRUE(fast == slow) << name << " rows " << r0 << "+" << n;
      if (std::string(name) != "partial")
        EXPECT_EQ(0, std::memcmp(fast.data(), data.data() + size_t(r0) * row, fast.size())) << name;
    }
  }
}

TEST(Hdf5, CorruptGzipChunkNamesFileDatasetAndRow) {
  // A chunk whose deflate stream is garbage (bit rot, a truncated copy) must give an error naming
  // the file, the dataset and the first row of the chunk, never garbage frames or a crash.
  TempDir tmp;
  std::string path = (tmp / "bad.hdf5").string();
  const std::vector<int64_t> shape{12, 4, 6, 3};
  std::vector<uint8_t> data(12 * 4 * 6 * 3, 17);
  {
    h5::File f = h5::File::create(path);
    f.create_dataset("obs/cam", h5::Type::kUInt8, shape, {4, 4, 6, 3}, 4).write_rows(0, 12, data.data());
    f.close();
  }
  {  // overwrite the chunk holding rows 4..7 with bytes that are not a zlib stream (raw HDF5 API)
    hid_t fid = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(fid, 0);
    hid_t did = H5Dopen2(fid, "obs/cam", H5P_DEFAULT);
    ASSERT_GE(did, 0);
    const hsize_t off[4] = {4, 0, 0, 0};
    std::vector<uint8_t> junk(40, 0xAB);
    ASSERT_GE(H5Dwrite_chunk(did, H5P_DEFAULT, 0, off, junk.size(), junk.data()), 0);
    H5Dclose(did);
    H5Fclose(fid);
  }
  h5::File f = h5::File::open(path);
  std::vector<uint8_t> out(12 * 4 * 6 * 3);
  f.dataset("obs/cam").read_rows(0, 4, out.data());  // the intact chunk still reads
  EXPECT_EQ(out[0], 17);
  try {
    f.dataset("obs/cam").read_rows(0, 12, out.data());
    FAIL() << "expected an error";
  } catch (const groot::Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("bad.hdf5"), std::string::npos) << m;
    EXPECT_NE(m.find("obs/cam"), std::string::npos) << m;
    EXPECT_NE(m.find("row 4"), std::string::npos) << m;
  }
}

TEST(Synth, GapsAndStaleTotal) {
  TempDir tmp;
  std::string path = (tmp / "gap.hdf5").string();
  auto o = small(path, false, true);
  auto sum = synth::write_file(o);
  h5::File f = h5::File::open(path);
  // Lexical HDF5 order differs from numeric order.
  EXPECT_EQ(f.children("data"), (std::vector<std::string>{"demo_0", "demo_11", "demo_8"}));
  EXPECT_GT(f.attr_int("data", "total"), sum.frames);
}

TEST(Synth, DeterministicPerSeed) {
  TempDir tmp;
  auto a = synth::script_episode(small("x", true), 1);
  auto b = synth::script_episode(small("x", true), 1);
  auto o2 = small("x", true);
  o2.seed = 6;
  auto c = synth::script_episode(o2, 1);
  ASSERT_EQ(a.length, b.length);
  EXPECT_EQ(0, std::memcmp(a.eef_pos.data(), b.eef_pos.data(), a.eef_pos.size() * 12));
  EXPECT_NE(a.block_pos[0], c.block_pos[0]);
  // Whole files are byte-identical for the same seed.
  synth::write_file(small((tmp / "1.hdf5").string(), true));
  synth::write_file(small((tmp / "2.hdf5").string(), true));
  std::ifstream f1(tmp / "1.hdf5", std::ios::binary), f2(tmp / "2.hdf5", std::ios::binary);
  std::string s1((std::istreambuf_iterator<char>(f1)), {}), s2((std::istreambuf_iterator<char>(f2)), {});
  EXPECT_TRUE(s1 == s2) << "files differ (sizes " << s1.size() << ", " << s2.size() << ")";
}

TEST(Synth, ActionsStateAndSceneAreConsistent) {
  auto o = small("x", true);
  o.min_length = o.max_length = 120;
  auto ep = synth::script_episode(o, 0);
  const int T = ep.length;
  int closes = 0, opens = 0;
  for (int t = 0; t + 1 < T; ++t) {
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(ep.eef_pos[t][j] + ep.actions[t][j], ep.eef_pos[t + 1][j], 1e-6);
    EXPECT_NEAR(ep.yaw[t] + ep.actions[t][5], ep.yaw[t + 1], 1e-6);
    EXPECT_EQ(ep.actions[t][3], 0.0f);
    EXPECT_EQ(ep.actions[t][4], 0.0f);
    float g = ep.actions[t][6];
    EXPECT_TRUE(g == 1.0f || g == -1.0f);
    // The fingers never open against a close command nor close against an open command.
    float dw = ep.gripper_pos[t + 1][0] - ep.gripper_pos[t][0];
    if (g < 0) EXPECT_LE(dw, 1e-7);
    if (g > 0) EXPECT_GE(dw, -1e-7);
    closes += g < 0 && ep.actions[std::max(0, t - 1)][6] > 0;
    opens += g > 0 && ep.actions[std::max(0, t - 1)][6] < 0;
    EXPECT_FLOAT_EQ(ep.gripper_pos[t][1], -ep.gripper_pos[t][0]);
    // Quaternion (w,x,y,z) = gripper pointing down, rotated by yaw; unit norm.
    const auto& q = ep.eef_quat[t];
    EXPECT_NEAR(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3], 1.0, 1e-6);
    EXPECT_NEAR(std::atan2(q[2], q[1]) * 2, ep.yaw[t], 1e-5);
  }
  EXPECT_EQ(closes, 1);
  EXPECT_EQ(opens, 1);
  // Block: carried while the fingers are closed on it, ends up in the slot.
  int carried = 0;
  for (int t = 0; t < T; ++t)
    if (ep.gripper_pos[t][0] < 0.0201f && ep.block_pos[t] == ep.eef_pos[t]) ++carried;
  EXPECT_GT(carried, T / 4);
  EXPECT_NEAR(ep.block_pos[T - 1][0], ep.slot_pos[0], 1e-5);
  EXPECT_NEAR(ep.block_pos[T - 1][1], ep.slot_pos[1], 1e-5);
  EXPECT_LT(ep.block_pos[T - 1][2], ep.block_pos[0][2] + ep.slot_pos[2]);  // sunk into the fixture
  EXPECT_GT(std::hypot(ep.block_pos[0][0] - ep.slot_pos[0], ep.block_pos[0][1] - ep.slot_pos[1]), 0.1);
  // Both cameras see the blue block at the start; the wrist camera sees it bigger when grasping.
  auto blue = [&](int t, synth::Camera cam) {
    std::vector<uint8_t> img(96 * 128 * 3);
    synth::render(ep, t, cam, 96, 128, img.data());
    int n = 0;
    for (size_t i = 0; i < img.size(); i += 3) n += img[i + 2] > 120 && img[i] < 80 && img[i + 1] < 110;
    return n;
  };
  EXPECT_GT(blue(0, synth::Camera::kTable), 5);
  int grasp = 0;
  while (ep.actions[grasp][6] > 0) ++grasp;
  EXPECT_GT(blue(grasp, synth::Camera::kWrist), 4 * std::max(1, blue(0, synth::Camera::kWrist)));
  EXPECT_GT(blue(grasp, synth::Camera::kWrist), 200);
}

TEST(Synth, RejectsBadOptions) {
  auto o = small("", true);
  EXPECT_NE(error_of([&] { synth::write_file(o); }).find("--output is required"), std::string::npos);
  o.output = "x.hdf5";
  o.min_length = 50;
  o.max_length = 10;
  EXPECT_NE(error_of([&] { synth::write_file(o); }).find("--min-length"), std::string::npos);
}
