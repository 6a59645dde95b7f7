// groot finetune flags (train/finetune_config.h): the seed's command verbatim, tyro spellings and
// toggles, upstream defaults, and rejection of unknown flags / bad values naming the flag.
#include <gtest/gtest.h>

#include "train/finetune_config.h"
#include "util/error.h"

using groot::train::FinetuneConfig;
using groot::train::parse_finetune_args;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> v;
  std::string cur;
  for (char c : s) {
    if (c == ' ') {
      if (!cur.empty()) v.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) v.push_back(cur);
  return v;
}

std::string error_of(const std::string& args) {
  try {
    parse_finetune_args(split(args));
  } catch (const groot::Error& e) {
    return e.what();
  }
  return "";
}

const char* kRequired = "--base-model-path m --dataset-path d --embodiment-tag NEW_EMBODIMENT ";

}  // namespace

TEST(FinetuneConfig, SeedCommandVerbatim) {
  // seed_pipeline.md Step 3, every flag.
  auto c = parse_finetune_args(split(
      "--base-model-path nvidia/GR00T-N1.6-3B --dataset-path /home/u/groot_data/mcx_card_lerobot_v2 "
      "--embodiment-tag NEW_EMBODIMENT --modality-config-path /home/u/franka_mcx_config.py "
      "--output-dir /home/u/groot_data/finetune_output_n16 --num-gpus 1 --global-batch-size 2 "
      "--gradient-accumulation-steps 16 --learning-rate 1e-4 --max-steps 10000 --save-steps 1000 "
      "--save-total-limit 5 --dataloader-num-workers 4 --num-shards-per-epoch 5000 --shard-size 512 "
      "--episode-sampling-rate 0.3 --no-tune-llm --no-tune-visual --tune-projector --tune-diffusion-model "
      "--warmup-ratio 0.05 --weight-decay 1e-5"));
  EXPECT_EQ(c.base_model_path, "nvidia/GR00T-N1.6-3B");
  EXPECT_EQ(c.embodiment_tag, "new_embodiment");
  EXPECT_EQ(*c.modality_config_path, "/home/u/franka_mcx_config.py");
  EXPECT_EQ(c.global_batch_size, 2);
  EXPECT_EQ(c.per_device_batch(), 2);
  EXPECT_EQ(c.gradient_accumulation_steps, 16);
  EXPECT_EQ(c.dataloader_num_workers, 4);
  EXPECT_EQ(c.num_shards_per_epoch, 5000);
  EXPECT_EQ(c.shard_size, 512);
  EXPECT_DOUBLE_EQ(c.episode_sampling_rate, 0.3);
  EXPECT_FALSE(c.tune_llm);
  EXPECT_FALSE(c.tune_visual);
  EXPECT_TRUE(c.tune_projector);
  EXPECT_TRUE(c.tune_diffusion_model);
  EXPECT_DOUBLE_EQ(c.weight_decay, 1e-5);
}

TEST(FinetuneConfig, UpstreamDefaults) {
  auto c = parse_finetune_args(split(kRequired));
  FinetuneConfig d;
  EXPECT_EQ(c.global_batch_size, 64);
  EXPECT_EQ(c.dataloader_num_workers, 2);
  EXPECT_DOUBLE_EQ(c.learning_rate, 1e-4);
  EXPECT_EQ(c.gradient_accumulation_steps, 1);
  EXPECT_EQ(c.output_dir, "./outputs");
  EXPECT_EQ(c.save_steps, 1000);
  EXPECT_EQ(c.save_total_limit, 5);
  EXPECT_EQ(c.max_steps, 10000);
  EXPECT_DOUBLE_EQ(c.weight_decay, 1e-5);
  EXPECT_DOUBLE_EQ(c.warmup_ratio, 0.05);
  EXPECT_EQ(c.shard_size, 1024);
  EXPECT_DOUBLE_EQ(c.episode_sampling_rate, 0.1);
  EXPECT_EQ(c.num_shards_per_epoch, 100000);
  EXPECT_EQ(c.optim, "adamw_torch");
  EXPECT_FALSE(c.gradient_checkpointing);
  EXPECT_EQ(c.seed, 42);
  EXPECT_FALSE(c.modality_config_path.has_value());
  EXPECT_FALSE(c.color_jitter_params.has_value());
}

