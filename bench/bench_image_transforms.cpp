// Image preprocessing throughput: 240x320 (and other sizes) uint8 RGB -> 252x252 float CHW, eval and
// train (random crop + colour jitter + rotation) pipelines; single-thread images/s per core and the
// multi-threaded batch API.
//
//   bench_image_transforms [--iters N] [--threads T] [--height H] [--width W]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>

#include "processor/image_transforms.h"

using namespace groot::img;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int main(int argc, char** argv) {
  int iters = 200, threads = int(std::max(1u, std::thread::hardware_concurrency())), h = 240, w = 320;
  for (int i = 1; i < argc; i++) {  // no CLI11 so the bench also builds standalone (g++ + 2 files)
    auto val = [&](int& dst) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        std::exit(2);
      }
      dst = std::atoi(argv[++i]);
    };
    if (!std::strcmp(argv[i], "--iters"))
      val(iters);
    else if (!std::strcmp(argv[i], "--threads"))
      val(threads);
    else if (!std::strcmp(argv[i], "--height"))
      val(h);
    else if (!std::strcmp(argv[i], "--width"))
      val(w);
    else {
      std::fprintf(stderr,
                   "usage: bench_image_transforms [--iters N] [--threads T] [--height H] [--width W]\n");
      return 2;
    }
  }
  if (iters < 1 || threads < 1 || h < 1 || w < 1) {
    std::fprintf(stderr, "all values must be >= 1\n");
    return 2;
  }

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
    Pixels px =
        train ? preprocess_train(src, train_cfg, TrainDraw{}) : preprocess_eval(src, eval_cfg);  // warm-up
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
  // Per-stage cost of the eval pipeline (single thread).
  {
    auto time_it = [&](const char* name, auto&& fn) {
      auto t0 = Clock::now();
      for (int i = 0; i < iters; i++) fn();
      std::printf("  stage %-28s %8.3f ms\n", name, 1e3 * seconds_since(t0) / iters);
    };
    const Pads pads = letterbox_pads(h, w);
    Image padded = pad_constant(src, pads);
    const auto s1 = smallest_max_size_shape(padded.h, padded.w, 256);
    Image r1 = resize_area(padded, s1[0], s1[1]);
    Image cr = crop(r1, center_crop_box(r1.h, r1.w, 0.95));
    const auto s2 = smallest_max_size_shape(cr.h, cr.w, 256);
    Image r2 = resize_area(cr, s2[0], s2[1]);
    const auto s3 = smart_resize_shape(r2.h, r2.w);
    Image sm = resize_bicubic_pil(r2, s3[0], s3[1]);
    std::vector<float> chw(size_t(3) * sm.h * sm.w);
    time_it("letterbox pad", [&] { padded = pad_constant(src, pads); });
    time_it("INTER_AREA resize #1", [&] { r1 = resize_area(padded, s1[0], s1[1]); });
    time_it("center crop", [&] { cr = crop(r1, center_crop_box(r1.h, r1.w, 0.95)); });
    time_it("INTER_AREA resize #2 (up)", [&] { r2 = resize_area(cr, s2[0], s2[1]); });
    time_it("PIL bicubic to 28-multiple", [&] { sm = resize_bicubic_pil(r2, s3[0], s3[1]); });
    time_it("normalise to CHW float", [&] { normalize_to_chw(sm, chw.data()); });
    time_it("train: rotate", [&] { Image x = rotate(r2, 7.0); });
    time_it("train: colour jitter (4 ops)", [&] {
      Image x = r2;
      adjust_brightness(x, 1.1);
      adjust_contrast(x, 0.9);
      adjust_saturation(x, 1.2);
      adjust_hue(x, 0.05);
    });
  }
  // Batch API on `threads` threads (samples of 2 views).
  std::vector<SampleImages> samples(std::max(1, iters / 2), SampleImages{src, src});
  for (int mode = 0; mode < 2; mode++) {
    const bool train = mode == 1;
    auto t0 = Clock::now();
    auto out = preprocess_batch(samples, train ? train_cfg : eval_cfg, train, 7, threads);
    const double dt = seconds_since(t0);
    const double n = 2.0 * samples.size();
    std::printf("%-5s %d threads: %8.1f images/s  (%.1f images/s per thread)\n", train ? "train" : "eval",
                threads, n / dt, n / dt / threads);
  }
  return 0;
}
