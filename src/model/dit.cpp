// AlternateVLDiT (see dit.h).
#include "model/dit.h"

#include <cmath>
#include <mutex>

#include "model/ah_trace.h"
#include "model/attention.h"
#include "util/error.h"

namespace groot::model {

namespace F = torch::nn::functional;

torch::Tensor timestep_sinusoid(const torch::Tensor& tau, int64_t channels) {
  GROOT_CHECK(tau.dim() == 1, "timestep_sinusoid: expected a 1-D timestep tensor, got ", tau.sizes());
  const int64_t half = channels / 2;
  // As diffusers: exponent = -ln(10000) * arange(half) / (half - 1), all float32.
  auto exponent = torch::arange(0, half, torch::dtype(torch::kFloat32).device(tau.device())) * (-std::log(10000.0));
  exponent = exponent / (half - 1);
  auto freq = torch::exp(exponent);                                    // [half]
  auto arg = tau.to(torch::kFloat32).unsqueeze(1) * freq.unsqueeze(0);  // [B, half]
  return torch::cat({torch::cos(arg), torch::sin(arg)}, -1);            // flip_sin_to_cos: [cos, sin]
}

torch::Tensor mh_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                           const torch::Tensor& key_mask) {
  // q [B,H,T,d], k/v [B,H,S,d], key_mask bool [B,S]
  groot::AttentionOptions o;
  if (key_mask.defined()) o.key_mask = key_mask.to(torch::kBool);
  return groot::attention(q, k, v, o);
}

// ---------------------------------------------------------------------------------------------
TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t in, int64_t dim, const torch::TensorOptions& opt) {
  linear_1 = register_module("linear_1", groot::Linear(in, dim, true, opt));
  linear_2 = register_module("linear_2", groot::Linear(dim, dim, true, opt));
}

torch::Tensor TimestepEmbeddingImpl::forward(const torch::Tensor& x) {
  return linear_2(torch::silu(linear_1(x)));
}

TimestepEncoderImpl::TimestepEncoderImpl(int64_t channels_, int64_t dim, const torch::TensorOptions& opt)
    : channels(channels_) {
  timestep_embedder = register_module("timestep_embedder", TimestepEmbedding(channels, dim, opt));
}

torch::Tensor TimestepEncoderImpl::forward(const torch::Tensor& tau, torch::ScalarType dtype) {
  auto proj = timestep_sinusoid(tau, channels);  // [B, 256] f32
  ah_trace("dit/time_proj", proj);
  return timestep_embedder(proj.to(dtype));  // [B, D]
}

AdaLayerNormImpl::AdaLayerNormImpl(int64_t dim_, double eps_, const torch::TensorOptions& opt)
    : dim(dim_), eps(eps_) {
  linear = register_module("linear", groot::Linear(dim, 2 * dim, true, opt));
}

torch::Tensor AdaLayerNormImpl::forward(const torch::Tensor& x, const torch::Tensor& temb) {
  return modulate(x, linear(torch::silu(temb)));  // e: [B, 2D]
}

torch::Tensor AdaLayerNormImpl::modulate(const torch::Tensor& x, const torch::Tensor& e) {
  auto parts = e.chunk(2, 1);
  auto scale = parts[0].unsqueeze(1), shift = parts[1].unsqueeze(1);  // [B,1,D]
  return torch::layer_norm(x, {dim}, {}, {}, eps) * (1 + scale) + shift;
}

AttentionImpl::AttentionImpl(int64_t query_dim, int64_t kv_dim, int64_t heads_, int64_t head_dim_,
                             double dropout_, const torch::TensorOptions& opt)
    : heads(heads_), head_dim(head_dim_), dropout(dropout_) {
  const int64_t inner = heads * head_dim;
  to_q = register_module("to_q", groot::Linear(query_dim, inner, true, opt));
  to_k = register_module("to_k", groot::Linear(kv_dim, inner, true, opt));
  to_v = register_module("to_v", groot::Linear(kv_dim, inner, true, opt));
  out_proj = groot::Linear(inner, query_dim, true, opt);
  to_out->push_back(out_proj);
  to_out->push_back(torch::nn::Dropout(dropout));
  register_module("to_out", to_out);
}

