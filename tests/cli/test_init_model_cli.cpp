// groot init-model: a random model folder in the nvidia/GR00T-N1.6-3B layout; tiny = the tiny_v1 golden
// configuration (same keys, shapes); deterministic per seed; loads strictly; refuses a non-empty output.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/build.h"
#include "data/safetensors.h"
#include "model/safetensors_torch.h"
#include "test_util.h"

using groot::test::golden_root;
using groot::test::run_groot;
namespace fs = std::filesystem;

TEST(InitModelCli, TinyHasTheGoldenKeysShapesAndLayout) {
  groot::test::TempDir tmp;
  auto r = run_groot("init-model --preset tiny --output " + (tmp / "m").string() + " --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"config.json", "model.safetensors.index.json", "model-00001-of-00001.safetensors",
                        "processor_config.json", "statistics.json", "embodiment_id.json"})
    EXPECT_TRUE(fs::exists(tmp / "m" / f)) << f;
  groot::st::Checkpoint ours((tmp / "m").string());
  groot::st::Checkpoint golden(golden_root() + "/tiny_v1/weights.safetensors");
  // The golden's keys plus lm_head (tied to embed_tokens; the released 3B checkpoint stores it).
  auto want = golden.names();
  want.push_back("backbone.model.language_model.lm_head.weight");
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ours.names(), want);
  for (const auto& n : golden.names()) {
    EXPECT_EQ(ours.at(n).shape, golden.at(n).shape) << n;
    EXPECT_EQ(ours.at(n).dtype, groot::st::DType::BF16) << n;
  }
  auto cfg = groot::load_config((tmp / "m").string());
  auto gcfg = groot::load_config(golden_root() + "/tiny_v1");
  auto cj = cfg.to_json(), gj = gcfg.to_json();
  for (const char* key : {"backbone_embedding_dim", "hidden_size", "input_embedding_dim", "select_layer",
                          "tune_top_llm_layers", "diffusion_model_cfg", "max_state_dim", "max_action_dim",
                          "action_horizon", "max_num_embodiments", "tune_llm", "tune_visual", "tune_projector",
                          "tune_diffusion_model", "tune_vlln"})
    EXPECT_EQ(cj[key], gj[key]) << key;
  EXPECT_EQ(cfg.select_layer, gcfg.select_layer);
  EXPECT_EQ(cfg.tune_top_llm_layers, gcfg.tune_top_llm_layers);
  EXPECT_EQ(cfg.diffusion_model_cfg.num_layers, gcfg.diffusion_model_cfg.num_layers);
  EXPECT_EQ(cfg.eagle.text.num_key_value_heads, gcfg.eagle.text.num_key_value_heads);
  // Loads strictly with the training recipe; the lm_head copy equals embed_tokens (tied).
  groot::BuildOptions bo;
  auto m = groot::load_pretrained((tmp / "m").string(), cfg, bo);
  EXPECT_TRUE(torch::equal(groot::st::to_tensor(ours.at("backbone.model.language_model.lm_head.weight")),
                           groot::st::to_tensor(ours.at("backbone.model.language_model.model.embed_tokens.weight"))));
  auto emb = nlohmann::json::parse(std::ifstream(tmp / "m" / "embodiment_id.json"));
  EXPECT_EQ(emb["new_embodiment"], 10);
  // Same seed, same weights; another seed, other weights.
  r = run_groot("init-model --preset tiny --output " + (tmp / "m2").string() + " --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_groot("init-model --preset tiny --output " + (tmp / "m3").string() + " --seed 4");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string k = "action_head.model.proj_out_1.weight";
  auto a = groot::st::to_tensor(ours.at(k));
  EXPECT_TRUE(torch::equal(a, groot::st::to_tensor(groot::st::Checkpoint((tmp / "m2").string()).at(k))));
  EXPECT_FALSE(torch::equal(a, groot::st::to_tensor(groot::st::Checkpoint((tmp / "m3").string()).at(k))));
  // A non-empty output is refused (and left alone).
  r = run_groot("init-model --preset tiny --output " + (tmp / "m").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("not empty"), std::string::npos) << r.output;
  r = run_groot("init-model --preset huge --output " + (tmp / "x").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--preset"), std::string::npos) << r.output;
}
