#include "model/siglip2.h"

#include <map>

#include "model/attention.h"
#include "util/error.h"

namespace groot {

torch::Tensor siglip2_patchify(const torch::Tensor& pixels, int64_t P) {
  GROOT_CHECK(pixels.dim() == 4 && pixels.size(1) == 3, "vision: pixel_values must be [n, 3, H, W], got ",
              pixels.sizes());
  const int64_t n = pixels.size(0), H = pixels.size(2), W = pixels.size(3);
  GROOT_CHECK(H % P == 0 && W % P == 0 && H > 0 && W > 0, "vision: image size ", H, "x", W,
              " is not a multiple of the patch size ", P);
  const int64_t h = H / P, w = W / P;
  // [n, 3, h, P, w, P] -> [n, h, w, P(py), P(px), 3]
  return pixels.view({n, 3, h, P, w, P}).permute({0, 2, 4, 3, 5, 1}).reshape({n, h * w, P * P * 3});
}

torch::Tensor siglip2_resize_positions(const torch::Tensor& table, int64_t grid, int64_t h, int64_t w) {
  const int64_t C = table.size(1);
  auto src_dtype = table.scalar_type();
  // [G*G, C] -> [1, C, G, G]
  auto t = table.view({grid, grid, C}).permute({2, 0, 1}).unsqueeze(0);
  if (t.device().is_cpu()) t = t.to(torch::kFloat32);  // antialias has no CPU half kernels (upstream upcasts)
  namespace F = torch::nn::functional;
  auto r = F::interpolate(t, F::InterpolateFuncOptions()
                                 .size(std::vector<int64_t>{h, w})
                                 .mode(torch::kBilinear)
                                 .align_corners(false)
                                 .antialias(true));
  return r.reshape({C, h * w}).transpose(0, 1).to(src_dtype);  // [h*w, C]
}

Siglip2EmbeddingsImpl::Siglip2EmbeddingsImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt)
    : cfg(c) {
  patch_embedding = register_module(
      "patch_embedding", Linear(c.num_channels * c.patch_size * c.patch_size, c.hidden_size, true, opt));
  position_embedding = register_module("position_embedding", Embedding(c.num_patches, c.hidden_size, opt));
}

Siglip2AttentionImpl::Siglip2AttentionImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt)
    : heads(c.num_attention_heads), head_dim(c.head_dim()) {
  k_proj = register_module("k_proj", Linear(c.hidden_size, c.hidden_size, true, opt));
  v_proj = register_module("v_proj", Linear(c.hidden_size, c.hidden_size, true, opt));
  q_proj = register_module("q_proj", Linear(c.hidden_size, c.hidden_size, true, opt));
  out_proj = register_module("out_proj", Linear(c.hidden_size, c.hidden_size, true, opt));
}

torch::Tensor Siglip2AttentionImpl::forward(const torch::Tensor& x) {
  const int64_t n = x.size(0), T = x.size(1), C = x.size(2);
  auto split = [&](const torch::Tensor& t) { return t.view({n, T, heads, head_dim}).transpose(1, 2); };
  auto q = split(q_proj->forward(x)), k = split(k_proj->forward(x)), v = split(v_proj->forward(x));
  auto a = attention(q, k, v);  // [n, heads, T, hd]; one image per row: images never see each other
  return out_proj->forward(a.transpose(1, 2).reshape({n, T, C}));
}

Siglip2MLPImpl::Siglip2MLPImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt) {
  fc1 = register_module("fc1", Linear(c.hidden_size, c.intermediate_size, true, opt));
  fc2 = register_module("fc2", Linear(c.intermediate_size, c.hidden_size, true, opt));
}

torch::Tensor Siglip2MLPImpl::forward(const torch::Tensor& x) {
  return fc2->forward(torch::gelu(fc1->forward(x), "tanh"));
}

Siglip2EncoderLayerImpl::Siglip2EncoderLayerImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt) {
  layer_norm1 = register_module("layer_norm1", LayerNorm(c.hidden_size, c.layer_norm_eps, true, opt));
  self_attn = register_module("self_attn", Siglip2Attention(c, opt));
  layer_norm2 = register_module("layer_norm2", LayerNorm(c.hidden_size, c.layer_norm_eps, true, opt));
  mlp = register_module("mlp", Siglip2MLP(c, opt));
}

torch::Tensor Siglip2EncoderLayerImpl::forward(const torch::Tensor& x) {
  auto h = x + self_attn->forward(layer_norm1->forward(x));
  return h + mlp->forward(layer_norm2->forward(h));
}

Siglip2EncoderImpl::Siglip2EncoderImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    layer_list.push_back(Siglip2EncoderLayer(c, opt));
    layers->push_back(layer_list.back());
  }
}

Siglip2VisionTransformerImpl::Siglip2VisionTransformerImpl(const SiglipVisionConfig& c,
                                                           const torch::TensorOptions& opt)
    : cfg(c) {
  embeddings = register_module("embeddings", Siglip2Embeddings(c, opt));
  encoder = register_module("encoder", Siglip2Encoder(c, opt));
  post_layernorm = register_module("post_layernorm", LayerNorm(c.hidden_size, c.layer_norm_eps, true, opt));
}

