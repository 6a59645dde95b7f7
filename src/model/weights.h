// Strict state-dict load/save between LibTorch modules and upstream safetensors checkpoints.
//
// A module's named_parameters() keys are the upstream key names (relative to `prefix`). Loading:
//   - every module parameter must be in the checkpoint with the same shape;
//   - every checkpoint key under `prefix` must be a module parameter, except the ones upstream keeps
//     but never uses: "*vision_model.vision_model.head.*" (SigLIP2 pooling head) and
//     "*language_model.lm_head.weight" (tied, unused) -- accepted and skipped;
//   - all violations are collected and reported in ONE groot::Error (missing / unexpected / mis-shaped);
//   - each tensor is cast from its stored dtype (F32/BF16/F16/F64) to the parameter's dtype and copied
//     onto the parameter's device, so frozen bf16 + trainable fp32 modules load from any checkpoint.
// Saving writes every parameter in its current dtype (mixed F32/BF16 as upstream fine-tunes) plus any
// extra tensors (e.g. the skipped ones kept from the base checkpoint) into one .safetensors file.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "data/safetensors.h"
#include "model/config.h"
#include "model/torch_compat.h"

namespace groot {

// True for checkpoint keys that are accepted and skipped (vision pooling head, lm_head).
bool is_ignored_checkpoint_key(const std::string& name);

// The skipped keys upstream checkpoints contain for `cfg`, with shapes (full names, "backbone." prefix).
std::vector<std::pair<std::string, std::vector<int64_t>>> ignored_checkpoint_keys(const Gr00tN1d6Config& cfg);

struct LoadOptions {
  std::string prefix;           // checkpoint key = prefix + module key (e.g. "backbone." for an EagleBackbone)
  bool only_prefix = true;      // checkpoint keys outside `prefix` are not "unexpected" (partial loads)
  bool keep_skipped = false;    // copy the skipped tensors into LoadReport::skipped_tensors
};

struct LoadReport {
  int64_t tensors_loaded = 0;
  int64_t params_loaded = 0;
  std::vector<std::string> skipped;  // checkpoint keys accepted and ignored
  std::vector<std::pair<std::string, torch::Tensor>> skipped_tensors;  // when keep_skipped
  std::vector<std::string> cast;     // "name: BF16 -> Float" for every dtype conversion
};

LoadReport load_state_dict(torch::nn::Module& module, const st::Checkpoint& ckpt, const LoadOptions& opt = {});
LoadReport load_state_dict(torch::nn::Module& module, const std::string& path_or_dir, const LoadOptions& opt = {});

// Writes prefix + name for every parameter (current dtype, CPU copies) and `extra` into `path` (atomic).
void save_state_dict(const torch::nn::Module& module, const std::string& path, const std::string& prefix = "",
                     const std::vector<std::pair<std::string, torch::Tensor>>& extra = {},
                     const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Deterministic random init for benchmarks / fresh modules: >=2-D tensors ~ N(0, 0.02), 1-D "weight" = 1,
// "bias"/"b" = 0 (HF-style initializer_range). Skips meta tensors.
void init_random_(torch::nn::Module& module, uint64_t seed);

}  // namespace groot
