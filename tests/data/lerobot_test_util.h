// Builds small LeRobot v2.1 datasets for tests with our parquet writer (no videos).
#pragma once
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "data/lerobot.h"
#include "data/parquet.h"
#include "util/fs.h"

namespace groot::test {

struct SynthSpec {
  std::vector<int64_t> lengths = {20, 5, 33};  // episode lengths
  int64_t state_dim = 4, action_dim = 4;
  double fps = 10;
  uint32_t seed = 1;
};

// Deterministic pseudo-random float in [-1, 1).
inline float synth_value(uint32_t& s) {
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  return float(int64_t(s % 2000001u) - 1000000) / 1000000.0f;
}

// Columns: observation.state fixed_size_list<float>[state_dim], action fixed_size_list<float>[action_dim],
// timestamp float, frame_index, episode_index, index, task_index (int64). modality.json: state
// "arm" [0:3) + "grip" [3:4), action "arm" [0:3) + "grip" [3:4); annotation task_index.
inline void write_synth_dataset(const std::filesystem::path& root, const SynthSpec& spec) {
  namespace fs = std::filesystem;
  fs::create_directories(root / "meta");
  fs::create_directories(root / "data/chunk-000");
  uint32_t s = spec.seed;
  int64_t global = 0;
  std::string episodes;
  for (size_t e = 0; e < spec.lengths.size(); ++e) {
    const int64_t n = spec.lengths[e];
    pq::Table t;
    t.num_rows = n;
    pq::Column st{"observation.state"}, ac{"action"}, ts{"timestamp"}, fi{"frame_index"}, ei{"episode_index"},
        ix{"index"}, ti{"task_index"};
    st.elem = ac.elem = pq::Elem::kFloat32;
    st.shape = ac.shape = pq::Shape::kFixedList;
    st.list_size = int32_t(spec.state_dim);
    ac.list_size = int32_t(spec.action_dim);
    ts.elem = pq::Elem::kFloat32;
    for (auto* c : {&fi, &ei, &ix, &ti}) c->elem = pq::Elem::kInt64;
    for (int64_t r = 0; r < n; ++r) {
      for (int64_t d = 0; d < spec.state_dim; ++d)
        st.f32.push_back(synth_value(s) * float(d + 1) + float(r) * 0.01f);
      for (int64_t d = 0; d < spec.action_dim; ++d)
        ac.f32.push_back(synth_value(s) * float(d + 1) + float(r) * 0.02f);
      ts.f32.push_back(float(double(r) / spec.fps));
      fi.i64.push_back(r);
      ei.i64.push_back(int64_t(e));
      ix.i64.push_back(global + r);
      ti.i64.push_back(int64_t(e % 2));
    }
    global += n;
    t.columns = {st, ac, ts, fi, ei, ix, ti};
    char name[64];
    std::snprintf(name, sizeof(name), "data/chunk-000/episode_%06zu.parquet", e);
    pq::write_table((root / name).string(), t);
    episodes += "{\"episode_index\": " + std::to_string(e) + ", \"tasks\": [\"" + (e % 2 ? "place" : "pick") +
                "\"], \"length\": " + std::to_string(n) + "}\n";
  }
  auto shape = [](int64_t d) { return "[" + std::to_string(d) + "]"; };
  std::string info =
      std::string("{\n\"codebase_version\": \"v2.1\", \"robot_type\": \"synth\", \"total_episodes\": ") +
      std::to_string(spec.lengths.size()) + ", \"total_frames\": " + std::to_string(global) +
      ", \"total_tasks\": 2, \"total_videos\": 0, \"total_chunks\": 1, \"chunks_size\": 1000, \"fps\": " +
      std::to_string(int(spec.fps)) +
      ", \"splits\": {\"train\": \"0:3\"},"
      " \"data_path\": \"data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet\","
      " \"video_path\": null, \"features\": {"
      "\"observation.state\": {\"dtype\": \"float32\", \"shape\": " +
      shape(spec.state_dim) +
      ", \"names\": null},"
      "\"action\": {\"dtype\": \"float32\", \"shape\": " +
      shape(spec.action_dim) +
      ", \"names\": null},"
      "\"timestamp\": {\"dtype\": \"float32\", \"shape\": [1], \"names\": null},"
      "\"frame_index\": {\"dtype\": \"int64\", \"shape\": [1], \"names\": null},"
      "\"episode_index\": {\"dtype\": \"int64\", \"shape\": [1], \"names\": null},"
      "\"index\": {\"dtype\": \"int64\", \"shape\": [1], \"names\": null},"
      "\"task_index\": {\"dtype\": \"int64\", \"shape\": [1], \"names\": null}}}\n";
  groot::write_file_atomic(root / "meta/info.json", info);
  groot::write_file_atomic(root / "meta/episodes.jsonl", episodes);
  groot::write_file_atomic(
      root / "meta/tasks.jsonl",
      "{\"task_index\": 0, \"task\": \"pick\"}\n{\"task_index\": 1, \"task\": \"place\"}\n");
  groot::write_file_atomic(root / "meta/modality.json",
                           R"({"state": {"arm": {"start": 0, "end": 3}, "grip": {"start": 3, "end": 4}},
 "action": {"arm": {"start": 0, "end": 3}, "grip": {"start": 3, "end": 4}},
 "annotation": {"human.task_description": {"original_key": "task_index"}}})");
}

}  // namespace groot::test
