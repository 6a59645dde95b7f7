#include "train/optim.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "model/layers.h"
#include "util/error.h"

namespace groot::train {

// --- weight-decay grouping -----------------------------------------------------------------------

bool no_decay_by_name(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  static const std::regex norm_component("(^|\\.)norm($|\\.)");
  static const std::regex underscore_norm("_norm($|\\.)");
  return n.find("bias") != std::string::npos || n.find("layernorm") != std::string::npos ||
         n.find("rmsnorm") != std::string::npos || std::regex_search(n, norm_component) ||
         std::regex_search(n, underscore_norm);
}

std::set<std::string> layernorm_modules(torch::nn::Module& root, const std::string& prefix) {
  std::set<std::string> out;
  for (const auto& item : root.named_modules("", /*include_self=*/false)) {
    if (dynamic_cast<const groot::LayerNormImpl*>(item.value().get())) out.insert(prefix + item.key());
  }
  return out;
}

bool hf_decays(const std::string& name, const std::set<std::string>& ln) {
  if (no_decay_by_name(name)) return false;
  const auto dot = name.rfind('.');
  const std::string owner = dot == std::string::npos ? "" : name.substr(0, dot);
  return !ln.count(owner);
}

std::vector<NamedParam> trainable_params(torch::nn::Module& root, const std::string& prefix) {
  const auto ln = layernorm_modules(root, prefix);
  std::vector<NamedParam> out;
  for (const auto& item : root.named_parameters(/*recurse=*/true)) {
    if (!item.value().requires_grad()) continue;
    const std::string name = prefix + item.key();
    out.push_back({name, item.value(), hf_decays(name, ln)});
  }
  return out;
}

// --- schedule ---------------------------------------------------------------------------------------

int64_t warmup_steps(double warmup_ratio, int64_t max_steps) {
  return int64_t(std::ceil(double(max_steps) * warmup_ratio));
}

double cosine_lr(double lr0, int64_t k, int64_t warmup, int64_t max_steps) {
  if (k < warmup) return lr0 * (double(k) / double(std::max<int64_t>(1, warmup)));
  const double progress = double(k - warmup) / double(std::max<int64_t>(1, max_steps - warmup));
  const double pi = 3.141592653589793;
  return lr0 * std::max(0.0, 0.5 * (1.0 + std::cos(pi * 0.5 * 2.0 * progress)));
}

// --- clipping ---------------------------------------------------------------------------------------

double clip_grad_norm(const std::vector<NamedParam>& params, double max_norm) {
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> grads, norms;
  for (const auto& p : params) {
    if (p.param.grad().defined()) grads.push_back(p.param.grad());
  }
  if (grads.empty()) return 0.0;
  for (const auto& g : grads) norms.push_back(torch::linalg_vector_norm(g, 2, c10::nullopt, false, c10::nullopt));
  // Norms of different devices are gathered on the first gradient's device (as torch does).
  for (auto& n : norms) n = n.to(grads[0].device());
  auto total = torch::linalg_vector_norm(torch::stack(norms), 2, c10::nullopt, false, c10::nullopt);
  auto coef = torch::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
  for (auto& g : grads) g.mul_(coef.to(g.device()));
  return total.item<double>();
}

// --- AdamW -----------------------------------------------------------------------------------------

OptimKind parse_optim(const std::string& s) {
  if (s == "adamw_torch") return OptimKind::kAdamWTorch;
  if (s == "adamw_8bit" || s == "adamw_bnb_8bit") return OptimKind::kAdamW8bit;
  fail("--optim: unknown optimizer '", s, "' (expected adamw_torch or adamw_8bit)");
}

const char* optim_name(OptimKind k) { return k == OptimKind::kAdamW8bit ? "adamw_8bit" : "adamw_torch"; }

std::vector<float> dynamic_map(bool is_signed) {
  // create_dynamic_map(signed, max_exponent_bits=7, total_bits=8): for exponent i = 0..6 the means of
  // adjacent points of linspace(0.1, 1, n_i) (float32), scaled by 10^(i-6); n_i = 2^i + 1 (signed,
  // mirrored to negative) or 2^(i+1) + 1 (unsigned); plus 0 and 1.0; sorted.
  std::vector<float> data;
  const int max_exp = 7;
  for (int i = 0; i < max_exp; ++i) {
    const int n = is_signed ? (1 << i) + 1 : (1 << (i + 1)) + 1;
    // torch.linspace(0.1, 1, n) in float32: start + k * step, step = (end - start) / (n - 1).
    std::vector<float> b(n);
    const float start = 0.1f, end = 1.0f;
    const float step = (end - start) / float(n - 1);
    const int half = n / 2;
    for (int k = 0; k < n; ++k) b[k] = k < half ? start + step * float(k) : end - step * float(n - 1 - k);
    const float scale = float(std::pow(10.0, double(i - (max_exp - 1))));
    for (int k = 0; k + 1 < n; ++k) {
      const float mean = (b[k] + b[k + 1]) / 2.0f;
      data.push_back(scale * mean);
      if (is_signed) data.push_back(-scale * mean);
    }
  }
  data.push_back(0.0f);
  data.push_back(1.0f);
  GROOT_CHECK(data.size() == 256, "dynamic_map: ", data.size(), " codes (expected 256)");
  std::sort(data.begin(), data.end());
  return data;
}

AdamW::AdamW(std::vector<NamedParam> params, const AdamWOptions& opt) : params_(std::move(params)), opt_(opt) {
  GROOT_CHECK(opt.block_size > 0, "adamw: block_size must be > 0");
  for (auto& p : params_) {
    GROOT_CHECK(p.param.scalar_type() == torch::kFloat32, "optimizer: trainable parameter ", p.name,
                " is ", c10::toString(p.param.scalar_type()), " (fp32 masters expected)");
    State s;
    const int64_t n = p.param.numel();
    s.quantized = opt.kind == OptimKind::kAdamW8bit && n >= opt.min_8bit_size;
    if (s.quantized) {
      const int64_t blocks = (n + opt.block_size - 1) / opt.block_size;
      auto u8 = torch::TensorOptions().dtype(torch::kUInt8).device(p.param.device());
      auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(p.param.device());
      s.q1 = torch::zeros({n}, u8);
      s.q2 = torch::zeros({n}, u8);
      s.absmax1 = torch::zeros({blocks}, f32);
      s.absmax2 = torch::zeros({blocks}, f32);
    } else {
      s.m = torch::zeros_like(p.param, torch::MemoryFormat::Preserve);
      s.v = torch::zeros_like(p.param, torch::MemoryFormat::Preserve);
    }
    states_.push_back(std::move(s));
  }
}

int64_t AdamW::state_bytes() const {
  int64_t b = 0;
  for (const auto& s : states_) {
    for (const auto* t : {&s.m, &s.v, &s.q1, &s.q2, &s.absmax1, &s.absmax2})
      if (t->defined()) b += t->numel() * int64_t(t->element_size());
  }
  return b;
}

void AdamW::step(double lr) {
  torch::NoGradGuard ng;
  ++step_;
  const double t = double(step_);
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    auto& s = states_[i];
    const auto g = p.param.grad();
    if (!g.defined()) continue;
    const double wd = p.decay ? opt_.weight_decay : 0.0;
    if (s.quantized) {
      update_8bit(p, s, g, lr, wd);
      continue;
    }
    if (opt_.kind == OptimKind::kAdamW8bit) {
      // bitsandbytes' 32-bit kernel for small tensors: same arithmetic as its 8-bit one, no quantisation.
      auto m = s.m, v = s.v, w = p.param;
      m.mul_(opt_.beta1).add_(g, 1.0 - opt_.beta1);
      v.mul_(opt_.beta2).addcmul_(g, g, 1.0 - opt_.beta2);
      if (wd > 0) w.mul_(1.0 - lr * wd);
      const double c1 = 1.0 - std::pow(opt_.beta1, t), c2 = std::sqrt(1.0 - std::pow(opt_.beta2, t));
      w.add_(m / (v.sqrt() + c2 * opt_.eps), -lr * c2 / c1);
      continue;
    }
    // torch.optim.AdamW, _single_tensor_adam with decoupled weight decay.
    p.param.mul_(1.0 - lr * wd);
    s.m.lerp_(g, 1.0 - opt_.beta1);
    s.v.mul_(opt_.beta2).addcmul_(g, g, 1.0 - opt_.beta2);
    const double bc1 = 1.0 - std::pow(opt_.beta1, t);
    const double bc2 = 1.0 - std::pow(opt_.beta2, t);
    const double step_size = lr / bc1;
    const double bc2_sqrt = std::sqrt(bc2);
    auto denom = (s.v.sqrt() / bc2_sqrt).add_(opt_.eps);
    p.param.addcdiv_(s.m, denom, -step_size);
  }
}

