// The LibTorch image path (image_transforms_torch.h) against the upstream goldens and against the
// CPU path, bit for bit: eval and train pipelines, every INTER_AREA kernel (copy, 2x2 and 3x3
// integer, generic, up-scaling), rotation, each colour op at ordinary and extreme factors, random op
// orders and per-sample crops in one batch, and the sample-level batch API. Runs on CUDA when the
// build and machine have it (the GPU build), on CPU otherwise (CI).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <random>
#include <string>

#include "data/safetensors.h"
#include "model/image_transforms_torch.h"
#include "processor/image_transforms.h"
#include "test_util.h"
#include "util/error.h"

using namespace groot;
using namespace groot::img;

namespace {

torch::Device device() {
  return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

// A photo-like frame: smooth colour gradients, a few flat blocks (hue / saturation edge cases:
// grey, pure colours, black, white) and noise.
Image test_image(int h, int w, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-20, 20);
  Image im(h, w, 3);
  const int gx = int(rng() % 7) + 1, gy = int(rng() % 5) + 1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint8_t* p = im.row(y) + x * 3;
      const int base[3] = {(x * 255 * gx / w) % 256, (y * 255 * gy / h) % 256, ((x + y) * 97 / (h + w)) * 2};
      for (int c = 0; c < 3; c++) p[c] = uint8_t(std::clamp(base[c] + noise(rng), 0, 255));
    }
  const uint8_t flats[6][3] = {{128, 128, 128}, {255, 0, 0},     {0, 255, 0},
                               {0, 0, 0},       {255, 255, 255}, {10, 200, 90}};
  for (int k = 0; k < 6; k++) {
    const int y0 = int(rng() % uint32_t(h)), x0 = int(rng() % uint32_t(w));
    for (int y = y0; y < std::min(h, y0 + h / 6 + 1); y++)
      for (int x = x0; x < std::min(w, x0 + w / 6 + 1); x++) std::memcpy(im.row(y) + x * 3, flats[k], 3);
  }
  return im;
}

torch::Tensor stack_frames(const std::vector<ImageView>& ims) {
  torch::Tensor t = torch::empty({int64_t(ims.size()), ims[0].h, ims[0].w, 3}, torch::kUInt8);
  for (size_t i = 0; i < ims.size(); i++)
    std::memcpy(t[int64_t(i)].data_ptr<uint8_t>(), ims[i].data, size_t(ims[i].h) * ims[i].w * 3);
  return t.to(device());
}

// uint8 [3, h, w] tensor vs a CPU HWC image: number of differing elements (or -1 on shape mismatch).
int64_t count_diff(const torch::Tensor& chw, const Image& want) {
  torch::Tensor got = chw.to(torch::kCPU).permute({1, 2, 0}).contiguous();
  if (got.size(0) != want.h || got.size(1) != want.w) return -1;
  const uint8_t* g = got.data_ptr<uint8_t>();
  int64_t n = 0;
  for (size_t i = 0; i < want.data.size(); i++) n += g[i] != want.data[i];
  return n;
}

Image cpu_eval(const ImageView& v, const ImageTransformConfig& cfg) {
  return eagle_resize(albumentations_eval(v, cfg), cfg.patch_factor);
}
Image cpu_train(const ImageView& v, const ImageTransformConfig& cfg, const TrainDraw& d) {
  return eagle_resize(albumentations_train(v, cfg, d), cfg.patch_factor);
}

ImageTransformConfig train_config() {
  ImageTransformConfig cfg;
  cfg.random_rotation_angle = 15.0;
  cfg.color_jitter = ColorJitterParams{0.3, 0.4, 0.5, 0.08};
  return cfg;
}

}  // namespace

