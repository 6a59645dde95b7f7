// The one place for LibTorch version differences (Debian 1.13 CPU vs 2.x CUDA).
#pragma once
#include <torch/torch.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define GROOT_TORCH_HAS_SDPA 1  // at::scaled_dot_product_attention with the `scale` argument
#else
#define GROOT_TORCH_HAS_SDPA 0
#endif

namespace groot {
inline const char* torch_version_string() { return TORCH_VERSION; }

#if GROOT_TORCH_HAS_SDPA
// q [B,H,Lq,D], k/v [B,H,Lk,D] (kv heads already repeated), bool mask broadcastable to [B,H,Lq,Lk]
// (true = attend) or undefined. No dropout, not causal (callers fold causality into the mask).
inline torch::Tensor sdpa(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          const torch::Tensor& mask, double scale) {
  c10::optional<at::Tensor> m;
  if (mask.defined()) m = mask;
  return at::scaled_dot_product_attention(q, k, v, m, 0.0, false, scale);
}
#endif
}  // namespace groot
