// Image transforms: parity with the upstream eval pipeline goldens (tests/golden/tiny_v1/
// preprocess.safetensors, produced by albumentations/OpenCV 5.0 + Pillow 12.3), plus unit tests of
// the primitives and of the train-mode draw sharing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>

#include "data/safetensors.h"
#include "processor/image_transforms.h"
#include "test_util.h"
#include "util/error.h"

using namespace groot;
using namespace groot::img;

namespace {

std::string golden_path() {
  return groot::test::golden_root() + "/tiny_v1/preprocess.safetensors";
}

ImageView view_of(const st::TensorView& t) {
  EXPECT_EQ(t.dtype, st::DType::U8) << t.name;
  EXPECT_EQ(t.shape.size(), 3u) << t.name;
  return ImageView(t.data, int(t.shape[0]), int(t.shape[1]), int(t.shape[2]));
}

struct Diff {
  int max_abs = 0;
  size_t n_diff = 0;
};

Diff compare(const Image& got, const st::TensorView& want) {
  EXPECT_EQ(want.shape.size(), 3u);
  EXPECT_EQ(got.h, want.shape[0]) << want.name;
  EXPECT_EQ(got.w, want.shape[1]) << want.name;
  EXPECT_EQ(got.c, want.shape[2]) << want.name;
  Diff d;
  if (got.data.size() != want.nbytes) return Diff{999, got.data.size()};
  for (size_t i = 0; i < want.nbytes; i++) {
    const int e = std::abs(int(got.data[i]) - int(want.data[i]));
    if (e) d.n_diff++;
    d.max_abs = std::max(d.max_abs, e);
  }
  return d;
}

void check_stages(const st::File& f, const std::string& prefix, const ImageView& input, bool letterbox) {
  ImageTransformConfig cfg;
  cfg.letterbox = letterbox;
  EvalStages stages;
  Image r2 = albumentations_eval(input, cfg, &stages);
  Image smart = eagle_resize(r2);
  const std::pair<const char*, const Image*> checks[] = {{"resize1_uint8_hwc", &stages.resize1},
                                                         {"crop_uint8_hwc", &stages.crop},
                                                         {"resize2_uint8_hwc", &stages.resize2},
                                                         {"smart_resize_uint8_hwc", &smart}};
  for (const auto& [name, img] : checks) {
    const st::TensorView& want = f.at(prefix + name);
    Diff d = compare(*img, want);
    // Acceptance: within 1/255 at every stage; we expect and report exact equality.
    EXPECT_LE(d.max_abs, 1) << prefix << name << ": " << d.n_diff << " elements differ";
    EXPECT_EQ(d.n_diff, 0u) << prefix << name << ": max abs diff " << d.max_abs;
  }
}

}  // namespace

TEST(ImageTransformsGolden, EveryStageMatchesUpstreamForAllImages) {
  st::File f(golden_path());
  for (int i = 0; i < 3; i++) {
    const std::string p = "img" + std::to_string(i) + "/";
    SCOPED_TRACE(p);
    check_stages(f, p, view_of(f.at(p + "input_uint8_hwc")), /*letterbox=*/true);
  }
}

TEST(ImageTransformsGolden, NoLetterboxVariantMatches) {
  st::File f(golden_path());
  check_stages(f, "img2/noletterbox/", view_of(f.at("img2/input_uint8_hwc")), /*letterbox=*/false);
}