CrossKV AttentionImpl::project_kv(const torch::Tensor& src) {
  const int64_t B = src.size(0);
  auto k = to_k(src).view({B, -1, heads, head_dim}).transpose(1, 2);  // [B,H,S,d]
  auto v = to_v(src).view({B, -1, heads, head_dim}).transpose(1, 2);
  return {k, v};
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& ctx,
                                     const torch::Tensor& key_mask, const CrossKV* kv) {
  const int64_t B = x.size(0), T = x.size(1);
  auto q = to_q(x).view({B, T, heads, head_dim}).transpose(1, 2);  // [B,H,T,d]
  CrossKV own;
  if (!kv) {
    own = project_kv(ctx.defined() ? ctx : x);
    kv = &own;
  }
  auto o = mh_attention(q, kv->k, kv->v, key_mask);                     // [B,H,T,d]
  o = o.transpose(1, 2).reshape({B, T, heads * head_dim}).to(q.scalar_type());
  o = out_proj(o);
  return torch::dropout(o, dropout, is_training());  // to_out[1]
}

GeluTanhProjImpl::GeluTanhProjImpl(int64_t in, int64_t out, const torch::TensorOptions& opt) {
  proj = register_module("proj", groot::Linear(in, out, true, opt));
}

torch::Tensor GeluTanhProjImpl::forward(const torch::Tensor& x) { return torch::gelu(proj(x), "tanh"); }

FeedForwardImpl::FeedForwardImpl(int64_t dim, int64_t inner, double dropout_, bool final_dropout_,
                                 const torch::TensorOptions& opt)
    : dropout(dropout_), final_dropout(final_dropout_) {
  act = GeluTanhProj(dim, inner, opt);
  out = groot::Linear(inner, dim, true, opt);
  net->push_back(act);
  net->push_back(torch::nn::Dropout(dropout));
  net->push_back(out);
  if (final_dropout) net->push_back(torch::nn::Dropout(dropout));
  register_module("net", net);
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  auto h = torch::dropout(act(x), dropout, is_training());  // [B,T,4D]
  h = out(h);                                                 // [B,T,D]
  if (final_dropout) h = torch::dropout(h, dropout, is_training());
  return h;
}

BasicTransformerBlockImpl::BasicTransformerBlockImpl(const DiTConfig& cfg, bool cross_,
                                                     const torch::TensorOptions& opt)
    : cross(cross_), dropout(cfg.dropout), final_dropout(cfg.final_dropout), eps(cfg.norm_eps) {
  const int64_t D = cfg.inner_dim();
  norm1 = register_module("norm1", AdaLayerNorm(D, 1e-5, opt));  // AdaLayerNorm uses its own default eps
  attn1 = register_module("attn1", Attention(D, cross ? cfg.cross_attention_dim : D, cfg.num_heads,
                                             cfg.head_dim, cfg.dropout, opt));
  ff = register_module("ff", FeedForward(D, 4 * D, cfg.dropout, cfg.final_dropout, opt));
}

torch::Tensor BasicTransformerBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& temb,
                                                 const torch::Tensor& ctx, const torch::Tensor& key_mask,
                                                 const CrossKV* kv, const torch::Tensor& ada) {
  const bool tr = ah_tracing();
  const std::string p = tr ? "dit/block" + std::to_string(index) + "_" : std::string();
  auto n = ada.defined() ? norm1->modulate(x, ada) : norm1(x, temb);  // [B,T,D]
  if (tr) ah_trace(p + "norm1_out", n);
  torch::Tensor a;
  if (cross) {
    if (tr) ah_trace(p + "attn_mask", key_mask);
    a = attn1(n, ctx, key_mask, kv);
  } else {
    a = attn1(n, torch::Tensor(), torch::Tensor(), nullptr);
  }
  if (tr) ah_trace(p + "attn_out", a);
  if (final_dropout) a = torch::dropout(a, dropout, is_training());
  auto h = a + x;
  auto f = ff(torch::layer_norm(h, {h.size(-1)}, {}, {}, eps));  // norm3: no affine
  if (tr) ah_trace(p + "ff_out", f);
  h = f + h;
  if (tr) ah_trace(p + "out", h);
  return h;
}

