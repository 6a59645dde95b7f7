// Gr00tN1d6 top-level model (see gr00t_n1d6.h).
#include "model/gr00t_n1d6.h"

#include "model/ah_trace.h"
#include "util/error.h"

namespace groot::model {

Gr00tN1d6Impl::Gr00tN1d6Impl(const groot::Gr00tN1d6Config& c, const torch::TensorOptions& opt) : cfg(c) {
  backbone = register_module("backbone", groot::EagleBackbone(cfg, opt));
  action_head = register_module("action_head", ActionHead(ActionHeadConfig::from_config(cfg), opt));
}

void Gr00tN1d6Impl::train(bool on) {
  torch::nn::Module::train(on);
  action_head->set_frozen_modules_to_eval();
}

TrainOutput Gr00tN1d6Impl::forward(const groot::BackboneInput& bin, const ActionInputs& ain,
                                   const torch::Tensor& noise, const torch::Tensor& t) {
  auto bo = backbone->forward(bin, ah_current_trace());
  return action_head->forward_train(bo, ain, noise, t);
}

TrainOutput Gr00tN1d6Impl::forward(const groot::BackboneInput& bin, const ActionInputs& ain,
                                   c10::optional<at::Generator> gen) {
  auto bo = backbone->forward(bin, ah_current_trace());
  return action_head->forward_train(bo, ain, gen);
}

torch::Tensor Gr00tN1d6Impl::get_action(const groot::BackboneInput& bin, const ActionInputs& ain,
                                        const torch::Tensor& init_noise, c10::optional<at::Generator> gen) {
  torch::NoGradGuard ng;
  groot::BackboneOutput bo;
  {
    TracePrefix pre("_infer_");  // the inference pass's backbone tensors, kept apart from training's
    bo = backbone->forward(bin, ah_current_trace());
  }
  return action_head->get_action(bo, ain, init_noise, gen);
}

}  // namespace groot::model
