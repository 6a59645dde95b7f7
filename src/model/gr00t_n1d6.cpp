// Gr00tN1d6 top-level model (see gr00t_n1d6.h).
#include "model/gr00t_n1d6.h"

#include "util/error.h"

namespace groot::model {

Gr00tN1d6Impl::Gr00tN1d6Impl(std::shared_ptr<VLBackbone> bb, const ActionHeadConfig& cfg) : backbone(std::move(bb)) {
  GROOT_CHECK(backbone != nullptr, "Gr00tN1d6: a backbone module is required");
  register_module("backbone", backbone);
  action_head = register_module("action_head", ActionHead(cfg));
}

TrainOutput Gr00tN1d6Impl::forward(const BackboneInputs& bin, const ActionInputs& ain, const torch::Tensor& noise,
                                   const torch::Tensor& t) {
  auto bo = backbone->forward_backbone(bin);
  return action_head->forward_train(bo, ain, noise, t);
}

TrainOutput Gr00tN1d6Impl::forward(const BackboneInputs& bin, const ActionInputs& ain,
                                   c10::optional<at::Generator> gen) {
  auto bo = backbone->forward_backbone(bin);
  return action_head->forward_train(bo, ain, gen);
}

torch::Tensor Gr00tN1d6Impl::get_action(const BackboneInputs& bin, const ActionInputs& ain,
                                        const torch::Tensor& init_noise, c10::optional<at::Generator> gen) {
  torch::NoGradGuard ng;
  auto bo = backbone->forward_backbone(bin);
  return action_head->get_action(bo, ain, init_noise, gen);
}

}  // namespace groot::model
