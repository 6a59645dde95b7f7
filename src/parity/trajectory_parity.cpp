#include "parity/trajectory_parity.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "model/build.h"
#include "data/safetensors.h"
#include "model/safetensors_torch.h"
#include "train/trainer.h"
#include "util/error.h"
#include "util/fs.h"

namespace groot::train {

namespace fs = std::filesystem;

bool is_trajectory_folder(const std::string& dir) {
  return fs::exists(fs::path(dir) / "trajectory.json") && st::exists((fs::path(dir) / "trajectory.safetensors").string());
}

namespace {

std::string sibling_model_dir(const std::string& dir) {
  fs::path d = fs::path(dir);
  if (d.filename().empty()) d = d.parent_path();
  std::string name = d.filename().string();
  const std::string suf = "_train";
  GROOT_CHECK(name.size() > suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0,
              "trajectory folder ", dir, ": cannot derive its model folder (name does not end in _train); pass --model");
  return (d.parent_path() / name.substr(0, name.size() - suf.size())).string();
}

bool ends_with(const std::string& s, const std::string& e) {
  return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

}  // namespace

TrajectoryReport run_trajectory_parity(const TrajectoryOptions& opt, std::ostream* log) {
  GROOT_CHECK(is_trajectory_folder(opt.dir), "trajectory folder ", opt.dir,
              " needs trajectory.json and trajectory.safetensors");
  const auto jpath = fs::path(opt.dir) / "trajectory.json";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(jpath));
  } catch (const nlohmann::json::exception& e) {
    fail(jpath.string(), ": invalid JSON: ", e.what());
  }
  auto setting = [&](const char* k) -> const nlohmann::json& {
    GROOT_CHECK(j.contains("settings") && j["settings"].contains(k), jpath.string(), ": settings.", k, " missing");
    return j["settings"][k];
  };
  const int64_t steps = setting("steps").get<int64_t>();
  const int64_t accum = setting("grad_accum").get<int64_t>();
  const std::string model_dir = opt.model_dir.empty() ? sibling_model_dir(opt.dir) : opt.model_dir;
  const std::string io_path = (fs::path(model_dir) / "io.safetensors").string();
  GROOT_CHECK(st::exists(io_path), "model folder ", model_dir, " has no io.safetensors (the in/* batch)");

  // --- model: fp32 everywhere (the golden's canonical run), upstream recipe of the model's config ---
  auto cfg = load_config(model_dir);
  BuildOptions bo;
  bo.device = opt.device;
  bo.compute_dtype = torch::kFloat32;
  bo.frozen_dtype = torch::kFloat32;
  bo.tf32 = false;
  auto model = load_pretrained(model_dir, cfg, bo);

  TrainerOptions to;
  to.learning_rate = setting("lr").get<double>();
  to.max_steps = steps;
  to.warmup_ratio = setting("warmup_ratio").get<double>();
  to.max_grad_norm = setting("max_grad_norm").get<double>();
  to.adam.beta1 = setting("betas")[0].get<double>();
  to.adam.beta2 = setting("betas")[1].get<double>();
  to.adam.eps = setting("eps").get<double>();
  to.adam.weight_decay = setting("weight_decay").get<double>();
  Trainer trainer(model, to);

  // The trainable set and its decay groups must be upstream's.
  std::vector<std::string> names, dec;
  for (const auto& p : trainer.optimizer().params()) {
    names.push_back(p.name);
    if (p.decay) dec.push_back(p.name);
  }
  if (j.contains("names_trainable"))
    GROOT_CHECK(names == j["names_trainable"].get<std::vector<std::string>>(), jpath.string(),
                ": the trainable parameters differ from names_trainable (", names.size(), " here)");
  if (j.contains("decay_names"))
    GROOT_CHECK(dec == j["decay_names"].get<std::vector<std::string>>(), jpath.string(),
                ": the weight-decay group differs from decay_names (", dec.size(), " here)");
  if (log)
    *log << "trajectory " << opt.dir << ": " << steps << " steps x " << accum << " micro-batches, model "
         << model_dir << ", " << names.size() << " trainable tensors (" << dec.size() << " with decay), device "
         << opt.device << "\n";

  st::File io(io_path);
  st::File tr((fs::path(opt.dir) / "trajectory.safetensors").string());
  auto dev = [&](const torch::Tensor& t) { return t.to(opt.device); };
  auto in = [&](const std::string& n) { return dev(st::to_tensor(io.at(n))); };
  MicroBatch base;
  base.bin.input_ids = in("in/input_ids");
  base.bin.attention_mask = in("in/attention_mask");
  for (int i = 0; io.find("in/pixel_values." + std::to_string(i)); ++i)
    base.bin.images.push_back(in("in/pixel_values." + std::to_string(i)));
  base.ain = {in("in/state"), in("in/action"), in("in/action_mask"), in("in/embodiment_id")};

