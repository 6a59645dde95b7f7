#include "model/build.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>

#include "data/safetensors.h"
#include "util/error.h"

namespace groot {

torch::ScalarType BuildOptions::compute() const {
  if (compute_dtype) return *compute_dtype;
  return device.is_cuda() ? torch::kBFloat16 : torch::kFloat32;
}

torch::ScalarType BuildOptions::frozen() const {
  if (frozen_dtype) return *frozen_dtype;
  return device.is_cuda() ? torch::kBFloat16 : torch::kFloat32;
}

void configure_model(model::Gr00tN1d6& m, const BuildOptions& opt) {
  const auto dt = opt.compute();
  m->backbone->compute_dtype = dt;
  m->action_head->compute_dtype = dt;
  m->backbone->set_gradient_checkpointing(opt.recompute);
  m->action_head->model->gradient_checkpointing = opt.recompute;
  if (opt.device.is_cuda()) {
    at::globalContext().setAllowTF32CuBLAS(opt.tf32);
    at::globalContext().setAllowTF32CuDNN(opt.tf32);
  }
}

void make_trainable(model::Gr00tN1d6& m, const BuildOptions& opt) {
  if (opt.training) {
    apply_recipe(*m, TuneRecipe::from_config(m->cfg));
    if (opt.trainable_fp32) cast_for_training(*m, opt.frozen());
  } else {
    for (auto& p : m->parameters()) p.set_requires_grad(false);
  }
  configure_model(m, opt);
}

model::Gr00tN1d6 build_model(const Gr00tN1d6Config& cfg, const BuildOptions& opt) {
  // Parameters are created in the frozen dtype on the device; trainable ones become fp32 masters.
  model::Gr00tN1d6 m(cfg, torch::TensorOptions().device(opt.device).dtype(opt.frozen()));
  make_trainable(m, opt);
  return m;
}

std::string weights_path(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path d(dir);
  if (fs::exists(d / "model.safetensors.index.json") || st::exists((d / "model.safetensors").string())) return dir;
  if (st::exists((d / "weights.safetensors").string())) return (d / "weights.safetensors").string();
  fail("model folder ", dir, " has no model.safetensors, model.safetensors.index.json or weights.safetensors");
}

model::Gr00tN1d6 load_pretrained(const std::string& dir, const Gr00tN1d6Config& cfg, const BuildOptions& opt,
                                 PretrainedReport* report) {
  const std::string path = weights_path(dir);
  st::Checkpoint ckpt(path);
  // action_head.mask_token exists only when state_dropout_prob > 0 and is absent from base checkpoints:
  // build without it, load strictly, then add it initialised as upstream (0.02 * N(0, 1)).
  const bool add_mask_token = cfg.state_dropout_prob > 0 && !ckpt.find("action_head.mask_token");
  Gr00tN1d6Config build_cfg = cfg;
  if (add_mask_token) build_cfg.state_dropout_prob = 0;
  auto m = build_model(build_cfg, opt);
  LoadOptions lo;
  lo.only_prefix = false;
  lo.keep_skipped = opt.keep_skipped;
  PretrainedReport rep;
  rep.load = load_state_dict(*m, ckpt, lo);
  if (add_mask_token) {
    torch::NoGradGuard ng;
    auto gen = at::detail::createCPUGenerator(opt.seed);
    auto t = (at::randn({1, 1, cfg.input_embedding_dim}, gen, torch::kFloat32) * 0.02).to(opt.device);
    auto& head = *m->action_head;
    head.mask_token = head.register_parameter("mask_token", t, /*requires_grad=*/false);
    head.cfg.state_dropout_prob = cfg.state_dropout_prob;
    m->cfg.state_dropout_prob = cfg.state_dropout_prob;
    if (opt.training && recipe_trains("action_head.mask_token", TuneRecipe::from_config(cfg)))
      head.mask_token.set_requires_grad(true);
    else if (!opt.training || !opt.trainable_fp32)
      head.mask_token.set_data(head.mask_token.data().to(opt.frozen()));
    rep.initialised.push_back("action_head.mask_token");
  }
  if (report) *report = std::move(rep);
  return m;
}

}  // namespace groot
