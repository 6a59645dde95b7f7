// Base models for fine-tuning: `groot init-model` (a randomly initialised model in the layout of
// nvidia/GR00T-N1.6-3B) and the lookup of --base-model-path (a folder, or a hub id in the local
// Hugging Face cache; nothing is downloaded).
//
//   init-model folder: config.json + eagle_config.json, model-0000k-of-0000n.safetensors +
//   model.safetensors.index.json (all tensors BF16 like the released base, including the unused
//   vision pooling head and lm_head = embed_tokens), processor_config.json (base defaults, no
//   modality configs), statistics.json ({}), embodiment_id.json (upstream table).
//   Values: init_random_ (weights.h): N(0, 0.02) for matrices, ones for norm weights, zeros for biases.
#pragma once
#include <cstdint>
#include <string>

#include "model/config.h"

namespace groot::train {

// "tiny" = the tests/golden/tiny_v1 configuration; "3b" = nvidia/GR00T-N1.6-3B.
Gr00tN1d6Config preset_config(const std::string& preset);

struct InitModelOptions {
  std::string preset = "tiny";
  std::string output;
  uint64_t seed = 42;
  bool overwrite = false;
  int64_t max_shard_bytes = 5'000'000'000;
};
// Writes the folder (staged + renamed). Returns the number of parameters written.
int64_t init_model(const InitModelOptions& opt);

// --base-model-path: an existing folder is returned as is; "org/name" is looked up as
// <hub>/models--org--name/snapshots/<rev> (refs/main first, else the newest snapshot) in
// $HF_HUB_CACHE, $HUGGINGFACE_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub,
// ~/.cache/huggingface/hub. groot::Error listing the places looked at otherwise.
std::string resolve_base_model(const std::string& path_or_id);

}  // namespace groot::train
