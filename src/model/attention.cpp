#include "model/attention.h"

#include <cmath>
#include <limits>

#include "util/error.h"

namespace groot {
namespace {

// [B, Hkv, L, D] -> [B, Hkv*n_rep, L, D]; query head h reads kv head h / n_rep.
torch::Tensor repeat_kv(const torch::Tensor& x, int64_t n_rep) {
  if (n_rep == 1) return x;
  auto s = x.sizes();
  return x.unsqueeze(2).expand({s[0], s[1], n_rep, s[2], s[3]}).reshape({s[0], s[1] * n_rep, s[2], s[3]});
}

void check_shapes(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  GROOT_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "attention: q/k/v must be [B,H,L,D], got ",
              q.sizes(), " ", k.sizes(), " ", v.sizes());
  GROOT_CHECK(k.sizes() == v.sizes(), "attention: k ", k.sizes(), " and v ", v.sizes(), " differ");
  GROOT_CHECK(q.size(0) == k.size(0) && q.size(3) == k.size(3), "attention: q ", q.sizes(), " vs k ",
              k.sizes());
  GROOT_CHECK(k.size(1) > 0 && q.size(1) % k.size(1) == 0, "attention: ", q.size(1),
              " query heads not a multiple of ", k.size(1), " kv heads");
}

// Combined bool mask broadcastable to [B, H, Lq, Lk], or undefined when nothing is masked.
torch::Tensor combined_mask(const AttentionOptions& opt, int64_t B, int64_t Lq, int64_t Lk,
                            const torch::Device& device) {
  torch::Tensor m;
  if (opt.key_mask.defined()) {
    GROOT_CHECK(opt.key_mask.dim() == 2 && opt.key_mask.size(0) == B && opt.key_mask.size(1) == Lk,
                "attention: key_mask must be [", B, ",", Lk, "], got ", opt.key_mask.sizes());
    m = opt.key_mask.to(device, torch::kBool).view({B, 1, 1, Lk});
  }
  if (opt.causal) {
    GROOT_CHECK(Lq == Lk, "attention: causal needs Lq == Lk, got ", Lq, " vs ", Lk);
    auto c = torch::ones({Lq, Lk}, torch::TensorOptions().dtype(torch::kBool).device(device)).tril().view(
        {1, 1, Lq, Lk});
    m = m.defined() ? (m & c) : c;
  }
  if (opt.attn_mask.defined()) {
    auto a = opt.attn_mask.to(device, torch::kBool);
    m = m.defined() ? (m & a) : a;
  }
  return m;
}

double scale_of(const AttentionOptions& opt, int64_t D) {
  return opt.scale ? *opt.scale : 1.0 / std::sqrt(double(D));
}

torch::Tensor math_impl(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& mask, double scale) {
  // scores [B, H, Lq, Lk] = q k^T * scale (transformers eager order: matmul, then scale)
  auto scores = torch::matmul(q, k.transpose(-2, -1)) * scale;
  if (mask.defined()) scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
  auto probs = torch::softmax(scores, -1, torch::kFloat32).to(q.scalar_type());
  return torch::matmul(probs, v);  // [B, H, Lq, D]
}

}  // namespace

static torch::Tensor run(const torch::Tensor& q, const torch::Tensor& k_in, const torch::Tensor& v_in,
                         const AttentionOptions& opt, bool math) {
  check_shapes(q, k_in, v_in);
  const int64_t B = q.size(0), H = q.size(1), Lq = q.size(2), D = q.size(3), Lk = k_in.size(2);
  auto k = repeat_kv(k_in, H / k_in.size(1));
  auto v = repeat_kv(v_in, H / v_in.size(1));
  auto mask = combined_mask(opt, B, Lq, Lk, q.device());
  torch::Tensor row_ok;  // [B|1, 1|H, Lq, 1]: the query row may attend to at least one key
  if (mask.defined()) {
    row_ok = mask.any(-1, /*keepdim=*/true);
    mask = mask | row_ok.logical_not();  // fully masked rows attend everywhere, zeroed below
  }
  const double scale = scale_of(opt, D);
  torch::Tensor out;
#if GROOT_TORCH_HAS_SDPA
  if (!math) {
    out = sdpa(q, k, v, mask, scale);
  } else {
    out = math_impl(q, k, v, mask, scale);
  }
#else
  (void)math;
  out = math_impl(q, k, v, mask, scale);
#endif
  if (row_ok.defined()) out = out.masked_fill(row_ok.logical_not(), 0.0);
  return out;
}

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const AttentionOptions& opt) {
  return run(q, k, v, opt, opt.force_math);
}

torch::Tensor attention_math(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const AttentionOptions& opt) {
  return run(q, k, v, opt, true);
}

}  // namespace groot
