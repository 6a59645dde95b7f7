#include "model/eagle_vl_backbone.h"

#include "model/ah_trace.h"
#include "model/parity.h"
#include "model/trainable.h"

namespace groot::model {

EagleVLBackboneImpl::EagleVLBackboneImpl(const Gr00tN1d6Config& cfg, const torch::TensorOptions& opt) {
  eagle = groot::EagleBackbone(cfg, opt);
  register_module("model", eagle->model);
}

BackboneOutput EagleVLBackboneImpl::forward_backbone(const BackboneInputs& in) {
  groot::BackboneInput bi;
  bi.input_ids = in.input_ids;
  bi.attention_mask = in.attention_mask;
  bi.images = in.pixel_values;
  groot::Trace trace;
  if (ah_tracing()) trace = [](const std::string& n, const torch::Tensor& t) { ah_trace(n, t); };
  auto o = eagle->forward(bi, trace);
  return BackboneOutput{o.features, o.attention_mask, o.image_mask};
}

std::shared_ptr<EagleVLBackboneImpl> make_eagle_vl_backbone(const std::string& dir, const torch::TensorOptions& opt) {
  auto cfg = load_config(dir);
  auto bb = std::make_shared<EagleVLBackboneImpl>(cfg, opt);
  apply_recipe(*bb, TuneRecipe::from_config(cfg), "backbone.");
  return bb;
}

void register_eagle_backbone_for_parity() {
  register_backbone_factory([](const std::string& dir) -> std::shared_ptr<VLBackbone> {
    return make_eagle_vl_backbone(dir);
  });
}

}  // namespace groot::model
