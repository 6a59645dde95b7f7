#include "model/qwen3.h"

#include "model/attention.h"
#include "model/recompute.h"
#include "util/error.h"

namespace groot {

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  auto c = cos.unsqueeze(1).to(x.scalar_type()), s = sin.unsqueeze(1).to(x.scalar_type());  // [.,1,L,hd]
  auto rot = torch::cat({-x.slice(-1, half), x.slice(-1, 0, half)}, -1);                  // rotate_half
  return x * c + rot * s;
}

Qwen3AttentionImpl::Qwen3AttentionImpl(const Qwen3Config& c, const torch::TensorOptions& opt)
    : heads(c.num_attention_heads), kv_heads(c.num_key_value_heads), head_dim(c.head_dim) {
  q_proj = register_module("q_proj", Linear(c.hidden_size, heads * head_dim, false, opt));
  k_proj = register_module("k_proj", Linear(c.hidden_size, kv_heads * head_dim, false, opt));
  v_proj = register_module("v_proj", Linear(c.hidden_size, kv_heads * head_dim, false, opt));
  o_proj = register_module("o_proj", Linear(heads * head_dim, c.hidden_size, false, opt));
  q_norm = register_module("q_norm", RMSNorm(head_dim, c.rms_norm_eps, opt));
  k_norm = register_module("k_norm", RMSNorm(head_dim, c.rms_norm_eps, opt));
}

torch::Tensor Qwen3AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                          const torch::Tensor& sin, const torch::Tensor& key_mask) {
  const int64_t B = x.size(0), L = x.size(1);
  // q [B, H, L, hd], k/v [B, Hkv, L, hd]; q_norm/k_norm per head before RoPE
  auto q = q_norm->forward(q_proj->forward(x).view({B, L, heads, head_dim})).transpose(1, 2);
  auto k = k_norm->forward(k_proj->forward(x).view({B, L, kv_heads, head_dim})).transpose(1, 2);
  auto v = v_proj->forward(x).view({B, L, kv_heads, head_dim}).transpose(1, 2);
  q = apply_rope(q, cos, sin);
  k = apply_rope(k, cos, sin);
  AttentionOptions opt;
  opt.causal = true;
  opt.key_mask = key_mask;
  auto a = attention(q, k, v, opt);  // [B, H, L, hd]
  return o_proj->forward(a.transpose(1, 2).reshape({B, L, heads * head_dim}));
}

Qwen3MLPImpl::Qwen3MLPImpl(const Qwen3Config& c, const torch::TensorOptions& opt) {
  gate_proj = register_module("gate_proj", Linear(c.hidden_size, c.intermediate_size, false, opt));
  up_proj = register_module("up_proj", Linear(c.hidden_size, c.intermediate_size, false, opt));
  down_proj = register_module("down_proj", Linear(c.intermediate_size, c.hidden_size, false, opt));
}

torch::Tensor Qwen3MLPImpl::forward(const torch::Tensor& x) {
  return down_proj->forward(torch::silu(gate_proj->forward(x)) * up_proj->forward(x));
}

Qwen3DecoderLayerImpl::Qwen3DecoderLayerImpl(const Qwen3Config& c, const torch::TensorOptions& opt) {
  self_attn = register_module("self_attn", Qwen3Attention(c, opt));
  mlp = register_module("mlp", Qwen3MLP(c, opt));
  input_layernorm = register_module("input_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps, opt));
  post_attention_layernorm =
      register_module("post_attention_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps, opt));
}

torch::Tensor Qwen3DecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                             const torch::Tensor& sin, const torch::Tensor& key_mask) {
  auto h = x + self_attn->forward(input_layernorm->forward(x), cos, sin, key_mask);
  return h + mlp->forward(post_attention_layernorm->forward(h));
}

Qwen3ModelImpl::Qwen3ModelImpl(const Qwen3Config& c, int64_t num_layers, const torch::TensorOptions& opt)
    : cfg(c) {
  embed_tokens = register_module("embed_tokens", Embedding(c.vocab_size, c.hidden_size, opt));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) {
    layer_list.push_back(Qwen3DecoderLayer(c, opt));
    layers->push_back(layer_list.back());
  }
  norm = register_module("norm", RMSNorm(c.hidden_size, c.rms_norm_eps, opt));
}

