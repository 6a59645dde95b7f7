// Adapter: the Eagle backbone (eagle_backbone.h) as the VLBackbone the top-level Gr00tN1d6 model and
// the parity runner call (gr00t_n1d6.h, parity.h). Its only child is "model" (the Eagle3VL module), so
// Gr00tN1d6's keys are "backbone.model.vision_model....", "backbone.model.mlp1....",
// "backbone.model.language_model.model...." exactly as upstream.
//
// forward_backbone() converts BackboneInputs (pixel_values as a list of [1,3,H,W]) and, when an
// ah_trace recorder is active on the thread, records every backbone intermediate (vision/*, mlp1/*,
// llm/*, backbone/*) into it.
#pragma once
#include <memory>
#include <string>

#include "model/config.h"
#include "model/eagle_backbone.h"
#include "model/gr00t_n1d6.h"

namespace groot::model {

struct EagleVLBackboneImpl : VLBackbone {
  EagleVLBackboneImpl(const Gr00tN1d6Config& cfg, const torch::TensorOptions& opt = {});
  BackboneOutput forward_backbone(const BackboneInputs& in) override;
  groot::EagleBackbone eagle{nullptr};  // shares its "model" child with this module
};

// Builds the backbone of a checkpoint / golden folder from its configuration (load_config), sets
// requires_grad from the folder's recipe (tune_* flags, tune_top_llm_layers). Weights are NOT loaded.
std::shared_ptr<EagleVLBackboneImpl> make_eagle_vl_backbone(const std::string& dir,
                                                            const torch::TensorOptions& opt = {});

// Registers make_eagle_vl_backbone as the parity runner's backbone factory (idempotent).
void register_eagle_backbone_for_parity();

}  // namespace groot::model
