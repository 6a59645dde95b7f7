#include "train/trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include "util/error.h"

namespace groot::train {

Trainer::Trainer(model::Gr00tN1d6 model, const TrainerOptions& opt)
    : model_(std::move(model)), opt_(opt), gen_(at::detail::createCPUGenerator(opt.seed)) {
  GROOT_CHECK(opt.max_steps > 0, "--max-steps must be > 0 (got ", opt.max_steps, ")");
  GROOT_CHECK(opt.warmup_ratio >= 0 && opt.warmup_ratio <= 1, "--warmup-ratio must be in [0, 1] (got ",
              opt.warmup_ratio, ")");
  warmup_ = warmup_steps(opt.warmup_ratio, opt.max_steps);
  auto params = trainable_params(*model_);
  GROOT_CHECK(!params.empty(), "nothing to train: every tune flag is off and tune_top_llm_layers is 0");
  optimizer_ = std::make_unique<AdamW>(std::move(params), opt.adam);
}

StepStats Trainer::step(std::vector<MicroBatch>& micro) {
  GROOT_CHECK(!micro.empty(), "trainer: a step needs at least one micro-batch");
  StepStats st;
  st.lr = lr_at(global_step());
  const double n = double(micro.size());
  model_->train();
  auto& head = model_->action_head;
  const auto dt = head->activation_dtype();
  for (auto& mb : micro) {
    const auto& a = mb.ain.action;
    const int64_t B = a.size(0);
    torch::Tensor noise = mb.noise, t = mb.t;
    if (!noise.defined()) noise = at::randn(a.sizes(), gen_, torch::kFloat32).to(a.device(), dt);
    if (!t.defined()) t = head->sample_time(B, a.device(), dt, gen_);
    auto out = model_->forward(mb.bin, mb.ain, noise, t);
    (out.loss / n).backward();
    st.micro_losses.push_back(out.loss.item<double>());
    st.samples += B;
  }
  for (double l : st.micro_losses) st.loss += l;
  st.loss /= n;
  st.grad_norm = clip_grad_norm(optimizer_->params(), opt_.max_grad_norm);
  optimizer_->step(st.lr);
  for (auto& p : optimizer_->params()) p.param.mutable_grad() = torch::Tensor();
  st.step = global_step();
  return st;
}

std::vector<uint8_t> generator_state(const at::Generator& g) {
  auto s = g.get_state().contiguous();
  const uint8_t* p = s.data_ptr<uint8_t>();
  return std::vector<uint8_t>(p, p + s.numel());
}

void set_generator_state(at::Generator& g, const std::vector<uint8_t>& bytes) {
  auto t = torch::empty({int64_t(bytes.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  g.set_state(t);
}

}  // namespace groot::train
