// Gr00tN1d6: the whole GR00T N1.6 model = Eagle VL backbone ("backbone") + flow-matching action head
// ("action_head"), upstream gr00t/model/gr00t_n1d6/gr00t_n1d6.py::Gr00tN1d6.
//
//   backbone(input_ids [B,L], attention_mask [B,L], pixel_values: list of [1,3,H,W])
//     -> BackboneOutput {features [B,L,Dvl], attention_mask bool, image_mask bool}
//   training: action_head.forward_train(backbone_out, action inputs, noise, t) -> loss
//   inference: action_head.get_action(backbone_out, state/embodiment, init noise) -> [B,50,128]
//
// named_parameters() keys equal the upstream checkpoint keys ("backbone.model....",
// "action_head.model.transformer_blocks.N...."). The backbone is any module implementing
// VLBackbone (the Eagle backbone, or an adapter around it); its parameters must be registered
// below its own "model." so the keys come out as upstream's.
#pragma once
#include <memory>
#include <vector>

#include "model/action_head.h"

namespace groot::model {

struct BackboneInputs {
  torch::Tensor input_ids;                  // [B, L] int64, left-padded
  torch::Tensor attention_mask;             // [B, L] int64 / bool, 1 = real token
  std::vector<torch::Tensor> pixel_values;  // one [1, 3, H, W] float per image, sample-major
};

// The vision-language backbone interface the top-level model calls.
struct VLBackbone : torch::nn::Module {
  virtual ~VLBackbone() = default;
  virtual BackboneOutput forward_backbone(const BackboneInputs& in) = 0;
};

struct Gr00tN1d6Impl : torch::nn::Module {
  Gr00tN1d6Impl(std::shared_ptr<VLBackbone> backbone, const ActionHeadConfig& cfg);

  // Training forward with given noise [B,H,A] and t [B] (parity), or sampled from `gen`.
  TrainOutput forward(const BackboneInputs& bin, const ActionInputs& ain, const torch::Tensor& noise,
                      const torch::Tensor& t);
  TrainOutput forward(const BackboneInputs& bin, const ActionInputs& ain,
                      c10::optional<at::Generator> gen = c10::nullopt);
  // Inference: backbone once, then the action head's Euler loop. Returns action_pred [B,H,A].
  torch::Tensor get_action(const BackboneInputs& bin, const ActionInputs& ain,
                           const torch::Tensor& init_noise = torch::Tensor(),
                           c10::optional<at::Generator> gen = c10::nullopt);

  std::shared_ptr<VLBackbone> backbone;
  ActionHead action_head{nullptr};
};
TORCH_MODULE(Gr00tN1d6);

}  // namespace groot::model
