// `groot validate`: checks everything a GR00T N1.6 training run relies on in a LeRobot v2.x
// dataset and explains each problem precisely. Errors make the dataset unusable; warnings are
// quirks that training tolerates (e.g. a camera declared in info.json without any video files,
// timestamps that start at 0.05 s, a stale total_frames).
//
// Checks:
//  meta     info.json / episodes.jsonl / tasks.jsonl / modality.json parse (every field typed),
//           codebase_version v2.x, totals vs files (warnings), episode/task index uniqueness and
//           continuity, modality.json slices within their column width, video original_keys are
//           video features, annotation columns exist, stats.json / relative_stats.json shapes.
//  parquet  (per episode, in parallel) file present and readable, rows == episodes.jsonl length,
//           every non-video info.json feature present as a column with a compatible type and
//           exactly shape[0] values per row, no nulls, no NaN/Inf, timestamp steps == 1/fps
//           (tolerance 1e-4 s), frame_index 0..n-1, episode_index constant, index contiguous,
//           task_index / annotation values present in tasks.jsonl; stray parquet files.
//  video    (per episode x camera) file present, probe succeeds, frame count >= rows, codec and
//           resolution vs info.json, the last needed frame decodes (catches truncated files);
//           `decode_all` decodes every frame.
//  config   the modality config (a file, or the default derived from modality.json) agrees with
//           the dataset (data/modality_config.h).
#pragma once
#include <string>
#include <vector>

#include "data/lerobot.h"

namespace groot::data {

struct Issue {
  enum Severity { kError, kWarning };
  Severity severity = kError;
  std::string where;  // file (and line / episode / column)
  std::string message;
};

struct ValidateOptions {
  bool check_videos = true;
  bool decode_all = false;          // decode every frame of every video (slow, thorough)
  double timestamp_tol_s = 1e-4;    // LeRobot's tolerance_s
  std::string modality_config;      // optional config file to check against the dataset
  int threads = 0;                  // 0 = all cores
  size_t max_issues_per_kind = 20;  // the same check failing on many episodes is summarised
};

struct ValidateReport {
  std::vector<Issue> issues;
  int64_t episodes_checked = 0, frames_checked = 0, videos_checked = 0;
  int errors() const;
  int warnings() const;
  bool ok() const { return errors() == 0; }
  // "error: <where>: <message>" lines, errors first.
  std::string format() const;
};

ValidateReport validate_dataset(const fs::path& root, const ValidateOptions& opt = {});

}  // namespace groot::data