std::vector<torch::Tensor> Siglip2VisionTransformerImpl::forward(
    const std::vector<torch::Tensor>& images, torch::ScalarType dtype,
    std::vector<std::pair<int64_t, int64_t>>* grids, const Trace& trace) {
  const int64_t P = cfg.patch_size, C = cfg.hidden_size;
  const size_t N = images.size();
  GROOT_CHECK(N > 0, "vision: no images");
  // Group images of equal size (each group runs batched; attention stays per image).
  std::map<std::pair<int64_t, int64_t>, std::vector<size_t>> groups;
  std::vector<std::pair<int64_t, int64_t>> hw(N);
  for (size_t i = 0; i < N; ++i) {
    auto img = images[i].dim() == 4 ? images[i] : images[i].unsqueeze(0);
    GROOT_CHECK(img.dim() == 4 && img.size(0) == 1 && img.size(1) == cfg.num_channels, "vision: image ", i,
                " must be [3, H, W] or [1, 3, H, W], got ", images[i].sizes());
    GROOT_CHECK(img.size(2) % P == 0 && img.size(3) % P == 0, "vision: image ", i, " size ", img.size(2), "x",
                img.size(3), " is not a multiple of the patch size ", P);
    hw[i] = {img.size(2) / P, img.size(3) / P};
    groups[hw[i]].push_back(i);
  }
  if (grids) *grids = hw;
  struct Group {
    std::vector<size_t> members;
    torch::Tensor x;  // [n, T, C]
  };
  std::vector<Group> gs;
  std::vector<std::pair<size_t, size_t>> where(N);  // image -> (group, row)
  for (auto& [shape, members] : groups) {
    Group g;
    g.members = members;
    std::vector<torch::Tensor> px;
    for (size_t r = 0; r < members.size(); ++r) {
      auto img = images[members[r]];
      px.push_back((img.dim() == 4 ? img : img.unsqueeze(0)).to(dtype));
      where[members[r]] = {gs.size(), r};
    }
    g.x = torch::cat(px, 0);  // [n, 3, H, W]
    gs.push_back(std::move(g));
  }
  // Packs per-group [n, T, C] tensors into [sum T, C] in image order (traces only).
  auto packed = [&](const std::vector<torch::Tensor>& per_group) {
    std::vector<torch::Tensor> rows;
    for (size_t i = 0; i < N; ++i) rows.push_back(per_group[where[i].first][where[i].second]);
    return torch::cat(rows, 0);
  };

  std::vector<torch::Tensor> nopos, emb;
  for (size_t gi = 0; gi < gs.size(); ++gi) {
    auto& g = gs[gi];
    auto [h, w] = hw[g.members[0]];
    auto patches = siglip2_patchify(g.x, P);                           // [n, h*w, 588]
    if (trace && g.members[0] == 0)
      trace("vision/patchify_out_img0_first" + std::to_string(w), patches[0].slice(0, 0, w));
    auto pe = embeddings->patch_embedding->forward(patches);           // [n, h*w, C]
    auto pos = siglip2_resize_positions(embeddings->position_embedding->weight, cfg.position_grid(), h, w);
    if (trace) trace("vision/pos_embed_resized_" + std::to_string(h) + "x" + std::to_string(w), pos);
    g.x = pe + as_dtype_of(pos, pe).unsqueeze(0);
    if (trace) {
      nopos.push_back(pe);
      emb.push_back(g.x);
    }
  }
  if (trace) {
    trace("vision/patch_embeds_nopos", packed(nopos));
    trace("vision/embeddings", packed(emb).unsqueeze(0));
    std::vector<int64_t> flat;
    for (auto& s : hw) flat.insert(flat.end(), {s.first, s.second});
    trace("vision/spatial_shapes", torch::tensor(flat, torch::kInt64).view({int64_t(N), 2}));
  }
  for (size_t l = 0; l < encoder->layer_list.size(); ++l) {
    std::vector<torch::Tensor> outs;
    for (auto& g : gs) {
      g.x = encoder->layer_list[l]->forward(g.x);
      if (trace) outs.push_back(g.x);
    }
    if (trace) trace("vision/layer" + std::to_string(l) + "_out", packed(outs).unsqueeze(0));
  }
  std::vector<torch::Tensor> outs;
  for (auto& g : gs) {
    g.x = post_layernorm->forward(g.x);
    outs.push_back(g.x);
  }
  if (trace) trace("vision/post_ln", packed(outs).unsqueeze(0));
  std::vector<torch::Tensor> result(N);
  for (size_t i = 0; i < N; ++i) result[i] = gs[where[i].first].x[where[i].second];  // [h*w, C]
  (void)C;
  return result;
}

Siglip2VisionModelImpl::Siglip2VisionModelImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt) {
  vision_model = register_module("vision_model", Siglip2VisionTransformer(c, opt));
}

}  // namespace groot
