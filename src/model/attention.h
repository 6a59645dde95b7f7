// Shared scaled-dot-product attention for every module (SigLIP2, Qwen3, DiT).
//
//   q [B, H, Lq, D]   k, v [B, Hkv, Lk, D]   (H % Hkv == 0: grouped-query attention, kv heads are
//   repeated H/Hkv times, query head h uses kv head h / (H/Hkv), as transformers' repeat_kv)
//   returns [B, H, Lq, D] in q's dtype.
//
// Masking (all optional, combined with AND; true = may attend):
//   key_mask  bool [B, Lk]          key padding (pads excluded)
//   causal    key j <= query i      (Lq == Lk, aligned at the start)
//   attn_mask bool [B or 1, 1 or H, Lq, Lk]
// Query rows with no allowed key (e.g. left-pad queries under causal + key padding) produce 0, the
// FlashAttention-2 varlen convention the upstream reference (and the golden) use, never NaN.
//
// Backends: LibTorch 1.13 (no public SDPA) -> exact math: softmax(q k^T * scale) in fp32, cast to
// q's dtype, @ v (transformers' eager path). LibTorch >= 2 -> at::scaled_dot_product_attention
// (flash / memory-efficient kernels on CUDA) unless AttentionOptions::force_math. Both support
// autograd.
#pragma once
#include <optional>

#include "model/torch_compat.h"

namespace groot {

struct AttentionOptions {
  torch::Tensor key_mask;    // bool [B, Lk] or undefined
  torch::Tensor attn_mask;   // bool broadcastable to [B, H, Lq, Lk] or undefined
  bool causal = false;
  std::optional<double> scale;  // default 1/sqrt(D)
  bool force_math = false;      // use the exact math path even where SDPA exists
};

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const AttentionOptions& opt = {});

// The exact math path (always available); exposed so tests can compare the two backends.
torch::Tensor attention_math(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const AttentionOptions& opt = {});

}  // namespace groot
