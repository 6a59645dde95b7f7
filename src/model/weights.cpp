#include "model/weights.h"

#include <map>
#include <set>
#include <sstream>

#include "model/safetensors_torch.h"
#include "util/error.h"

namespace groot {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

void append_list(std::ostringstream& os, const char* title, const std::vector<std::string>& items) {
  if (items.empty()) return;
  os << "\n  " << title << " (" << items.size() << "):";
  const size_t show = 40;
  for (size_t i = 0; i < items.size() && i < show; ++i) os << "\n    " << items[i];
  if (items.size() > show) os << "\n    ... and " << (items.size() - show) << " more";
}

}  // namespace

bool is_ignored_checkpoint_key(const std::string& name) {
  return name.find("vision_model.vision_model.head.") != std::string::npos ||
         ends_with(name, "language_model.lm_head.weight");
}

std::vector<std::pair<std::string, std::vector<int64_t>>> ignored_checkpoint_keys(const Gr00tN1d6Config& cfg) {
  const int64_t C = cfg.eagle.vision.hidden_size, F = cfg.eagle.vision.intermediate_size;
  const std::string h = "backbone.model.vision_model.vision_model.head.";
  return {
      {h + "probe", {1, 1, C}},
      {h + "attention.in_proj_weight", {3 * C, C}},
      {h + "attention.in_proj_bias", {3 * C}},
      {h + "attention.out_proj.weight", {C, C}},
      {h + "attention.out_proj.bias", {C}},
      {h + "layernorm.weight", {C}},
      {h + "layernorm.bias", {C}},
      {h + "mlp.fc1.weight", {F, C}},
      {h + "mlp.fc1.bias", {F}},
      {h + "mlp.fc2.weight", {C, F}},
      {h + "mlp.fc2.bias", {C}},
      {"backbone.model.language_model.lm_head.weight", {cfg.eagle.text.vocab_size, cfg.eagle.text.hidden_size}},
  };
}

LoadReport load_state_dict(torch::nn::Module& module, const st::Checkpoint& ckpt, const LoadOptions& opt) {
  LoadReport rep;
  auto params = module.named_parameters(/*recurse=*/true);
  std::vector<std::string> missing, misshaped, unexpected;
  std::set<std::string> wanted;
  for (const auto& item : params) {
    const std::string key = opt.prefix + item.key();
    wanted.insert(key);
    const st::TensorView* v = ckpt.find(key);
    if (!v) {
      missing.push_back(key + " " + shape_str(item.value().sizes().vec()));
      continue;
    }
    if (v->shape != item.value().sizes().vec()) {
      misshaped.push_back(key + ": checkpoint " + shape_str(v->shape) + " (" + st::dtype_name(v->dtype) +
                          "), model " + shape_str(item.value().sizes().vec()));
    }
  }
  for (const auto& name : ckpt.names()) {
    if (wanted.count(name)) continue;
    if (!opt.prefix.empty() && name.compare(0, opt.prefix.size(), opt.prefix) != 0) {
      if (!opt.only_prefix) unexpected.push_back(name);
      continue;
    }
    if (is_ignored_checkpoint_key(name)) {
      rep.skipped.push_back(name);
      if (opt.keep_skipped) rep.skipped_tensors.emplace_back(name, st::to_tensor(ckpt.at(name)));
      continue;
    }
    const auto& v = ckpt.at(name);
    unexpected.push_back(name + " " + shape_str(v.shape));
  }
  if (!missing.empty() || !misshaped.empty() || !unexpected.empty()) {
    std::ostringstream os;
    os << "checkpoint " << ckpt.path() << " does not match the model"
       << (opt.prefix.empty() ? "" : " (key prefix '" + opt.prefix + "')") << ":";
    append_list(os, "missing keys", missing);
    append_list(os, "mis-shaped keys", misshaped);
    append_list(os, "unexpected keys", unexpected);
    throw Error(os.str());
  }
  torch::NoGradGuard no_grad;
  for (auto& item : params) {
    const std::string key = opt.prefix + item.key();
    const st::TensorView& v = ckpt.at(key);
    torch::Tensor& p = item.value();
    torch::Tensor t = st::to_tensor(v);
    if (t.scalar_type() != p.scalar_type()) {
      rep.cast.push_back(key + ": " + st::dtype_name(v.dtype) + " -> " + std::string(c10::toString(p.scalar_type())));
    }
    GROOT_CHECK(t.is_floating_point(), "checkpoint ", ckpt.path(), ": tensor ", key, " has non-float dtype ",
                st::dtype_name(v.dtype));
    p.copy_(t.to(p.scalar_type()));
    rep.tensors_loaded += 1;
    rep.params_loaded += p.numel();
  }
  return rep;
}

LoadReport load_state_dict(torch::nn::Module& module, const std::string& path_or_dir, const LoadOptions& opt) {
  st::Checkpoint ckpt(path_or_dir);
  return load_state_dict(module, ckpt, opt);
}

void save_state_dict(const torch::nn::Module& module, const std::string& path, const std::string& prefix,
                     const std::vector<std::pair<std::string, torch::Tensor>>& extra,
                     const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  std::set<std::string> seen;
  for (const auto& item : module.named_parameters(true)) {
    GROOT_CHECK(!item.value().is_meta(), "save: parameter ", item.key(), " is a shape-only (meta) tensor");
    tensors.emplace_back(prefix + item.key(), item.value().detach());
    seen.insert(prefix + item.key());
  }
  for (const auto& e : extra) {
    GROOT_CHECK(!seen.count(e.first), "save: extra tensor ", e.first, " duplicates a model parameter");
    tensors.push_back(e);
  }
  st::write_tensors(path, tensors, metadata);
}

void init_random_(torch::nn::Module& module, uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  for (auto& item : module.named_parameters(true)) {
    auto& p = item.value();
    if (p.is_meta()) continue;
    const std::string& n = item.key();
    if (p.dim() >= 2) {
      auto r = at::normal(0.0, 0.02, p.sizes(), gen, torch::TensorOptions().dtype(torch::kFloat32));
      p.copy_(r);
    } else if (ends_with(n, "bias") || ends_with(n, ".b")) {
      p.zero_();
    } else {
      p.fill_(1.0);
    }
  }
}

}  // namespace groot
