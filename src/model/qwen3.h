// Qwen3 decoder (transformers 4.51.3 semantics) truncated to the kept layers, as the LLM of the
// Eagle backbone. Keys under "language_model." of Qwen3ForCausalLM:
//   model.embed_tokens.weight [vocab, D]
//   model.layers.{i}.self_attn.{q_proj [H*hd, D], k_proj/v_proj [Hkv*hd, D], o_proj [D, H*hd]} (no bias)
//   model.layers.{i}.self_attn.{q_norm, k_norm}.weight [hd]
//   model.layers.{i}.mlp.{gate_proj, up_proj [F, D], down_proj [D, F]}
//   model.layers.{i}.{input_layernorm, post_attention_layernorm}.weight [D]
//   model.norm.weight [D]
// lm_head is never built (GR00T does not use the logits; the key is skipped on load).
//
// Layer: h = x + o_proj(Attn(RoPE(q_norm(q)), RoPE(k_norm(k)), v))      (GQA, causal + key padding)
//        y = h + down(silu(gate(RMS_post h)) * up(RMS_post h))
// RoPE: inv_freq = 1 / theta^(2i/hd) in fp32, cos/sin = cat(freqs, freqs), rotate-half, position ids
// arange(L) for every row (also left-padded ones, as upstream). Fully masked (left-pad) query rows get a
// zero attention output (FlashAttention-2 varlen convention of the reference).
// Output: the final RMSNorm of the last kept layer (= hidden_states[-1] in transformers 4.51.3).
// Traces: llm/inputs_embeds, llm/attention_mask_in, llm/position_ids, llm/rope_cos, llm/rope_sin,
//         llm/layer{i}_out, llm/hidden_states_{i}, llm/final_norm_out.
#pragma once
#include <utility>
#include <vector>

#include "model/config.h"
#include "model/layers.h"
#include "model/trace.h"

namespace groot {

struct Qwen3AttentionImpl : torch::nn::Module {
  Qwen3AttentionImpl(const Qwen3Config& c, const torch::TensorOptions& opt);
  // x [B, L, D], cos/sin [1|B, L, hd], key_mask bool [B, L] -> [B, L, D]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& key_mask);
  int64_t heads, kv_heads, head_dim;
  Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  RMSNorm q_norm{nullptr}, k_norm{nullptr};
};
TORCH_MODULE(Qwen3Attention);

struct Qwen3MLPImpl : torch::nn::Module {
  Qwen3MLPImpl(const Qwen3Config& c, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x);  // down(silu(gate x) * up x)
  Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(Qwen3MLP);

struct Qwen3DecoderLayerImpl : torch::nn::Module {
  Qwen3DecoderLayerImpl(const Qwen3Config& c, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& key_mask);
  Qwen3Attention self_attn{nullptr};
  Qwen3MLP mlp{nullptr};
  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(Qwen3DecoderLayer);

// Qwen3Model ("language_model.model").
struct Qwen3ModelImpl : torch::nn::Module {
  // Builds `num_layers` decoder layers (the kept ones; select_layer).
  Qwen3ModelImpl(const Qwen3Config& c, int64_t num_layers, const torch::TensorOptions& opt);
  // inputs_embeds [B, L, D] (compute dtype), attention_mask [B, L] (1/true = real token).
  // Returns the final-norm output [B, L, D].
  torch::Tensor forward(const torch::Tensor& inputs_embeds, const torch::Tensor& attention_mask,
                        const Trace& trace = {});
  // cos, sin [1, L, hd] in fp32 for positions 0..L-1.
  std::pair<torch::Tensor, torch::Tensor> rope(int64_t L, const torch::Device& device) const;

  Qwen3Config cfg;
  Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  std::vector<Qwen3DecoderLayer> layer_list;
  RMSNorm norm{nullptr};
  // Layers whose parameters need gradients run with activation recomputation when true.
  bool gradient_checkpointing = false;
};
TORCH_MODULE(Qwen3Model);

// Qwen3ForCausalLM without lm_head ("language_model").
struct Qwen3ForCausalLMImpl : torch::nn::Module {
  Qwen3ForCausalLMImpl(const Qwen3Config& c, int64_t num_layers, const torch::TensorOptions& opt);
  Qwen3Model model{nullptr};
};
TORCH_MODULE(Qwen3ForCausalLM);

// x [B, H, L, hd], cos/sin [1|B, L, hd] -> x*cos + rotate_half(x)*sin (in x's dtype).
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

}  // namespace groot
