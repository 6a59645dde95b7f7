// SigLIP2 vision encoder as used by Eagle-Block2A-2B-v2 in GR00T N1.6 (vendored modeling_siglip2.py):
// keys under "vision_model." of Siglip2VisionModel:
//   embeddings.patch_embedding {weight [C, 3*P*P], bias [C]}   (a Linear, not a Conv2d)
//   embeddings.position_embedding.weight [num_patches, C]      (16x16 learned grid)
//   encoder.layers.{i}.{layer_norm1, self_attn.{q,k,v,out}_proj, layer_norm2, mlp.{fc1, fc2}}
//   post_layernorm
// The unused pooling head (head.*) is not built; its checkpoint keys are skipped by weights.h.
//
// Per image of H x W pixels (multiples of P=14; h = H/P, w = W/P):
//   patchify   [3, H, W] -> [h*w, P*P*3], rows in raster order, vector in [py][px][channel] order
//   embed      patch_embedding(patches) + bilinear(antialias, align_corners=False) resize of the
//              position grid to (h, w), flattened row-major
//   27 x pre-LN layer: x += out_proj(MHA(LN1 x)); x += fc2(gelu_tanh(fc1(LN2 x)))  -- attention over the
//              tokens of the SAME image only (use_rope / window attention are off in N1.6)
//   post_layernorm
// Images of equal size are batched; different sizes run as separate groups (still exact).
// Traces (packed over images in input order, as the golden): vision/patchify_out_img0_first{w},
// vision/pos_embed_resized_{h}x{w}, vision/patch_embeds_nopos, vision/embeddings, vision/spatial_shapes,
// vision/layer{i}_out, vision/post_ln.
#pragma once
#include <vector>

#include "model/config.h"
#include "model/layers.h"
#include "model/trace.h"

namespace groot {

struct Siglip2EmbeddingsImpl : torch::nn::Module {
  Siglip2EmbeddingsImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt);
  SiglipVisionConfig cfg;
  Linear patch_embedding{nullptr};
  Embedding position_embedding{nullptr};
};
TORCH_MODULE(Siglip2Embeddings);

struct Siglip2AttentionImpl : torch::nn::Module {
  Siglip2AttentionImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x);  // [n, T, C] -> [n, T, C], attention within each row n
  int64_t heads, head_dim;
  Linear k_proj{nullptr}, v_proj{nullptr}, q_proj{nullptr}, out_proj{nullptr};
};
TORCH_MODULE(Siglip2Attention);

struct Siglip2MLPImpl : torch::nn::Module {
  Siglip2MLPImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x);  // fc2(gelu_tanh(fc1(x)))
  Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Siglip2MLP);

struct Siglip2EncoderLayerImpl : torch::nn::Module {
  Siglip2EncoderLayerImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x);  // [n, T, C]
  LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
  Siglip2Attention self_attn{nullptr};
  Siglip2MLP mlp{nullptr};
};
TORCH_MODULE(Siglip2EncoderLayer);

struct Siglip2EncoderImpl : torch::nn::Module {
  Siglip2EncoderImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt);
  torch::nn::ModuleList layers{nullptr};
  std::vector<Siglip2EncoderLayer> layer_list;
};
TORCH_MODULE(Siglip2Encoder);

// Siglip2VisionTransformer ("vision_model.vision_model").
struct Siglip2VisionTransformerImpl : torch::nn::Module {
  Siglip2VisionTransformerImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt);
  // images: each [3, H_i, W_i] (or [1, 3, H_i, W_i]), cast to `dtype` before the patch embedding.
  // Returns one [h_i*w_i, C] tensor per image (post-LN, raster order) and fills grids with (h_i, w_i).
  std::vector<torch::Tensor> forward(const std::vector<torch::Tensor>& images, torch::ScalarType dtype,
                                     std::vector<std::pair<int64_t, int64_t>>* grids,
                                     const Trace& trace = {});
  SiglipVisionConfig cfg;
  Siglip2Embeddings embeddings{nullptr};
  Siglip2Encoder encoder{nullptr};
  LayerNorm post_layernorm{nullptr};
};
TORCH_MODULE(Siglip2VisionTransformer);

// Siglip2VisionModel: the wrapper whose only child is "vision_model".
struct Siglip2VisionModelImpl : torch::nn::Module {
  Siglip2VisionModelImpl(const SiglipVisionConfig& c, const torch::TensorOptions& opt);
  Siglip2VisionTransformer vision_model{nullptr};
};
TORCH_MODULE(Siglip2VisionModel);

// [n, 3, H, W] -> [n, (H/P)*(W/P), P*P*3] in [py][px][c] order.
torch::Tensor siglip2_patchify(const torch::Tensor& pixels, int64_t patch);
// position table [G*G, C] -> [h*w, C]: bilinear, align_corners=False, antialias=True (fp32 math on CPU,
// result cast back to the table's dtype, as upstream).
torch::Tensor siglip2_resize_positions(const torch::Tensor& table, int64_t grid, int64_t h, int64_t w);

}  // namespace groot