namespace {
// Index of the nearest code (ties to the lower one): count of midpoints strictly below x.
torch::Tensor quantize_nearest(const torch::Tensor& x, const torch::Tensor& mids) {
  return torch::bucketize(x, mids, /*out_int32=*/false, /*right=*/false).to(torch::kUInt8);
}
}  // namespace

void AdamW::update_8bit(NamedParam& p, State& s, const torch::Tensor& grad, double lr, double wd) {
  const auto dev = p.param.device();
  if (!code1_.defined() || code1_.device() != dev) {
    auto mk = [&](bool sgn) { return torch::tensor(dynamic_map(sgn), torch::kFloat32).to(dev); };
    code1_ = mk(true);
    code2_ = mk(false);
    mid1_ = ((code1_.slice(0, 0, 255) + code1_.slice(0, 1, 256)) * 0.5).contiguous();
    mid2_ = ((code2_.slice(0, 0, 255) + code2_.slice(0, 1, 256)) * 0.5).contiguous();
  }
  const double t = double(step_);
  const double c1 = 1.0 - std::pow(opt_.beta1, t), c2 = std::sqrt(1.0 - std::pow(opt_.beta2, t));
  const double step_size = -lr * c2 / c1;
  const int64_t n = p.param.numel(), bs = opt_.block_size;
  GROOT_CHECK(p.param.is_contiguous(), "adamw_8bit: parameter ", p.name, " is not contiguous");
  auto w = p.param.view({-1});
  auto g = grad.reshape({-1});
  // Chunks of whole blocks bound the fp32 temporaries (~16M elements at a time).
  const int64_t chunk_blocks = std::max<int64_t>(1, (int64_t(1) << 24) / bs);
  const int64_t blocks = s.absmax1.numel();
  for (int64_t b0 = 0; b0 < blocks; b0 += chunk_blocks) {
    const int64_t b1 = std::min(blocks, b0 + chunk_blocks);
    const int64_t e0 = b0 * bs, e1 = std::min(n, b1 * bs), len = e1 - e0, nb = b1 - b0;
    const int64_t padded = nb * bs;
    auto pad = [&](const torch::Tensor& x) {
      if (len == padded) return x.view({nb, bs});
      return torch::constant_pad_nd(x, {0, padded - len}, 0).view({nb, bs});
    };
    auto q1 = s.q1.slice(0, e0, e1), q2 = s.q2.slice(0, e0, e1);
    auto a1 = s.absmax1.slice(0, b0, b1), a2 = s.absmax2.slice(0, b0, b1);
    auto gb = pad(g.slice(0, e0, e1).to(torch::kFloat32));
    auto m = pad(code1_.index({q1.to(torch::kLong)})) * a1.unsqueeze(1);
    auto v = pad(code2_.index({q2.to(torch::kLong)})) * a2.unsqueeze(1);
    m.mul_(opt_.beta1).add_(gb, 1.0 - opt_.beta1);
    v.mul_(opt_.beta2).addcmul_(gb, gb, 1.0 - opt_.beta2);
    auto wc = w.slice(0, e0, e1);
    if (wd > 0) wc.mul_(1.0 - lr * wd);
    auto upd = (m / (v.sqrt() + c2 * opt_.eps)).view({-1}).slice(0, 0, len);
    wc.add_(upd, step_size);
    // Re-quantise with the new block maxima (an all-zero block keeps absmax 0 and code index of 0).
    auto new_a1 = std::get<0>(m.abs().max(1));
    auto new_a2 = std::get<0>(v.max(1));
    auto safe1 = torch::where(new_a1 > 0, new_a1, torch::ones_like(new_a1)).unsqueeze(1);
    auto safe2 = torch::where(new_a2 > 0, new_a2, torch::ones_like(new_a2)).unsqueeze(1);
    q1.copy_(quantize_nearest((m / safe1).view({-1}).slice(0, 0, len), mid1_));
    q2.copy_(quantize_nearest((v / safe2).view({-1}).slice(0, 0, len), mid2_));
    a1.copy_(new_a1);
    a2.copy_(new_a2);
  }
}

