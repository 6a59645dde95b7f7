// Training samples, torch-free: LeRobot v2 dataset(s) -> upstream's sample order (data/sampler.h) ->
// per-sample processing as Gr00tN1d6Processor does for training -> a collated host batch with the
// keys of Gr00tN1d6DataCollator (docs/reference/groot_n16_reference.md §5, §6.4). Images stay raw
// uint8 frames plus each sample's train draw: the GPU applies the train transforms
// (model/image_transforms_torch.h); `groot batches` applies the bit-identical CPU path.
//
// Per sample (dataset d, episode e, step s; upstream extract_step_data + processor):
//   state[k]  = rows s + state.delta_indices of the key's [start:end) slice of its original_key
//               column (float32, numpy astype semantics)
//   action[k] = rows s + action.delta_indices (RELATIVE keys: minus the raw state[state_key][-1])
//   -> normalised, clipped, concatenated, padded (processor/state_action.h encode_state_action)
//   language  = tasks.jsonl text of the annotation column at row s (or the episode's first task for
//               the key "task"), formalised, Eagle chat template with one image placeholder per image
//   images    = frames s + video.delta_indices of every camera, time-major then camera order
//   embodiment_id = the checkpoint's (or upstream's) projector slot of the tag
// Statistics: meta/stats.json and relative_stats.json (computed and written first when missing or
// incomplete, as upstream's generate_stats / generate_rel_stats on rank 0), merged over datasets
// (weighted mean, Σw(σ²+μ²)-μ², min of mins, max of maxes, min q01, max q99), then set on the
// processor after the checkpoint's statistics, which win for a tag the checkpoint already has
// unless override_pretraining_statistics.
// State dropout is not here: upstream applies it in the action head (mask_token), as ours does.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "data/frame_cache.h"
#include "data/lerobot.h"
#include "data/modality_config.h"
#include "data/sampler.h"
#include "processor/embodiment.h"
#include "processor/image_transforms.h"
#include "processor/state_action.h"
#include "processor/tokenizer.h"

namespace groot::proc {

struct TrainDataOptions {
  std::vector<std::string> dataset_paths;
  std::vector<double> dataset_weights;   // empty: 1.0 each (upstream mix_ratio)
  std::string modality_config_path;      // "" = default_modality_config(meta/modality.json)
  std::string embodiment_tag;            // any case; "" = the config's
  std::string base_model_path;           // "" = upstream processor defaults, dataset statistics only
  std::string tokenizer_dir;             // "" = the checkpoint's, else the bundled Eagle tokenizer
  bool override_pretraining_statistics = false;
  int batch_size = 2;
  int num_workers = 2;                   // --dataloader-num-workers (sample order, as upstream)
  int64_t shard_size = 1024;
  double episode_sampling_rate = 0.1;
  int64_t num_shards_per_epoch = 100000;
  uint64_t seed = 42;
  int rank = 0, world_size = 1;
  std::optional<double> random_rotation_angle;       // processor overrides (none = checkpoint's)
  std::optional<img::ColorJitterParams> color_jitter;
  bool frame_cache = true;               // read frames from the frame cache (built on first use)
  std::string cache_dir;                 // "" = <dataset>/.groot_frames
  bool quiet = false;
};

// One image of a host batch: bytes [h, w, 3] at `offset` of HostBatch::frames.
struct HostImage {
  size_t offset = 0;
  int h = 0, w = 0;
  int out_h = 0, out_w = 0;  // size after the transforms (pixel_values size)
};

struct HostBatch {
  int64_t batch = 0, index = 0;                  // samples, batch number in the run
  int state_steps = 0, state_dim = 0;            // [B, state_steps, state_dim]
  int action_horizon = 0, action_dim = 0;        // [B, max_action_horizon, max_action_dim]
  std::vector<float> state, action, action_mask;
  std::vector<int64_t> embodiment_id;            // [B]
  int64_t seq_len = 0;
  std::vector<int64_t> input_ids, attention_mask;  // [B, seq_len], left-padded
  int images_per_sample = 0;                     // T * V
  std::vector<HostImage> images;                 // [B * T * V], sample-major, then time, then camera
  std::vector<uint8_t> frames;
  std::vector<img::TrainDraw> draws;             // [B], shared by a sample's images
  std::vector<int64_t> sample_dataset, sample_episode, sample_step;  // episode = episode_index
};

// Per-thread read cache (decoded parquet columns of recent episodes, open video decoders).
struct EpisodeCache;
struct EpisodeCacheDeleter {
  void operator()(EpisodeCache* c) const;
};
using EpisodeCachePtr = std::unique_ptr<EpisodeCache, EpisodeCacheDeleter>;
EpisodeCachePtr make_episode_cache();

class TrainSamples {
 public:
  explicit TrainSamples(const TrainDataOptions& opt);
  ~TrainSamples();

  // Processes the samples of one sampler batch (thread-safe; `cache` is the calling thread's).
  HostBatch make_batch(const std::vector<data::SampleRef>& refs, int64_t batch_index, EpisodeCache& cache) const;

  const TrainDataOptions& options() const { return opt_; }
  const data::ModalityConfig& modality_config() const { return cfg_; }
  const std::string& tag() const { return cfg_.embodiment_tag; }
  const StateActionProcessor& processor() const { return *proc_; }
  const Statistics& statistics() const { return proc_->statistics(); }
  const img::ImageTransformConfig& image_config() const { return img_cfg_; }
  const std::vector<const data::DatasetShards*> shards() const;
  data::MixtureConfig mixture_config() const;  // for data::MixtureSampler
  const data::Dataset& dataset(size_t d) const;

 private:
  struct Source;
  std::vector<int32_t> prompt_ids(const std::string& lang, const std::vector<int>& tokens) const;

  TrainDataOptions opt_;
  data::ModalityConfig cfg_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::unique_ptr<StateActionProcessor> proc_;
  PaddingConfig pad_;
  img::ImageTransformConfig img_cfg_;
  bool formalize_ = true;
  int64_t embodiment_id_ = 0;
  std::unique_ptr<Tokenizer> tok_;
  mutable std::mutex prompt_mu_;
  mutable std::map<std::string, std::vector<int32_t>> prompt_cache_;
};

// Upstream merge_statistics over datasets of one embodiment (weights normalised to sum 1).
EmbodimentStats merge_embodiment_stats(const std::vector<EmbodimentStats>& per_dataset,
                                       const std::vector<double>& weights);

}  // namespace groot::proc