TEST(ImageTransformsGolden, CropCoordinatesAndShapes) {
  // preprocess.json: 256x256 -> crop [6:249, 6:249]; noletterbox 256x341 -> 243x323 -> 256x340 -> 252x336.
  CropBox b = center_crop_box(256, 256, 0.95);
  EXPECT_EQ(b.y0, 6);
  EXPECT_EQ(b.x0, 6);
  EXPECT_EQ(b.h, 243);
  EXPECT_EQ(b.w, 243);
  EXPECT_EQ(smallest_max_size_shape(480, 640, 256), (std::array<int, 2>{256, 341}));
  EXPECT_EQ(smallest_max_size_shape(243, 323, 256), (std::array<int, 2>{256, 340}));
  EXPECT_EQ(smallest_max_size_shape(224, 224, 256), (std::array<int, 2>{256, 256}));
  EXPECT_EQ(smallest_max_size_shape(256, 300, 256), (std::array<int, 2>{256, 300}));
  EXPECT_EQ(smart_resize_shape(256, 340), (std::array<int, 2>{252, 336}));
  EXPECT_EQ(smart_resize_shape(256, 256), (std::array<int, 2>{252, 252}));
  Pads p = letterbox_pads(240, 320);
  EXPECT_EQ(p.top, 40);
  EXPECT_EQ(p.bottom, 40);
  EXPECT_EQ(p.left, 0);
  EXPECT_EQ(p.right, 0);
  p = letterbox_pads(5, 2);
  EXPECT_EQ(p.left, 1);
  EXPECT_EQ(p.right, 2);
}

TEST(ImageTransformsGolden, PixelValuesMatchFusedFormula) {
  st::File f(golden_path());
  const st::TensorView& want = f.at("img2/pixel_values");
  ASSERT_EQ(want.dtype, st::DType::F32);
  ASSERT_EQ(want.shape, (std::vector<int64_t>{1, 3, 252, 252}));
  Pixels px = preprocess_eval(view_of(f.at("img2/input_uint8_hwc")), ImageTransformConfig{});
  ASSERT_EQ(px.h, 252);
  ASSERT_EQ(px.w, 252);
  ASSERT_EQ(px.chw.size() * sizeof(float), want.nbytes);
  const float* w = reinterpret_cast<const float*>(want.data);
  float max_err = 0;
  size_t n_diff = 0;
  for (size_t i = 0; i < px.chw.size(); i++) {
    max_err = std::max(max_err, std::abs(px.chw[i] - w[i]));
    n_diff += px.chw[i] != w[i];
  }
  EXPECT_LE(max_err, 1.0f / 255.0f * 2.0f);  // 1/255 in uint8 = 2/255 after (x-127.5)/127.5
  EXPECT_EQ(n_diff, 0u) << "max err " << max_err;
  // The other images: pixel values are the formula applied to the smart_resize golden.
  Pixels p0 = preprocess_eval(view_of(f.at("img0/input_uint8_hwc")), ImageTransformConfig{});
  const st::TensorView& s0 = f.at("img0/smart_resize_uint8_hwc");
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 252; y += 17)
      for (int x = 0; x < 252; x += 13)
        EXPECT_EQ(p0.chw[(c * 252 + y) * 252 + x], (float(s0.data[(y * 252 + x) * 3 + c]) - 127.5f) / 127.5f);
}

// ---- primitives ---------------------------------------------------------------------------------
TEST(ImageTransforms, AreaDownscaleOfConstantImageIsConstant) {
  Image im(37, 53, 3);
  std::fill(im.data.begin(), im.data.end(), 200);
  for (auto hw : {std::array<int, 2>{10, 13}, {18, 26}, {37, 20}, {5, 53}}) {
    Image r = resize_area(im, hw[0], hw[1]);
    ASSERT_EQ(r.h, hw[0]);
    ASSERT_EQ(r.w, hw[1]);
    for (uint8_t v : r.data) ASSERT_EQ(v, 200);
  }
}

TEST(ImageTransforms, AreaIntegerFactorAveragesBlocks) {
  // 2x2 uses OpenCV's (sum + 2) >> 2; 3x3 uses round-half-even of sum / 9.
  Image im(4, 4, 1);
  const uint8_t vals[16] = {0, 1, 10, 20, 1, 0, 30, 41, 5, 5, 100, 100, 5, 6, 100, 101};
  std::memcpy(im.data.data(), vals, 16);
  Image r = resize_area(im, 2, 2);
  EXPECT_EQ(r.data[0], (0 + 1 + 1 + 0 + 2) >> 2);      // 1
  EXPECT_EQ(r.data[1], (10 + 20 + 30 + 41 + 2) >> 2);  // 25
  EXPECT_EQ(r.data[2], (5 + 5 + 5 + 6 + 2) >> 2);      // 5
  EXPECT_EQ(r.data[3], (100 + 100 + 100 + 101 + 2) >> 2);
  Image im3(3, 3, 1);
  for (int i = 0; i < 9; i++) im3.data[i] = uint8_t(i * 10);  // mean 40
  EXPECT_EQ(resize_area(im3, 1, 1).data[0], 40);
}

