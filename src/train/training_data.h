// The training data loader (LibTorch part): worker threads turn sampler batches into collated host
// batches (processor/train_samples.h: parquet rows, statistics, prompt tokens, uint8 frames from the
// frame cache) in pinned memory, in a bounded queue; next_batch() copies the next one to the device on
// a side stream and runs the train image transforms there (model/image_transforms_torch.h,
// bit-identical with the CPU path), so the GPU never waits on per-sample image work.
//
//   groot::train::TrainingDataConfig c;  c.samples.dataset_paths = {"ds"}; c.device = torch::kCUDA;
//   auto data = groot::train::open_training_data(c);
//   TrainingBatch b = data->next_batch();            // model.forward(b.backbone, b.action)
//   ojson s = data->state().to_json();                // checkpoint; later: data->set_state(...)
//
// Sample order = upstream's (data/sampler.h): batch k comes from DataLoader worker k % num_workers,
// whatever number of threads computes them. The queue holds at most `prefetch_batches` finished
// batches (memory is bounded by it, not by the dataset). state() is the sampler position after the
// last batch next_batch() returned, so a restart continues with the identical batches.
#pragma once
#include <torch/torch.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "data/sampler.h"
#include "model/action_head.h"
#include "model/eagle_backbone.h"
#include "processor/train_samples.h"

namespace groot::train {

struct TrainingDataConfig {
  proc::TrainDataOptions samples;  // datasets, modality config, tag, sharding, seed, rank, ...
  int threads = 0;                 // worker threads (0 = samples.num_workers, at least 1)
  int prefetch_batches = 4;
  torch::Device device = torch::kCPU;
  torch::ScalarType pixel_dtype = torch::kFloat32;
  bool pin_memory = true;          // only when device is CUDA
};

struct TrainingBatch {
  groot::BackboneInput backbone;       // input_ids, attention_mask [B, L]; pixel_values [B*T*V,3,H,W]
                                       // (or backbone.images when the cameras differ in size)
  groot::model::ActionInputs action;   // state [B,1,128], action / action_mask [B,50,128], embodiment_id [B]
  torch::Tensor image_sizes;           // int64 [B*T*V, 2]
  torch::Tensor sample_dataset, sample_episode, sample_step;  // int64 [B] on CPU
  int64_t index = 0;                   // batch number in the run
};

class TrainingData {
 public:
  explicit TrainingData(const TrainingDataConfig& cfg);
  ~TrainingData();
  TrainingData(const TrainingData&) = delete;
  TrainingData& operator=(const TrainingData&) = delete;

  TrainingBatch next_batch();
  data::SamplerState state() const;          // after the last batch returned
  void set_state(const data::SamplerState&);  // before the first next_batch()
  const proc::TrainSamples& samples() const { return *samples_; }
  double wait_seconds() const { return wait_s_; }  // time next_batch() blocked on workers
  int64_t batches_returned() const { return returned_; }

 private:
  struct Pinned;  // a host batch turned into (pinned) CPU tensors
  void start_workers();
  void stop_workers();
  void worker_loop();
  std::shared_ptr<Pinned> to_tensors(proc::HostBatch&& hb) const;

  TrainingDataConfig cfg_;
  std::unique_ptr<proc::TrainSamples> samples_;
  std::unique_ptr<data::MixtureSampler> sampler_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<int64_t, std::shared_ptr<Pinned>> ready_;  // batch index -> batch
  std::map<int64_t, data::SamplerState> state_after_;  // batch index -> sampler state after it
  int64_t next_plan_ = 0, next_out_ = 0, returned_ = 0;
  data::SamplerState current_;
  std::exception_ptr error_;
  bool stop_ = false, started_ = false;
  std::vector<std::thread> threads_;
  double wait_s_ = 0;
};

std::unique_ptr<TrainingData> open_training_data(const TrainingDataConfig& cfg);

}  // namespace groot::train
