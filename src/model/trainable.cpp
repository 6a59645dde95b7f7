#include "model/trainable.h"

#include <cstdlib>

namespace groot {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

}  // namespace

TuneRecipe TuneRecipe::from_config(const Gr00tN1d6Config& c) {
  TuneRecipe r;
  r.tune_llm = c.tune_llm;
  r.tune_visual = c.tune_visual;
  r.tune_projector = c.tune_projector;
  r.tune_diffusion_model = c.tune_diffusion_model;
  r.tune_vlln = c.tune_vlln;
  r.tune_top_llm_layers = c.tune_top_llm_layers;
  r.llm_layers = c.select_layer;
  return r;
}

bool recipe_trains(const std::string& k, const TuneRecipe& r) {
  if (starts_with(k, "backbone.model.vision_model.") || starts_with(k, "backbone.model.mlp1.")) return r.tune_visual;
  const std::string layers = "backbone.model.language_model.model.layers.";
  if (starts_with(k, layers)) {
    if (r.tune_llm) return true;
    const int64_t i = std::strtoll(k.c_str() + layers.size(), nullptr, 10);
    return r.tune_top_llm_layers > 0 && i >= r.llm_layers - r.tune_top_llm_layers;
  }
  if (starts_with(k, "backbone.model.language_model.")) return r.tune_llm;
  for (const char* p : {"action_head.state_encoder.", "action_head.action_encoder.", "action_head.action_decoder.",
                        "action_head.position_embedding."})
    if (starts_with(k, p)) return r.tune_projector;
  if (k == "action_head.mask_token") return r.tune_projector;
  if (starts_with(k, "action_head.model.")) return r.tune_diffusion_model;
  if (starts_with(k, "action_head.vlln.")) return r.tune_vlln;
  return false;
}

int64_t apply_recipe(torch::nn::Module& root, const TuneRecipe& r, const std::string& prefix) {
  int64_t n = 0;
  for (auto& item : root.named_parameters(true)) {
    bool t = recipe_trains(prefix + item.key(), r);
    item.value().set_requires_grad(t);
    if (t) n += item.value().numel();
  }
  return n;
}

void cast_for_training(torch::nn::Module& root, torch::ScalarType frozen_dtype) {
  torch::NoGradGuard ng;
  for (auto& p : root.parameters(true)) {
    auto want = p.requires_grad() ? torch::kFloat32 : frozen_dtype;
    if (p.scalar_type() != want) p.set_data(p.data().to(want));
  }
}

}  // namespace groot
