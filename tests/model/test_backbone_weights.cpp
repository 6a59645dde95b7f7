// Strict checkpoint mapping (weights.h), configuration loading (config.h), training recipe
// (trainable.h) for the backbone.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "golden_util.h"
#include "model/config.h"
#include "model/eagle_backbone.h"
#include "model/trainable.h"
#include "model/weights.h"
#include "util/error.h"

using namespace groot;
using groot::test::golden_dir;
using groot::test::TempDir;
using groot::test::error_of;

namespace {

EagleBackbone tiny_backbone(torch::ScalarType dtype = torch::kFloat32) {
  return EagleBackbone(load_config(golden_dir()), torch::TensorOptions().dtype(dtype));
}

void write_text(const std::filesystem::path& p, const std::string& s) { std::ofstream(p) << s; }

}  // namespace

TEST(BackboneWeights, LoadCastsBf16AndSkipsUnusedKeys) {
  auto bb = tiny_backbone();
  LoadOptions lo;
  lo.prefix = "backbone.";
  lo.keep_skipped = true;
  auto rep = load_state_dict(*bb, golden_dir() + "/weights.safetensors", lo);
  EXPECT_EQ(rep.tensors_loaded, 67);
  EXPECT_EQ(rep.skipped.size(), 11u);  // vision head.* (lm_head is absent from the golden file)
  EXPECT_EQ(rep.skipped_tensors.size(), 11u);
  ASSERT_EQ(rep.cast.size(), 1u);  // embed_tokens BF16 -> Float
  EXPECT_NE(rep.cast[0].find("embed_tokens"), std::string::npos);
  st::File w(golden_dir() + "/weights.safetensors");
  auto ref = st::to_tensor(w.at("backbone.model.language_model.model.embed_tokens.weight")).to(torch::kFloat32);
  EXPECT_TRUE(torch::equal(bb->model->language_model->model->embed_tokens->weight, ref));
}

