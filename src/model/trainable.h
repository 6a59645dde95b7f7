// Which parameters a fine-tuning recipe trains (upstream EagleBackbone.set_trainable_parameters and
// Gr00tN1d6ActionHead.set_trainable_parameters), decided from the full upstream key name:
//   backbone.model.vision_model.*, backbone.model.mlp1.*     -> tune_visual
//   backbone.model.language_model.*                           -> tune_llm (embed, layers, norm, lm_head)
//   backbone.model.language_model.model.layers.{i}.*          -> also when i >= kept_layers - tune_top_llm_layers
//   action_head.{state_encoder, action_encoder, action_decoder, position_embedding, mask_token} -> tune_projector
//   action_head.model.*                                        -> tune_diffusion_model
//   action_head.vlln.*                                         -> tune_vlln
// apply_recipe() sets requires_grad accordingly; cast_for_training() puts frozen parameters in
// `frozen_dtype` (bf16 saves memory) and trainable ones in fp32 (masters), as upstream with
// load_bf16 + backbone_trainable_params_fp32.
#pragma once
#include <string>

#include "model/config.h"
#include "model/torch_compat.h"

namespace groot {

struct TuneRecipe {
  bool tune_llm = false;
  bool tune_visual = false;
  bool tune_projector = true;
  bool tune_diffusion_model = true;
  bool tune_vlln = true;
  int64_t tune_top_llm_layers = 4;
  int64_t llm_layers = 16;  // kept layers (select_layer)
  static TuneRecipe from_config(const Gr00tN1d6Config& c);
};

bool recipe_trains(const std::string& full_key, const TuneRecipe& r);

// For every parameter of `root` (key = prefix + name): requires_grad = recipe_trains(key).
// Returns the number of trainable parameters (elements).
int64_t apply_recipe(torch::nn::Module& root, const TuneRecipe& r, const std::string& prefix = "");

// Frozen parameters -> frozen_dtype, trainable (requires_grad) -> fp32. Call after apply_recipe.
void cast_for_training(torch::nn::Module& root, torch::ScalarType frozen_dtype);

}  // namespace groot