// ---------------------------------------------------------------------------------------------
// Activation checkpointing: the block runs without saving activations; backward re-runs it
// with grad enabled (same RNG state, so dropout masks match) and differentiates the recomputation.
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct BlockCheckpoint : torch::autograd::Function<BlockCheckpoint> {
  // inputs = [x, temb, (ctx, key_mask if blk->cross), params...] (no undefined tensors allowed)
  static torch::Tensor run(BasicTransformerBlockImpl* blk, const CrossKV* kv, const variable_list& in) {
    if (blk->cross) return blk->forward(in[0], in[1], in[2], in[3], kv);
    return blk->forward(in[0], in[1], torch::Tensor(), torch::Tensor(), nullptr);
  }

  static variable_list forward(AutogradContext* ctx, BasicTransformerBlockImpl* blk, const CrossKV* kv,
                               at::TensorList inputs) {
    ctx->saved_data["blk"] = reinterpret_cast<int64_t>(blk);
    ctx->saved_data["kv"] = reinterpret_cast<int64_t>(kv);
    ctx->saved_data["n"] = int64_t(inputs.size());
    auto dev = inputs[0].device();
    if (blk->is_training() && blk->dropout > 0) {
      auto gen = at::globalContext().defaultGenerator(dev);
      std::lock_guard<std::mutex> lock(gen.mutex());
      ctx->saved_data["rng"] = gen.get_state();
    }
    ctx->save_for_backward(inputs.vec());
    return {run(blk, kv, inputs.vec())};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto* blk = reinterpret_cast<BasicTransformerBlockImpl*>(ctx->saved_data["blk"].toInt());
    auto* kv = reinterpret_cast<const CrossKV*>(ctx->saved_data["kv"].toInt());
    auto saved = ctx->get_saved_variables();
    variable_list in;
    // Activations (x, temb, ctx, mask) are re-entered as fresh leaves; the parameters are the module's
    // own tensors (the recomputation uses them), so their gradients come out of the same grad() call.
    const size_t n_act = blk->cross ? 4 : 2;
    for (size_t i = 0; i < saved.size(); ++i) {
      const auto& t = saved[i];
      in.push_back(i < n_act && t.defined() ? t.detach().requires_grad_(t.requires_grad()) : t);
    }
    torch::Tensor out;
    {
      torch::AutoGradMode enable(true);
      auto dev = in[0].device();
      if (ctx->saved_data.count("rng")) {
        auto gen = at::globalContext().defaultGenerator(dev);
        torch::Tensor now;
        {
          std::lock_guard<std::mutex> lock(gen.mutex());
          now = gen.get_state();
          gen.set_state(ctx->saved_data["rng"].toTensor());
        }
        out = run(blk, kv, in);  // dropout takes the generator lock itself
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(now);
      } else {
        out = run(blk, kv, in);
      }
    }
    // Parameters were passed as inputs, so their grads come back through this node.
    variable_list wrt;
    std::vector<size_t> pos;
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i].defined() && in[i].requires_grad()) {
        wrt.push_back(in[i]);
        pos.push_back(i);
      }
    }
    auto g = torch::autograd::grad({out}, wrt, {grad_out[0]}, /*retain_graph=*/false, /*create_graph=*/false,
                                   /*allow_unused=*/true);
    variable_list res(2 + in.size());
    for (size_t j = 0; j < pos.size(); ++j) res[2 + pos[j]] = g[j];
    return res;
  }
};

}  // namespace

DiTImpl::DiTImpl(const DiTConfig& c, const torch::TensorOptions& opt) : cfg(c) {
  const int64_t D = cfg.inner_dim();
  timestep_encoder = register_module("timestep_encoder", TimestepEncoder(cfg.timestep_channels, D, opt));
  for (int64_t i = 0; i < cfg.num_layers; ++i) {
    auto b = BasicTransformerBlock(cfg, !cfg.is_self_attn(i), opt);
    b->index = i;
    blocks.push_back(b);
    transformer_blocks->push_back(b);
  }
  register_module("transformer_blocks", transformer_blocks);
  proj_out_1 = register_module("proj_out_1", groot::Linear(D, 2 * D, true, opt));
  proj_out_2 = register_module("proj_out_2", groot::Linear(D, cfg.output_dim, true, opt));
}

TimestepModulation DiTImpl::timestep_modulation(const torch::Tensor& tau, torch::ScalarType dtype) {
  // The same operations as forward() on the same tau: identical values.
  auto temb = timestep_encoder(tau, dtype);  // [B, D]
  TimestepModulation m;
  for (auto& blk : blocks) m.blocks.push_back(blk->norm1->linear(torch::silu(temb)));
  m.out = proj_out_1(torch::silu(temb));
  return m;
}

