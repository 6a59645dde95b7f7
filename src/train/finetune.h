// `groot finetune`: upstream's launch_finetune recipe (reference §7) end to end.
//
//   1. check every input before loading anything: base model folder (or hub id in the HF cache) with
//      config.json + weights, dataset folder with meta/, modality config file, writable output
//   2. model config = the base's config.json with the run's tune flags / state_dropout_prob
//   3. data = the sharded training stream (train/training_data.h) with the base's processor files
//   4. model = build.h load_pretrained (trainable fp32 masters, frozen bf16 on CUDA; bf16 compute + TF32)
//   5. Trainer (trainer.h) + run_training (train_loop.h): resume, logging, checkpoints, final model
//   6. processor files (the new tag's modality config, dataset statistics, embodiment ids) next to every
//      checkpoint and the final model; experiment_cfg/ with the run's settings
#pragma once
#include "train/finetune_config.h"
#include "train/train_loop.h"

namespace groot::train {

// Runs the whole fine-tune; returns the loop result (interrupted = Ctrl-C after a checkpoint).
LoopResult run_finetune(const FinetuneConfig& cfg);

}  // namespace groot::train
