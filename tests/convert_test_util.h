// Helpers shared by the in-process (tests/data/test_convert.cpp) and command-line
// (tests/cli/test_convert.cpp) converter tests.
#pragma once
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/hdf5.h"
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

}  // namespace groot::test::convert