TEST(ImageTransformsTorch, EvalMatchesUpstreamGoldens) {
  st::File f(groot::test::golden_root() + "/tiny_v1/preprocess.safetensors");
  auto view_of = [&](const std::string& name) {
    const st::TensorView& t = f.at(name);
    return ImageView(t.data, int(t.shape[0]), int(t.shape[1]), int(t.shape[2]));
  };
  auto check = [&](const std::string& input, const std::string& want_name, bool letterbox) {
    ImageTransformConfig cfg;
    cfg.letterbox = letterbox;
    torch::Tensor out = transform_frames_u8(stack_frames({view_of(input)}), cfg);
    const st::TensorView& want = f.at(want_name);
    ASSERT_EQ(out.size(2), want.shape[0]) << want_name;
    ASSERT_EQ(out.size(3), want.shape[1]) << want_name;
    Image w(int(want.shape[0]), int(want.shape[1]), 3);
    std::memcpy(w.data.data(), want.data, want.nbytes);
    EXPECT_EQ(count_diff(out[0], w), 0) << want_name;
  };
  for (int i = 0; i < 3; i++) {
    const std::string p = "img" + std::to_string(i) + "/";
    check(p + "input_uint8_hwc", p + "smart_resize_uint8_hwc", true);
  }
  check("img2/input_uint8_hwc", "img2/noletterbox/smart_resize_uint8_hwc", false);
  // Normalised pixel values, float32, bit-exact.
  const st::TensorView& want = f.at("img2/pixel_values");
  torch::Tensor px =
      preprocess_frames(stack_frames({view_of("img2/input_uint8_hwc")}), ImageTransformConfig{});
  ASSERT_EQ(px.numel() * 4, int64_t(want.nbytes));
  torch::Tensor w = torch::from_blob(const_cast<uint8_t*>(want.data), {1, 3, 252, 252}, torch::kFloat32);
  EXPECT_TRUE(torch::equal(px.cpu(), w));
}

TEST(ImageTransformsTorch, EvalEqualsCpuForEveryAreaKernel) {
  struct Case {
    int h, w;
    bool letterbox;
  };
  // resize #1 kernels: 224 up (Linear), 240x320 / 480x640 down (Generic), 256 (Copy),
  // 512 (Fast 2x2), 768 (Fast 3x3), 100x150 up, 300x200 portrait; no-letterbox variants.
  const Case cases[] = {{224, 224, true},  {240, 320, true},  {480, 640, true}, {256, 256, true},
                        {512, 512, true},  {768, 768, true},  {100, 150, true}, {300, 200, true},
                        {240, 320, false}, {480, 640, false}, {97, 61, false},  {3, 5, true}};
  const AreaKernel expected[] = {AreaKernel::Linear, AreaKernel::Generic, AreaKernel::Generic,
                                 AreaKernel::Copy,   AreaKernel::Fast,    AreaKernel::Fast,
                                 AreaKernel::Linear};
  for (int k = 0; k < 7; k++) {
    const Case& c = cases[k];
    const int s = std::max(c.h, c.w);
    EXPECT_EQ(area_choice(s, s, 256, 256).kernel, expected[k]) << c.h << "x" << c.w;
  }
  EXPECT_EQ(area_choice(768, 768, 256, 256).factor_x, 3);
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.h) + "x" + std::to_string(c.w) + (c.letterbox ? "" : " no letterbox"));
    ImageTransformConfig cfg;
    cfg.letterbox = c.letterbox;
    std::vector<Image> ims;
    for (uint32_t i = 0; i < 3; i++) ims.push_back(test_image(c.h, c.w, 100 + i));
    torch::Tensor out = transform_frames_u8(stack_frames({ims[0], ims[1], ims[2]}), cfg);
    for (int i = 0; i < 3; i++)
      EXPECT_EQ(count_diff(out[i], cpu_eval(ims[size_t(i)], cfg)), 0) << "image " << i;
  }
}

TEST(ImageTransformsTorch, TrainBatchWithRandomDrawsEqualsCpuPerFrame) {
  struct Case {
    int h, w;
    bool letterbox;
  };
  for (const Case& c :
       {Case{240, 320, true}, Case{224, 224, true}, Case{480, 640, true}, Case{240, 320, false}}) {
    const int h = c.h, w = c.w;
    SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + (c.letterbox ? "" : " no letterbox"));
    ImageTransformConfig cfg = train_config();
    cfg.letterbox = c.letterbox;
    std::vector<Image> ims;
    std::vector<SampleImages> samples;
    for (uint32_t s = 0; s < 8; s++) ims.push_back(test_image(h, w, 7 * s + 1));
    for (size_t s = 0; s < 8; s++) samples.push_back({ims[s]});
    const std::vector<TrainDraw> draws = draw_batch(samples, cfg, 1234);
    // A non-contiguous view (every other row of a taller tensor) must work like a packed tensor.
    torch::Tensor packed = stack_frames({ims.begin(), ims.end()});
    torch::Tensor tall = torch::zeros({8, 2 * h, w, 3}, packed.options());
    tall.slice(1, 0, 2 * h, 2).copy_(packed);
    torch::Tensor frames = tall.slice(1, 0, 2 * h, 2);
    ASSERT_FALSE(frames.is_contiguous());
    torch::Tensor before = frames.clone();
    torch::Tensor out = transform_frames_u8(frames, cfg, draws);
    EXPECT_TRUE(torch::equal(frames, before)) << "the input frames were modified";
    for (size_t s = 0; s < 8; s++)
      EXPECT_EQ(count_diff(out[int64_t(s)], cpu_train(ims[s], cfg, draws[s])), 0)
          << "sample " << s << " angle " << draws[s].angle_deg << " order " << draws[s].order[0]
          << draws[s].order[1] << draws[s].order[2] << draws[s].order[3];
  }
}

