// bench_image_transforms_torch: throughput of the batched LibTorch image path
// (model/image_transforms_torch.h) on a device, next to the CPU thread-pool path.
//   bench_image_transforms_torch --device cuda --batch 64 --height 240 --width 320 --iters 20
// Prints images/s for: eval and train (rotation + colour jitter) on frames already on the device;
// the sample-level API from host images (pinned copy + upload included); the CPU thread pool.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "model/device.h"
#include "model/image_transforms_torch.h"
#include "processor/image_transforms.h"
#include "util/error.h"

using namespace groot;
using namespace groot::img;
using Clock = std::chrono::steady_clock;

namespace {
void sync(const torch::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize();
}
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Batched image transforms throughput (LibTorch path)", "bench_image_transforms_torch"};
  std::string device_s = "auto", mode = "all";
  int batch = 64, iters = 20, h = 240, w = 320,
      threads = int(std::max(1u, std::thread::hardware_concurrency()));
  app.add_option("--device", device_s, "auto, cpu, cuda, cuda:N");
  app.add_option("--batch", batch, "frames per call")->check(CLI::PositiveNumber);
  app.add_option("--iters", iters, "timed calls")->check(CLI::PositiveNumber);
  app.add_option("--height", h, "input frame height")->check(CLI::PositiveNumber);
  app.add_option("--width", w, "input frame width")->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "threads of the CPU reference path")->check(CLI::PositiveNumber);
  app.add_option("--mode", mode,
                 "all, eval or train (one pipeline only: e.g. to sample its peak device memory)")
      ->check(CLI::IsMember({"all", "eval", "train"}));
  CLI11_PARSE(app, argc, argv);
  try {
    const torch::Device dev = parse_device(device_s);
    std::mt19937 rng(0);
    std::vector<Image> ims;
    for (int i = 0; i < batch; i++) {
      Image im(h, w, 3);
      for (auto& v : im.data) v = uint8_t(rng() & 255);
      ims.push_back(std::move(im));
    }
    torch::Tensor host = torch::empty({batch, h, w, 3}, torch::kUInt8);
    for (int i = 0; i < batch; i++)
      std::memcpy(host[i].data_ptr<uint8_t>(), ims[size_t(i)].data.data(), ims[size_t(i)].data.size());
    torch::Tensor frames = host.to(dev);
    ImageTransformConfig eval_cfg, train_cfg;
    train_cfg.color_jitter = ColorJitterParams{0.3, 0.4, 0.5, 0.08};
    train_cfg.random_rotation_angle = 10.0;
    std::vector<SampleImages> samples;
    for (int i = 0; i < batch; i++) samples.push_back({ims[size_t(i)]});
    const std::vector<TrainDraw> draws = draw_batch(samples, train_cfg, 1);
    std::printf("bench_image_transforms_torch: device %s, LibTorch %s, batch %d, input %dx%d RGB uint8\n",
                dev.str().c_str(), TORCH_VERSION, batch, h, w);

    auto run = [&](const char* name, auto&& fn) {
      fn();  // warm-up (allocator, kernels)
      sync(dev);
      auto t0 = Clock::now();
      for (int i = 0; i < iters; i++) fn();
      sync(dev);
      const double dt = seconds_since(t0);
      std::printf("  %-44s %9.1f images/s  (%.2f ms per batch)\n", name, double(iters) * batch / dt,
                  1e3 * dt / iters);
    };
    torch::Tensor out;
    if (mode != "train") {
      run("eval, frames on device -> float pixels", [&] { out = preprocess_frames(frames, eval_cfg); });
      std::printf("  output %s\n", std::string(c10::str(out.sizes())).c_str());
    }
    if (mode != "eval")
      run("train (crop+rotate+jitter), frames on device",
          [&] { out = preprocess_frames(frames, train_cfg, draws); });
    if (mode != "all") return 0;
    run("eval, bf16 output", [&] { out = preprocess_frames(frames, eval_cfg, {}, torch::kBFloat16); });
    std::vector<std::vector<torch::Tensor>> res;
    run("train, host images -> device (batch API)",
        [&] { res = preprocess_batch_torch(samples, train_cfg, true, 1, dev, torch::kFloat32, batch); });
    // CPU reference path (thread pool) on the same images.
    for (bool train : {false, true}) {
      auto px = preprocess_batch(samples, train ? train_cfg : eval_cfg, train, 1, threads);  // warm-up
      auto t0 = Clock::now();
      for (int i = 0; i < iters; i++)
        px = preprocess_batch(samples, train ? train_cfg : eval_cfg, train, 1, threads);
      const double dt = seconds_since(t0) / iters;
      std::printf("  CPU thread pool, %-9s %2d threads          %9.1f images/s\n", train ? "train," : "eval,",
                  threads, batch / dt);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_image_transforms_torch: error: %s\n", e.what());
    return 1;
  }
}