std::vector<CrossKV> DiTImpl::cross_kv(const torch::Tensor& vl) {
  std::vector<CrossKV> kv(blocks.size());
  auto src = vl.contiguous();
  for (size_t i = 0; i < blocks.size(); ++i)
    if (blocks[i]->cross) kv[i] = blocks[i]->attn1->project_kv(src);
  return kv;
}

torch::Tensor DiTImpl::forward(const torch::Tensor& hidden_in, const torch::Tensor& vl_in,
                               const torch::Tensor& tau, const torch::Tensor& image_mask,
                               const torch::Tensor& attention_mask, const std::vector<CrossKV>* kv,
                               const TimestepModulation* mod) {
  GROOT_CHECK(hidden_in.dim() == 3 && hidden_in.size(2) == cfg.inner_dim(), "DiT: hidden_states must be [B,T,",
              cfg.inner_dim(), "], got ", hidden_in.sizes());
  GROOT_CHECK(vl_in.dim() == 3 && vl_in.size(2) == cfg.cross_attention_dim,
              "DiT: encoder_hidden_states must be [B,S,", cfg.cross_attention_dim, "], got ", vl_in.sizes());
  GROOT_CHECK(image_mask.defined() && attention_mask.defined() && image_mask.sizes() == attention_mask.sizes() &&
                  image_mask.size(0) == vl_in.size(0) && image_mask.size(1) == vl_in.size(1),
              "DiT: image_mask and backbone_attention_mask must both be [B,S] = [", vl_in.size(0), ",",
              vl_in.size(1), "]");
  GROOT_CHECK(!kv || kv->size() == blocks.size(), "DiT: K/V cache has ", kv ? kv->size() : 0, " entries, expected ",
              blocks.size());
  GROOT_CHECK(!mod || mod->blocks.size() == blocks.size(), "DiT: timestep modulation has ",
              mod ? mod->blocks.size() : 0, " blocks, expected ", blocks.size());
  ah_trace("dit/in_hidden_states", hidden_in);
  ah_trace("dit/in_timestep", tau);
  torch::Tensor temb;  // [B, D] in the activation dtype; not needed with precomputed modulation
  if (!mod) {
    temb = timestep_encoder(tau, hidden_in.scalar_type());
    ah_trace("dit/temb", temb);
  }
  auto hidden = hidden_in.contiguous();
  auto vl = vl_in.to(hidden_in.scalar_type()).contiguous();
  auto img = image_mask.to(torch::kBool), att = attention_mask.to(torch::kBool);
  auto image_attn = img.logical_and(att);                  // image tokens only
  auto text_attn = img.logical_not().logical_and(att);     // everything else that is not padding
  const bool ckpt = gradient_checkpointing && is_training() && torch::GradMode::is_enabled();
  GROOT_CHECK(!(ckpt && mod), "DiT: precomputed timestep modulation is for inference, not checkpointed training");

  for (size_t i = 0; i < blocks.size(); ++i) {
    auto& blk = blocks[i];
    torch::Tensor ctx, mask;
    const CrossKV* bkv = nullptr;
    if (blk->cross) {
      ctx = vl;
      mask = (int64_t(i) % (2 * cfg.attend_text_every_n_blocks) == 0) ? text_attn : image_attn;
      if (kv) bkv = &(*kv)[i];
    }
    if (ckpt) {
      std::vector<torch::Tensor> in{hidden, temb};
      if (blk->cross) {
        in.push_back(ctx);
        in.push_back(mask);
      }
      for (auto& p : blk->parameters()) in.push_back(p);
      hidden = BlockCheckpoint::apply(blk.get(), bkv, at::TensorList(in))[0];
    } else {
      hidden = blk->forward(hidden, temb, ctx, mask, bkv, mod ? mod->blocks[i] : torch::Tensor());
    }
  }
  auto e_out = mod ? mod->out : proj_out_1(torch::silu(temb));  // [B, 2D]
  ah_trace("dit/proj_out_1", e_out);
  auto parts = e_out.chunk(2, 1);
  auto shift = parts[0].unsqueeze(1), scale = parts[1].unsqueeze(1);
  auto n = torch::layer_norm(hidden, {cfg.inner_dim()}, {}, {}, 1e-6);
  ah_trace("dit/norm_out", n);
  auto out = proj_out_2(n * (1 + scale) + shift);  // [B, T, output_dim]
  ah_trace("dit/out", out);
  return out;
}

}  // namespace groot::model
