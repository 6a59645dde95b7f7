// The training run around Trainer::step (trainer.h): resume, data, logging, checkpoints, stop.
//
//   resume   newest complete OUTPUT/checkpoint-N (checkpoint.h): model weights, optimizer states,
//            step, the trainer's and LibTorch's CPU generators, the data stream's position, log history;
//            the run's fingerprint (settings that change the math) must match, else a clear error.
//   loop     until max_steps: micro_steps micro-batches from the BatchStream -> Trainer::step;
//            every logging_steps: one line (step/max, loss, lr, grad-norm, samples/s, GPU memory, ETA)
//            on stdout and in OUTPUT/train.log, scalars in OUTPUT/runs/ (TensorBoard);
//            every save_steps: OUTPUT/checkpoint-N (staged + renamed), then the oldest beyond
//            save_total_limit are deleted;
//   stop     SIGINT/SIGTERM (Ctrl-C): the current step finishes, a checkpoint is written, the run
//            returns with interrupted = true; CUDA out-of-memory becomes a groot::Error naming the
//            flags that reduce memory;
//   end      the final model in OUTPUT (config, shards + index, the caller's files, trainer_state.json).
// On CPU a resumed run continues bit-identically (same losses and weights as an uninterrupted run).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/checkpoint.h"
#include "train/trainer.h"

namespace groot::train {

// A source of micro-batches whose position can be saved and restored exactly.
class BatchStream {
 public:
  virtual ~BatchStream() = default;
  virtual MicroBatch next() = 0;                    // on the model's device
  virtual nlohmann::json state() const = 0;         // position after the last next()
  virtual void set_state(const nlohmann::json& s) = 0;
  virtual double wait_seconds() const { return 0; } // total time next() waited for data
};

struct LoopOptions {
  fs::path output_dir;
  int64_t micro_steps = 1;        // micro-batches per optimizer step (gradient accumulation)
  int64_t save_steps = 1000;
  int64_t save_total_limit = 5;
  int64_t logging_steps = 10;
  int64_t train_batch_size = 0;   // per-device batch (trainer_state.json)
  nlohmann::json fingerprint;     // must be equal to resume (optim, lr, max_steps, batch, ...)
  // The model folder's content except weights/optimizer/trainer_state (config, processor files,
  // experiment_cfg/...), for checkpoints and the final model.
  std::function<FolderContent()> folder;
  bool quiet = false;             // no stdout lines (train.log and TensorBoard are still written)
};

struct LoopResult {
  int64_t start_step = 0;         // step resumed from (0 = fresh)
  int64_t end_step = 0;
  bool interrupted = false;
  std::vector<StepStats> steps;   // steps run by this call
  nlohmann::json log_history;     // whole run (resumed history included)
  double seconds = 0;
  int64_t peak_gpu_bytes = 0;     // CUDA: peak allocated by tensors (or device used, driver view)
  bool peak_gpu_is_allocator = false;
};

LoopResult run_training(Trainer& trainer, BatchStream& data, const LoopOptions& opt);

// Fills `content` with the resume state of `trainer` at its current step and the data position
// `data_state` (trainer_state.json, trainer_resume.json, optimizer tensors).
void add_resume_state(FolderContent& content, Trainer& trainer, const nlohmann::json& data_state,
                      const LoopOptions& opt, const nlohmann::json& log_history);

}  // namespace groot::train