TEST(ImageTransformsTorch, ExtremeAugmentationsEqualCpu) {
  const ImageTransformConfig cfg = train_config();
  std::vector<TrainDraw> draws;
  auto add = [&](auto&& edit) {
    TrainDraw d;
    d.crop_y0 = int(draws.size() * 3) % 14;
    d.crop_x0 = 13 - int(draws.size() * 5) % 14;
    edit(d);
    draws.push_back(d);
  };
  add([](TrainDraw& d) { d.rotate = true, d.angle_deg = 45.0; });
  add([](TrainDraw& d) { d.rotate = true, d.angle_deg = -90.0; });
  add([](TrainDraw& d) { d.rotate = true, d.angle_deg = 179.5; });
  add([](TrainDraw& d) { d.jitter = true, d.brightness = 0.0; });
  add([](TrainDraw& d) { d.jitter = true, d.brightness = 2.0; });
  add([](TrainDraw& d) { d.jitter = true, d.contrast = 0.0; });
  add([](TrainDraw& d) { d.jitter = true, d.contrast = 1.9; });
  add([](TrainDraw& d) { d.jitter = true, d.saturation = 0.0; });
  add([](TrainDraw& d) { d.jitter = true, d.saturation = 2.0; });
  add([](TrainDraw& d) { d.jitter = true, d.hue = 0.5; });
  add([](TrainDraw& d) { d.jitter = true, d.hue = -0.5; });
  add([](TrainDraw& d) { d.jitter = true, d.hue = 0.013; });
  add([](TrainDraw& d) {
    d.rotate = true, d.angle_deg = -3.3;
    d.jitter = true, d.brightness = 1.2, d.contrast = 0.7, d.saturation = 1.4, d.hue = -0.07;
    d.order = {3, 2, 1, 0};
  });
  add([](TrainDraw& d) {
    d.jitter = true, d.brightness = 0.8, d.contrast = 1.3, d.saturation = 0.6, d.hue = 0.04;
    d.order = {1, 3, 0, 2};
  });
  std::vector<Image> ims;
  for (size_t i = 0; i < draws.size(); i++) ims.push_back(test_image(240, 320, uint32_t(500 + i)));
  torch::Tensor out = transform_frames_u8(stack_frames({ims.begin(), ims.end()}), cfg, draws);
  for (size_t i = 0; i < draws.size(); i++)
    EXPECT_EQ(count_diff(out[int64_t(i)], cpu_train(ims[i], cfg, draws[i])), 0) << "draw " << i;
}

TEST(ImageTransformsTorch, FramesSharingOneDrawEqualCpu) {
  // The frames of one sample (T x V images) share its draw: one crop offset for the whole batch.
  const ImageTransformConfig cfg = train_config();
  std::vector<Image> ims;
  for (uint32_t i = 0; i < 4; i++) ims.push_back(test_image(240, 320, 40 + i));
  std::vector<SampleImages> one = {{ims[0], ims[1], ims[2], ims[3]}};
  const TrainDraw d = draw_batch(one, cfg, 99)[0];
  ASSERT_TRUE(d.crop_y0 > 0 || d.crop_x0 > 0);
  torch::Tensor out = transform_frames_u8(stack_frames({ims.begin(), ims.end()}), cfg, {d, d, d, d});
  for (size_t i = 0; i < 4; i++)
    EXPECT_EQ(count_diff(out[int64_t(i)], cpu_train(ims[i], cfg, d)), 0) << "frame " << i;
}

