// Optimizer pieces of the fine-tune step (src/train/optim.h) against references computed here:
// LibTorch's own torch::optim::AdamW (fp32), a plain-loop 8-bit block-wise Adam, HF's schedule
// formula, the decay grouping on the 3B key list and on the upstream trajectory's name lists.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "model/config.h"
#include "model/gr00t_n1d6.h"
#include "model/trainable.h"
#include "test_util.h"
#include "train/optim.h"
#include "util/error.h"

using namespace groot;
using namespace groot::train;

namespace {

std::vector<NamedParam> make_params(uint64_t seed, std::vector<std::vector<int64_t>> shapes) {
  torch::manual_seed(seed);
  std::vector<NamedParam> out;
  for (size_t i = 0; i < shapes.size(); ++i) {
    auto p = torch::randn(shapes[i]).requires_grad_(true);
    out.push_back({"p" + std::to_string(i), p, i % 2 == 0});
  }
  return out;
}

}  // namespace

TEST(Optim, AdamWTorchMatchesLibTorchAdamW) {
  const std::vector<std::vector<int64_t>> shapes = {{7, 5}, {13}, {3, 4, 6}, {1}};
  auto ours = make_params(1, shapes);
  auto ref = make_params(1, shapes);
  AdamWOptions o;
  o.weight_decay = 0.05;  // large enough to matter
  AdamW opt(ours, o);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  std::vector<torch::Tensor> dec, nodec;
  for (auto& p : ref) (p.decay ? dec : nodec).push_back(p.param);
  auto mk = [&](double wd) {
    auto g = std::make_unique<torch::optim::AdamWOptions>(1e-3);
    g->betas({0.9, 0.999}).eps(1e-8).weight_decay(wd);
    return g;
  };
  groups.emplace_back(dec, mk(o.weight_decay));
  groups.emplace_back(nodec, mk(0.0));
  torch::optim::AdamW ref_opt(groups, torch::optim::AdamWOptions(1e-3));
  const std::vector<double> lrs = {0.0, 1e-3, 5e-3, 2e-3, 1e-4, 7e-3};
  for (size_t s = 0; s < lrs.size(); ++s) {
    torch::manual_seed(100 + s);
    for (size_t i = 0; i < ours.size(); ++i) {
      auto g = torch::randn(shapes[i]);
      ours[i].param.mutable_grad() = g.clone();
      ref[i].param.mutable_grad() = g.clone();
    }
    for (auto& grp : ref_opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(grp.options()).lr(lrs[s]);
    opt.step(lrs[s]);
    ref_opt.step();
    for (size_t i = 0; i < ours.size(); ++i) {
      auto d = (ours[i].param - ref[i].param).abs().max().item<double>();
      EXPECT_LT(d, 2e-6) << "step " << s + 1 << " param " << i;
    }
  }
  EXPECT_EQ(opt.steps(), int64_t(lrs.size()));
  // lr 0 on step 1 leaves the weights untouched but moves the moments (HF's first step).
}

TEST(Optim, FirstStepWithZeroLrKeepsWeightsBitExact) {
  auto ps = make_params(3, {{9, 4}});
  auto before = ps[0].param.detach().clone();
  AdamW opt(ps, AdamWOptions{});
  ps[0].param.mutable_grad() = torch::randn({9, 4});
  opt.step(0.0);
  EXPECT_TRUE(torch::equal(before, ps[0].param.detach()));
  EXPECT_GT(opt.state(0).m.abs().sum().item<double>(), 0.0);
}

namespace {
// Independent dynamic map: double arithmetic, then rounded to float.
std::vector<double> ref_map(bool sgn) {
  std::vector<double> d;
  for (int e = 0; e < 7; ++e) {
    int pts = sgn ? (1 << e) + 1 : (1 << (e + 1)) + 1;
    for (int k = 0; k + 1 < pts; ++k) {
      double lo = 0.1 + 0.9 * k / (pts - 1), hi = 0.1 + 0.9 * (k + 1) / (pts - 1);
      double v = std::pow(10.0, e - 6) * (lo + hi) / 2;
      d.push_back(v);
      if (sgn) d.push_back(-v);
    }
  }
  d.push_back(0);
  d.push_back(1);
  std::sort(d.begin(), d.end());
  return d;
}

// Plain-loop 8-bit block-wise AdamW of one flat tensor, nearest-code quantisation.
struct Ref8 {
  std::vector<float> c1, c2;
  std::vector<uint8_t> q1, q2;
  std::vector<float> a1, a2;
  int64_t bs;
  static uint8_t nearest(const std::vector<float>& code, float x) {
    int best = 0;
    for (int i = 1; i < 256; ++i)
      if (std::fabs(code[i] - x) < std::fabs(code[best] - x)) best = i;
    return uint8_t(best);
  }
  void step(std::vector<float>& w, const std::vector<float>& g, int t, double lr, double wd) {
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double c1v = 1 - std::pow(b1, t), c2v = std::sqrt(1 - std::pow(b2, t));
    const int64_t n = w.size();
    for (int64_t b0 = 0; b0 < n; b0 += bs) {
      const int64_t e = std::min(n, b0 + bs);
      std::vector<float> m(e - b0), v(e - b0);
      float mx1 = 0, mx2 = 0;
      for (int64_t i = b0; i < e; ++i) {
        float mm = c1[q1[i]] * a1[b0 / bs], vv = c2[q2[i]] * a2[b0 / bs];
        mm = float(b1) * mm + float(1 - b1) * g[i];
        vv = float(b2) * vv + float(1 - b2) * g[i] * g[i];
        w[i] = w[i] * float(1 - lr * wd);
        w[i] = w[i] + float(-lr * c2v / c1v) * (mm / (std::sqrt(vv) + float(c2v * eps)));
        m[i - b0] = mm;
        v[i - b0] = vv;
        mx1 = std::max(mx1, std::fabs(mm));
        mx2 = std::max(mx2, vv);
      }
      for (int64_t i = b0; i < e; ++i) {
        q1[i] = nearest(c1, mx1 > 0 ? m[i - b0] / mx1 : 0.f);
        q2[i] = nearest(c2, mx2 > 0 ? v[i - b0] / mx2 : 0.f);
      }
      a1[b0 / bs] = mx1;
      a2[b0 / bs] = mx2;
    }
  }
};
}  // namespace

TEST(Optim, DynamicMapMatchesIndependentDefinition) {
  for (bool sgn : {true, false}) {
    auto ours = dynamic_map(sgn);
    auto ref = ref_map(sgn);
    ASSERT_EQ(ours.size(), 256u);
    ASSERT_EQ(ref.size(), 256u);
    for (int i = 0; i < 256; ++i) EXPECT_NEAR(ours[i], ref[i], 1e-6 * std::fabs(ref[i]) + 1e-12) << i;  // float32 arithmetic vs double
    EXPECT_EQ(ours.back(), 1.0f);
  }
}

TEST(Optim, AdamW8bitMatchesPlainLoopReference) {
  // One big tensor (quantised, 3 blocks of 2048 with a ragged tail) and one small (fp32 states).
  const int64_t n = 2 * 2048 + 777;
  auto ps = make_params(7, {{n}, {100}});
  AdamWOptions o;
  o.kind = OptimKind::kAdamW8bit;
  o.weight_decay = 0.01;
  AdamW opt(ps, o);
  ASSERT_TRUE(opt.state(0).quantized);
  ASSERT_FALSE(opt.state(1).quantized);
  EXPECT_EQ(opt.state(0).absmax1.numel(), 3);

  Ref8 r;
  r.bs = 2048;
  auto m1 = ref_map(true), m2 = ref_map(false);
  for (int i = 0; i < 256; ++i) {
    r.c1.push_back(float(m1[i]));
    r.c2.push_back(float(m2[i]));
  }
  r.q1.assign(n, 0);
  r.q2.assign(n, 0);
  // Zero-initialised states are code index 127 (signed 0) / 0 (unsigned 0) with absmax 0: value 0 either way.
  r.a1.assign(3, 0.f);
  r.a2.assign(3, 0.f);
  auto w0 = ps[0].param.detach().contiguous();
  std::vector<float> w(w0.data_ptr<float>(), w0.data_ptr<float>() + n);
  // Small tensor: bitsandbytes' 32-bit kernel in double-checked float loops.
  auto s0 = ps[1].param.detach().contiguous();
  std::vector<float> ws(s0.data_ptr<float>(), s0.data_ptr<float>() + 100), ms(100, 0), vs(100, 0);
  const std::vector<double> lrs = {1e-3, 3e-3, 2e-3, 5e-4};
  for (size_t s = 0; s < lrs.size(); ++s) {
    torch::manual_seed(50 + s);
    auto g = torch::randn({n}) * double(s + 1);
    auto gs = torch::randn({100});
    ps[0].param.mutable_grad() = g.clone();
    ps[1].param.mutable_grad() = gs.clone();
    opt.step(lrs[s]);
    std::vector<float> gv(g.data_ptr<float>(), g.data_ptr<float>() + n);
    r.step(w, gv, int(s + 1), lrs[s], o.weight_decay);
    const int t = int(s + 1);
    const double c1v = 1 - std::pow(0.9, t), c2v = std::sqrt(1 - std::pow(0.999, t));
    for (int i = 0; i < 100; ++i) {  // small tensor: no decay (odd index => decay=false)
      float gi = gs.data_ptr<float>()[i];
      ms[i] = 0.9f * ms[i] + 0.1f * gi;
      vs[i] = 0.999f * vs[i] + 0.001f * gi * gi;
      ws[i] += float(-lrs[s] * c2v / c1v) * (ms[i] / (std::sqrt(vs[i]) + float(c2v * 1e-8)));
    }
    auto got = ps[0].param.detach();
    double worst = 0;
    for (int64_t i = 0; i < n; ++i) worst = std::max(worst, double(std::fabs(got[i].item<float>() - w[i])));
    EXPECT_LT(worst, 1e-6) << "step " << t;
    // Codes may differ by one where the fp32 rounding puts a value on the other side of a midpoint.
    auto q1 = opt.state(0).q1;
    int64_t off = 0;
    for (int64_t i = 0; i < n; ++i) off += std::abs(int(q1[i].item<uint8_t>()) - int(r.q1[i])) > 0;
    EXPECT_LT(off, n / 200) << "step " << t;
    for (int b = 0; b < 3; ++b) EXPECT_NEAR(opt.state(0).absmax1[b].item<float>(), r.a1[b], 1e-6 * r.a1[b]);
    double ws_worst = 0;
    for (int i = 0; i < 100; ++i)
      ws_worst = std::max(ws_worst, double(std::fabs(ps[1].param[i].item<float>() - ws[i])));
    EXPECT_LT(ws_worst, 1e-6);
  }
  // State bytes: 2 bytes/element + absmax for the big tensor, 8 bytes/element for the small one.
  EXPECT_EQ(opt.state_bytes(), 2 * n + 2 * 3 * 4 + 2 * 100 * 4);
}

TEST(Optim, StateRoundTripContinuesIdentically) {
  for (auto kind : {OptimKind::kAdamWTorch, OptimKind::kAdamW8bit}) {
    auto a = make_params(11, {{5000}, {30}});
    auto b = make_params(11, {{5000}, {30}});
    AdamWOptions o;
    o.kind = kind;
    AdamW oa(a, o), ob(b, o);
    auto grads = [&](int s) {
      torch::manual_seed(900 + s);
      return std::vector<torch::Tensor>{torch::randn({5000}), torch::randn({30})};
    };
    for (int s = 0; s < 2; ++s) {
      auto g = grads(s);
      for (int i = 0; i < 2; ++i) {
        a[i].param.mutable_grad() = g[i].clone();
        b[i].param.mutable_grad() = g[i].clone();
      }
      oa.step(1e-3);
      ob.step(1e-3);
    }
    // Fresh optimizer on b's weights, loaded from oa's saved state.
    std::map<std::string, torch::Tensor> st;
    for (auto& kv : oa.state_tensors()) st[kv.first] = kv.second;
    AdamW oc(b, o);
    oc.load_state(st, oa.steps());
    for (int s = 2; s < 4; ++s) {
      auto g = grads(s);
      for (int i = 0; i < 2; ++i) {
        a[i].param.mutable_grad() = g[i].clone();
        b[i].param.mutable_grad() = g[i].clone();
      }
      oa.step(1e-3);
      oc.step(1e-3);
    }
    for (int i = 0; i < 2; ++i) EXPECT_TRUE(torch::equal(a[i].param, b[i].param)) << optim_name(kind);
    st.erase(st.begin());
    AdamW od(b, o);
    EXPECT_THROW(od.load_state(st, 2), groot::Error);
  }
}

TEST(Optim, CosineScheduleWithWarmup) {
  // HF get_cosine_schedule_with_warmup, written out independently.
  const double lr0 = 1e-4;
  const int64_t S = 10000, W = warmup_steps(0.05, S);
  EXPECT_EQ(W, 500);
  EXPECT_EQ(warmup_steps(0.2, 10), 2);
  EXPECT_EQ(warmup_steps(0.05, 30), 2);  // ceil(1.5)
  EXPECT_EQ(cosine_lr(lr0, 0, W, S), 0.0);
  EXPECT_DOUBLE_EQ(cosine_lr(lr0, 250, W, S), lr0 * 0.5);
  EXPECT_DOUBLE_EQ(cosine_lr(lr0, W, W, S), lr0);
  const int64_t mid = W + (S - W) / 2;
  EXPECT_NEAR(cosine_lr(lr0, mid, W, S), lr0 * 0.5, 1e-18);
  EXPECT_NEAR(cosine_lr(lr0, S - 1, W, S), lr0 * 0.5 * (1 + std::cos(M_PI * (S - 1 - W) / double(S - W))), 1e-20);
  EXPECT_EQ(cosine_lr(lr0, S, W, S), 0.0);
  // The upstream trajectory's per-step lr (float64), exactly.
  std::ifstream f(test::golden_root() + "/tiny_v1_train/trajectory.json");
  auto j = nlohmann::json::parse(f);
  for (const auto& rec : j["per_step"]) {
    const int64_t k = rec["step"].get<int64_t>() - 1;
    EXPECT_EQ(cosine_lr(1e-4, k, 2, 10), rec["lr"].get<double>()) << "step " << k + 1;
  }
}

TEST(Optim, ClipGradNormMatchesDefinition) {
  auto ps = make_params(5, {{4, 4}, {7}, {2, 3}});
  double sq = 0;
  std::vector<torch::Tensor> g0;
  for (auto& p : ps) {
    auto g = torch::randn(p.param.sizes()) * 3;
    p.param.mutable_grad() = g.clone();
    g0.push_back(g);
    sq += g.pow(2).sum().item<double>();
  }
  ps[1].param.mutable_grad() = torch::Tensor();  // no grad: skipped
  sq -= g0[1].pow(2).sum().item<double>();
  const double total = clip_grad_norm(ps, 1.0);
  EXPECT_NEAR(total, std::sqrt(sq), 1e-5 * std::sqrt(sq));
  const double coef = std::min(1.0, 1.0 / (std::sqrt(sq) + 1e-6));
  EXPECT_TRUE(torch::allclose(ps[0].param.grad(), g0[0] * coef, 1e-6, 1e-7));
  // Below the threshold: untouched.
  ps[0].param.mutable_grad() = torch::full({4, 4}, 0.01);
  ps[2].param.mutable_grad() = torch::zeros({2, 3});
  clip_grad_norm(ps, 1.0);
  EXPECT_TRUE(torch::equal(ps[0].param.grad(), torch::full({4, 4}, 0.01)));
}

namespace {
// Independent statement of which 3B tensors HF decays: everything except biases and the weights of
// normalisation modules (LayerNorm and RMSNorm-like), enumerated by module name.
bool ref_decays(const std::string& k) {
  auto ends = [&](const std::string& s) { return k.size() >= s.size() && k.compare(k.size() - s.size(), s.size(), s) == 0; };
  if (ends(".bias") || ends("in_proj_bias")) return false;
  for (const char* m : {"q_norm.weight", "k_norm.weight", "input_layernorm.weight", "post_attention_layernorm.weight",
                        "language_model.model.norm.weight", "layer_norm1.weight", "layer_norm2.weight",
                        "post_layernorm.weight", "head.layernorm.weight", "mlp1.0.weight", "vlln.weight"})
    if (ends(m)) return false;
  return true;
}
}  // namespace

TEST(Optim, DecayGroupsOn3BKeyList) {
  auto cfg = default_3b_config();
  model::Gr00tN1d6 m(cfg, torch::TensorOptions().device(torch::kMeta));
  const auto ln = layernorm_modules(*m);
  std::ifstream f(test::fixtures_dir() + "/groot_n16_keys.tsv");
  std::string line;
  int64_t checked = 0, dec = 0, nodec = 0, tdec = 0, tnodec = 0;
  auto recipe = TuneRecipe::from_config(cfg);
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::string key = line.substr(0, line.find('\t'));
    if (key.find("vision_model.head.") != std::string::npos || key.find("lm_head") != std::string::npos) continue;
    const bool d = hf_decays(key, ln);
    EXPECT_EQ(d, ref_decays(key)) << key;
    (d ? dec : nodec)++;
    if (recipe_trains(key, recipe)) (d ? tdec : tnodec)++;
    ++checked;
  }
  EXPECT_EQ(checked, 1106 - 11 - 1);
  // DiT norm1.linear and the ".b" embodiment biases decay (not caught by the name rules).
  EXPECT_TRUE(hf_decays("action_head.model.transformer_blocks.0.norm1.linear.weight", ln));
  EXPECT_TRUE(hf_decays("action_head.state_encoder.layer1.b", ln));
  EXPECT_FALSE(hf_decays("action_head.vlln.weight", ln));
  // Default recipe: top-4 LLM layers (7 decay + 4 norms each) and the action head.
  apply_recipe(*m, recipe);
  const auto tp = trainable_params(*m);
  int64_t n_dec = 0;
  for (auto& p : tp) n_dec += p.decay;
  EXPECT_EQ(n_dec, tdec);
  EXPECT_EQ(int64_t(tp.size()) - n_dec, tnodec);
  std::printf("3B: %lld decay / %lld no-decay tensors; trained by the default recipe: %lld / %lld\n",
              (long long)dec, (long long)nodec, (long long)tdec, (long long)tnodec);
}

TEST(Optim, DecayGroupsEqualUpstreamTrajectoryLists) {
  const std::string dir = test::golden_root() + "/tiny_v1";
  auto cfg = load_config(dir);
  model::Gr00tN1d6 m(cfg, torch::TensorOptions().device(torch::kMeta));
  apply_recipe(*m, TuneRecipe::from_config(cfg));
  std::ifstream f(test::golden_root() + "/tiny_v1_train/trajectory.json");
  auto j = nlohmann::json::parse(f);
  std::vector<std::string> dec, nodec;
  for (auto& p : trainable_params(*m)) (p.decay ? dec : nodec).push_back(p.name);
  EXPECT_EQ(dec, j["decay_names"].get<std::vector<std::string>>());
  EXPECT_EQ(nodec, j["no_decay_names"].get<std::vector<std::string>>());
  EXPECT_EQ(dec.size(), 54u);
  EXPECT_EQ(nodec.size(), 38u);
}
