// bench_backbone: latency and memory of the Eagle backbone alone (SigLIP2 + mlp1 + Qwen3 kept layers),
// random weights, for the real 3B configuration (default) or a checkpoint folder's configuration.
//   bench_backbone --device cuda --dtype bf16 --batch 1 --views 2 --iters 20
// Prints parameter counts, weight memory, and median / p90 latency of one forward (no grad).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "model/config.h"
#include "model/device.h"
#include "model/eagle_backbone.h"
#include "model/weights.h"
#include "util/error.h"

using namespace groot;

int main(int argc, char** argv) {
  CLI::App app{"Eagle backbone latency (random weights)", "bench_backbone"};
  std::string config_dir, device_s = "auto", dtype_s = "bf16";
  int batch = 1, views = 2, iters = 20, warmup = 3, side = 252, text_tokens = 16;
  app.add_option("--config", config_dir, "checkpoint folder whose configuration to use (default: built-in 3B)");
  app.add_option("--device", device_s, "auto, cpu, cuda, cuda:N");
  app.add_option("--dtype", dtype_s, "fp32 or bf16");
  app.add_option("--batch", batch, "samples per forward");
  app.add_option("--views", views, "images per sample");
  app.add_option("--side", side, "image side in pixels (multiple of 28)");
  app.add_option("--text-tokens", text_tokens, "instruction tokens per sample");
  app.add_option("--iters", iters, "timed iterations");
  app.add_option("--warmup", warmup, "untimed iterations");
  CLI11_PARSE(app, argc, argv);
  try {
    auto cfg = config_dir.empty() ? default_3b_config() : load_config(config_dir);
    auto device = parse_device(device_s);
    auto dtype = parse_dtype(dtype_s);
    GROOT_CHECK(side % 28 == 0, "--side must be a multiple of 28");
    torch::NoGradGuard ng;
    EagleBackbone bb(cfg, torch::TensorOptions().dtype(dtype).device(torch::kCPU));
    init_random_(*bb, 0);
    bb->to(device);
    bb->eval();
    int64_t params = 0;
    for (auto& p : bb->parameters()) params += p.numel();
    const int64_t tok_per_img = (side / 28) * (side / 28);
    // prompt: 16 chat-template tokens + text + per image (5 "<image k>" + <img> + N + </img>)
    const int64_t L = 16 + text_tokens + views * (5 + 2 + tok_per_img);
    auto ids = torch::full({batch, L}, 872, torch::kInt64);
    for (int b = 0; b < batch; ++b)
      for (int v = 0; v < views; ++v) {
        int64_t start = 14 + text_tokens + v * (7 + tok_per_img) + 6;
        ids.index_put_({b, torch::indexing::Slice(start, start + tok_per_img)}, cfg.eagle.image_token_index);
      }
    BackboneInput in;
    in.input_ids = ids;
    in.attention_mask = torch::ones({batch, L}, torch::kInt64);
    in.pixel_values = torch::rand({int64_t(batch) * views, 3, side, side}).mul(2).sub(1).to(device, dtype);
    auto sync = [&] {
      if (device.is_cuda()) torch::cuda::synchronize();
    };
    for (int i = 0; i < warmup; ++i) bb->forward(in);
    sync();
    std::vector<double> ms;
    for (int i = 0; i < iters; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      auto out = bb->forward(in);
      sync();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("backbone: %s, %lld parameters (%.2f GiB in %s), device %s, torch %s\n", cfg.model_name.c_str(),
                (long long)params, double(params) * double(torch::elementSize(dtype)) / double(1ull << 30),
                dtype_s.c_str(), device.str().c_str(), torch_version_string());
    std::printf("input: batch %d, %d view(s) %dx%d (%lld tokens/image), sequence %lld\n", batch, views, side, side,
                (long long)tok_per_img, (long long)L);
    std::printf("latency: median %.2f ms, p90 %.2f ms, min %.2f ms over %d iterations\n", ms[ms.size() / 2],
                ms[std::min(ms.size() - 1, ms.size() * 9 / 10)], ms.front(), iters);
    return 0;
  } catch (const groot::Error& e) {
    std::fprintf(stderr, "bench_backbone: error: %s\n", e.what());
    return 1;
  }
}
