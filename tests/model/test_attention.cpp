// attention(): GQA, causal, key padding, fully masked rows; recompute(): gradients equal plain autograd.
#include <gtest/gtest.h>

#include <cmath>

#include "model/attention.h"
#include "model/layers.h"
#include "model/recompute.h"
#include "util/error.h"

using groot::AttentionOptions;

namespace {

// Reference: per (b, h, i) loop with explicit softmax in double.
torch::Tensor naive_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const torch::Tensor& key_mask, bool causal) {
  auto qd = q.to(torch::kFloat64), kd = k.to(torch::kFloat64), vd = v.to(torch::kFloat64);
  int64_t B = q.size(0), H = q.size(1), L = q.size(2), D = q.size(3), Hkv = k.size(1), Lk = k.size(2);
  auto out = torch::zeros({B, H, L, D}, torch::kFloat64);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      int64_t hk = h / (H / Hkv);
      for (int64_t i = 0; i < L; ++i) {
        std::vector<double> s(Lk);
        std::vector<bool> ok(Lk);
        double mx = -1e300;
        bool any = false;
        for (int64_t j = 0; j < Lk; ++j) {
          ok[j] = (!key_mask.defined() || key_mask[b][j].item<bool>()) && (!causal || j <= i);
          s[j] = (qd[b][h][i] * kd[b][hk][j]).sum().item<double>() / std::sqrt(double(D));
          if (ok[j]) {
            mx = std::max(mx, s[j]);
            any = true;
          }
        }
        if (!any) continue;  // fully masked row -> 0
        double z = 0;
        for (int64_t j = 0; j < Lk; ++j) z += ok[j] ? std::exp(s[j] - mx) : 0.0;
        for (int64_t j = 0; j < Lk; ++j)
          if (ok[j]) out[b][h][i] += vd[b][hk][j] * (std::exp(s[j] - mx) / z);
      }
    }
  return out.to(torch::kFloat32);
}

}  // namespace

TEST(Attention, GqaCausalKeyPaddingMatchesNaive) {
  torch::manual_seed(0);
  auto q = torch::randn({2, 4, 7, 8});
  auto k = torch::randn({2, 2, 7, 8});
  auto v = torch::randn({2, 2, 7, 8});
  // sample 1 left-padded by 3: its first 3 query rows have no allowed key under causal masking
  auto km = torch::ones({2, 7}, torch::kBool);
  km.index_put_({1, torch::indexing::Slice(0, 3)}, false);
  AttentionOptions opt;
  opt.key_mask = km;
  opt.causal = true;
  auto ref = naive_attention(q, k, v, km, true);
  auto got = groot::attention_math(q, k, v, opt);
  EXPECT_FALSE(torch::isnan(got).any().item<bool>());
  EXPECT_TRUE(torch::allclose(got, ref, 1e-5, 1e-5)) << (got - ref).abs().max();
  // pad query rows are exactly zero (FlashAttention varlen convention)
  EXPECT_EQ(got.index({1, torch::indexing::Slice(), torch::indexing::Slice(0, 3)}).abs().max().item<float>(), 0.f);
  auto got2 = groot::attention(q, k, v, opt);
  EXPECT_TRUE(torch::allclose(got2, ref, 1e-5, 1e-5));
}

TEST(Attention, UnmaskedAndCustomScale) {
  torch::manual_seed(1);
  auto q = torch::randn({1, 2, 5, 4}), k = torch::randn({1, 2, 9, 4}), v = torch::randn({1, 2, 9, 4});
  auto ref = naive_attention(q, k, v, torch::Tensor(), false);
  EXPECT_TRUE(torch::allclose(groot::attention(q, k, v), ref, 1e-5, 1e-5));
  AttentionOptions opt;
  opt.scale = 0.5;  // == 1/sqrt(4): same result
  EXPECT_TRUE(torch::allclose(groot::attention(q, k, v, opt), ref, 1e-5, 1e-5));
  opt.scale = 1.0;  // different scale changes the result
  EXPECT_FALSE(torch::allclose(groot::attention(q, k, v, opt), ref, 1e-3, 1e-3));
}

