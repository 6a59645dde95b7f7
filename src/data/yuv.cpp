#include "data/yuv.h"

#include <cstddef>

namespace groot::yuv {

namespace {
// BT.601 limited range, coefficients x 2^15 (Y: 219/255 scale, C: 224/255 scale); chroma rows sum to 0.
constexpr int kYR = 8414, kYG = 16519, kYB = 3208;
constexpr int kUR = -4857, kUG = -9535, kUB = 14392;
constexpr int kVR = 14392, kVG = -12052, kVB = -2340;

inline uint8_t luma(int r, int g, int b) { return uint8_t((kYR * r + kYG * g + kYB * b + (16 << 15) + (1 << 14)) >> 15); }

// r, g, b: sums over `n` pixels (n = 1, 2 or 4). Shift by 15 + log2(n) with rounding.
inline uint8_t chroma(int cr, int cg, int cb, int r, int g, int b, int shift) {
  return uint8_t((cr * r + cg * g + cb * b + (128 << shift) + (1 << (shift - 1))) >> shift);
}
}  // namespace

void rgb24_to_yuv420p(const uint8_t* hwc, int width, int height, uint8_t* y, int y_stride, uint8_t* u,
                      uint8_t* v, int uv_stride) {
  const int row = width * 3;
  for (int r = 0; r < height; ++r) {
    const uint8_t* s = hwc + std::size_t(r) * row;
    uint8_t* yd = y + std::size_t(r) * y_stride;
    for (int x = 0; x < width; ++x) yd[x] = luma(s[3 * x], s[3 * x + 1], s[3 * x + 2]);
  }
  const int cw = (width + 1) / 2, ch = (height + 1) / 2;
  for (int cr = 0; cr < ch; ++cr) {
    const uint8_t* s0 = hwc + std::size_t(2 * cr) * row;
    const bool two_rows = 2 * cr + 1 < height;
    const uint8_t* s1 = two_rows ? s0 + row : s0;
    uint8_t* ud = u + std::size_t(cr) * uv_stride;
    uint8_t* vd = v + std::size_t(cr) * uv_stride;
    const int full = width / 2;  // 2-pixel-wide blocks
    const int shift = two_rows ? 17 : 16;
    for (int x = 0; x < full; ++x) {
      const uint8_t* a = s0 + 6 * x;
      const uint8_t* b = s1 + 6 * x;
      int R = a[0] + a[3], G = a[1] + a[4], B = a[2] + a[5];
      if (two_rows) R += b[0] + b[3], G += b[1] + b[4], B += b[2] + b[5];
      ud[x] = chroma(kUR, kUG, kUB, R, G, B, shift);
      vd[x] = chroma(kVR, kVG, kVB, R, G, B, shift);
    }
    if (cw > full) {  // odd width: last column block is 1 pixel wide
      const uint8_t* a = s0 + 6 * full;
      const uint8_t* b = s1 + 6 * full;
      int R = a[0], G = a[1], B = a[2];
      if (two_rows) R += b[0], G += b[1], B += b[2];
      ud[full] = chroma(kUR, kUG, kUB, R, G, B, shift - 1);
      vd[full] = chroma(kVR, kVG, kVB, R, G, B, shift - 1);
    }
  }
}

}  // namespace groot::yuv
