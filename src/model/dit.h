// AlternateVLDiT: the flow-matching transformer of the GR00T N1.6 action head
// (upstream gr00t/model/modules/dit.py + diffusers 0.35.1 Attention/FeedForward/Timesteps).
//
//   temb = timestep_embedder(Timesteps256(tau))                     tau: int bucket [B] -> [B, D]
//   for block i in 0..N-1:                                          x: [B, T, D]  (D = heads*head_dim)
//     n = LN(x, eps 1e-5, no affine) * (1 + scale) + shift          (scale, shift) = chunk(norm1.linear(silu(temb)))
//     a = attn1(n, ctx)       odd i: self-attention over T, no mask
//                             even i: cross-attention to vl [B, S, Dvl]; key mask
//                                     i % (2*attend_text_every_n_blocks) == 0 -> (~image_mask) & attn_mask (text)
//                                     otherwise                                -> image_mask & attn_mask (images)
//     x = x + dropout(a);  x = x + FF(LN(x, 1e-5, no affine))        FF: Linear(D,4D) GELU(tanh) Linear(4D,D)
//   (shift, scale) = chunk(proj_out_1(silu(temb)))                  NOTE the order differs from norm1
//   y = proj_out_2(LN(x, eps 1e-6) * (1 + scale) + shift)           [B, T, output_dim]
//
// Registered parameter names equal upstream keys below "action_head.model.":
//   timestep_encoder.timestep_embedder.linear_{1,2}.{weight,bias}
//   transformer_blocks.i.norm1.linear.*, .attn1.to_{q,k,v}.*, .attn1.to_out.0.*, .ff.net.0.proj.*, .ff.net.2.*
//   proj_out_1.*, proj_out_2.*
// Efficiency: cross-attention K/V over vl can be computed once (cross_kv) and reused by every
// denoising step; blocks can be recomputed in backward (activation checkpointing).
// Intermediates go to the thread's trace (ah_trace.h -> model/trace.h) under the golden names ("dit/...").
// Parameters are created with caller-given TensorOptions (torch::kMeta: shape-only 3B build); layers
// compute in their input's dtype (layers.h), so frozen bf16 and fp32 master weights mix.
#pragma once
#include <vector>

#include "model/layers.h"
#include "model/torch_compat.h"

namespace groot::model {

struct DiTConfig {
  int64_t num_layers = 32;
  int64_t num_heads = 32;
  int64_t head_dim = 48;
  int64_t output_dim = 1024;
  int64_t cross_attention_dim = 2048;  // = backbone_embedding_dim
  double dropout = 0.2;
  bool final_dropout = true;
  bool interleave_self_attention = true;
  int64_t attend_text_every_n_blocks = 2;
  double norm_eps = 1e-5;
  int64_t timestep_channels = 256;
  int64_t inner_dim() const { return num_heads * head_dim; }
  bool is_self_attn(int64_t i) const { return interleave_self_attention && i % 2 == 1; }
};

// diffusers get_timestep_embedding(tau, channels, flip_sin_to_cos=True, downscale_freq_shift=1),
// computed in float32: [cos(tau f), sin(tau f)], f_k = exp(-ln(1e4) k / (channels/2 - 1)).
torch::Tensor timestep_sinusoid(const torch::Tensor& tau, int64_t channels);  // [B] -> [B, channels] f32

// Multi-head attention through the shared model/attention.h: q [B,H,T,d], k/v [B,H,S,d], key_mask
// bool [B,S] (true = attend) or undefined. SDPA on LibTorch 2.x, exact math on 1.13; a query whose
// keys are all masked (e.g. a sample without image tokens) gets 0 instead of upstream's NaN.
torch::Tensor mh_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                           const torch::Tensor& key_mask);

struct TimestepEmbeddingImpl : torch::nn::Module {
  TimestepEmbeddingImpl(int64_t in, int64_t dim, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x);  // linear_2(silu(linear_1(x)))
  groot::Linear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

struct TimestepEncoderImpl : torch::nn::Module {
  TimestepEncoderImpl(int64_t channels, int64_t dim, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& tau, torch::ScalarType dtype);  // [B] int -> [B, dim] in dtype
  int64_t channels;
  TimestepEmbedding timestep_embedder{nullptr};
};
TORCH_MODULE(TimestepEncoder);

struct AdaLayerNormImpl : torch::nn::Module {
  AdaLayerNormImpl(int64_t dim, double eps, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb);  // modulate(x, linear(silu(temb)))
  // LN(x) * (1 + scale) + shift with (scale, shift) = chunk(e) for a precomputed e = linear(silu(temb)) [B|1, 2D].
  torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& e);
  int64_t dim;
  double eps;
  groot::Linear linear{nullptr};  // dim -> 2*dim, chunk order (scale, shift)
};
TORCH_MODULE(AdaLayerNorm);

