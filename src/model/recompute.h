// Activation recomputation (gradient checkpointing) for LibTorch modules.
//
//   y = recompute(fn, x);   // fn: Tensor -> Tensor, e.g. [&](const Tensor& h) { return layer->forward(h, ...); }
//
// Forward runs fn under no-grad (its activations are freed); backward re-runs fn with grad enabled
// and back-propagates through it: the gradient w.r.t. x is returned to the outer graph and the
// gradients of fn's parameters are accumulated into their .grad directly (the "reentrant" scheme of
// torch.utils.checkpoint). Works when x does not require grad (frozen layers below) as long as fn's
// parameters do. fn must be deterministic: it runs twice (no dropout unless the caller replays the
// RNG state). When grad mode is off, or nothing requires grad, recompute(fn, x) is just fn(x).
#pragma once
#include <functional>

#include "model/torch_compat.h"

namespace groot {

using TensorFn = std::function<torch::Tensor(const torch::Tensor&)>;

// `params_require_grad`: whether fn has parameters that need gradients (decides whether the
// recomputation node is needed when x itself does not require grad).
torch::Tensor recompute(const TensorFn& fn, const torch::Tensor& x, bool params_require_grad = true);

}  // namespace groot
