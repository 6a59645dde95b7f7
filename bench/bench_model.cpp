// bench_model: GR00T N1.6 model size and speed with random weights.
//
//   bench_model [--tiny] [--device cuda] [--dtype bf16] [--views 2] [--iters 20] [--train] [--train-batch 4]
//
// Prints parameter counts per module, weight memory in the chosen dtype, and the latency of one
// policy inference (backbone once + 4 Euler steps of the action head with cached cross-attention
// K/V; 252x252 views, 81 image tokens each) as median / mean over --iters after warm-up, split into
// backbone and action head. --train also times one training step (forward + backward; frozen weights
// in the compute dtype, trainable fp32 masters, default recipe). --tiny uses the golden tiny
// configuration (runs in seconds on a CPU); the default is the released 3B configuration.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include "model/build.h"
#include "model/config.h"
#include "model/device.h"
#include "model/gr00t_n1d6.h"
#include "model/weights.h"
#include "train/gpu_memory.h"
#include "util/paths.h"

using namespace groot;
using Clock = std::chrono::steady_clock;

namespace {

void sync(const torch::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize();
}

struct Stats {
  double median = 0, mean = 0, min = 0;
};
Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median = v[v.size() / 2];
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  s.min = v.front();
  return s;
}

// A prompt like upstream's: system + user text, then per view "<image k>" <img> 81 x <IMG_CONTEXT> </img>.
torch::Tensor make_prompt(const Gr00tN1d6Config& cfg, int views, int64_t tokens_per_image, int lang_tokens) {
  std::vector<int64_t> ids = {151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198};
  for (int i = 0; i < lang_tokens; ++i) ids.push_back(1000 + 37 * i);
  for (int v = 0; v < views; ++v) {
    for (int64_t t : {27, 1805, 220, 16 + v, 29}) ids.push_back(t);
    ids.push_back(151670);
    for (int64_t k = 0; k < tokens_per_image; ++k) ids.push_back(cfg.eagle.image_token_index);
    ids.push_back(151671);
  }
  ids.push_back(151645);
  ids.push_back(198);
  return torch::tensor(ids, torch::kLong).unsqueeze(0);
}

