// The fine-tuning optimizer step of upstream's Hugging Face Trainer (transformers 4.51.3), written out:
//
//   decay groups   Trainer.get_decay_parameter_names: a parameter gets weight decay unless it lives in
//                  an nn.LayerNorm module (here: groot::LayerNormImpl) or its lower-cased full name
//                  matches one of  "bias" | "layernorm" | "rmsnorm" | "(^|\.)norm($|\.)" | "_norm($|\.)".
//                  (CategorySpecificLinear biases are named ".b": they DO get decay, as upstream.)
//   schedule       get_cosine_schedule_with_warmup, W = ceil(warmup_ratio * max_steps), S = max_steps,
//                  lr(k) for the k-th optimizer step (k = 0-based index of the step being taken):
//                    k < W : lr0 * k / max(1, W)            (the first step uses lr 0, as HF)
//                    else  : lr0 * max(0, 0.5 (1 + cos(pi (k - W) / max(1, S - W))))
//   clipping       torch.nn.utils.clip_grad_norm_(params, max_norm): total = ||(||g_i||_2)_i||_2,
//                  g_i *= min(1, max_norm / (total + 1e-6)); returns total (before clipping).
//   adamw_torch    torch.optim.AdamW single-tensor path (foreach/fused off), per parameter, step t:
//                    p *= 1 - lr wd ; m.lerp_(g, 1 - b1) ; v = v b2 + (1 - b2) g^2
//                    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
//   adamw_8bit     bitsandbytes AdamW(optim_bits=8) = HF optim "adamw_bnb_8bit": tensors with
//                  >= 4096 elements keep m, v as uint8 codes into the dynamic map (m: signed, v:
//                  unsigned create_dynamic_map) times a per-block fp32 absmax, blocks of 2048
//                  elements; smaller tensors keep fp32 m, v. Per block, step t:
//                    m = code1[q1] absmax1 ; v = code2[q2] absmax2          (dequantize)
//                    m = b1 m + (1 - b1) g ; v = b2 v + (1 - b2) g^2         (fp32)
//                    p *= 1 - lr wd ; c2 = sqrt(1 - b2^t)
//                    p += -lr c2 / (1 - b1^t) * m / (sqrt(v) + c2 eps)
//                    absmax = max|m| over the block ; q1 = nearest code to m / absmax   (same for v)
//                  (HF registers no fp32 override for the AdamW class, only for Adam8bit.)
// State is kept per parameter name, so it can be saved to / restored from safetensors exactly.
#pragma once
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/torch_compat.h"

namespace groot::train {

// --- weight-decay grouping -----------------------------------------------------------------------
// True when the lower-cased full parameter name matches HF's no-decay name patterns.
bool no_decay_by_name(const std::string& name);
// Full names ("prefix" + path) of every groot::LayerNormImpl module under `root`.
std::set<std::string> layernorm_modules(torch::nn::Module& root, const std::string& prefix = "");
// HF rule: decay unless no_decay_by_name(name) or the parameter's owning module is a LayerNorm.
bool hf_decays(const std::string& name, const std::set<std::string>& layernorm_module_names);

struct NamedParam {
  std::string name;
  torch::Tensor param;  // fp32, requires_grad
  bool decay = true;
};
// Every requires_grad parameter of `root` in named_parameters() order, with its decay flag.
std::vector<NamedParam> trainable_params(torch::nn::Module& root, const std::string& prefix = "");

// --- schedule ---------------------------------------------------------------------------------------
int64_t warmup_steps(double warmup_ratio, int64_t max_steps);  // ceil(ratio * max_steps)
// lr of the optimizer step with 0-based index `k` (see header).
double cosine_lr(double lr0, int64_t k, int64_t warmup, int64_t max_steps);

// --- clipping ---------------------------------------------------------------------------------------
// Returns the total norm before clipping (as a double); grads without .grad() are skipped.
double clip_grad_norm(const std::vector<NamedParam>& params, double max_norm);

// --- AdamW -----------------------------------------------------------------------------------------
enum class OptimKind { kAdamWTorch, kAdamW8bit };
OptimKind parse_optim(const std::string& s);  // "adamw_torch" | "adamw_8bit" (groot::Error otherwise)
const char* optim_name(OptimKind k);

struct AdamWOptions {
  OptimKind kind = OptimKind::kAdamWTorch;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weight_decay = 1e-5;        // applied to NamedParam::decay parameters only
  int64_t block_size = 2048;         // adamw_8bit: elements per absmax block
  int64_t min_8bit_size = 4096;      // adamw_8bit: smaller tensors keep fp32 states
};

// bitsandbytes create_dynamic_map(signed, max_exponent_bits=7, total_bits=8): 256 sorted float32 codes.
std::vector<float> dynamic_map(bool is_signed);

class AdamW {
 public:
  AdamW(std::vector<NamedParam> params, const AdamWOptions& opt);
  // One update of every parameter that has a gradient, with learning rate `lr`.
  void step(double lr);
  int64_t steps() const { return step_; }
  const std::vector<NamedParam>& params() const { return params_; }
  const AdamWOptions& options() const { return opt_; }
  // Bytes held by optimizer states (all parameters).
  int64_t state_bytes() const;

  // Exact state as named tensors: "exp_avg/<name>", "exp_avg_sq/<name>" (fp32) or, for 8-bit tensors,
  // "state1/<name>", "state2/<name>" (uint8), "absmax1/<name>", "absmax2/<name>" (fp32). CPU copies.
  std::vector<std::pair<std::string, torch::Tensor>> state_tensors() const;
  // Restores from state_tensors() output (checked: every expected tensor present with its shape/dtype).
  void load_state(const std::map<std::string, torch::Tensor>& tensors, int64_t step);

  struct State {
    bool quantized = false;
    torch::Tensor m, v;              // fp32 (same shape as param) when !quantized
    torch::Tensor q1, q2;            // uint8 [numel] when quantized
    torch::Tensor absmax1, absmax2;  // fp32 [blocks]
  };
  const State& state(size_t i) const { return states_[i]; }

 private:
  void update_8bit(NamedParam& p, State& s, const torch::Tensor& g, double lr, double wd);
  std::vector<NamedParam> params_;
  std::vector<State> states_;
  AdamWOptions opt_;
  int64_t step_ = 0;
  torch::Tensor code1_, code2_, mid1_, mid2_;  // per device, created lazily
};

}  // namespace groot::train