TEST(ImageTransformsTorch, BatchApiEqualsCpuBatchApi) {
  // Mixed sizes (grouped per size, chunked by max_batch = 3), two views per sample.
  std::vector<Image> ims;
  std::vector<SampleImages> samples;
  for (uint32_t s = 0; s < 5; s++) {
    ims.push_back(test_image(240, 320, 900 + s));
    ims.push_back(test_image(224, 224, 950 + s));
  }
  for (size_t s = 0; s < 5; s++) samples.push_back({ims[2 * s], ims[2 * s + 1]});
  // Without letterbox, the two views have different sizes after the first resize (256x341 and
  // 256x256): the sample's crop offsets are clamped per view.
  for (int mode = 0; mode < 3; mode++) {
    const bool train = mode > 0;
    SCOPED_TRACE(mode == 0 ? "eval" : mode == 1 ? "train" : "train, no letterbox");
    ImageTransformConfig cfg = train ? train_config() : ImageTransformConfig{};
    cfg.letterbox = mode != 2;
    auto cpu = preprocess_batch(samples, cfg, train, 77, 2);
    auto dev = preprocess_batch_torch(samples, cfg, train, 77, device(), torch::kFloat32, /*max_batch=*/3);
    ASSERT_EQ(dev.size(), cpu.size());
    for (size_t s = 0; s < cpu.size(); s++) {
      ASSERT_EQ(dev[s].size(), cpu[s].size());
      for (size_t i = 0; i < cpu[s].size(); i++) {
        torch::Tensor got = dev[s][i].cpu().contiguous();
        ASSERT_EQ(got.sizes(), (std::vector<int64_t>{3, cpu[s][i].h, cpu[s][i].w}));
        EXPECT_EQ(std::memcmp(got.data_ptr<float>(), cpu[s][i].chw.data(), cpu[s][i].chw.size() * 4), 0)
            << "sample " << s << " image " << i;
      }
    }
  }
  // bf16 output is the float32 output rounded.
  auto f32 = preprocess_batch_torch(samples, ImageTransformConfig{}, false, 0, device());
  auto bf16 = preprocess_batch_torch(samples, ImageTransformConfig{}, false, 0, device(), torch::kBFloat16);
  EXPECT_EQ(bf16[0][0].scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(bf16[0][0], f32[0][0].to(torch::kBFloat16)));
}

TEST(ImageTransformsTorch, RejectsBadInputWithClearErrors) {
  auto message = [](auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const ImageTransformConfig cfg;
  EXPECT_NE(message([&] {
              transform_frames_u8(torch::zeros({1, 64, 64, 3}, torch::kFloat32), cfg);
            }).find("expected uint8 frames"),
            std::string::npos);
  EXPECT_NE(message([&] {
              transform_frames_u8(torch::zeros({1, 64, 64, 4}, torch::kUInt8), cfg);
            }).find("[N, H, W, 3]"),
            std::string::npos);
  EXPECT_NE(message([&] {
              transform_frames_u8(torch::zeros({0, 64, 64, 3}, torch::kUInt8), cfg);
            }).find("empty"),
            std::string::npos);
  EXPECT_NE(message([&] {
              transform_frames_u8(torch::zeros({2, 64, 64, 3}, torch::kUInt8), cfg, {TrainDraw{}});
            }).find("1 train draws for 2 frames"),
            std::string::npos);
  TrainDraw bad;
  bad.jitter = true;
  bad.order = {0, 1, 2, 7};
  EXPECT_NE(message([&] {
              transform_frames_u8(torch::zeros({1, 64, 64, 3}, torch::kUInt8), cfg, {bad});
            }).find("colour-jitter op 7"),
            std::string::npos);
  EXPECT_NE(message([&] { albumentations_train(Image(64, 64, 3), cfg, bad); }).find("colour-jitter op 7"),
            std::string::npos);
  bad.order = {0, 1, 1, 2};
  EXPECT_NE(message([&] {
              transform_frames_u8(torch::zeros({1, 64, 64, 3}, torch::kUInt8), cfg, {bad});
            }).find("permutation"),
            std::string::npos);
  Image im(8, 8, 4);
  EXPECT_NE(
      message([&] { preprocess_batch_torch({{im}}, cfg, false, 0, torch::kCPU); }).find("sample 0 image 0"),
      std::string::npos);
}