void print_params(model::Gr00tN1d6& m, torch::ScalarType dtype) {
  std::map<std::string, int64_t> groups;
  int64_t total = 0;
  for (auto& p : m->named_parameters()) {
    const auto& k = p.key();
    std::string g;
    if (k.rfind("backbone.model.vision_model.", 0) == 0) g = "backbone.vision (SigLIP2)";
    else if (k.rfind("backbone.model.mlp1.", 0) == 0) g = "backbone.mlp1";
    else if (k.rfind("backbone.model.language_model.", 0) == 0) g = "backbone.llm (Qwen3)";
    else if (k.rfind("action_head.model.", 0) == 0) g = "action_head.model (DiT)";
    else g = "action_head (encoders, decoder, vlln, pos)";
    groups[g] += p.value().numel();
    total += p.value().numel();
  }
  const double bytes = double(torch::elementSize(dtype));
  for (auto& [g, n] : groups) std::printf("  %-44s %14lld params  %8.1f MiB\n", g.c_str(), (long long)n, n * bytes / 1048576.0);
  std::printf("  %-44s %14lld params  %8.1f MiB (%.3f GB) in %s\n", "total (no unused head.*/lm_head)",
              (long long)total, total * bytes / 1048576.0, total * bytes / 1e9, c10::toString(dtype));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"GR00T N1.6 model benchmark (random weights)"};
  bool tiny = false, train = false, recompute = false;
  std::string device = "auto", dtype = "bf16";
  int views = 2, iters = 20, warmup = 3, train_batch = 4, lang_tokens = 11;
  app.add_flag("--tiny", tiny, "golden tiny configuration instead of the 3B one");
  app.add_option("--device", device, "auto, cpu, cuda, cuda:N");
  app.add_option("--dtype", dtype, "compute/weight dtype: bf16, fp32, fp16");
  app.add_option("--views", views, "camera views per sample (252x252 each)");
  app.add_option("--iters", iters, "timed iterations");
  app.add_option("--warmup", warmup, "untimed warm-up iterations");
  app.add_option("--lang-tokens", lang_tokens, "instruction tokens in the prompt");
  app.add_flag("--train", train, "also time one training step");
  app.add_option("--train-batch", train_batch, "batch size of the training step");
  app.add_flag("--recompute", recompute, "activation recomputation in the training step (--gradient-checkpointing)");
  CLI11_PARSE(app, argc, argv);
  try {
    const auto dev = parse_device(device);
    const auto dt = parse_dtype(dtype);
    torch::NoGradGuard ng0;
    Gr00tN1d6Config cfg = tiny ? load_config(std::string(GROOT_SOURCE_DIR) + "/tests/golden/tiny_v1") : default_3b_config();
    std::printf("bench_model: %s config, device %s, dtype %s, LibTorch %s\n", tiny ? "tiny (golden)" : "N1.6-3B",
                dev.str().c_str(), c10::toString(dt), TORCH_VERSION);

    auto t0 = Clock::now();
    BuildOptions bo;
    bo.device = dev;
    bo.compute_dtype = dt;
    bo.frozen_dtype = dt;
    bo.training = false;
    bo.recompute = recompute;
    auto m = build_model(cfg, bo);
    init_random_(*m, 1234);
    m->eval();
    sync(dev);
    std::printf("build + random init: %.1f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
    print_params(m, dt);

    // --- inference inputs: 1 sample, `views` images of 252x252 ---
    const int64_t side = 252;
    const int64_t tokens_per_image = (side / 28) * (side / 28);
    model::ActionInputs ain;
    auto ids = make_prompt(cfg, views, tokens_per_image, lang_tokens).to(dev);
    BackboneInput bin;
    bin.input_ids = ids;
    bin.attention_mask = torch::ones_like(ids);
    bin.pixel_values = torch::rand({views, 3, side, side}, torch::TensorOptions().device(dev).dtype(dt)) * 2 - 1;
    ain.state = torch::randn({1, 1, cfg.max_state_dim}, torch::TensorOptions().device(dev).dtype(dt));
    ain.embodiment_id = torch::tensor({int64_t(10)}, torch::kLong);
    std::printf("prompt: %lld tokens (%d views x %lld image tokens)\n", (long long)ids.size(1), views,
                (long long)tokens_per_image);

    std::vector<double> total_ms, bb_ms, ah_ms;
    for (int it = 0; it < warmup + iters; ++it) {
      sync(dev);
      auto a = Clock::now();
      auto bo = m->backbone->forward(bin);
      sync(dev);
      auto b = Clock::now();
      auto act = m->action_head->get_action(bo, ain);
      sync(dev);
      auto c = Clock::now();
      if (it == 0) std::printf("action_pred: [%lld, %lld, %lld]\n", (long long)act.size(0), (long long)act.size(1),
                               (long long)act.size(2));
      if (it < warmup) continue;
      bb_ms.push_back(std::chrono::duration<double, std::milli>(b - a).count());
      ah_ms.push_back(std::chrono::duration<double, std::milli>(c - b).count());
      total_ms.push_back(std::chrono::duration<double, std::milli>(c - a).count());
    }
    auto st = stats(total_ms), sb = stats(bb_ms), sa = stats(ah_ms);
    std::printf("inference (1 sample, %d views, %lld denoising steps), %d iters:\n", views,
                (long long)cfg.num_inference_timesteps, iters);
    std::printf("  total        median %8.2f ms  mean %8.2f ms  min %8.2f ms\n", st.median, st.mean, st.min);
    std::printf("  backbone     median %8.2f ms  mean %8.2f ms\n", sb.median, sb.mean);
    std::printf("  action head  median %8.2f ms  mean %8.2f ms\n", sa.median, sa.mean);
    if (train) {
      torch::AutoGradMode enable(true);
      bo.training = true;
      make_trainable(m, bo);  // frozen in dt, trainable fp32 masters, default recipe
      int64_t n_train = 0;
      for (auto& p : m->parameters())
        if (p.requires_grad()) n_train += p.numel();
      m->train();
      std::printf("training step: batch %d, %lld trainable params (fp32 masters), frozen in %s\n", train_batch,
                  (long long)n_train, c10::toString(dt));
      BackboneInput tb;
      tb.input_ids = ids.expand({train_batch, ids.size(1)}).contiguous();
      tb.attention_mask = torch::ones_like(tb.input_ids);
      tb.pixel_values = torch::rand({int64_t(train_batch) * views, 3, side, side},
                                    torch::TensorOptions().device(dev).dtype(dt));
      model::ActionInputs ta;
      ta.state = torch::randn({train_batch, 1, cfg.max_state_dim}, torch::TensorOptions().device(dev));
      ta.action = torch::randn({train_batch, cfg.action_horizon, cfg.max_action_dim}, torch::TensorOptions().device(dev));
      ta.action_mask = torch::ones_like(ta.action);
      ta.embodiment_id = torch::full({train_batch}, int64_t(10), torch::kLong);
      std::vector<double> step_ms;
      const int titers = std::max(3, iters / 4);
      for (int it = 0; it < 2 + titers; ++it) {
        for (auto& p : m->parameters()) p.mutable_grad() = torch::Tensor();
        sync(dev);
        auto a = Clock::now();
        auto out = m->forward(tb, ta);
        out.loss.backward();
        sync(dev);
        if (it >= 2) step_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
      }
      auto s = stats(step_ms);
      std::printf("  forward+backward  median %8.2f ms  mean %8.2f ms (%d iters, recompute %s)\n", s.median, s.mean,
                  titers, recompute ? "on" : "off");
      auto mem = train::gpu_memory(dev.is_cuda() && dev.has_index() ? dev.index() : 0);
      if (mem.allocator_stats)
        std::printf("  GPU memory: peak allocated %.2f GiB, peak reserved %.2f GiB\n", mem.peak_allocated / 1073741824.0,
                    mem.peak_reserved / 1073741824.0);
      else if (mem.available)
        std::printf("  GPU memory: device used %.2f GiB of %.2f GiB (driver view, after the steps)\n",
                    mem.device_used / 1073741824.0, mem.device_total / 1073741824.0);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_model: error: %s\n", e.what());
    return 1;
  }
}
