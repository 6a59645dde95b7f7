#include "model/layers.h"

namespace groot {

torch::Tensor make_param(torch::IntArrayRef shape, const torch::TensorOptions& opt, double fill) {
  auto o = opt.requires_grad(false);
  if (o.device().is_meta()) return torch::empty(shape, o);
  return torch::full(shape, fill, o);
}

LinearImpl::LinearImpl(int64_t in, int64_t out, bool with_bias, const torch::TensorOptions& opt)
    : in_features(in), out_features(out) {
  weight = register_parameter("weight", make_param({out, in}, opt, 0.0));
  if (with_bias) bias = register_parameter("bias", make_param({out}, opt, 0.0));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  auto w = as_dtype_of(weight, x);
  if (bias.defined()) return torch::linear(x, w, as_dtype_of(bias, x));
  return torch::linear(x, w);
}

LayerNormImpl::LayerNormImpl(int64_t d, double e, bool affine, const torch::TensorOptions& opt)
    : dim(d), eps(e) {
  if (affine) {
    weight = register_parameter("weight", make_param({d}, opt, 1.0));
    bias = register_parameter("bias", make_param({d}, opt, 0.0));
  }
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  if (!weight.defined()) return torch::layer_norm(x, {dim}, {}, {}, eps);
  return torch::layer_norm(x, {dim}, as_dtype_of(weight, x), as_dtype_of(bias, x), eps);
}

RMSNormImpl::RMSNormImpl(int64_t d, double e, const torch::TensorOptions& opt) : dim(d), eps(e) {
  weight = register_parameter("weight", make_param({d}, opt, 1.0));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  auto xf = x.to(torch::kFloat32);
  auto var = xf.pow(2).mean(-1, /*keepdim=*/true);
  auto normed = (xf * torch::rsqrt(var + eps)).to(x.scalar_type());
  return as_dtype_of(weight, x) * normed;
}

EmbeddingImpl::EmbeddingImpl(int64_t n, int64_t d, const torch::TensorOptions& opt) : num(n), dim(d) {
  weight = register_parameter("weight", make_param({n, d}, opt, 0.0));
}

torch::Tensor EmbeddingImpl::forward(const torch::Tensor& ids) { return torch::embedding(weight, ids); }

}  // namespace groot
