// Model folders and training checkpoints in upstream's layout (reference §4.1, §7.5; the layout is
// described for other tools in docs/ARCHITECTURE.md "Checkpoints"):
//
//   DIR/config.json, eagle_config.json               model/config.h save_config
//   DIR/model-0000k-of-0000n.safetensors            shards of <= max_shard_bytes (HF: 5 GB), tensors in
//   DIR/model.safetensors.index.json                  named_parameters order, each in its current dtype
//                                                     (trainable F32, frozen BF16 on CUDA / F32 on CPU);
//                                                     index = {"metadata":{"total_size":N},"weight_map":{..}}
//   DIR/<files>                                      processor files, experiment_cfg/, trainer_state.json, ...
//   DIR/optimizer.safetensors, trainer_resume.json   checkpoints only (exact resume)
//
// A checkpoint is built in OUTPUT/.checkpoint-N.staging-PID and renamed to OUTPUT/checkpoint-N when
// complete (util/fs.h StagingDir), so a folder named checkpoint-N is always whole: kill -9 at any
// moment leaves at most a hidden staging folder, which the next run removes.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/config.h"
#include "model/torch_compat.h"

namespace groot::train {

namespace fs = std::filesystem;

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

constexpr int64_t kDefaultShardBytes = 5'000'000'000;  // HF save_pretrained max_shard_size="5GB"

// Writes `tensors` as model-0000k-of-0000n.safetensors + model.safetensors.index.json into `dir`.
// Tensors are copied to the CPU one shard at a time. Returns the number of shards.
int save_sharded(const fs::path& dir, const NamedTensors& tensors, int64_t max_shard_bytes = kDefaultShardBytes);

// Every parameter of `model` (prefix + name) followed by `extra` (e.g. the unused vision head / lm_head
// tensors kept from the base checkpoint), as saved by save_model_folder.
NamedTensors model_tensors(torch::nn::Module& model, const NamedTensors& extra = {});

struct FolderContent {
  Gr00tN1d6Config config;                       // config.json
  NamedTensors weights;                         // sharded
  std::map<std::string, std::string> files;     // relative path -> bytes (subfolders created)
  NamedTensors optimizer;                       // optimizer.safetensors (checkpoints only; empty = none)
  std::map<std::string, std::string> optimizer_metadata;
  int64_t max_shard_bytes = kDefaultShardBytes;
};

// Writes everything into `dir` (which must exist and be empty/staging).
void write_folder(const fs::path& dir, const FolderContent& c);

// OUTPUT/checkpoint-N via a staging folder + rename. Replaces an existing checkpoint-N.
void write_checkpoint(const fs::path& output_dir, int64_t step, const FolderContent& c);

// "checkpoint-123" -> 123; anything else (staging folders, other names) -> -1.
int64_t checkpoint_step(const std::string& folder_name);
// Complete checkpoints under output_dir, ascending by step.
std::vector<std::pair<int64_t, fs::path>> list_checkpoints(const fs::path& output_dir);
// Deletes the oldest checkpoints until at most `limit` remain (limit <= 0: keep all). Returns the
// deleted folders.
std::vector<fs::path> rotate_checkpoints(const fs::path& output_dir, int64_t limit);
// Removes hidden staging folders of dead processes (".checkpoint-*.staging-PID").
void remove_stale_staging(const fs::path& output_dir);

// Reads optimizer.safetensors of a checkpoint folder into name -> tensor (+ metadata).
std::map<std::string, torch::Tensor> read_optimizer_state(const fs::path& dir,
                                                          std::map<std::string, std::string>* metadata = nullptr);

}  // namespace groot::train

namespace groot::train {
// `groot inspect` lines for a training output (checkpoint-N or a final model): step of max_steps,
// the run's settings (experiment_cfg/finetune_config.json), the loss history (trainer_state.json).
// "" when the folder has no trainer_state.json.
std::string describe_training(const fs::path& dir);
}  // namespace groot::train
