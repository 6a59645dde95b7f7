// EagleBackbone: the GR00T N1.6 vision-language backbone (Eagle-Block2A-2B-v2): SigLIP2 -> pixel-unshuffle
// x2 -> mlp1 -> image-token scatter -> Qwen3 (select_layer layers) -> final RMSNorm. No lm_head.
//
// Module tree == upstream state-dict keys relative to "backbone.":
//   model.vision_model.vision_model.*   (siglip2.h)
//   model.mlp1.{0: LayerNorm(4C, eps 1e-5), 1: Linear(4C -> D), [2: GELU erf], 3: Linear(D -> D)}
//   model.language_model.model.*        (qwen3.h)
//
// forward(in):
//   in.input_ids       int64 [B, L]       prompt tokens, left-padded (pad 151643)
//   in.attention_mask  int64/bool [B, L]  1 = real token
//   in.pixel_values    float [N_img, 3, H, W] all images of the batch in upstream order (sample-major,
//                      then time-major, view-minor), or in.images (one [3|1x3, H_i, W_i] per image) when
//                      sizes differ. The number of <IMG_CONTEXT> ids must equal the image tokens.
//   out.features       [B, L, D]  final-RMSNorm output of the last kept layer for ALL positions
//                      (= upstream backbone_features = hidden_states[-1]); compute dtype
//   out.attention_mask bool [B, L] = attention_mask == 1      (upstream backbone_attention_mask)
//   out.image_mask     bool [B, L] = input_ids == image_token (upstream image_mask)
// Per image (h = H/14, w = W/14): post-LN [h*w, C] -> [C, h, w] -> pixel_unshuffle(2) [4C, h/2, w/2]
// (channel c*4 + 2i + j) -> tokens row-major -> mlp1 -> (H/28)*(W/28) tokens, scattered in order into
// the <IMG_CONTEXT> positions of embed_tokens(input_ids) (row-major over [B, L]).
//
// Compute dtype: `compute_dtype` if set, else the dtype of embed_tokens.weight. Every layer casts its
// weights to the activation dtype (layers.h), so frozen bf16 + trainable fp32 weights mix freely.
// Traces: vision/*, mlp1/in_pixel_unshuffled, mlp1/ln_out, mlp1/fc1_out, mlp1/gelu_out, mlp1/out, llm/*,
// backbone/features, backbone/attention_mask, backbone/image_mask.
#pragma once
#include <optional>
#include <vector>

#include "model/config.h"
#include "model/qwen3.h"
#include "model/siglip2.h"
#include "model/trace.h"

namespace groot {

struct BackboneInput {
  torch::Tensor input_ids;       // int64 [B, L]
  torch::Tensor attention_mask;  // int64 or bool [B, L]
  torch::Tensor pixel_values;    // float [N_img, 3, H, W] (or undefined when `images` is used)
  std::vector<torch::Tensor> images;  // alternative: one image per entry, sizes may differ
  // The id checks (ids in [0, vocab), <IMG_CONTEXT> count == image tokens) run on the host. When
  // input_ids are on the CPU they cost nothing; on the device they synchronise, unless the caller
  // already ran check_backbone_ids() on the host copy and sets ids_checked (the fast path does).
  bool ids_checked = false;
};

struct BackboneOutput {
  torch::Tensor features;        // [B, L, D]
  torch::Tensor attention_mask;  // bool [B, L]
  torch::Tensor image_mask;      // bool [B, L]
};

// mlp1: Sequential(LayerNorm(4C), Linear(4C, D), GELU, Linear(D, D)) with children "0", "1", "3".
struct EagleMlp1Impl : torch::nn::Module {
  EagleMlp1Impl(const EagleConfig& c, const torch::TensorOptions& opt);
  torch::Tensor forward(const torch::Tensor& x, const Trace& trace = {});  // [T, 4C] -> [T, D]
  LayerNorm ln{nullptr};   // "0"
  Linear fc1{nullptr};     // "1"
  Linear fc2{nullptr};     // "3"
};
TORCH_MODULE(EagleMlp1);

// Eagle3_VLForConditionalGeneration minus lm_head ("backbone.model").
struct Eagle3VLImpl : torch::nn::Module {
  Eagle3VLImpl(const Gr00tN1d6Config& c, const torch::TensorOptions& opt);
  Siglip2VisionModel vision_model{nullptr};
  EagleMlp1 mlp1{nullptr};
  Qwen3ForCausalLM language_model{nullptr};
};
TORCH_MODULE(Eagle3VL);

struct EagleBackboneImpl : torch::nn::Module {
  // opt: dtype/device of every parameter (torch::kMeta for a shape-only build).
  EagleBackboneImpl(const Gr00tN1d6Config& c, const torch::TensorOptions& opt = {});
  BackboneOutput forward(const BackboneInput& in, const Trace& trace = {});
  // The same after the vision stage: `image_tokens` = image_features(images) [n_tokens, D] (or undefined
  // when there are no images). forward() == forward_with_image_tokens(in, image_features(...)).
  BackboneOutput forward_with_image_tokens(const BackboneInput& in, const torch::Tensor& image_tokens,
                                           const Trace& trace = {});
  // Image tokens one [3, H, W] image gives: (H/patch/2) * (W/patch/2) (vision + pixel-unshuffle x2).
  int64_t image_token_count(int64_t H, int64_t W) const;
  // Image tokens [sum_i (h_i/2)*(w_i/2), D] for a list of images (vision + pixel-unshuffle + mlp1).
  torch::Tensor image_features(const std::vector<torch::Tensor>& images, torch::ScalarType dtype,
                               const Trace& trace = {});
  // Activation recomputation for LLM layers that have trainable parameters.
  void set_gradient_checkpointing(bool on);
  torch::ScalarType activation_dtype() const;

  Gr00tN1d6Config cfg;
  Eagle3VL model{nullptr};
  std::optional<torch::ScalarType> compute_dtype;
};
TORCH_MODULE(EagleBackbone);

// Host-side id checks on a CPU copy of input_ids [B, L]: every id in [0, vocab_size) and, when
// expected_image_tokens >= 0, exactly that many <IMG_CONTEXT> ids. groot::Error names the bad value.
void check_backbone_ids(const torch::Tensor& ids_cpu, const Gr00tN1d6Config& cfg, int64_t expected_image_tokens);

// x [B, L, D] with rows where mask [B, L] is true replaced, in row-major order, by the rows of
// tokens [n, D] (n == mask.sum(); checked by the caller). Gather through cumsum indices, no host
// synchronisation (unlike nonzero / boolean indexing), same values as index_put.
torch::Tensor scatter_image_tokens(const torch::Tensor& x, const torch::Tensor& mask, const torch::Tensor& tokens);

// [h*w, C] raster tokens of one image -> [(h/2)*(w/2), 4C] with channel index c*4 + 2i + j.
torch::Tensor eagle_pixel_unshuffle(const torch::Tensor& tokens, int64_t h, int64_t w);

}  // namespace groot