// Cached cross-attention keys/values of one block: [B, H, S, d] each.
struct CrossKV {
  torch::Tensor k, v;
};

// Everything of one denoising step that depends only on the timestep bucket tau: the AdaLN
// modulation of every block, norm1.linear(silu(temb)) [B, 2D], and of the output, proj_out_1(silu(temb))
// [B, 2D]. Inference uses fixed buckets (k/N * 1000), so the fast path computes these once per
// (bucket, batch, dtype) with DiTImpl::timestep_modulation and passes them to forward(): the same
// values, without reading the 32 norm1.linear weights (~0.3 GB in bf16 for the 3B model) every step.
struct TimestepModulation {
  std::vector<torch::Tensor> blocks;  // per block [B, 2D]
  torch::Tensor out;                  // [B, 2D]
};

struct AttentionImpl : torch::nn::Module {
  AttentionImpl(int64_t query_dim, int64_t kv_dim, int64_t heads, int64_t head_dim, double dropout,
                const torch::TensorOptions& opt);
  // x [B,T,Dq]; ctx [B,S,Dkv] (undefined = self-attention); key_mask bool [B,S] or undefined;
  // kv: precomputed K/V for ctx (cross-attention only) or nullptr.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& ctx, const torch::Tensor& key_mask,
                        const CrossKV* kv = nullptr);
  CrossKV project_kv(const torch::Tensor& src);  // src [B,S,Dkv] -> K,V [B,H,S,d]
  int64_t heads, head_dim;
  double dropout;
  groot::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, out_proj{nullptr};
  torch::nn::ModuleList to_out;  // [0] = out_proj (Linear), [1] = Dropout
};
TORCH_MODULE(Attention);

struct GeluTanhProjImpl : torch::nn::Module {
  GeluTanhProjImpl(int64_t in, int64_t out, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x);  // gelu_tanh(proj(x))
  groot::Linear proj{nullptr};
};
TORCH_MODULE(GeluTanhProj);

struct FeedForwardImpl : torch::nn::Module {
  FeedForwardImpl(int64_t dim, int64_t inner, double dropout, bool final_dropout, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x);
  double dropout;
  bool final_dropout;
  GeluTanhProj act{nullptr};
  groot::Linear out{nullptr};
  torch::nn::ModuleList net;  // [0] GELU proj, [1] Dropout, [2] Linear (, [3] Dropout)
};
TORCH_MODULE(FeedForward);

struct BasicTransformerBlockImpl : torch::nn::Module {
  BasicTransformerBlockImpl(const DiTConfig& cfg, bool cross, const torch::TensorOptions& opt);
  // x [B,T,D], temb [B,D]; ctx/key_mask/kv only for cross-attention blocks.
  // ada: precomputed norm1.linear(silu(temb)) (TimestepModulation) or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb, const torch::Tensor& ctx,
                        const torch::Tensor& key_mask, const CrossKV* kv = nullptr,
                        const torch::Tensor& ada = torch::Tensor());
  bool cross;
  double dropout;
  bool final_dropout;
  double eps;
  int64_t index = -1;  // for trace names
  AdaLayerNorm norm1{nullptr};
  Attention attn1{nullptr};
  FeedForward ff{nullptr};
};
TORCH_MODULE(BasicTransformerBlock);

struct DiTImpl : torch::nn::Module {
  DiTImpl(const DiTConfig& cfg, const torch::TensorOptions& opt = {});

  // hidden [B,T,D]; vl [B,S,Dvl] (after vlln); tau [B] long; image_mask / attention_mask bool [B,S].
  // kv: from cross_kv(vl) to reuse cross-attention K/V across denoising steps (nullptr = compute).
  // mod: from timestep_modulation(tau) (nullptr = compute from tau; tau is then not read).
  // Returns [B, T, output_dim].
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& vl, const torch::Tensor& tau,
                        const torch::Tensor& image_mask, const torch::Tensor& attention_mask,
                        const std::vector<CrossKV>* kv = nullptr, const TimestepModulation* mod = nullptr);
  // K/V of every cross-attention block over vl (entries of self-attention blocks stay empty).
  std::vector<CrossKV> cross_kv(const torch::Tensor& vl);
  // The timestep-only part of forward() for tau [B] in activation dtype `dtype`.
  TimestepModulation timestep_modulation(const torch::Tensor& tau, torch::ScalarType dtype);

  DiTConfig cfg;
  bool gradient_checkpointing = false;  // recompute blocks in backward (training only)
  TimestepEncoder timestep_encoder{nullptr};
  torch::nn::ModuleList transformer_blocks;
  std::vector<BasicTransformerBlock> blocks;  // same modules as transformer_blocks, typed
  groot::Linear proj_out_1{nullptr}, proj_out_2{nullptr};
};
TORCH_MODULE(DiT);

}  // namespace groot::model