std::pair<torch::Tensor, torch::Tensor> Qwen3ModelImpl::rope(int64_t L, const torch::Device& device) const {
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  // inv_freq[i] = 1 / theta^(2i/hd), computed in fp32 as transformers' default RoPE init
  auto expo = torch::arange(0, cfg.head_dim, 2, torch::TensorOptions().dtype(torch::kInt64).device(device))
                  .to(torch::kFloat32) /
              double(cfg.head_dim);
  auto inv_freq = 1.0 / torch::pow(cfg.rope_theta, expo);  // [hd/2]
  auto pos = torch::arange(L, f32);                         // position ids arange(L)
  auto freqs = pos.unsqueeze(1) * inv_freq.unsqueeze(0);    // [L, hd/2] (outer product, exact as matmul)
  auto emb = torch::cat({freqs, freqs}, -1).unsqueeze(0);   // [1, L, hd]
  return {emb.cos(), emb.sin()};
}

torch::Tensor Qwen3ModelImpl::forward(const torch::Tensor& inputs_embeds, const torch::Tensor& attention_mask,
                                      const Trace& trace) {
  GROOT_CHECK(inputs_embeds.dim() == 3 && inputs_embeds.size(2) == cfg.hidden_size, "llm: inputs_embeds must be [B, L, ",
              cfg.hidden_size, "], got ", inputs_embeds.sizes());
  const int64_t B = inputs_embeds.size(0), L = inputs_embeds.size(1);
  GROOT_CHECK(attention_mask.dim() == 2 && attention_mask.size(0) == B && attention_mask.size(1) == L,
              "llm: attention_mask must be [", B, ", ", L, "], got ", attention_mask.sizes());
  auto key_mask = attention_mask.to(inputs_embeds.device(), torch::kBool);
  auto [cos32, sin32] = rope(L, inputs_embeds.device());
  auto cos = cos32.to(inputs_embeds.scalar_type()), sin = sin32.to(inputs_embeds.scalar_type());
  if (trace) {
    trace("llm/inputs_embeds", inputs_embeds);
    trace("llm/attention_mask_in", attention_mask);
    trace("llm/position_ids", torch::arange(L, torch::kInt64).unsqueeze(0));
    trace("llm/rope_cos", cos);
    trace("llm/rope_sin", sin);
    trace("llm/hidden_states_0", inputs_embeds);
  }
  auto x = inputs_embeds;
  const int64_t n = int64_t(layer_list.size());
  for (int64_t i = 0; i < n; ++i) {
    auto& layer = layer_list[size_t(i)];
    bool params_grad = false;
    for (const auto& p : layer->parameters()) params_grad = params_grad || p.requires_grad();
    if (gradient_checkpointing && params_grad && torch::GradMode::is_enabled()) {
      // captured by value: the closure runs again during backward, after this frame is gone
      std::shared_ptr<Qwen3DecoderLayerImpl> l = layer.ptr();
      torch::Tensor c = cos, s = sin, km = key_mask;
      x = recompute([l, c, s, km](const torch::Tensor& h) { return l->forward(h, c, s, km); }, x, true);
    } else {
      x = layer->forward(x, cos, sin, key_mask);
    }
    if (trace) {
      trace("llm/layer" + std::to_string(i) + "_out", x);
      if (i + 1 < n) trace("llm/hidden_states_" + std::to_string(i + 1), x);
    }
  }
  auto out = norm->forward(x);
  if (trace) {
    trace("llm/final_norm_out", out);
    trace("llm/hidden_states_" + std::to_string(n), out);
  }
  return out;
}

Qwen3ForCausalLMImpl::Qwen3ForCausalLMImpl(const Qwen3Config& c, int64_t num_layers,
                                           const torch::TensorOptions& opt) {
  model = register_module("model", Qwen3Model(c, num_layers, opt));
}

}  // namespace groot