TEST(BackboneWeights, OneErrorListsMissingUnexpectedAndMisshapedKeys) {
  auto bb = tiny_backbone();
  TempDir tmp;
  std::vector<std::pair<std::string, torch::Tensor>> ts;
  for (auto& item : bb->named_parameters()) {
    const std::string k = "backbone." + item.key();
    if (k == "backbone.model.mlp1.3.bias") continue;  // missing
    auto t = item.value().detach().clone();
    if (k == "backbone.model.language_model.model.norm.weight") t = torch::zeros({65});  // mis-shaped
    ts.emplace_back(k, t);
  }
  ts.emplace_back("backbone.model.extra_layer.weight", torch::zeros({3}));                       // unexpected
  ts.emplace_back("backbone.model.language_model.lm_head.weight", torch::zeros({4, 2}, torch::kBFloat16));  // skipped
  ts.emplace_back("action_head.vlln.weight", torch::zeros({64}));  // other prefix: not ours
  const auto path = (tmp / "bad.safetensors").string();
  st::write_tensors(path, ts);
  LoadOptions lo;
  lo.prefix = "backbone.";
  std::string msg = error_of([&] { load_state_dict(*bb, path, lo); });
  EXPECT_NE(msg.find("missing keys (1)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("backbone.model.mlp1.3.bias [64]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("mis-shaped keys (1)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("norm.weight: checkpoint [65]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected keys (1)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("backbone.model.extra_layer.weight"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("lm_head"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  // the same file without a prefix: every key is now unexpected or missing
  lo.prefix = "";
  msg = error_of([&] { load_state_dict(*bb, path, lo); });
  EXPECT_NE(msg.find("action_head.vlln.weight"), std::string::npos) << msg;
}

TEST(BackboneWeights, SaveLoadRoundTripKeepsMixedDtypes) {
  auto bb = tiny_backbone();
  init_random_(*bb, 7);
  auto& top = bb->model->language_model->model->layer_list[1];
  for (auto& p : bb->parameters()) p.set_requires_grad(false);
  for (auto& p : top->parameters()) p.set_requires_grad(true);
  cast_for_training(*bb, torch::kBFloat16);
  EXPECT_EQ(top->mlp->up_proj->weight.scalar_type(), torch::kFloat32);
  EXPECT_EQ(bb->model->mlp1->fc1->weight.scalar_type(), torch::kBFloat16);
  TempDir tmp;
  const auto path = (tmp / "model.safetensors").string();
  save_state_dict(*bb, path, "backbone.", {{"backbone.model.language_model.lm_head.weight", torch::ones({2, 2})}});
  st::File f(path);
  EXPECT_EQ(f.at("backbone.model.mlp1.1.weight").dtype, st::DType::BF16);
  EXPECT_EQ(f.at("backbone.model.language_model.model.layers.1.mlp.up_proj.weight").dtype, st::DType::F32);
  auto bb2 = tiny_backbone();
  LoadOptions lo;
  lo.prefix = "backbone.";
  auto rep = load_state_dict(*bb2, path, lo);
  EXPECT_EQ(rep.skipped, std::vector<std::string>{"backbone.model.language_model.lm_head.weight"});
  auto p1 = bb->named_parameters(), p2 = bb2->named_parameters();
  for (auto& item : p1) {
    auto other = p2[item.key()];
    EXPECT_EQ(other.scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::equal(other, item.value().to(torch::kFloat32))) << item.key();
  }
  // init is deterministic per seed and non-trivial
  auto a = tiny_backbone(), b = tiny_backbone();
  init_random_(*a, 3);
  init_random_(*b, 3);
  EXPECT_TRUE(torch::equal(a->model->mlp1->fc1->weight, b->model->mlp1->fc1->weight));
  EXPECT_GT(a->model->mlp1->fc1->weight.std().item<double>(), 0.01);
  EXPECT_EQ(a->model->mlp1->ln->weight.min().item<double>(), 1.0);
}

TEST(BackboneRecipe, GoldenRecipeTrainsExactlyTheGoldenGradients) {
  auto cfg = load_config(golden_dir());
  auto bb = tiny_backbone();
  int64_t n = apply_recipe(*bb, TuneRecipe::from_config(cfg), "backbone.");
  std::set<std::string> ours, golden;
  for (auto& item : bb->named_parameters())
    if (item.value().requires_grad()) ours.insert("backbone." + item.key());
  st::File io(golden_dir() + "/io.safetensors");
  for (auto& t : io.tensors())
    if (t.name.rfind("grad/backbone.", 0) == 0) golden.insert(t.name.substr(5));
  EXPECT_EQ(ours, golden);
  // LLM layer 1: q 64x64 + k,v 32x64 + o 64x64 + q/k_norm 16 + gate/up/down 128x64 + 2 norms 64
  EXPECT_EQ(n, 4096 + 2 * 2048 + 4096 + 2 * 16 + 3 * 8192 + 2 * 64);
  TuneRecipe r = TuneRecipe::from_config(default_3b_config());
  EXPECT_FALSE(recipe_trains("backbone.model.language_model.model.layers.11.mlp.up_proj.weight", r));
  EXPECT_TRUE(recipe_trains("backbone.model.language_model.model.layers.12.mlp.up_proj.weight", r));
  EXPECT_FALSE(recipe_trains("backbone.model.language_model.model.embed_tokens.weight", r));
  EXPECT_FALSE(recipe_trains("backbone.model.language_model.model.norm.weight", r));
  EXPECT_FALSE(recipe_trains("backbone.model.mlp1.1.weight", r));
  EXPECT_TRUE(recipe_trains("action_head.model.transformer_blocks.3.attn1.to_q.weight", r));
  EXPECT_TRUE(recipe_trains("action_head.position_embedding.weight", r));
  r.tune_llm = true;
  r.tune_visual = true;
  r.tune_projector = false;
  EXPECT_TRUE(recipe_trains("backbone.model.language_model.model.embed_tokens.weight", r));
  EXPECT_TRUE(recipe_trains("backbone.model.vision_model.vision_model.post_layernorm.weight", r));
  EXPECT_FALSE(recipe_trains("action_head.state_encoder.layer1.W", r));
  r = TuneRecipe::from_config(default_3b_config());
  r.tune_top_llm_layers = 0;
  EXPECT_FALSE(recipe_trains("backbone.model.language_model.model.layers.15.mlp.up_proj.weight", r));
}

TEST(BackboneConfigFiles, UpstreamConfigAloneUsesBuiltInEagleAndRoundTrips) {
  TempDir tmp;
  write_text(tmp / "config.json",
             R"({"model_type": "Gr00tN1d6", "select_layer": 16, "tune_top_llm_layers": 4, "action_horizon": 50,
                 "diffusion_model_cfg": {"num_layers": 32, "positional_embeddings": null}, "gemma_collator": false})");
  auto c = load_config(tmp.path.string());
  EXPECT_EQ(c.eagle.vision.hidden_size, 1152);
  EXPECT_EQ(c.eagle.vision.num_hidden_layers, 27);
  EXPECT_EQ(c.eagle.text.vocab_size, 151680);
  EXPECT_EQ(c.eagle.text.num_key_value_heads, 8);
  EXPECT_EQ(c.eagle.mlp1_in_dim(), 4608);
  // save + load keeps everything, including unknown keys and a non-default Eagle config
  auto tiny = load_config(golden_dir());
  TempDir out;
  save_config(tiny, out.path.string());
  auto back = load_config(out.path.string());
  EXPECT_EQ(back.eagle.text.hidden_size, 64);
  EXPECT_EQ(back.eagle.vision.hidden_size, 32);
  EXPECT_EQ(back.select_layer, 2);
  EXPECT_EQ(back.diffusion_model_cfg.output_dim, 48);
  EXPECT_EQ(back.to_json(), tiny.to_json());
  save_config(c, out.path.string());
  EXPECT_EQ(load_config(out.path.string()).raw.at("gemma_collator"), false);
}

TEST(BackboneConfigFiles, BadConfigsGiveClearErrors) {
  TempDir tmp;
  EXPECT_NE(error_of([&] { load_config((tmp / "nope").string()); }).find("does not exist"), std::string::npos);
  EXPECT_NE(error_of([&] { load_config(tmp.path.string()); }).find("has no config.json"), std::string::npos);
  write_text(tmp / "config.json", "{not json");
  EXPECT_NE(error_of([&] { load_config(tmp.path.string()); }).find("not valid JSON"), std::string::npos);
  write_text(tmp / "config.json", R"({"model_type": "Gr00tN1d6", "select_layer": "sixteen"})");
  auto msg = error_of([&] { load_config(tmp.path.string()); });
  EXPECT_NE(msg.find("select_layer"), std::string::npos) << msg;
  EXPECT_NE(msg.find("config.json"), std::string::npos) << msg;
  write_text(tmp / "config.json", R"({"model_type": "Gr00tN1d6", "select_layer": 40})");
  msg = error_of([&] { load_config(tmp.path.string()); });
  EXPECT_NE(msg.find("exceeds text_config.num_hidden_layers 28"), std::string::npos) << msg;
  write_text(tmp / "config.json", R"({"model_type": "Gr00tN1d6"})");
  write_text(tmp / "eagle_config.json", R"({"vision_config": {"use_rope": true}})");
  msg = error_of([&] { load_config(tmp.path.string()); });
  EXPECT_NE(msg.find("use_rope"), std::string::npos) << msg;
  write_text(tmp / "eagle_config.json", R"({"text_config": {"rope_scaling": {"type": "yarn"}}})");
  EXPECT_NE(error_of([&] { load_config(tmp.path.string()); }).find("rope_scaling"), std::string::npos);
  std::filesystem::remove(tmp / "eagle_config.json");
  write_text(tmp / "config.json", R"({"model_type": "Gr00tN1d6", "model_name": "other/vlm"})");
  EXPECT_NE(error_of([&] { load_config(tmp.path.string()); }).find("no built-in backbone"), std::string::npos);
  write_text(tmp / "config.json", R"({"something": 1})");
  EXPECT_NE(error_of([&] { load_config(tmp.path.string()); }).find("not a Gr00tN1d6 config"), std::string::npos);
}
