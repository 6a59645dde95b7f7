// `groot parity DIR` on a training-trajectory golden (tests/golden/tiny_v1_train layout, its README):
// replays the upstream optimizer steps with the trainer's real step (trainer.h, not a copy) and
// compares, per step, the lr (exact), every micro-batch loss and the grad norm (relative tolerance),
// and the trainable weights stored after some steps (w_step<N>/<name>).
//
//   DIR/trajectory.json         settings (steps, grad_accum, lr, betas, eps, weight_decay, warmup_ratio,
//                               max_grad_norm), names_trainable, decay_names
//   DIR/trajectory.safetensors  fixed/noise [S,M,B,H,A], fixed/t [S,M,B], per_step/lr f64 [S],
//                               per_step/loss [S,M], per_step/grad_norm [S], w_step<N>/<name>
//   model folder                weights + io (in/* batch): --model, else the sibling folder named
//                               like DIR without its "_train" suffix (tiny_v1_train -> tiny_v1)
// Tolerances (README, fp32): losses and grad norms rtol 1e-5; weights atol 2e-6 + rtol 1e-5, except
// "*attn1.to_k.bias" (gradient mathematically 0, rounding noise amplified by Adam) atol 1e-4;
// w_step1 with lr 0 must equal the initial weights exactly.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "model/torch_compat.h"

namespace groot::train {

bool is_trajectory_folder(const std::string& dir);

struct TrajectoryOptions {
  std::string dir;
  std::string model_dir;  // "" = sibling folder
  torch::Device device = torch::kCPU;
};

struct TrajectoryReport {
  struct Step {
    int64_t step = 0;
    double lr = 0, lr_ref = 0;
    std::vector<double> loss, loss_ref;
    double grad_norm = 0, grad_norm_ref = 0;
    double loss_rel = 0, grad_norm_rel = 0;
    bool pass = true;
  };
  std::vector<Step> steps;
  struct Weights {
    int64_t step = 0;
    int64_t tensors = 0;
    double worst_ratio = 0;     // max |ours - ref| / (atol + rtol |ref|)
    double worst_abs = 0;
    std::string worst_name;
    bool pass = true;
  };
  std::vector<Weights> weights;
  int failures = 0;
};

TrajectoryReport run_trajectory_parity(const TrajectoryOptions& opt, std::ostream* log = nullptr);
void print_trajectory_report(const TrajectoryReport& r, std::ostream& os);

}  // namespace groot::train
