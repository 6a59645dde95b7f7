// Plain parameter-holding layers with upstream parameter names ("weight", "bias") whose tensors are
// created with caller-given TensorOptions, so a model can be declared on torch::kMeta (shapes only,
// no memory: the 3B key test) or directly in bf16 / on CUDA (no fp32 CPU detour).
//
// Dtype rule ("autocast by design"): every layer computes in the dtype of its INPUT activation and
// casts its weights to that dtype when they differ (the cast is differentiable, so an fp32 master
// weight receives fp32 gradients while the math runs in bf16). Frozen weights can therefore live in
// bf16 and trainable ones in fp32 within one module tree.
//
// Non-meta tensors start deterministic (Linear/Embedding zeros, norm weights ones, biases zeros);
// real values come from a checkpoint (weights.h) or init_random_ (weights.h).
#pragma once
#include <cstdint>

#include "model/torch_compat.h"

namespace groot {

// Allocates a parameter tensor: empty on meta, otherwise filled with `fill`.
torch::Tensor make_param(torch::IntArrayRef shape, const torch::TensorOptions& opt, double fill);

// y = x W^T + b.  x [..., in] -> [..., out];  weight [out, in], bias [out] (optional)
struct LinearImpl : torch::nn::Module {
  LinearImpl(int64_t in_features, int64_t out_features, bool with_bias, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x);
  int64_t in_features, out_features;
  torch::Tensor weight, bias;
};
TORCH_MODULE(Linear);

// LayerNorm over the last dim. x [..., D]; weight/bias [D] when affine.
struct LayerNormImpl : torch::nn::Module {
  LayerNormImpl(int64_t dim, double eps, bool affine, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x);
  int64_t dim;
  double eps;
  torch::Tensor weight, bias;
};
TORCH_MODULE(LayerNorm);

// Qwen3RMSNorm: y = weight * (x_fp32 * rsqrt(mean(x_fp32^2) + eps)).to(x.dtype).  x [..., D], weight [D]
struct RMSNormImpl : torch::nn::Module {
  RMSNormImpl(int64_t dim, double eps, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x);
  int64_t dim;
  double eps;
  torch::Tensor weight;
};
TORCH_MODULE(RMSNorm);

// Row lookup. ids int64 [...] -> [..., D] in the weight's dtype; weight [num, D]
struct EmbeddingImpl : torch::nn::Module {
  EmbeddingImpl(int64_t num, int64_t dim, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& ids);
  int64_t num, dim;
  torch::Tensor weight;
};
TORCH_MODULE(Embedding);

// Casts `w` to `like`'s dtype when they differ (differentiable).
inline torch::Tensor as_dtype_of(const torch::Tensor& w, const torch::Tensor& like) {
  return w.scalar_type() == like.scalar_type() ? w : w.to(like.scalar_type());
}

}  // namespace groot
