// Gr00tN1d6: the whole GR00T N1.6 model = EagleBackbone ("backbone", eagle_backbone.h) + flow-matching
// action head ("action_head", action_head.h); upstream gr00t/model/gr00t_n1d6/gr00t_n1d6.py::Gr00tN1d6.
//
//   backbone(input_ids [B,L], attention_mask [B,L], pixel_values [N_img,3,H,W] or images)
//     -> {features [B,L,Dvl], attention_mask bool, image_mask bool}
//   forward:    backbone -> action_head.forward_train(noise, t) -> loss            (training)
//   get_action: backbone once -> action_head.get_action (4 Euler steps) -> [B,50,128] (inference)
//
// named_parameters() keys equal the upstream checkpoint keys ("backbone.model.…",
// "action_head.model.transformer_blocks.N.…"), so groot::load_state_dict (weights.h) loads an upstream
// checkpoint folder directly. Build with torch::kMeta for a shape-only 3B model.
#pragma once
#include "model/action_head.h"
#include "model/config.h"
#include "model/eagle_backbone.h"

namespace groot::model {

struct Gr00tN1d6Impl : torch::nn::Module {
  explicit Gr00tN1d6Impl(const groot::Gr00tN1d6Config& cfg, const torch::TensorOptions& opt = {});

  // Training forward with given noise [B,H,A] and t [B] (parity), or sampled from `gen`.
  // Intermediates go to the thread's trace sink (ah_trace.h): backbone and action head alike.
  TrainOutput forward(const groot::BackboneInput& bin, const ActionInputs& ain, const torch::Tensor& noise,
                      const torch::Tensor& t);
  TrainOutput forward(const groot::BackboneInput& bin, const ActionInputs& ain,
                      c10::optional<at::Generator> gen = c10::nullopt);
  // Inference: backbone once, then the action head's Euler loop. Returns action_pred [B,H,A].
  torch::Tensor get_action(const groot::BackboneInput& bin, const ActionInputs& ain,
                           const torch::Tensor& init_noise = torch::Tensor(),
                           c10::optional<at::Generator> gen = c10::nullopt);
  // Upstream set_frozen_modules_to_eval_mode after train(): frozen parts run without dropout.
  void train(bool on = true) override;

  groot::Gr00tN1d6Config cfg;
  groot::EagleBackbone backbone{nullptr};
  ActionHead action_head{nullptr};
};
TORCH_MODULE(Gr00tN1d6);

}  // namespace groot::model
