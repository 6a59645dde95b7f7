// RGB24 -> yuv420p conversion used by the video encoder (data/yuv.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "data/yuv.h"
#include "groot/build_config.h"
#if GROOT_HAVE_FFMPEG
extern "C" {
#include <libswscale/swscale.h>
}
#endif

namespace groot {
namespace {

struct Planes {
  int w, h, cw, ch;
  std::vector<uint8_t> y, u, v;
  Planes(int w_, int h_) : w(w_), h(h_), cw((w_ + 1) / 2), ch((h_ + 1) / 2), y(w * h), u(cw * ch), v(cw * ch) {}
};

Planes convert(const std::vector<uint8_t>& rgb, int w, int h) {
  Planes p(w, h);
  yuv::rgb24_to_yuv420p(rgb.data(), w, h, p.y.data(), w, p.u.data(), p.v.data(), p.cw);
  return p;
}

std::vector<uint8_t> solid(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  std::vector<uint8_t> img(size_t(w) * h * 3);
  for (size_t i = 0; i < img.size(); i += 3) img[i] = r, img[i + 1] = g, img[i + 2] = b;
  return img;
}

TEST(Yuv, PureColoursHitBt601LimitedRangeValues) {
  struct Case {
    uint8_t r, g, b, y, u, v;
  };
  // Textbook BT.601 studio-range values (rounded).
  for (Case c : {Case{255, 255, 255, 235, 128, 128}, Case{0, 0, 0, 16, 128, 128}, Case{255, 0, 0, 81, 90, 240},
                 Case{0, 255, 0, 145, 54, 34}, Case{0, 0, 255, 41, 240, 110}, Case{128, 128, 128, 126, 128, 128}}) {
    for (auto [w, h] : std::vector<std::pair<int, int>>{{4, 2}, {5, 3}, {1, 1}, {7, 1}}) {
      Planes p = convert(solid(w, h, c.r, c.g, c.b), w, h);
      for (uint8_t x : p.y) ASSERT_EQ(x, c.y) << int(c.r) << "," << int(c.g) << "," << int(c.b) << " " << w << "x" << h;
      for (uint8_t x : p.u) ASSERT_EQ(x, c.u) << int(c.r) << "," << int(c.g) << "," << int(c.b) << " " << w << "x" << h;
      for (uint8_t x : p.v) ASSERT_EQ(x, c.v) << int(c.r) << "," << int(c.g) << "," << int(c.b) << " " << w << "x" << h;
    }
  }
}

TEST(Yuv, ChromaIsTheMeanOfEach2x2BlockIncludingOddEdges) {
  // 3x3 image: blocks are 2x2, 1x2 (right column), 2x1 (bottom row) and 1x1 (corner).
  const int w = 3, h = 3;
  std::vector<uint8_t> img(w * h * 3, 0);
  auto set = [&](int x, int yy, uint8_t b) { img[(yy * w + x) * 3 + 2] = b; };  // blue only
  set(0, 0, 255);  // top-left block: 1 of 4 pixels blue -> mean blue 63.75
  set(2, 0, 255);  // right column block (x=2, rows 0-1): 1 of 2 blue -> 127.5
  set(0, 2, 200);
  set(1, 2, 100);  // bottom row block (x=0-1, row 2): mean 150
  set(2, 2, 40);   // corner: 40
  Planes p = convert(img, w, h);
  auto u_of = [](double b) { return int(128 + 0.439216 * b + 0.5); };  // R = G = 0
  EXPECT_NEAR(p.u[0], u_of(63.75), 1);
  EXPECT_NEAR(p.u[1], u_of(127.5), 1);
  EXPECT_NEAR(p.u[2], u_of(150), 1);
  EXPECT_NEAR(p.u[3], u_of(40), 1);
  // luma is per pixel
  EXPECT_EQ(p.y[0], 16 + int(0.097906 * 255 + 0.5));
  EXPECT_EQ(p.y[1], 16);
}

#if GROOT_HAVE_FFMPEG
TEST(Yuv, AgreesWithSwscaleOnASmoothImage) {
  // libswscale's default rgb24 -> yuv420p (what the encoder used before): luma within 1 level,
  // chroma within 2 (swscale filters chroma with a wider kernel than the 2x2 mean).
  const int w = 64, h = 48;
  std::vector<uint8_t> img(w * h * 3);
  for (int yy = 0; yy < h; ++yy)
    for (int x = 0; x < w; ++x) {
      img[(yy * w + x) * 3 + 0] = uint8_t(x * 4);
      img[(yy * w + x) * 3 + 1] = uint8_t(yy * 5);
      img[(yy * w + x) * 3 + 2] = uint8_t(255 - x * 2 - yy);
    }
  Planes ours = convert(img, w, h);
  Planes ref(w, h);
  SwsContext* s = sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr,
                                 nullptr);
  ASSERT_NE(s, nullptr);
  const uint8_t* src[4] = {img.data(), nullptr, nullptr, nullptr};
  const int src_stride[4] = {w * 3, 0, 0, 0};
  uint8_t* dst[4] = {ref.y.data(), ref.u.data(), ref.v.data(), nullptr};
  const int dst_stride[4] = {w, ref.cw, ref.cw, 0};
  sws_scale(s, src, src_stride, 0, h, dst, dst_stride);
  sws_freeContext(s);
  int dy = 0, dc = 0;
  for (size_t i = 0; i < ours.y.size(); ++i) dy = std::max(dy, std::abs(int(ours.y[i]) - int(ref.y[i])));
  // interior chroma (swscale's kernel reaches past the image edge differently)
  for (int cy = 1; cy < ours.ch - 1; ++cy)
    for (int cx = 1; cx < ours.cw - 1; ++cx) {
      size_t i = size_t(cy) * ours.cw + cx;
      dc = std::max({dc, std::abs(int(ours.u[i]) - int(ref.u[i])), std::abs(int(ours.v[i]) - int(ref.v[i]))});
    }
  EXPECT_LE(dy, 1);
  EXPECT_LE(dc, 2);
}
#endif

}  // namespace
}  // namespace groot
