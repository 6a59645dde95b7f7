// groot cache DATASET: decode every camera video into the frame cache (data/frame_cache.h).
#include <cstdio>

#include "cli/flags.h"
#include "cli/verb.h"
#include "data/frame_cache.h"
#include "data/lerobot.h"
#include "data/modality_config.h"
#include "util/error.h"

namespace {

using namespace groot::data;

int run(int argc, char** argv) {
  CLI::App app{"Decode a dataset's camera videos into the frame cache training reads (uint8, memory-mapped)",
               "groot cache"};
  std::string dataset, cache_dir, config_path, tag;
  int threads = 0;
  bool quiet = false, check = false;
  app.add_option("dataset", dataset, "LeRobot v2 dataset folder")->required();
  app.add_option("--cache-dir", cache_dir, "cache folder [default: DATASET/.groot_frames]");
  app.add_option("--modality-config", config_path,
                 "cache only this config's cameras (.py/.yaml/.json) [default: the cameras of meta/modality.json]");
  app.add_option("--embodiment-tag", tag, "pick the registration of a .py config that registers several [default: none: its only registration]");
  app.add_option("--threads", threads, "decode threads [default: all cores]")->check(groot::cli::at_least(0));
  app.add_flag("--check", check, "only report which files are missing or stale (exit 1 if any)");
  app.add_flag("-q,--quiet", quiet, "no progress lines");
  app.footer(
      "One file per (camera, episode): <cache>/<video_key>/episode_XXXXXX.frames, keyed by the video's path,\n"
      "size and mtime (a changed video is decoded again; a truncated or foreign file is rebuilt). The disk\n"
      "size is printed before decoding starts. Training builds the cache on first use unless told not to;\n"
      "copy a dataset with its cache to a machine without FFmpeg with preserved times (rsync -a).\n\n"
      "Examples:\n  groot cache datasets/mcx\n  groot cache datasets/mcx --cache-dir /scratch/frames --check\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    Dataset ds = open_dataset(dataset);
    std::vector<std::string> keys;
    if (!config_path.empty()) {
      ModalityConfig cfg = load_modality_config(config_path, tag);
      const ModalityMeta& m = ds.require_modality();
      for (const auto& k : cfg.video.modality_keys) {
        const ModalityVideo* v = m.find_video(k);
        if (!v) groot::fail(config_path, ": video key \"", k, "\" is not in meta/modality.json");
        keys.push_back(v->original_key);
      }
    } else if (ds.modality) {
      for (const auto& v : ds.modality->video) keys.push_back(v.original_key);
    } else {
      keys = ds.info.video_keys();
    }
    if (keys.empty()) {
      std::printf("%s: no cameras, nothing to cache\n", dataset.c_str());
      return 0;
    }
    FrameCacheOptions opt;
    opt.cache_dir = cache_dir;
    opt.threads = threads;
    opt.quiet = quiet;
    if (check) {
      std::filesystem::path dir = cache_dir.empty() ? default_frame_cache_dir(ds) : std::filesystem::path(cache_dir);
      int64_t bad = 0, n = 0;
      for (const auto& k : keys)
        for (const auto& e : ds.episodes) {
          ++n;
          std::filesystem::path p = frame_file_path(dir, k, e.episode_index);
          std::string why = frame_file_problem(p, current_source(ds, k, e.episode_index));
          if (!why.empty()) {
            ++bad;
            std::printf("%s: %s\n", p.string().c_str(), why.c_str());
          }
        }
      std::printf("%lld of %lld frame files valid\n", (long long)(n - bad), (long long)n);
      return bad ? 1 : 0;
    }
    FrameCacheReport r = build_frame_cache(ds, keys, opt);
    std::printf("frame cache: %lld videos, %lld already valid, %lld decoded, %.2f GB\n", (long long)r.videos,
                (long long)r.valid, (long long)r.built, double(r.bytes_total) / 1e9);
    return 0;
  });
}

}  // namespace

GROOT_VERB(cache, 38, "decode camera videos into the frame cache for training", run);
