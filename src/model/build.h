// One place that builds a Gr00tN1d6 for training or inference with upstream's precision recipe
// (reference §7.3), used by finetune, parity, the benchmarks and the policy:
//
//   trainable parameters (recipe_trains: tune flags + tune_top_llm_layers)  fp32 masters
//   frozen parameters                                                      frozen_dtype (bf16 on CUDA,
//                                                                          fp32 on CPU)
//   activations                                                            compute_dtype (bf16 on CUDA
//                                                                          = upstream's bf16 autocast;
//                                                                          fp32 on CPU); TF32 matmuls on
//                                                                          CUDA (upstream tf32=True)
//   recompute                                                              activation recomputation of
//                                                                          the LLM layers and DiT blocks
//
// Parameters are created directly on the target device in their final dtype, then a checkpoint is
// loaded strictly (weights.h: per-tensor cast, so bf16 base models and mixed F32/BF16 fine-tunes both
// load exactly). `action_head.mask_token` (present only when state_dropout_prob > 0) may be absent
// from a base checkpoint: it is then initialised 0.02 * N(0, 1) from `seed`, as upstream.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/gr00t_n1d6.h"
#include "model/trainable.h"
#include "model/weights.h"

namespace groot {

struct BuildOptions {
  torch::Device device = torch::kCPU;
  // Unset: bf16 on CUDA, fp32 on CPU.
  c10::optional<torch::ScalarType> compute_dtype;
  c10::optional<torch::ScalarType> frozen_dtype;
  bool training = true;        // apply the recipe (requires_grad)
  bool trainable_fp32 = true;  // trainable parameters as fp32 masters (false: everything in frozen dtype)
  bool recompute = false;      // activation recomputation (--gradient-checkpointing)
  bool tf32 = true;            // CUDA only
  uint64_t seed = 42;          // for tensors absent from the checkpoint (mask_token)
  bool keep_skipped = false;   // load_pretrained: keep the unused checkpoint tensors (vision head,
                               // lm_head) in LoadReport::skipped_tensors, to write them back

  torch::ScalarType compute() const;
  torch::ScalarType frozen() const;
};

// The recipe of `cfg` (tune flags, tune_top_llm_layers) on a freshly built model with deterministic
// initial values (zeros / ones). Use init_random_ or load_pretrained for real values.
model::Gr00tN1d6 build_model(const Gr00tN1d6Config& cfg, const BuildOptions& opt);

// build_model + strict load of `dir` (config.json + model.safetensors[.index.json], or a golden folder's
// weights.safetensors). `cfg` is the configuration to build (normally load_config(dir) with the user's
// tune flags applied).
struct PretrainedReport {
  LoadReport load;
  std::vector<std::string> initialised;  // model keys absent from the checkpoint, freshly initialised
};
model::Gr00tN1d6 load_pretrained(const std::string& dir, const Gr00tN1d6Config& cfg, const BuildOptions& opt,
                                 PretrainedReport* report = nullptr);

// The weights file or folder of a model directory: "dir" when it has model.safetensors[.index.json],
// else dir/weights.safetensors (golden layout). groot::Error naming the folder otherwise.
std::string weights_path(const std::string& dir);

// Sets recompute, the compute dtype and TF32 on an existing model.
void configure_model(model::Gr00tN1d6& m, const BuildOptions& opt);
// Applies opt.training to an existing model: the recipe of m->cfg (requires_grad), fp32 masters for
// trainable parameters (frozen ones in opt.frozen()), then configure_model. build_model calls it.
void make_trainable(model::Gr00tN1d6& m, const BuildOptions& opt);

}  // namespace groot
