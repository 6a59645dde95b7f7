// bench_stats: throughput of `groot stats` (data/stats.h) on a large synthetic LeRobot dataset
// written with our parquet writer (float32 fixed-size lists, SNAPPY, one file per episode).
//
//   ./build/bench_stats [--episodes 200] [--frames 500] [--state-dim 64] [--action-dim 32]
//                       [--threads 0] [--dir PATH (keep the dataset there)]
// Prints frames/s for stats.json and relative_stats.json (one RELATIVE key over the whole action).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "data/lerobot.h"
#include "data/modality_config.h"
#include "data/parallel.h"
#include "data/parquet.h"
#include "data/stats.h"
#include "util/fs.h"

using namespace groot::data;
namespace fsys = std::filesystem;

static void make_dataset(const fsys::path& root, int episodes, int frames, int sd, int ad, int threads) {
  fsys::create_directories(root / "meta");
  fsys::create_directories(root / "data/chunk-000");
  parallel_for(episodes, threads, [&](int64_t e) {
    std::mt19937 rng(uint32_t(e + 1));
    std::normal_distribution<float> nd(0.f, 1.f);
    groot::pq::Table t;
    t.num_rows = frames;
    groot::pq::Column st{"observation.state"}, ac{"action"}, ts{"timestamp"}, ei{"episode_index"};
    st.elem = ac.elem = ts.elem = groot::pq::Elem::kFloat32;
    st.shape = ac.shape = groot::pq::Shape::kFixedList;
    st.list_size = sd;
    ac.list_size = ad;
    ei.elem = groot::pq::Elem::kInt64;
    for (int r = 0; r < frames; ++r) {
      for (int d = 0; d < sd; ++d) st.f32.push_back(nd(rng));
      for (int d = 0; d < ad; ++d) ac.f32.push_back(nd(rng));
      ts.f32.push_back(float(r) / 30.f);
      ei.i64.push_back(e);
    }
    t.columns = {st, ac, ts, ei};
    char name[64];
    std::snprintf(name, sizeof(name), "data/chunk-000/episode_%06lld.parquet", (long long)e);
    groot::pq::write_table((root / name).string(), t);
  });
  std::string eps;
  for (int e = 0; e < episodes; ++e)
    eps += "{\"episode_index\": " + std::to_string(e) +
           ", \"tasks\": [\"t\"], \"length\": " + std::to_string(frames) + "}\n";
  groot::write_file_atomic(root / "meta/episodes.jsonl", eps);
  groot::write_file_atomic(root / "meta/tasks.jsonl", "{\"task_index\": 0, \"task\": \"t\"}\n");
  groot::write_file_atomic(
      root / "meta/info.json",
      "{\"codebase_version\": \"v2.1\", \"chunks_size\": 1000, \"fps\": 30, \"total_episodes\": " +
          std::to_string(episodes) +
          ", \"data_path\": \"data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet\", "
          "\"features\": {"
          "\"observation.state\": {\"dtype\": \"float32\", \"shape\": [" +
          std::to_string(sd) +
          "]},"
          "\"action\": {\"dtype\": \"float32\", \"shape\": [" +
          std::to_string(ad) +
          "]},"
          "\"timestamp\": {\"dtype\": \"float32\", \"shape\": [1]},"
          "\"episode_index\": {\"dtype\": \"int64\", \"shape\": [1]}}}");
  groot::write_file_atomic(root / "meta/modality.json",
                           "{\"state\": {\"arm\": {\"start\": 0, \"end\": " + std::to_string(ad) +
                               "}}, \"action\": {\"arm\": {\"start\": 0, \"end\": " + std::to_string(ad) +
                               "}}}");
}

int main(int argc, char** argv) {
  CLI::App app{"Throughput of groot stats on a synthetic dataset", "bench_stats"};
  int episodes = 200, frames = 500, sd = 64, ad = 32, threads = 0;
  std::string dir;
  app.add_option("--episodes", episodes);
  app.add_option("--frames", frames, "frames per episode");
  app.add_option("--state-dim", sd);
  app.add_option("--action-dim", ad);
  app.add_option("--threads", threads, "0 = all cores");
  app.add_option("--dir", dir, "write (and keep) the dataset here");
  CLI11_PARSE(app, argc, argv);
  if (ad > sd) ad = sd;
  fsys::path root = dir.empty() ? fsys::temp_directory_path() / ("bench_stats_" + std::to_string(::getpid()))
                                : fsys::path(dir);
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto t0 = now();
  make_dataset(root, episodes, frames, sd, ad, threads);
  double gen = std::chrono::duration<double>(now() - t0).count();
  uintmax_t bytes = 0;
  for (auto& p : fsys::recursive_directory_iterator(root / "data"))
    if (p.is_regular_file()) bytes += p.file_size();
  const double total = double(episodes) * frames;
  std::printf(
      "dataset: %d episodes x %d frames, state %d + action %d + timestamp float32 dims, %.1f MB parquet "
      "(generated in %.2f s)\n",
      episodes, frames, sd, ad, bytes / 1e6, gen);
  std::printf("threads: %d\n", threads > 0 ? threads : default_threads());
  Dataset ds = open_dataset(root);
  StatsOptions opt;
  opt.threads = threads;
  t0 = now();
  auto st = compute_stats(ds, opt);
  double s1 = std::chrono::duration<double>(now() - t0).count();
  std::printf("stats.json:          %.3f s  %.0f frames/s  %.1f MB/s parquet  (%zu features, %lld values)\n",
              s1, total / s1, bytes / 1e6 / s1, st.size(), (long long)(total * (sd + ad + 1)));
  ModalityConfig cfg = parse_modality_config(
      nlohmann::ordered_json::parse(R"J({"state": {"delta_indices": [0], "modality_keys": ["arm"]},
        "action": {"delta_indices": [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15], "modality_keys": ["arm"],
                   "action_configs": [{"rep": "relative", "type": "non_eef", "format": "default"}]}})J"),
      "bench");
  t0 = now();
  auto rs = compute_relative_stats(ds, cfg, {}, opt);
  double s2 = std::chrono::duration<double>(now() - t0).count();
  std::printf("relative_stats.json: %.3f s  %.0f frames/s  (%lld chunks of [16][%d])\n", s2, total / s2,
              (long long)rs[0].num_chunks, ad);
  if (dir.empty()) groot::remove_tree(root);
  return 0;
}
