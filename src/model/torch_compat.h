// The one place for LibTorch version differences (Debian 1.13 CPU vs 2.x CUDA).
#pragma once
#include <torch/torch.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define GROOT_TORCH_HAS_SDPA 1  // at::scaled_dot_product_attention with the `scale` argument
#else
#define GROOT_TORCH_HAS_SDPA 0
#endif

// CUDA graphs (at::cuda::CUDAGraph) need LibTorch 2.x built with CUDA and the CUDA runtime headers.
// Debian's CPU LibTorch 1.13 ships ATen/cuda headers but no CUDA, hence the cuda_runtime_api.h test.
// Only model/fast_infer.cpp includes the CUDA headers themselves.
#ifndef GROOT_HAVE_CUDA_GRAPHS
#if defined(__has_include)
#if TORCH_VERSION_MAJOR >= 2 && __has_include(<ATen/cuda/CUDAGraph.h>) && __has_include(<c10/cuda/CUDAGuard.h>) && \
    __has_include(<cuda_runtime_api.h>)
#define GROOT_HAVE_CUDA_GRAPHS 1
#endif
#endif
#endif
#ifndef GROOT_HAVE_CUDA_GRAPHS
#define GROOT_HAVE_CUDA_GRAPHS 0
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
