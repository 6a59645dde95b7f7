#include "model/recompute.h"

#include <ATen/core/ivalue.h>
#include <torch/custom_class.h>

namespace groot {
namespace {

struct FnHolder : torch::CustomClassHolder {
  explicit FnHolder(TensorFn f) : fn(std::move(f)) {}
  TensorFn fn;
};

struct RecomputeFunction : torch::autograd::Function<RecomputeFunction> {
  // `anchor` is a 0-element tensor that requires grad, so this node exists even when x does not.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x, torch::Tensor anchor,
                               c10::IValue holder) {
    ctx->saved_data["fn"] = holder;
    ctx->saved_data["x_requires_grad"] = x.requires_grad();
    ctx->save_for_backward({x});
    torch::NoGradGuard no_grad;
    auto h = c10::static_intrusive_pointer_cast<FnHolder>(holder.toCapsule());
    return h->fn(x);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto h = c10::static_intrusive_pointer_cast<FnHolder>(ctx->saved_data["fn"].toCapsule());
    const bool x_rg = ctx->saved_data["x_requires_grad"].toBool();
    torch::Tensor x = saved[0].detach();
    if (x_rg) x.requires_grad_(true);
    torch::Tensor y;
    {
      torch::AutoGradMode enable(true);
      y = h->fn(x);
    }
    torch::Tensor gx;
    if (y.requires_grad()) {
      if (x_rg) {
        // Gradient w.r.t. x returned to the outer graph; parameters accumulate in .grad.
        torch::autograd::backward({y}, {grads[0]}, /*retain_graph=*/false, /*create_graph=*/false, {});
        gx = x.grad();
      } else {
        torch::autograd::backward({y}, {grads[0]});
      }
    }
    return {gx, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor recompute(const TensorFn& fn, const torch::Tensor& x, bool params_require_grad) {
  if (!torch::GradMode::is_enabled() || (!x.requires_grad() && !params_require_grad)) return fn(x);
  auto anchor = torch::empty({0}, x.options().requires_grad(true));
  c10::IValue holder = c10::IValue::make_capsule(c10::make_intrusive<FnHolder>(fn));
  return RecomputeFunction::apply(x, anchor, holder);
}

}  // namespace groot