TEST(Attention, AttnMaskBroadcastAndBadShapes) {
  torch::manual_seed(2);
  auto q = torch::randn({2, 2, 3, 4}), k = torch::randn({2, 2, 6, 4}), v = torch::randn({2, 2, 6, 4});
  auto km = torch::rand({2, 6}) > 0.4;
  km.index_put_({torch::indexing::Slice(), 0}, true);
  AttentionOptions a, b;
  a.key_mask = km;
  b.attn_mask = km.view({2, 1, 1, 6});
  EXPECT_TRUE(torch::allclose(groot::attention(q, k, v, a), groot::attention(q, k, v, b)));
  EXPECT_TRUE(torch::allclose(groot::attention(q, k, v, a), naive_attention(q, k, v, km, false), 1e-5, 1e-5));
  EXPECT_THROW(groot::attention(q, torch::randn({2, 3, 6, 4}), torch::randn({2, 3, 6, 4})), groot::Error);
  AttentionOptions c;
  c.causal = true;  // Lq != Lk
  EXPECT_THROW(groot::attention(q, k, v, c), groot::Error);
}

TEST(Attention, BackwardThroughMaskedRowsIsFinite) {
  torch::manual_seed(3);
  auto q = torch::randn({1, 2, 4, 4}, torch::requires_grad());
  auto k = torch::randn({1, 1, 4, 4}, torch::requires_grad());
  auto v = torch::randn({1, 1, 4, 4}, torch::requires_grad());
  AttentionOptions opt;
  opt.causal = true;
  opt.key_mask = torch::tensor({{false, true, true, true}}).view({1, 4});
  groot::attention_math(q, k, v, opt).pow(2).sum().backward();
  EXPECT_TRUE(torch::isfinite(q.grad()).all().item<bool>());
  EXPECT_TRUE(torch::isfinite(k.grad()).all().item<bool>());
  EXPECT_EQ(q.grad()[0].select(1, 0).abs().max().item<float>(), 0.f);  // fully masked query row
}

TEST(Recompute, GradientsEqualPlainAutograd) {
  torch::manual_seed(4);
  auto opt = torch::TensorOptions().dtype(torch::kFloat32);
  groot::Linear l1(6, 8, true, opt), l2(8, 6, false, opt);
  {
    torch::NoGradGuard ng;
    l1->weight.normal_();
    l1->bias.normal_();
    l2->weight.normal_();
  }
  for (auto& p : l1->parameters()) p.set_requires_grad(true);
  l2->weight.set_requires_grad(false);  // a frozen parameter inside the recomputed block
  auto block = [&](const torch::Tensor& h) { return l2->forward(torch::gelu(l1->forward(h))) + h; };
  for (bool x_grad : {true, false}) {
    auto x0 = torch::randn({3, 6});
    auto x_a = x0.clone().set_requires_grad(x_grad), x_b = x0.clone().set_requires_grad(x_grad);
    for (auto& p : l1->parameters()) p.mutable_grad() = torch::Tensor();
    block(x_a).pow(2).sum().backward();
    auto gw = l1->weight.grad().clone(), gb = l1->bias.grad().clone();
    for (auto& p : l1->parameters()) p.mutable_grad() = torch::Tensor();
    auto y = groot::recompute(block, x_b);
    EXPECT_TRUE(y.requires_grad());
    y.pow(2).sum().backward();
    EXPECT_TRUE(torch::allclose(l1->weight.grad(), gw, 1e-6, 1e-6)) << "x_grad=" << x_grad;
    EXPECT_TRUE(torch::allclose(l1->bias.grad(), gb, 1e-6, 1e-6));
    if (x_grad) EXPECT_TRUE(torch::allclose(x_b.grad(), x_a.grad(), 1e-6, 1e-6));
    EXPECT_FALSE(l2->weight.grad().defined());
  }
}

TEST(Layers, MetaDeviceAllocatesNothingAndDtypeFollowsInput) {
  auto meta = torch::TensorOptions().device(torch::kMeta);
  groot::Linear big(100000, 100000, true, meta);  // 1e10 params: would not fit if allocated
  EXPECT_TRUE(big->weight.is_meta());
  EXPECT_EQ(big->weight.sizes(), (std::vector<int64_t>{100000, 100000}));
  // fp32 master weight, bf16 activation -> bf16 output, fp32 gradient
  groot::Linear l(4, 3, true, torch::TensorOptions());
  l->weight.set_requires_grad(true);
  auto y = l->forward(torch::ones({2, 4}, torch::kBFloat16));
  EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
  y.to(torch::kFloat32).sum().backward();
  EXPECT_EQ(l->weight.grad().scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(l->weight.grad()[0][0].item<float>(), 2.f);
}
