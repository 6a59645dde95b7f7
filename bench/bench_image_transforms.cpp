// Image preprocessing throughput: 240x320 (and other sizes) uint8 RGB -> 252x252 float CHW, eval and
// train (random crop + colour jitter + rotation) pipelines; single-thread images/s per core and the
// multi-threaded batch API.
//
//   bench_image_transforms [--iters N] [--threads T] [--height H] [--width W]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "model/image_transforms.h"

using namespace groot::img;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int main(int argc, char** argv) {
  CLI::App app{"GR00T N1.6 image preprocessing benchmark"};
  int iters = 200, threads = int(std::max(1u, std::thread::hardware_concurrency())), h = 240, w = 320;
  app.add_option("--iters", iters, "images per measurement");
  app.add_option("--threads", threads, "threads for the batch measurement");
  app.add_option("--height", h, "input height");
  app.add_option("--width", w, "input width");
  CLI11_PARSE(app, argc, argv);

  std::mt19937 rng(0);
  Image src(h, w, 3);
  for (auto& v : src.data) v = uint8_t(rng() & 255);

  ImageTransformConfig eval_cfg;
  ImageTransformConfig train_cfg;
  train_cfg.color_jitter = ColorJitterParams{0.3, 0.4, 0.5, 0.08};
  train_cfg.random_rotation_angle = 10.0;

  std::printf("input %dx%d RGB uint8 -> %s float CHW\n", h, w, "smart_resize");
  // Single thread, one image at a time.
  for (int mode = 0; mode < 2; mode++) {
    const bool train = mode == 1;
    Pixels px = train ? preprocess_train(src, train_cfg, TrainDraw{}) : preprocess_eval(src, eval_cfg);  // warm-up
    std::mt19937_64 r(1);
    const auto hw = size_after_resize1(h, w, train_cfg);
    auto t0 = Clock::now();
    for (int i = 0; i < iters; i++) {
      if (train) {
        TrainDraw d = draw_train(r, train_cfg, hw[0], hw[1]);
        px = preprocess_train(src, train_cfg, d);
      } else {
        px = preprocess_eval(src, eval_cfg);
      }
    }
    const double dt = seconds_since(t0);
    std::printf("%-5s 1 thread : %8.1f images/s  (%.3f ms/image) -> %dx%d\n", train ? "train" : "eval",
                iters / dt, 1e3 * dt / iters, px.h, px.w);
  }
  // Batch API on `threads` threads (samples of 2 views).
  std::vector<SampleImages> samples(std::max(1, iters / 2), SampleImages{src, src});
  for (int mode = 0; mode < 2; mode++) {
    const bool train = mode == 1;
    auto t0 = Clock::now();
    auto out = preprocess_batch(samples, train ? train_cfg : eval_cfg, train, 7, threads);
    const double dt = seconds_since(t0);
    const double n = 2.0 * samples.size();
    std::printf("%-5s %d threads: %8.1f images/s  (%.1f images/s per thread)\n", train ? "train" : "eval", threads,
                n / dt, n / dt / threads);
  }
  return 0;
}
