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

int64_t EagleBackboneImpl::image_token_count(int64_t H, int64_t W) const {
  const int64_t P = cfg.eagle.vision.patch_size;
  return (H / P / 2) * (W / P / 2);
}

void check_backbone_ids(const torch::Tensor& ids_cpu, const Gr00tN1d6Config& cfg, int64_t expected_image_tokens) {
  GROOT_CHECK(ids_cpu.defined() && ids_cpu.dim() == 2, "backbone: input_ids must be [B, L]");
  auto ids = ids_cpu.to(torch::kCPU, torch::kLong).contiguous();
  const int64_t L = ids.size(1), n = ids.numel(), vocab = cfg.eagle.text.vocab_size;
  const int64_t img = cfg.eagle.image_token_index;
  const int64_t* p = ids.data_ptr<int64_t>();
  int64_t n_ctx = 0;
  for (int64_t i = 0; i < n; ++i) {
    GROOT_CHECK(p[i] >= 0 && p[i] < vocab, "backbone: input_ids[", i / L, ", ", i % L, "] = ", p[i],
                " is outside [0, ", vocab, ")");
    n_ctx += p[i] == img;
  }
  if (expected_image_tokens < 0) return;
  GROOT_CHECK(expected_image_tokens > 0 || n_ctx == 0, "backbone: input_ids contain ", n_ctx,
              " <IMG_CONTEXT> tokens but no images were given");
  GROOT_CHECK(n_ctx == expected_image_tokens, "backbone: ", n_ctx, " <IMG_CONTEXT> tokens (id ", img,
              ") in input_ids but the images give ", expected_image_tokens, " image tokens");
}

torch::Tensor scatter_image_tokens(const torch::Tensor& x, const torch::Tensor& mask, const torch::Tensor& tokens) {
  const int64_t B = x.size(0), L = x.size(1), D = x.size(2);
  auto m = mask.reshape({B * L});
  // Row r of the output takes tokens[k] where k = (number of masked rows before r); clamped so that
  // unmasked rows (and a count mismatch nobody checked) stay in bounds.
  auto idx = (m.to(torch::kLong).cumsum(0) - 1).clamp(0, tokens.size(0) - 1);  // [B*L]
  auto gathered = tokens.to(x.scalar_type()).index_select(0, idx);             // [B*L, D]
  return torch::where(m.unsqueeze(1), gathered, x.reshape({B * L, D})).view({B, L, D});
}

namespace {
std::vector<torch::Tensor> input_images(const BackboneInput& in) {
  std::vector<torch::Tensor> images = in.images;
  if (images.empty() && in.pixel_values.defined()) {
    GROOT_CHECK(in.pixel_values.dim() == 4, "backbone: pixel_values must be [N_img, 3, H, W], got ",
                in.pixel_values.sizes());
    for (int64_t i = 0; i < in.pixel_values.size(0); ++i) images.push_back(in.pixel_values[i]);
  }
  return images;
}
}  // namespace

BackboneOutput EagleBackboneImpl::forward(const BackboneInput& in, const Trace& trace) {
  auto images = input_images(in);
  torch::Tensor vit;
  if (!images.empty()) {
    const auto device = model->language_model->model->embed_tokens->weight.device();
    for (auto& im : images) im = im.to(device);
    vit = image_features(images, activation_dtype(), trace);  // [n_tokens, D]
  }
  return forward_with_image_tokens(in, vit, trace);
}

BackboneOutput EagleBackboneImpl::forward_with_image_tokens(const BackboneInput& in, const torch::Tensor& image_tokens,
                                                            const Trace& trace) {
  GROOT_CHECK(in.input_ids.defined() && in.input_ids.dim() == 2, "backbone: input_ids must be [B, L], got ",
              in.input_ids.defined() ? in.input_ids.sizes() : torch::IntArrayRef{});
  GROOT_CHECK(in.input_ids.scalar_type() == torch::kInt64, "backbone: input_ids must be int64");
  GROOT_CHECK(in.attention_mask.defined() && in.attention_mask.sizes() == in.input_ids.sizes(),
              "backbone: attention_mask must match input_ids ", in.input_ids.sizes());
  auto& emb = model->language_model->model->embed_tokens;
  const auto device = emb->weight.device();
  const auto dtype = activation_dtype();
  const int64_t n_img_tokens = image_tokens.defined() ? image_tokens.size(0) : 0;
  // Host checks: free on CPU ids; on device ids they synchronise unless the caller checked them.
  if (in.input_ids.is_cpu() || !in.ids_checked) check_backbone_ids(in.input_ids, cfg, n_img_tokens);
  auto ids = in.input_ids.to(device);
  auto image_mask = ids == cfg.eagle.image_token_index;  // [B, L]
  auto attn = in.attention_mask.to(device);

  auto x = emb->forward(ids).to(dtype);  // [B, L, D]
  if (n_img_tokens > 0) x = scatter_image_tokens(x, image_mask, image_tokens);
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
