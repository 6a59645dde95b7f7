// The fine-tuning step of upstream's HF Trainer (transformers 4.51.3, reference §7.2), read top to
// bottom in Trainer::step():
//
//   lr    = cosine_lr(learning_rate, k, ceil(warmup_ratio * max_steps), max_steps)   (k = steps done)
//   for each micro-batch j of the n given:
//     noise ~ N(0, I), t = (1 - Beta(1.5, 1)) * 0.999   (or the micro-batch's fixed noise / t)
//     loss_j = flow-matching loss (Gr00tN1d6::forward, model in train mode, frozen parts in eval)
//     backward(loss_j / n)                               (gradients accumulate in fp32 masters)
//   grad_norm = clip_grad_norm(trainable, max_grad_norm)  (total norm before clipping)
//   AdamW step with lr (adamw_torch or adamw_8bit, decay groups as HF)
//   gradients set to none; k += 1
//
// Random numbers: noise and t come from the trainer's own CPU generator (seeded with `seed`), so a
// run is reproducible and its generator state can be checkpointed; state dropout uses LibTorch's
// global generator (also checkpointed by the caller, see checkpoint.h).
#pragma once
#include <memory>
#include <vector>

#include "model/gr00t_n1d6.h"
#include "train/optim.h"

namespace groot::train {

struct MicroBatch {
  groot::BackboneInput bin;       // on the model's device
  model::ActionInputs ain;        // on the model's device (floats are cast to the compute dtype)
  torch::Tensor noise;            // [B,H,A] fixed noise (parity), undefined = sampled
  torch::Tensor t;                // [B] fixed t (parity), undefined = sampled
};

struct TrainerOptions {
  double learning_rate = 1e-4;
  int64_t max_steps = 10000;
  double warmup_ratio = 0.05;
  double max_grad_norm = 1.0;
  AdamWOptions adam;
  uint64_t seed = 42;
};

struct StepStats {
  int64_t step = 0;                  // 1-based index of the step just taken
  double lr = 0;                     // lr used by this step
  std::vector<double> micro_losses;  // unscaled loss of each micro-batch
  double loss = 0;                   // mean of micro_losses (what HF logs)
  double grad_norm = 0;              // before clipping
  int64_t samples = 0;
};

class Trainer {
 public:
  Trainer(model::Gr00tN1d6 model, const TrainerOptions& opt);

  StepStats step(std::vector<MicroBatch>& micro);

  int64_t global_step() const { return optimizer_->steps(); }
  int64_t warmup() const { return warmup_; }
  double lr_at(int64_t k) const { return cosine_lr(opt_.learning_rate, k, warmup_, opt_.max_steps); }
  model::Gr00tN1d6& model() { return model_; }
  AdamW& optimizer() { return *optimizer_; }
  at::Generator& generator() { return gen_; }
  const TrainerOptions& options() const { return opt_; }

 private:
  model::Gr00tN1d6 model_;
  TrainerOptions opt_;
  int64_t warmup_ = 0;
  std::unique_ptr<AdamW> optimizer_;
  at::Generator gen_;
};

// Generator state as bytes (for checkpoints) and back.
std::vector<uint8_t> generator_state(const at::Generator& g);
void set_generator_state(at::Generator& g, const std::vector<uint8_t>& bytes);

}  // namespace groot::train
