// Helpers shared by the in-process (tests/data/test_convert.cpp) and command-line
// (tests/cli/test_convert.cpp) converter tests.
#pragma once
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/hdf5.h"
#include "data/parquet.h"
#include "test_util.h"

namespace groot::test::convert {

namespace fs = std::filesystem;
using json = nlohmann::json;

inline std::string q(const fs::path& p) { return "'" + p.string() + "'"; }
inline std::string src(const std::string& rel) { return std::string(GROOT_SOURCE_DIR) + "/" + rel; }
inline std::string fixture() { return fixtures_dir() + "/isaaclab_hdf5_franka_stack/dataset.hdf5"; }

inline json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}
inline std::vector<json> read_jsonl(const fs::path& p) {
  std::ifstream in(p);
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

inline std::string ep_name(int e) {
  char b[32];
  std::snprintf(b, sizeof b, "episode_%06d", e);
  return b;
}

// No hidden staging/old folders next to a dataset once a run has finished.
inline int leftovers(const fs::path& parent) {
  int n = 0;
  for (auto& e : fs::directory_iterator(parent)) {
    std::string s = e.path().filename().string();
    if (s.find(".staging-") != std::string::npos || s.find(".old-") != std::string::npos) ++n;
  }
  return n;
}

// A demo in the seed layout with small frames (T rows, H x W cameras wrist/table).
inline void write_demo(h5::File& f, const std::string& name, int T, int H = 16, int W = 16) {
  std::string g = "data/" + name;
  f.create_group(g + "/obs");
  auto put = [&](const std::string& key, int D) {
    std::vector<float> v(size_t(T) * D);
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.01f * float(i % 97) - 0.3f;
    f.create_dataset(g + "/" + key, h5::Type::kFloat32, {T, D}).write_rows(0, T, v.data());
  };
  put("actions", 7);
  put("obs/eef_pos", 3);
  put("obs/eef_quat", 4);
  put("obs/gripper_pos", 2);
  std::vector<uint8_t> img(size_t(T) * H * W * 3);
  for (size_t i = 0; i < img.size(); ++i) img[i] = uint8_t(i * 7);
  for (const char* cam : {"obs/wrist_rgb", "obs/table_rgb"})
    f.create_dataset(g + "/" + cam, h5::Type::kUInt8, {T, H, W, 3}).write_rows(0, T, img.data());
  f.set_attr_int(g, "num_samples", T);
  f.set_attr_bool(g, "success", true);
}

// The dataset converted from the franka_stack fixture with examples/mappings/franka_stack.*:
// meta files, demo order, modality slices and the values of one episode straight from the HDF5.
inline void expect_franka_stack_dataset(const fs::path& out) {
  json info = read_json(out / "meta/info.json");
  EXPECT_EQ(info["total_episodes"], 10);
  EXPECT_EQ(info["total_frames"], 2163);  // the file's data@total (3901) is stale and ignored
  EXPECT_EQ(info["fps"], 20);
  EXPECT_EQ(info["total_videos"], 0);
  EXPECT_TRUE(info["video_path"].is_null());
  EXPECT_EQ(info["features"]["observation.state"]["shape"], json({16}));
  EXPECT_FALSE(fs::exists(out / "videos"));
  json conv = read_json(out / "meta/conversion.json");
  std::vector<std::string> order;
  for (auto& e : conv["episodes"]) order.push_back(e["demo"]);
  EXPECT_EQ(order, (std::vector<std::string>{"demo_0", "demo_1", "demo_2", "demo_6", "demo_8", "demo_9", "demo_12",
                                              "demo_13", "demo_14", "demo_16"}));
  json mod = read_json(out / "meta/modality.json");
  EXPECT_EQ(mod["state"]["arm_joints"], json({{"start", 9}, {"end", 16}}));
  EXPECT_TRUE(mod["video"].empty());
  auto tasks = read_jsonl(out / "meta/tasks.jsonl");
  EXPECT_EQ(tasks[0]["task"], "stack the cubes");
  // Episode 6 is demo_12: values straight from the file, sliced as mapped.
  h5::File f = h5::File::open(fixture());
  std::vector<float> jp(194 * 9), act(194 * 7);
  f.dataset("data/demo_12/obs/joint_pos").read_rows(0, 194, jp.data());
  f.dataset("data/demo_12/actions").read_rows(0, 194, act.data());
  pq::Table t = pq::read_table((out / "data/chunk-000/episode_000006.parquet").string());
  ASSERT_EQ(t.num_rows, 194);
  const auto& st = t.at("observation.state").f32;
  for (int r = 0; r < 194; ++r) {
    for (int j = 0; j < 7; ++j) ASSERT_EQ(st[size_t(r * 16 + 9 + j)], jp[size_t(r * 9 + j)]);
    for (int j = 0; j < 7; ++j) ASSERT_EQ(t.at("action").f32[size_t(r * 7 + j)], act[size_t(r * 7 + j)]);
  }
  EXPECT_EQ(t.at("index").i64[0], 236 + 233 + 247 + 218 + 230 + 179);  // demos 0,1,2,6,8,9 before it
  EXPECT_EQ(t.at("timestamp").f32[1], float(1.0 / 20.0));
}

}  // namespace groot::test::convert
