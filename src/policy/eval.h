// `groot eval`: open-loop evaluation of a checkpoint on a dataset's demonstrations, as upstream
// gr00t/eval/open_loop_eval.py (Isaac-GR00T 92f523d; docs/reference/groot_n16_reference.md §8.3),
// plus per-dimension metrics and a self-contained HTML report. No LibTorch in this header.
//
// Per trajectory (traj id = position in meta/episodes.jsonl, as upstream's episode loader):
//   actual = min(steps, episode length); for s in 0, H, 2H, ... < actual (H = action_horizon):
//     observation at row s (video frames and state at s + delta_indices, clamped to the episode;
//     the task text of row s) -> Policy::get_action -> the first H steps of every action key,
//     concatenated in the checkpoint's action key order;
//   pred = those chunks truncated to `actual` rows; gt = the dataset's actions [0, actual).
//   MSE = mean((gt - pred)^2), MAE = mean(|gt - pred|) over all rows and dims, on physical
//   (un-normalised) actions; also per action dimension. Averages over trajectories are plain
//   means of the per-trajectory values (upstream's "Average MSE across all trajs").
//   Upstream skips traj ids out of range with a warning; so does this (an error if none is left).
//
// Output folder (written under a staging folder, renamed when complete):
//   metrics.json      run settings, per trajectory {mse, mae, per_dim[{key, index, name, mse, mae}]},
//                     average {mse, mae}, per_dim_average, timing
//   predictions.csv   traj_id, episode_index, step, inference_point (1 where the policy was queried),
//                     gt.<key>.<i> ..., pred.<key>.<i> ...  (float32 values, %.9g: exact round trip)
//   traj_<id>.png     upstream-style plot, one panel per action dimension (builds with cairo only)
//   report.html       self-contained: summary, metric tables, an SVG chart per trajectory and action
//                     dimension (ground truth vs prediction, inference points marked), the training
//                     loss curve when trainer_state.json is found next to the checkpoint (or in its
//                     parent folder), camera frames at a few inference points (embedded PNG)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace groot::policy {

struct EvalOptions {
  std::string checkpoint, dataset, output;
  std::string embodiment_tag = "new_embodiment";
  std::vector<int64_t> traj_ids{0};
  std::vector<std::string> modality_keys;  // action keys to compare, in this order (empty: all)
  int steps = 200;
  int action_horizon = 16;
  int denoising_steps = 4;
  std::string device = "auto";  // "auto" = cuda when available (as upstream), else cpu
  std::string dtype;  // "" = the policy default (bf16 on CUDA, fp32 on CPU)
  uint64_t seed = 0;
  int report_frames = 4;       // inference points whose camera frames go into the report
  int report_frame_trajs = 3;  // trajectories that get camera frames
  bool overwrite = false;
  bool quiet = false;
};

struct DimMetric {
  std::string key;   // action key
  int index = 0;     // index inside the key
  std::string name;  // dataset name of the dimension (info.json names) or "<key>[i]"
  double mse = 0, mae = 0;
};

struct CameraFrame {
  std::string camera;
  int step = 0;
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // thumbnail, HWC
};

struct TrajResult {
  int64_t traj_id = 0, episode_index = 0, length = 0;
  int steps = 0;                     // rows compared
  int dims = 0;                      // concatenated action dims
  std::vector<int> inference_steps;  // rows where the policy was queried
  std::vector<float> gt, pred;       // [steps, dims]
  std::vector<float> state;          // [steps, state dims] (plotted when dims match, as upstream)
  int state_dims = 0;
  std::string task;
  double mse = 0, mae = 0;
  std::vector<DimMetric> per_dim;
  std::vector<CameraFrame> frames;
  double seconds = 0;  // policy time
};

struct LossPoint {
  double step = 0, loss = 0;
};

struct EvalResult {
  EvalOptions options;
  std::string device, dtype;
  int denoising_steps = 0, policy_horizon = 0;
  std::vector<std::string> action_keys, state_keys;
  std::vector<DimMetric> dims;  // labels (mse/mae = averages over trajectories)
  std::vector<TrajResult> trajs;
  std::vector<int64_t> skipped_traj_ids;
  double avg_mse = 0, avg_mae = 0;
  double mean_latency_ms = 0;
  int queries = 0;
  std::vector<LossPoint> loss_curve;  // from trainer_state.json (empty when none)
  std::string loss_source;
  std::vector<std::string> files;     // written, relative to the output folder
};

// Runs the evaluation and writes the output folder. Throws groot::Error.
EvalResult run_eval(const EvalOptions& opt);

// Pieces, exposed for tests.
std::string metrics_json(const EvalResult& r);
std::string predictions_csv(const EvalResult& r);
std::string report_html(const EvalResult& r);
// log_history losses of trainer_state.json in `checkpoint` or its parent folder; empty when none.
std::vector<LossPoint> read_loss_curve(const std::string& checkpoint, std::string* source = nullptr);

}  // namespace groot::policy