TEST(ImageTransforms, AreaUpscaleOfConstantImageIsConstant) {
  Image im(20, 30, 3);
  std::fill(im.data.begin(), im.data.end(), 77);
  Image r = resize_area(im, 33, 41);
  for (uint8_t v : r.data) ASSERT_EQ(v, 77);
}

TEST(ImageTransforms, PilBicubicIdentityAndConstant) {
  Image im(9, 11, 3);
  std::mt19937 rng(1);
  for (auto& v : im.data) v = uint8_t(rng() & 255);
  Image same = resize_bicubic_pil(im, 9, 11);
  EXPECT_EQ(same.data, im.data);
  Image cst(40, 40, 3);
  std::fill(cst.data.begin(), cst.data.end(), 133);
  for (uint8_t v : resize_bicubic_pil(cst, 28, 56).data) ASSERT_EQ(v, 133);
}

TEST(ImageTransforms, SmartResizeLimitsAndErrors) {
  EXPECT_EQ(smart_resize_shape(10, 10), (std::array<int, 2>{56, 56}));  // below min_pixels: scaled up
  EXPECT_EQ(smart_resize_shape(14, 14)[0] % 28, 0);
  EXPECT_THROW(smart_resize_shape(1, 300), Error);  // aspect ratio > 200
  EXPECT_THROW(smart_resize_shape(0, 30), Error);
  auto big = smart_resize_shape(5000, 6000);
  EXPECT_LE(int64_t(big[0]) * big[1], int64_t(4096) * 28 * 28);
  EXPECT_EQ(big[0] % 28, 0);
  EXPECT_EQ(big[1] % 28, 0);
}

TEST(ImageTransforms, BadInputsRaiseErrors) {
  Image im(10, 10, 3);
  EXPECT_THROW(resize_area(im, 0, 5), Error);
  EXPECT_THROW(crop(im, CropBox{5, 5, 6, 6}), Error);
  EXPECT_THROW(center_crop_box(10, 10, 1.5), Error);
  EXPECT_THROW(preprocess_eval(ImageView(nullptr, 10, 10, 3), ImageTransformConfig{}), Error);
  Image gray(10, 10, 1);
  EXPECT_THROW(preprocess_eval(gray, ImageTransformConfig{}), Error);
}

TEST(ImageTransforms, NormalizeRange) {
  Image im(1, 2, 3);
  const uint8_t v[6] = {0, 255, 128, 1, 2, 3};
  std::memcpy(im.data.data(), v, 6);
  std::vector<float> out(6);
  normalize_to_chw(im, out.data());
  EXPECT_EQ(out[0], -1.0f);                       // c0, x0
  EXPECT_EQ(out[1], (1.0f - 127.5f) / 127.5f);    // c0, x1
  EXPECT_EQ(out[2], 1.0f);                        // c1, x0
  EXPECT_EQ(out[4], (128.0f - 127.5f) / 127.5f);  // c2, x0
}