TEST(FinetuneConfig, SnakeCaseTogglesAndValues) {
  auto c = parse_finetune_args(split(
      "--base_model_path m --dataset_path d --embodiment_tag libero_panda --tune_llm --no_tune_projector "
      "--tune-visual=False --max_steps=20 --optim adamw_8bit --gradient-checkpointing --seed 3 "
      "--color-jitter-params brightness 0.3 contrast 0.4 saturation 0.5 hue 0.08 --random-rotation-angle 15"));
  EXPECT_EQ(c.embodiment_tag, "libero_panda");
  EXPECT_TRUE(c.tune_llm);
  EXPECT_FALSE(c.tune_projector);
  EXPECT_FALSE(c.tune_visual);
  EXPECT_EQ(c.max_steps, 20);
  EXPECT_EQ(c.optim, "adamw_8bit");
  EXPECT_TRUE(c.gradient_checkpointing);
  EXPECT_EQ(c.seed, 3);
  ASSERT_TRUE(c.color_jitter_params.has_value());
  EXPECT_DOUBLE_EQ(c.color_jitter_params->at("hue"), 0.08);
  EXPECT_EQ(*c.random_rotation_angle, 15);
  // Last one wins, like tyro/argparse.
  EXPECT_FALSE(parse_finetune_args(split(std::string(kRequired) + "--tune-llm --no-tune-llm")).tune_llm);
  EXPECT_EQ(parse_finetune_args(split(std::string(kRequired) + "--embodiment-tag New_Embodiment")).embodiment_tag,
            "new_embodiment");
}

TEST(FinetuneConfig, RejectsBadInputNamingTheFlag) {
  auto e = error_of(std::string(kRequired) + "--max-step 10");
  EXPECT_NE(e.find("unknown flag --max-step"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean --max-steps?"), std::string::npos) << e;
  e = error_of(std::string(kRequired) + "--learning-rate fast");
  EXPECT_NE(e.find("--learning-rate: 'fast' is not a number"), std::string::npos) << e;
  e = error_of(std::string(kRequired) + "--max-steps 0");
  EXPECT_NE(e.find("--max-steps"), std::string::npos) << e;
  e = error_of("--base-model-path m --dataset-path d --embodiment-tag NEW_EMBODYMENT");
  EXPECT_NE(e.find("--embodiment-tag: unknown embodiment 'NEW_EMBODYMENT'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean new_embodiment?"), std::string::npos) << e;
  e = error_of("--dataset-path d --embodiment-tag NEW_EMBODIMENT");
  EXPECT_NE(e.find("missing required flag --base-model-path"), std::string::npos) << e;
  e = error_of(std::string(kRequired) + "--optim sgd");
  EXPECT_NE(e.find("--optim: unknown optimizer 'sgd'"), std::string::npos) << e;
  e = error_of(std::string(kRequired) + "--color-jitter-params brightnes 0.3");
  EXPECT_NE(e.find("did you mean brightness?"), std::string::npos) << e;
  e = error_of(std::string(kRequired) + "--save-steps");
  EXPECT_NE(e.find("--save-steps: missing value"), std::string::npos) << e;
  e = error_of(std::string(kRequired) + "--no-tune-llm=True");
  EXPECT_NE(e.find("takes no value"), std::string::npos) << e;
  e = error_of(std::string(kRequired) + "--num-gpus 2");
  EXPECT_NE(e.find("--num-gpus"), std::string::npos) << e;
}

TEST(FinetuneConfig, HelpListsEveryFlagWithDefault) {
  bool help = false;
  parse_finetune_args({"--max-steps", "x", "--help"}, &help);
  EXPECT_TRUE(help);
  const std::string h = groot::train::finetune_help();
  for (const char* s : {"--base-model-path", "--tune-llm, --no-tune-llm\n", "[default: False]", "--global-batch-size INT",
                        "[default: 64]", "[default: 0.0001]", "[default: ./outputs]", "[default: adamw_torch]",
                        "--gradient-checkpointing", "--num-shards-per-epoch", "[default: 100000]", "--seed"})
    EXPECT_NE(h.find(s), std::string::npos) << s;
}
