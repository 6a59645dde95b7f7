// Golden parity runner (see parity.h).
#include "parity/parity.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "model/ah_trace.h"
#include "model/safetensors_torch.h"
#include "model/build.h"
#include "model/trainable.h"
#include "model/weights.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot::model {

namespace {

bool starts_with(const std::string& s, const std::string& p) {
  return s.rfind(p, 0) == 0;
}
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

std::vector<std::pair<std::string, PreprocessCheck>>& preprocess_checks() {
  static std::vector<std::pair<std::string, PreprocessCheck>> v;
  return v;
}

std::string shape_str(torch::IntArrayRef s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
Tolerance tolerance_for(const std::string& name, bool bf16) {
  Tolerance t;
  if (bf16) {
    t.atol = 5e-2;
    t.rtol = 5e-2;
  } else if (name == "train/loss") {
    t.atol = 0;
    t.rtol = 1e-5;
  } else if (starts_with(name, "grad/") || starts_with(name, "grad_slot10/")) {
    t.atol = ends_with(name, "attn1.to_k.bias") ? 1e-6 : 1e-5;
    t.rtol = ends_with(name, "attn1.to_k.bias") ? 0 : 1e-4;
  } else if (starts_with(name, "vision/") || starts_with(name, "mlp1/") || starts_with(name, "llm/") ||
             starts_with(name, "backbone/") || name == "ah/vlln_out") {
    t.atol = 2e-5;
    t.rtol = 1e-4;
  } else {
    t.atol = 2e-4;
    t.rtol = 1e-4;
  }
  // Left-pad rows of [B, L, ...] sequence tensors hold values that never influence anything (README §5).
  t.valid_rows_only = (starts_with(name, "llm/layer") || starts_with(name, "llm/hidden_states") ||
                       name == "llm/final_norm_out" || name == "backbone/features" || name == "ah/vlln_out");
  return t;
}

std::string TensorCheck::describe() const {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s: %s max_abs=%.3g ref_absmax=%.3g atol=%.1g rtol=%.1g worst=%.3g%s%s",
                name.c_str(), pass ? "PASS" : "FAIL", max_abs, ref_absmax, tol.atol, tol.rtol, worst,
                note.empty() ? "" : " ", note.c_str());
  return buf;
}

TensorCheck compare_tensor(const std::string& name, const torch::Tensor& ours_in, const torch::Tensor& ref_in,
                           const Tolerance& tol, const torch::Tensor& row_mask) {
  TensorCheck c;
  c.name = name;
  c.tol = tol;
  if (!ours_in.defined()) {
    c.note = "not produced";
    return c;
  }
  auto ours = ours_in.detach().to(torch::kCPU);
  auto ref = ref_in.detach().to(torch::kCPU);
  if (ours.sizes() != ref.sizes()) {
    c.note = "shape " + shape_str(ours.sizes()) + " != golden " + shape_str(ref.sizes());
    return c;
  }
  const bool exact = !ref.is_floating_point();
  if (exact) {
    c.tol.exact = true;
    c.tol.atol = c.tol.rtol = 0;
    auto o = ours.to(torch::kLong), r = ref.to(torch::kLong);
    c.pass = torch::equal(o, r);
    c.max_abs = ours.numel() ? (o - r).abs().max().item<double>() : 0;
    c.ref_absmax = ref.numel() ? r.abs().max().item<double>() : 0;
    c.worst = c.pass ? 0 : INFINITY;
    return c;
  }
  auto o = ours.to(torch::kDouble), r = ref.to(torch::kDouble);
  if (tol.valid_rows_only && row_mask.defined() && o.dim() >= 2 && o.size(0) == row_mask.size(0) &&
      o.size(1) == row_mask.size(1)) {
    auto m = row_mask.to(torch::kCPU).to(torch::kBool);
    o = o.index({m});
    r = r.index({m});
    c.note = "(valid rows)";
  }
  if (o.numel() == 0) {
    c.pass = true;
    return c;
  }
  if (!torch::isfinite(o).all().item<bool>()) {
    c.note = "non-finite values";
    c.max_abs = INFINITY;
    c.worst = INFINITY;
    return c;
  }
  auto d = (o - r).abs();
  auto bound = tol.atol + tol.rtol * r.abs();
  c.max_abs = d.max().item<double>();
  c.ref_absmax = r.abs().max().item<double>();
  auto ratio = torch::where(bound > 0, d / bound, torch::where(d > 0, torch::full_like(d, INFINITY), d));
  c.worst = ratio.max().item<double>();
  c.pass = (d <= bound).all().item<bool>();
  return c;
}

int ParityReport::failures() const {
  int n = 0;
  for (auto& c : checks) n += !c.pass;
  return n;
}

void register_preprocess_check(const std::string& name, PreprocessCheck f) {
  preprocess_checks().emplace_back(name, std::move(f));
}

// ---------------------------------------------------------------------------------------------
namespace {

bool name_matches(const std::string& name, const std::string& pat) {
  if (!pat.empty() && pat.back() == '*') return starts_with(name, pat.substr(0, pat.size() - 1));
  return name == pat;
}

void dump_tensor(std::ostream& os, const char* who, const torch::Tensor& t) {
  auto f = t.detach().to(torch::kCPU).to(torch::kDouble).flatten();
  os << "    " << who << " " << shape_str(t.sizes()) << " " << c10::toString(t.scalar_type());
  if (f.numel()) {
    os << " min=" << f.min().item<double>() << " max=" << f.max().item<double>()
       << " mean=" << f.mean().item<double>() << " first:";
    for (int64_t i = 0; i < std::min<int64_t>(6, f.numel()); ++i) os << " " << f[i].item<double>();
  }
  os << "\n";
}

}  // namespace

ParityReport run_parity(const ParityOptions& opt, std::ostream* log) {
  namespace fs = std::filesystem;
  const fs::path dir = opt.golden_dir;
  GROOT_CHECK(fs::is_directory(dir), "golden folder ", dir.string(), " does not exist");
  for (const char* f : {"weights.safetensors", "io.safetensors", "upstream_config_gr00t_n1d6.json"})
    GROOT_CHECK(st::exists((dir / f).string()), "golden folder ", dir.string(), " has no ", f);
  const bool bf16 = opt.dtype == torch::kBFloat16;
  GROOT_CHECK(opt.dtype == torch::kFloat32 || bf16, "parity: --dtype must be fp32 or bf16");
  if (bf16) GROOT_CHECK(st::exists((dir / "io_bf16.safetensors").string()), "golden folder has no io_bf16.safetensors");

  ParityReport rep;
  auto gcfg = groot::load_config(dir.string());
  st::File io((dir / "io.safetensors").string());
  std::unique_ptr<st::File> iobf;
  if (bf16) iobf = std::make_unique<st::File>((dir / "io_bf16.safetensors").string());
  const st::File& ref = bf16 ? *iobf : io;
  auto in = [&](const std::string& n) { return st::to_tensor(io.at(n)); };

  // --- model: strict load of every upstream key, golden training recipe ---
  // The golden runs: fp32 everywhere, or the whole model cast to bf16 (README); no TF32.
  groot::BuildOptions bo;
  bo.device = opt.device;
  bo.compute_dtype = opt.dtype;
  bo.frozen_dtype = opt.dtype;
  bo.trainable_fp32 = opt.dtype == torch::kFloat32;
  bo.tf32 = false;
  auto model = groot::load_pretrained(dir.string(), gcfg, bo);
  auto& head = model->action_head;
  const auto& cfg = head->cfg;
  const bool use_backbone = !opt.action_head_only;
  rep.backbone_checked = use_backbone;
  if (!use_backbone)
    rep.notes.push_back(
        "action-head-only mode: the action head is fed the golden backbone/features; "
        "vision/mlp1/llm/backbone goldens and backbone gradients are not checked");
  if (log)
    *log << "golden " << dir.string() << ": " << gcfg.eagle.vision.num_hidden_layers << " vision layers, "
         << gcfg.select_layer << " LLM layers, " << cfg.dit.num_layers << " DiT blocks x "
         << cfg.input_embedding_dim << "; device " << opt.device << ", dtype " << (bf16 ? "bf16" : "fp32")
         << "\n";

  auto dev = [&](torch::Tensor t) {
    return t.is_floating_point() ? t.to(opt.device, opt.dtype) : t.to(opt.device);
  };
  groot::BackboneInput bin;
  bin.input_ids = dev(in("in/input_ids"));
  bin.attention_mask = dev(in("in/attention_mask"));
  for (int i = 0;; ++i) {
    auto v = io.find("in/pixel_values." + std::to_string(i));
    if (!v) break;
    bin.images.push_back(dev(st::to_tensor(*v)));
  }
  ActionInputs ain{dev(in("in/state")), dev(in("in/action")), dev(in("in/action_mask")),
                   dev(in("in/embodiment_id"))};
  auto row_mask = in("in/attention_mask") == 1;
  auto golden_bb = [&]() {
    return groot::BackboneOutput{dev(in("backbone/features")), dev(in("backbone/attention_mask")),
                                 dev(in("backbone/image_mask"))};
  };

  TraceRecorder rec;
  // --- training forward + backward (train mode, frozen parts in eval as upstream) ---
  {
    TraceScope on(&rec);
    model->train();
    TrainOutput out;
    if (use_backbone) {
      out = model->forward(bin, ain, dev(in("in/noise")), dev(in("in/t")));
    } else {
      out = head->forward_train(golden_bb(), ain, dev(in("in/noise")), dev(in("in/t")));
    }
    out.loss.backward();
  }
  std::vector<TensorCheck> extra;
  auto record_grads = [&](torch::nn::Module& m, const std::string& prefix) {
    for (auto& p : m.named_parameters()) {
      auto g = p.value().grad();
      if (!g.defined()) continue;
      const std::string key = prefix + p.key();
      rec.tensors["grad/" + key] = g.detach().to(torch::kFloat32);
      if (ref.find("grad_slot10/" + key) && g.dim() >= 1 && g.size(0) == cfg.max_num_embodiments) {
        rec.tensors["grad_slot10/" + key] = g.select(0, 10).to(torch::kFloat32);
        auto rest = torch::cat({g.slice(0, 0, 10), g.slice(0, 11)});
        Tolerance zero;
        auto c = compare_tensor("grad_other_slots/" + key, rest, torch::zeros_like(rest), zero);
        extra.push_back(c);
      }
    }
  };
  record_grads(*head, "action_head.");
  if (use_backbone) record_grads(*model->backbone, "backbone.");

  // --- 4-step inference ---
  {
    TraceScope on(&rec);
    model->eval();
    if (use_backbone) {
      model->get_action(bin, ain, dev(in("in/init_noise")));
    } else {
      head->get_action(golden_bb(), ain, dev(in("in/init_noise")));
    }
  }
  // t bucketing rule on the probe values (float32 multiply, as upstream).
  if (!bf16 && io.find("aux/t_bucket_probe_t")) {
    auto pt = in("aux/t_bucket_probe_t").to(torch::kFloat32);
    rec.tensors["aux/t_bucket_probe_tau_fp32"] = (pt * cfg.num_timestep_buckets).to(torch::kLong);
  }

  // --- compare ---
  auto expected = [&](const std::string& n) {
    if (starts_with(n, "in/") || n == "aux/t_bucket_probe_t" || n == "aux/t_bucket_probe_tau_fp64")
      return false;
    if (starts_with(n, "vision/window_order_to_raster_index"))
      return false;  // internal reorder of upstream code
    if (!use_backbone && (starts_with(n, "vision/") || starts_with(n, "mlp1/") || starts_with(n, "llm/") ||
                          starts_with(n, "backbone/") || starts_with(n, "grad/backbone.")))
      return false;
    return true;
  };
  for (auto& tv : ref.tensors()) {
    if (!expected(tv.name)) continue;
    auto it = rec.tensors.find(tv.name);
    auto golden_t = st::to_tensor(tv);
    if (it == rec.tensors.end()) {
      TensorCheck c;
      c.name = tv.name;
      c.tol = tolerance_for(tv.name, bf16);
      c.note = "not produced by the C++ model";
      rep.checks.push_back(c);
      continue;
    }
    rep.checks.push_back(
        compare_tensor(tv.name, it->second, golden_t, tolerance_for(tv.name, bf16), row_mask));
  }
  for (auto& c : extra) rep.checks.push_back(c);
  // A parameter we train that upstream did not (or vice versa, caught above as "not produced").
  for (auto& [name, t] : rec.tensors) {
    if (!starts_with(name, "grad/")) continue;
    const std::string key = name.substr(5);
    if (io.find(name) || io.find("grad_slot10/" + key)) continue;
    if (!use_backbone && starts_with(key, "backbone.")) continue;
    TensorCheck c;
    c.name = name;
    c.note = "trainable here but not in the upstream run (no golden gradient)";
    rep.checks.push_back(c);
  }

  // --- preprocessing goldens (tokenizer / images), provided by other modules ---
  if (fs::exists(dir / "preprocess.json")) {
    if (preprocess_checks().empty()) {
      rep.notes.push_back("preprocess.json present, but no tokenizer/image checks are linked: NOT CHECKED");
    }
    for (auto& [name, fn] : preprocess_checks()) {
      auto cs = fn(dir.string(), opt.device);
      rep.notes.push_back("preprocess check '" + name + "': " + std::to_string(cs.size()) + " tensors");
      for (auto& c : cs) rep.checks.push_back(c);
    }
  }

  // --- dumps ---
  if (!opt.dump.empty()) {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (auto& pat : opt.dump) {
      bool any = false;
      for (auto& [name, t] : rec.tensors) {
        if (!name_matches(name, pat)) continue;
        any = true;
        if (log) {
          *log << "dump " << name << "\n";
          dump_tensor(*log, "ours  ", t);
          if (auto v = ref.find(name)) dump_tensor(*log, "golden", st::to_tensor(*v));
        }
        out.emplace_back("ours/" + name, t.detach().to(torch::kCPU).contiguous());
        if (auto v = ref.find(name)) out.emplace_back("golden/" + name, st::to_tensor(*v));
      }
      if (!any && log) *log << "dump " << pat << ": no recorded tensor of that name\n";
    }
    if (!opt.dump_path.empty()) st::write_tensors(opt.dump_path, out);
  }
  return rep;
}

void print_report(const ParityReport& r, const std::string& golden_dir, std::ostream& os) {
  nlohmann::json gpu;
  try {
    std::ifstream f(std::filesystem::path(golden_dir) / "tolerance_report.json");
    if (f) {
      auto j = nlohmann::json::parse(f);
      gpu = j.at("per_tensor").at("cpu1_vs_gpu");
    }
  } catch (...) {
    gpu = nlohmann::json();
  }
  char buf[640];
  std::snprintf(buf, sizeof buf, "%-72s %10s %10s %8s %8s %8s %10s  %s\n", "tensor", "max_abs", "ref_absmax",
                "atol", "rtol", "worst", "up.cpu/gpu", "result");
  os << buf;
  for (auto& c : r.checks) {
    std::string up = "-";
    if (gpu.is_object() && gpu.contains(c.name) && gpu[c.name].contains("max_abs")) {
      char b[32];
      std::snprintf(b, sizeof b, "%.2g", gpu[c.name]["max_abs"].get<double>());
      up = b;
    }
    std::snprintf(buf, sizeof buf, "%-72s %10.3g %10.3g %8.1g %8.1g %8.3g %10s  %s%s%s\n", c.name.c_str(),
                  c.max_abs, c.ref_absmax, c.tol.atol, c.tol.rtol, c.worst, up.c_str(),
                  c.pass ? "PASS" : "FAIL", c.note.empty() ? "" : " ", c.note.c_str());
    os << buf;
  }
  for (auto& n : r.notes) os << "note: " << n << "\n";
  os << r.checks.size() << " tensors compared, " << r.failures() << " failed\n";
}

}  // namespace groot::model