std::vector<std::pair<std::string, torch::Tensor>> AdamW::state_tensors() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  auto cpu = [](const torch::Tensor& t) { return t.detach().to(torch::kCPU).contiguous(); };
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& s = states_[i];
    const auto& n = params_[i].name;
    if (s.quantized) {
      out.emplace_back("state1/" + n, cpu(s.q1));
      out.emplace_back("state2/" + n, cpu(s.q2));
      out.emplace_back("absmax1/" + n, cpu(s.absmax1));
      out.emplace_back("absmax2/" + n, cpu(s.absmax2));
    } else {
      out.emplace_back("exp_avg/" + n, cpu(s.m));
      out.emplace_back("exp_avg_sq/" + n, cpu(s.v));
    }
  }
  return out;
}

void AdamW::load_state(const std::map<std::string, torch::Tensor>& tensors, int64_t step) {
  torch::NoGradGuard ng;
  auto put = [&](const std::string& key, torch::Tensor& dst) {
    auto it = tensors.find(key);
    GROOT_CHECK(it != tensors.end(), "optimizer state: missing tensor ", key,
                " (checkpoint written with another --optim or trainable set?)");
    GROOT_CHECK(it->second.sizes() == dst.sizes() && it->second.scalar_type() == dst.scalar_type(),
                "optimizer state: tensor ", key, " has shape ", it->second.sizes(), " ",
                c10::toString(it->second.scalar_type()), ", expected ", dst.sizes(), " ",
                c10::toString(dst.scalar_type()));
    dst.copy_(it->second);
  };
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& s = states_[i];
    const auto& n = params_[i].name;
    if (s.quantized) {
      put("state1/" + n, s.q1);
      put("state2/" + n, s.q2);
      put("absmax1/" + n, s.absmax1);
      put("absmax2/" + n, s.absmax2);
    } else {
      put("exp_avg/" + n, s.m);
      put("exp_avg_sq/" + n, s.v);
    }
  }
  step_ = step;
}

}  // namespace groot::train
