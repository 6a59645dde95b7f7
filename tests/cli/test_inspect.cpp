// groot inspect on the golden checkpoint folder: config, per-module counts, recipe flags, errors.
#include <gtest/gtest.h>

#include <fstream>

#include "test_util.h"

using groot::test::run_groot;
using groot::test::fixtures_dir;
using groot::test::golden_root;

TEST(InspectCli, GoldenFolderReportsModulesAndTrainableSet) {
  auto r = run_groot("inspect " + golden_root() + "/tiny_v1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"LLM (Qwen3): 2 of 4 layers kept", "159 tensors", "BF16 x1 F32 x158",
                        "backbone LLM layers", "action_head DiT", "trainable: 902.5 k",
                        "(LLM layers 1..1)", "backbone structure: OK (67 keys"})
    EXPECT_NE(r.output.find(s), std::string::npos) << s << "\n" << r.output;
}

TEST(InspectCli, RecipeFlagsOverrideTheConfig) {
  auto r = run_groot("inspect " + golden_root() + "/tiny_v1 --tune-top-llm-layers 0 --no-tune-projector --no-tune-diffusion-model "
                     "--no-tune-vlln --keys");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("trainable: 0 of"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("backbone.model.vision_model.vision_model.head.probe  [1, 1, 32]  F32  (unused)"),
            std::string::npos)
      << r.output;
  r = run_groot("inspect " + golden_root() + "/tiny_v1 --tune-llm --tune-visual --keys");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("embed_tokens.weight  [151680, 64]  BF16  trainable"), std::string::npos) << r.output;
}

TEST(InspectCli, MissingOrMismatchedCheckpointFails) {
  groot::test::TempDir tmp;
  auto r = run_groot("inspect " + tmp.path.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("has no config.json"), std::string::npos) << r.output;
  // a config whose LLM is wider than the weights: strict structure check fails and names the keys
  std::ofstream(tmp / "config.json") << R"({"model_type": "Gr00tN1d6", "select_layer": 3, "backbone_embedding_dim": 64})";
  std::ifstream src(golden_root() + "/tiny_v1/upstream_config_eagle.json");
  std::ofstream(tmp / "eagle_config.json") << src.rdbuf();
  r = run_groot("inspect " + tmp.path.string() + " --weights " + golden_root() + "/tiny_v1/weights.safetensors");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("missing backbone.model.language_model.model.layers.2."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("does not match its configuration"), std::string::npos) << r.output;
}
