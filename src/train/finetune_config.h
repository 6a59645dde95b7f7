// `groot finetune` options: upstream's FinetuneConfig (gr00t/configs/finetune_config.py, parsed by tyro)
// with the same names and defaults (reference §7.1), plus what the seed added in a wrapper.
//
// Parsing follows tyro: every field is a flag in --kebab-case or --snake_case; booleans come as pairs
// (--tune-llm / --no-tune-llm); a value follows as the next argument or after '='; optional values
// accept "None"; --color-jitter-params takes key value pairs (brightness 0.3 contrast 0.4 ...);
// --embodiment-tag accepts the enum name or value in any case (NEW_EMBODIMENT, new_embodiment).
// Unknown flags and bad values are rejected before anything is loaded, naming the flag, with a
// did-you-mean suggestion. This file is LibTorch-free.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace groot::train {

struct FinetuneConfig {
  // --- data and model paths ---
  std::string base_model_path;                     // required: folder or hub id (HF cache lookup)
  std::string dataset_path;                        // required: LeRobot v2 dataset
  std::string embodiment_tag;                      // required, canonical value ("new_embodiment")
  std::optional<std::string> modality_config_path; // .py (register_modality_config), .json or .yaml
  // --- model tuning ---
  bool tune_llm = false;
  bool tune_visual = false;
  bool tune_projector = true;
  bool tune_diffusion_model = true;
  double state_dropout_prob = 0.0;
  // --- augmentation ---
  std::optional<int64_t> random_rotation_angle;
  std::optional<std::map<std::string, double>> color_jitter_params;  // brightness, contrast, saturation, hue
  // --- training ---
  int64_t global_batch_size = 64;
  int64_t dataloader_num_workers = 2;
  double learning_rate = 1e-4;
  int64_t gradient_accumulation_steps = 1;
  std::string output_dir = "./outputs";
  int64_t save_steps = 1000;
  int64_t save_total_limit = 5;
  int64_t num_gpus = 1;
  bool use_wandb = false;
  int64_t max_steps = 10000;
  double weight_decay = 1e-5;
  double warmup_ratio = 0.05;
  int64_t shard_size = 1024;
  double episode_sampling_rate = 0.1;
  int64_t num_shards_per_epoch = 100000;
  std::string video_backend = "torchcodec";  // accepted for compatibility; groot decodes with FFmpeg
  bool override_pretraining_statistics = true;
  // --- groot additions (the seed's wrapper) ---
  std::string optim = "adamw_torch";  // adamw_torch | adamw_8bit
  bool gradient_checkpointing = false;
  int64_t seed = 42;
  // --- not exposed upstream (TrainingConfig defaults), settable here ---
  int64_t logging_steps = 10;
  std::string device = "auto";       // auto | cpu | cuda | cuda:N

  // Per-device batch of one micro-step (upstream: global_batch_size / num_gpus).
  int64_t per_device_batch() const;
  nlohmann::json to_json() const;  // snake_case keys, as experiment_cfg/finetune_config.json
};

// Parses argv (without the verb). help=true: --help/-h was given (nothing else is checked).
// Throws groot::Error ("--flag: message", did-you-mean for unknown flags) on any problem.
FinetuneConfig parse_finetune_args(const std::vector<std::string>& args, bool* help = nullptr);

// The --help text: every flag with its default.
std::string finetune_help();

}  // namespace groot::train
