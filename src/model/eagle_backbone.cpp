#include "model/eagle_backbone.h"

#include "util/error.h"

namespace groot {

torch::Tensor eagle_pixel_unshuffle(const torch::Tensor& tokens, int64_t h, int64_t w) {
  GROOT_CHECK(h % 2 == 0 && w % 2 == 0, "mlp1: patch grid ", h, "x", w,
              " is not even (image sides must be multiples of 28 pixels)");
  const int64_t C = tokens.size(1);
  // [h*w, C] -> [1, C, h, w] -> pixel_unshuffle -> [1, 4C, h/2, w/2] -> [(h/2)*(w/2), 4C]
  auto x = tokens.transpose(0, 1).reshape({1, C, h, w});
  auto u = torch::pixel_unshuffle(x, 2);
  return u.reshape({4 * C, (h / 2) * (w / 2)}).transpose(0, 1);
}

EagleMlp1Impl::EagleMlp1Impl(const EagleConfig& c, const torch::TensorOptions& opt) {
  const int64_t in = c.mlp1_in_dim(), D = c.text.hidden_size;
  ln = register_module("0", LayerNorm(in, c.mlp1_ln_eps, true, opt));
  fc1 = register_module("1", Linear(in, D, true, opt));
  fc2 = register_module("3", Linear(D, D, true, opt));
}

torch::Tensor EagleMlp1Impl::forward(const torch::Tensor& x, const Trace& trace) {
  auto a = ln->forward(x);
  trace_emit(trace, "mlp1/ln_out", a.unsqueeze(0));
  auto b = fc1->forward(a);
  trace_emit(trace, "mlp1/fc1_out", b.unsqueeze(0));
  auto g = torch::gelu(b);  // exact erf GELU
  trace_emit(trace, "mlp1/gelu_out", g.unsqueeze(0));
  auto out = fc2->forward(g);
  trace_emit(trace, "mlp1/out", out.unsqueeze(0));
  return out;
}

Eagle3VLImpl::Eagle3VLImpl(const Gr00tN1d6Config& c, const torch::TensorOptions& opt) {
  vision_model = register_module("vision_model", Siglip2VisionModel(c.eagle.vision, opt));
  mlp1 = register_module("mlp1", EagleMlp1(c.eagle, opt));
  language_model = register_module("language_model", Qwen3ForCausalLM(c.eagle.text, c.select_layer, opt));
}

EagleBackboneImpl::EagleBackboneImpl(const Gr00tN1d6Config& c, const torch::TensorOptions& opt) : cfg(c) {
  cfg.validate();
  model = register_module("model", Eagle3VL(cfg, opt));
}

void EagleBackboneImpl::set_gradient_checkpointing(bool on) {
  model->language_model->model->gradient_checkpointing = on;
}

torch::ScalarType EagleBackboneImpl::activation_dtype() const {
  if (compute_dtype) return *compute_dtype;
  return model->language_model->model->embed_tokens->weight.scalar_type();
}

torch::Tensor EagleBackboneImpl::image_features(const std::vector<torch::Tensor>& images, torch::ScalarType dtype,
                                                const Trace& trace) {
  std::vector<std::pair<int64_t, int64_t>> grids;
  auto per_image = model->vision_model->vision_model->forward(images, dtype, &grids, trace);
  std::vector<torch::Tensor> unshuffled;
  for (size_t i = 0; i < per_image.size(); ++i)
    unshuffled.push_back(eagle_pixel_unshuffle(per_image[i], grids[i].first, grids[i].second));
  auto x = torch::cat(unshuffled, 0);  // [sum tokens, 4C]
  trace_emit(trace, "mlp1/in_pixel_unshuffled", x.unsqueeze(0));
  return model->mlp1->forward(x, trace);  // [sum tokens, D]
}

BackboneOutput EagleBackboneImpl::forward(const BackboneInput& in, const Trace& trace) {
  GROOT_CHECK(in.input_ids.defined() && in.input_ids.dim() == 2, "backbone: input_ids must be [B, L], got ",
              in.input_ids.defined() ? in.input_ids.sizes() : torch::IntArrayRef{});
  GROOT_CHECK(in.input_ids.scalar_type() == torch::kInt64, "backbone: input_ids must be int64");
  GROOT_CHECK(in.attention_mask.defined() && in.attention_mask.sizes() == in.input_ids.sizes(),
              "backbone: attention_mask must match input_ids ", in.input_ids.sizes());
  auto& emb = model->language_model->model->embed_tokens;
  const auto device = emb->weight.device();
  const auto dtype = activation_dtype();
  auto ids = in.input_ids.to(device);
  const int64_t B = ids.size(0), L = ids.size(1), D = cfg.eagle.text.hidden_size;
  GROOT_CHECK(ids.min().item<int64_t>() >= 0 && ids.max().item<int64_t>() < cfg.eagle.text.vocab_size,
              "backbone: input_ids outside [0, ", cfg.eagle.text.vocab_size, ")");
  auto image_mask = ids == cfg.eagle.image_token_index;  // [B, L]
  auto attn = in.attention_mask.to(device);

  std::vector<torch::Tensor> images = in.images;
  if (images.empty() && in.pixel_values.defined()) {
    GROOT_CHECK(in.pixel_values.dim() == 4, "backbone: pixel_values must be [N_img, 3, H, W], got ",
                in.pixel_values.sizes());
    for (int64_t i = 0; i < in.pixel_values.size(0); ++i) images.push_back(in.pixel_values[i]);
  }
  for (auto& im : images) im = im.to(device);

  auto x = emb->forward(ids).to(dtype);  // [B, L, D]
  const int64_t n_ctx = image_mask.sum().item<int64_t>();
  if (!images.empty()) {
    auto vit = image_features(images, dtype, trace).to(dtype);  // [n_tokens, D]
    GROOT_CHECK(vit.size(0) == n_ctx, "backbone: ", n_ctx, " <IMG_CONTEXT> tokens (id ", cfg.eagle.image_token_index,
                ") in input_ids but the ", images.size(), " images give ", vit.size(0), " image tokens");
    auto flat = x.reshape({B * L, D});
    auto idx = image_mask.reshape({B * L}).nonzero().squeeze(1);
    x = flat.index_put({idx}, vit).view({B, L, D});
  } else {
    GROOT_CHECK(n_ctx == 0, "backbone: input_ids contain ", n_ctx, " <IMG_CONTEXT> tokens but no images were given");
  }
  auto feats = model->language_model->model->forward(x, attn, trace);
  BackboneOutput out;
  out.features = feats;
  out.attention_mask = attn == 1;
  out.image_mask = image_mask;
  if (trace) {
    trace("backbone/features", out.features);
    trace("backbone/attention_mask", out.attention_mask);
    trace("backbone/image_mask", out.image_mask);
  }
  return out;
}

}  // namespace groot