  auto noise = st::to_tensor(tr.at("fixed/noise"));   // [S,M,B,H,A]
  auto tfix = st::to_tensor(tr.at("fixed/t"));        // [S,M,B]
  auto lr_ref = st::to_tensor(tr.at("per_step/lr")).to(torch::kFloat64);
  auto loss_ref = st::to_tensor(tr.at("per_step/loss")).to(torch::kFloat64);
  auto gn_ref = st::to_tensor(tr.at("per_step/grad_norm")).to(torch::kFloat64);
  GROOT_CHECK(noise.size(0) == steps && noise.size(1) == accum, "trajectory: fixed/noise is ", noise.sizes(),
              ", settings say ", steps, " steps x ", accum, " micro-batches");

  // Initial weights, for the lr-0 first step check.
  std::map<std::string, torch::Tensor> initial;
  for (const auto& p : trainer.optimizer().params()) initial[p.name] = p.param.detach().cpu().clone();

  TrajectoryReport rep;
  for (int64_t s = 0; s < steps; ++s) {
    std::vector<MicroBatch> micro(accum, base);
    for (int64_t m = 0; m < accum; ++m) {
      micro[m].noise = dev(noise[s][m]);
      micro[m].t = dev(tfix[s][m]);
    }
    auto st = trainer.step(micro);
    TrajectoryReport::Step r;
    r.step = st.step;
    r.lr = st.lr;
    r.lr_ref = lr_ref[s].item<double>();
    r.loss = st.micro_losses;
    for (int64_t m = 0; m < accum; ++m) {
      const double ref = loss_ref[s][m].item<double>();
      r.loss_ref.push_back(ref);
      r.loss_rel = std::max(r.loss_rel, std::fabs(st.micro_losses[m] - ref) / std::max(1e-30, std::fabs(ref)));
    }
    r.grad_norm = st.grad_norm;
    r.grad_norm_ref = gn_ref[s].item<double>();
    r.grad_norm_rel = std::fabs(r.grad_norm - r.grad_norm_ref) / std::max(1e-30, std::fabs(r.grad_norm_ref));
    r.pass = std::fabs(r.lr - r.lr_ref) <= 1e-12 * std::fabs(r.lr_ref) && r.loss_rel <= 1e-5 && r.grad_norm_rel <= 1e-5;
    if (!r.pass) ++rep.failures;
    rep.steps.push_back(r);

    // Weights stored after this step?
    const std::string pre = "w_step" + std::to_string(st.step) + "/";
    if (!tr.find(pre + names.front())) continue;
    TrajectoryReport::Weights w;
    w.step = st.step;
    const bool lr_zero = r.lr_ref == 0.0 && st.step == 1;
    for (const auto& p : trainer.optimizer().params()) {
      auto ref = st::to_tensor(tr.at(pre + p.name)).to(torch::kFloat64);
      auto ours = p.param.detach().cpu().to(torch::kFloat64);
      GROOT_CHECK(ref.sizes() == ours.sizes(), "trajectory: ", pre, p.name, " has shape ", ref.sizes(), ", model ",
                  ours.sizes());
      const double atol = ends_with(p.name, "attn1.to_k.bias") ? 1e-4 : 2e-6, rtol = 1e-5;
      auto diff = (ours - ref).abs();
      const double ratio = (diff / (atol + rtol * ref.abs())).max().item<double>();
      const double mx = diff.max().item<double>();
      ++w.tensors;
      if (ratio > w.worst_ratio) {
        w.worst_ratio = ratio;
        w.worst_abs = mx;
        w.worst_name = p.name;
      }
      if (lr_zero && !torch::equal(p.param.detach().cpu(), initial[p.name])) {
        w.pass = false;
        w.worst_name = p.name + " (changed with lr 0)";
      }
    }
    if (w.worst_ratio > 1) w.pass = false;
    if (!w.pass) ++rep.failures;
    rep.weights.push_back(w);
  }
  return rep;
}

void print_trajectory_report(const TrajectoryReport& r, std::ostream& os) {
  char buf[512];
  os << "step  lr            lr ref        loss (micro)                    loss rel err  grad norm    ref          rel err   \n";
  for (const auto& s : r.steps) {
    std::string losses;
    for (double l : s.loss) {
      std::snprintf(buf, sizeof buf, "%s%.7f", losses.empty() ? "" : " ", l);
      losses += buf;
    }
    std::snprintf(buf, sizeof buf, "%4lld  %.6e  %.6e  %-30s  %.2e      %.6f  %.6f  %.2e  %s\n", (long long)s.step,
                  s.lr, s.lr_ref, losses.c_str(), s.loss_rel, s.grad_norm, s.grad_norm_ref, s.grad_norm_rel,
                  s.pass ? "ok" : "FAIL");
    os << buf;
  }
  for (const auto& w : r.weights) {
    std::snprintf(buf, sizeof buf,
                  "weights after step %lld: %lld tensors, worst %s: max abs err %.3e, %.3f of tolerance  %s\n",
                  (long long)w.step, (long long)w.tensors, w.worst_name.c_str(), w.worst_abs, w.worst_ratio,
                  w.pass ? "ok" : "FAIL");
    os << buf;
  }
}

}  // namespace groot::train
