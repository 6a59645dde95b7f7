// groot convert: Isaac Lab HDF5 demo files -> LeRobot v2.1 dataset that GR00T N1.6 loads unchanged.
//
// Flow:
//  1. Plan (one thread): open every input, list /data/demo_N in NUMERIC order (files concatenated
//     in argument order; gaps fine; data@total ignored), and validate each demo against the mapping
//     (datasets present, dtype, rank, slice in range, same T for every term and camera, T > 0,
//     camera shape (T, H, W, 3) uint8 with one H x W per camera, finite state/action values).
//     A bad demo is a groot::Error naming file, demo and key, or, with skip_invalid, a skip entry.
//     Episodes are numbered 0..N-1 in that order; each one's global `index` offset is fixed here.
//  2. Episodes (--jobs workers): each writes its own data/chunk-XXX/episode_XXXXXX.parquet and
//     videos/chunk-XXX/observation.images.<cam>/episode_XXXXXX.mp4, streaming camera rows from
//     HDF5 in blocks of the dataset's chunk height (memory bounded, independent of T), and computes
//     its episodes_stats.jsonl entry (LeRobot v2.1 rules, incl. sampled/downsampled image stats).
//  3. Meta: info.json (shapes, fps, codec from the data and the written videos), episodes.jsonl,
//     tasks.jsonl, episodes_stats.jsonl, modality.json, and conversion.json (demo -> episode map,
//     skipped demos, mapping).
// Everything is written into a hidden staging folder next to the output (util/fs.h StagingDir) and
// renamed into place only when complete; a failed or killed run leaves no dataset-looking folder
// (under a util/interrupt.h InterruptGuard, as in `groot convert`, SIGINT/SIGTERM remove the staging
// folder before the process exits; only SIGKILL leaves it, for the next run to clean)
// and never touches an existing dataset.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/convert_mapping.h"

namespace groot::convert {

struct Options {
  std::vector<std::string> inputs;  // HDF5 files, concatenated in this order
  std::string output;               // dataset folder
  int fps = 0;                      // 0: mapping's fps, else 30
  std::string task;                 // empty: mapping's task text
  std::string mapping_path;         // empty: default_mapping()
  std::string codec = "h264";       // "h264" | "av1"
  int crf = 23;
  std::string preset = "veryfast";
  int gop = 30;
  int jobs = 0;  // 0: all cores
  bool skip_invalid = false;
  bool overwrite = false;
  bool quiet = false;
  // Cameras: write the frames into <output>/.groot_frames (data/frame_cache.h) instead of mp4 files
  // (machines without FFmpeg; training reads the cache, `groot validate` warns about the missing videos).
  bool frames_to_cache = false;
};

struct Skipped {
  std::string file, demo, reason;
};

struct Result {
  std::string output;  // final dataset folder
  int episodes = 0;
  int64_t frames = 0;
  int64_t raw_bytes = 0;  // decoded bytes read from HDF5 (camera frames + state/action)
  double seconds = 0;
  std::vector<Skipped> skipped;
};

Result run(const Options& opt);

}  // namespace groot::convert
