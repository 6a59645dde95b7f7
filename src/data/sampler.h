// Training sample order exactly as Isaac-GR00T N1.6 draws it (docs/reference/groot_n16_reference.md
// §6.3; upstream sharded_single_step_dataset.py, sharded_mixture_dataset.py, factory.py), with
// numpy's streams from np_random.h. Torch-free.
//
// ShardedSingleStepDataset (build_shards), per dataset:
//   rng = default_rng(42); order = rng.permutation(num_episodes)       (episode positions in episodes.jsonl)
//   effective length of an episode = max(0, length - action_horizon + 1), action_horizon =
//     max(action delta) - min(action delta) + 1 (steps whose whole action chunk lies in the episode)
//   num_shards = ceil(sum(effective) / shard_size); num_splits = int(1 / episode_sampling_rate)
//   for ep in order: steps = arange(effective); rng.shuffle(steps);
//     for i in 0..num_splits-1: split = steps[i::num_splits] goes to argmin(shard_lengths) (first minimum)
//   a shard's samples, in order: its (episode, split) entries in assignment order, each split's steps.
// ShardedMixtureDataset (schedule), per epoch e:
//   rng = default_rng(seed + e); p_d = (w_d / avg_shard_len_d) normalised
//   ds = rng.choice(num_datasets, size=num_shards_per_epoch, p=p); then per dataset shard_ids =
//   rng.shuffle(range(num_shards_d)); the schedule pops the front of ds's list, refilled with a fresh
//   rng.shuffle when empty.
// Per (rank, worker): schedule entry i belongs to stream rank*W + worker when i % (world*W) == that.
// A stream (one DataLoader worker) walks its entries epoch after epoch; each shard's samples are
// yielded in the order of rng.shuffle(arange(shard_len)), with ONE rng = default_rng(seed + epoch at
// start) per stream for the whole run (upstream __iter__ creates it once).
// torch DataLoader order: worker w yields whole batches of its own stream; batch k comes from worker
// k % W (W = max(num_workers, 1)).
//
// Better than upstream (which re-seeds with seed + global_step on resume): SamplerState is the exact
// position (per stream: epoch, schedule position, position in the shard, rng state before that
// shard's shuffle; next stream; batches done) and restores the identical continuation.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/np_random.h"

namespace groot::data {

struct ShardEntry {
  int64_t episode = 0;             // position in episodes.jsonl
  std::vector<int64_t> steps;      // step indices within the episode, in shard order
};
struct DatasetShards {
  std::vector<int64_t> effective_lengths;         // per episode position
  std::vector<std::vector<ShardEntry>> shards;    // [shard] -> entries (empty splits left out)
  std::vector<int64_t> shard_lengths;
  int64_t total_steps = 0;
};

// `where` names the dataset in errors (no valid steps, a shard left empty, a bad rate).
DatasetShards build_shards(const std::vector<int64_t>& episode_lengths, int action_horizon, int64_t shard_size,
                           double episode_sampling_rate, uint64_t seed, const std::string& where);

// (dataset, step-in-episode) of the n-th sample of a shard in its stored order.
struct SampleRef {
  int dataset = 0;
  int64_t episode = 0;  // position in episodes.jsonl
  int64_t step = 0;
};

struct MixtureConfig {
  std::vector<const DatasetShards*> datasets;
  std::vector<double> weights;  // mix ratios (upstream DatasetFactory weight), one per dataset
  int64_t num_shards_per_epoch = 100000;
  uint64_t seed = 42;
  int rank = 0, world_size = 1;
  int num_workers = 1;  // DataLoader workers per rank (0 is treated as 1, as torch's in-process loader)
  int batch_size = 1;
};

// The epoch's full schedule of (dataset, shard) pairs (generate_shard_sampling_schedule).
std::vector<std::pair<int, int64_t>> shard_schedule(const MixtureConfig& cfg, int64_t epoch);

struct StreamState {
  int64_t epoch = 0;
  int64_t shard_pos = 0;     // index in the stream's filtered schedule of the epoch
  int64_t in_shard = 0;      // next index into the shard's shuffled order
  np::Pcg64::State rng;      // before the current shard's shuffle
  bool operator==(const StreamState& o) const;
};
struct SamplerState {
  std::vector<StreamState> streams;  // one per worker
  int64_t next_stream = 0;
  int64_t batches = 0;               // batches handed out so far
  bool operator==(const SamplerState& o) const;
  nlohmann::ordered_json to_json() const;
  static SamplerState from_json(const nlohmann::ordered_json& j, const std::string& where);
};

class MixtureSampler {
 public:
  explicit MixtureSampler(MixtureConfig cfg);  // state = the start of training
  // The next batch: batch_size samples of stream (batches % W), then advances.
  std::vector<SampleRef> next_batch();
  SamplerState state() const;
  void set_state(const SamplerState& s);  // throws groot::Error when it does not fit this config
  const MixtureConfig& config() const { return cfg_; }

 private:
  struct Stream {
    StreamState st;
    std::vector<std::pair<int, int64_t>> schedule;  // filtered, for st.epoch
    std::vector<int64_t> order;                      // current shard's shuffled indices
    np::Pcg64 rng{uint64_t(0)};                      // after the current shard's shuffle
  };
  void load_epoch(Stream& s, int worker);
  void load_shard(Stream& s);
  SampleRef next_sample(Stream& s, int worker);

  MixtureConfig cfg_;
  int workers_ = 1;
  std::vector<Stream> streams_;
  int64_t next_stream_ = 0, batches_ = 0;
};

}  // namespace groot::data