// ---- train mode ---------------------------------------------------------------------------------
TEST(ImageTransformsTrain, DrawIsSharedAcrossViewsAndDeterministic) {
  ImageTransformConfig cfg;
  cfg.color_jitter = ColorJitterParams{0.3, 0.4, 0.5, 0.08};
  cfg.random_rotation_angle = 10.0;
  Image a(240, 320, 3), b(240, 320, 3);
  std::mt19937 rng(7);
  for (auto& v : a.data) v = uint8_t(rng() & 255);
  b.data = a.data;  // identical views must stay identical after a shared draw
  std::vector<SampleImages> samples = {{a, b}, {a, b}};
  auto r1 = preprocess_batch(samples, cfg, /*train=*/true, /*seed=*/42, /*threads=*/2);
  auto r2 = preprocess_batch(samples, cfg, /*train=*/true, /*seed=*/42, /*threads=*/1);
  ASSERT_EQ(r1.size(), 2u);
  EXPECT_EQ(r1[0][0].chw, r1[0][1].chw);  // views of one sample share the draw
  EXPECT_EQ(r1[0][0].chw, r2[0][0].chw);  // thread count does not matter
  EXPECT_NE(r1[0][0].chw, r1[1][0].chw);  // different samples get different draws
  auto r3 = preprocess_batch(samples, cfg, true, /*seed=*/43, 2);
  EXPECT_NE(r1[0][0].chw, r3[0][0].chw);
  EXPECT_EQ(r1[0][0].h, 252);
  EXPECT_EQ(r1[0][0].w, 252);
}

TEST(ImageTransformsTrain, DrawDistributions) {
  ImageTransformConfig cfg;
  cfg.color_jitter = ColorJitterParams{0.3, 0.4, 0.5, 0.08};
  cfg.random_rotation_angle = 15.0;
  std::mt19937_64 rng(3);
  int min_y = 1000, max_y = -1;
  for (int i = 0; i < 2000; i++) {
    TrainDraw d = draw_train(rng, cfg, 256, 256);
    min_y = std::min(min_y, d.crop_y0);
    max_y = std::max(max_y, d.crop_y0);
    ASSERT_GE(d.crop_x0, 0);
    ASSERT_LE(d.crop_x0, 13);  // 256 - int(256 * 0.95) = 13
    ASSERT_LE(std::abs(d.angle_deg), 15.0);
    ASSERT_GE(d.brightness, 0.7);
    ASSERT_LE(d.brightness, 1.3);
    ASSERT_GE(d.saturation, 0.5);
    ASSERT_LE(d.saturation, 1.5);
    ASSERT_LE(std::abs(d.hue), 0.08);
  }
  EXPECT_EQ(min_y, 0);
  EXPECT_EQ(max_y, 13);
}

TEST(ImageTransformsTrain, NoAugmentationAndCentredDrawEqualsEval) {
  ImageTransformConfig cfg;
  Image a(240, 320, 3);
  std::mt19937 rng(9);
  for (auto& v : a.data) v = uint8_t(rng() & 255);
  TrainDraw d;
  d.crop_y0 = d.crop_x0 = 6;  // the centre crop offsets of 256 -> 243
  EXPECT_EQ(preprocess_train(a, cfg, d).chw, preprocess_eval(a, cfg).chw);
}

TEST(ImageTransformsTrain, ColourOps) {
  Image im(2, 2, 3);
  for (size_t i = 0; i < im.data.size(); i++) im.data[i] = uint8_t(40 + 18 * i);  // 40..238
  Image b = im;
  adjust_brightness(b, 2.0);
  EXPECT_EQ(b.data[0], 80);
  EXPECT_EQ(b.data[11], 255);  // clipped
  Image s = im;
  adjust_saturation(s, 0.0);  // -> grayscale
  for (int p = 0; p < 4; p++) {
    EXPECT_EQ(s.data[p * 3], s.data[p * 3 + 1]);
    EXPECT_EQ(s.data[p * 3], s.data[p * 3 + 2]);
  }
  Image h = im;
  adjust_hue(h, 0.5);  // rotate hue by 180 degrees: changes colour, keeps max channel value
  EXPECT_NE(h.data, im.data);
  Image h2 = im;
  adjust_hue(h2, 0.0);
  EXPECT_EQ(h2.data, im.data);
  Image c = im;
  adjust_contrast(c, 0.0);  // constant = mean gray
  for (uint8_t v : c.data) EXPECT_EQ(v, c.data[0]);
  Image r = rotate(im, 0.0);
  EXPECT_EQ(r.data, im.data);
}
