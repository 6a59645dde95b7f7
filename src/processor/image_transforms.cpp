// Image transforms: see image_transforms.h for the upstream semantics reproduced here.
#include "processor/image_transforms.h"

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <thread>

#include "util/error.h"

namespace groot::img {
namespace {

// ---- rounding helpers matching OpenCV's saturate_cast --------------------------------------------
inline int round_half_even(double v) {
  return int(std::nearbyint(v));
}  // cvRound (FE_TONEAREST)
inline int round_half_even_f(float v) {
  return int(std::nearbyintf(v));
}
inline uint8_t sat_u8(int v) {
  return uint8_t(v < 0 ? 0 : (v > 255 ? 255 : v));
}
inline uint8_t sat_u8_f(float v) {
  return sat_u8(round_half_even_f(v));
}
inline int16_t sat_s16_f(float v) {
  int r = round_half_even_f(v);
  return int16_t(r < -32768 ? -32768 : (r > 32767 ? 32767 : r));
}

void check_view(const ImageView& v, const char* what) {
  GROOT_CHECK(v.data != nullptr && v.h > 0 && v.w > 0 && v.c >= 1 && v.c <= 4, what, ": invalid image (", v.h,
              "x", v.w, "x", v.c, "); expected uint8 HWC with 1..4 channels");
}

Image copy_of(const ImageView& src) {
  Image out(src.h, src.w, src.c);
  std::copy(src.data, src.data + out.data.size(), out.data.begin());
  return out;
}

// ---- OpenCV INTER_AREA, down-scale by a non-integer factor: weighted box filter in float ----------
struct AreaTab {
  int si, di;  // source / destination element index (already multiplied by cn)
  float alpha;
};

std::vector<AreaTab> area_tab(int ssize, int dsize, int cn, double scale) {
  std::vector<AreaTab> tab;
  tab.reserve(size_t(ssize) * 2);
  for (int dx = 0; dx < dsize; dx++) {
    double fsx1 = dx * scale;
    double fsx2 = fsx1 + scale;
    double cell = std::min(scale, ssize - fsx1);
    int sx1 = int(std::ceil(fsx1)), sx2 = int(std::floor(fsx2));
    sx2 = std::min(sx2, ssize - 1);
    sx1 = std::min(sx1, sx2);
    if (sx1 - fsx1 > 1e-3) tab.push_back({(sx1 - 1) * cn, dx * cn, float((sx1 - fsx1) / cell)});
    for (int sx = sx1; sx < sx2; sx++) tab.push_back({sx * cn, dx * cn, float(1.0 / cell)});
    if (fsx2 - sx2 > 1e-3)
      tab.push_back({sx2 * cn, dx * cn, float(std::min(std::min(fsx2 - sx2, 1.), cell) / cell)});
  }
  return tab;
}

void resize_area_generic(const ImageView& src, Image& dst, double scale_x, double scale_y) {
  const int cn = src.c;
  const int dwidth = dst.w * cn;
  std::vector<AreaTab> xtab = area_tab(src.w, dst.w, cn, scale_x);
  std::vector<AreaTab> ytab = area_tab(src.h, dst.h, 1, scale_y);
  std::vector<float> buf(dwidth), sum(dwidth, 0.f);
  int prev_dy = ytab.empty() ? 0 : ytab[0].di;
  for (const AreaTab& yt : ytab) {
    const float beta = yt.alpha;
    const int dy = yt.di;
    const uint8_t* S = src.row(yt.si);
    std::fill(buf.begin(), buf.end(), 0.f);
    if (cn == 3) {
      for (const AreaTab& xt : xtab) {
        const float a = xt.alpha;
        float* b = &buf[xt.di];
        const uint8_t* sp = S + xt.si;
        b[0] = b[0] + float(sp[0]) * a;
        b[1] = b[1] + float(sp[1]) * a;
        b[2] = b[2] + float(sp[2]) * a;
      }
    } else {
      for (const AreaTab& xt : xtab) {
        const float a = xt.alpha;
        for (int c = 0; c < cn; c++) buf[xt.di + c] = buf[xt.di + c] + float(S[xt.si + c]) * a;
      }
    }
    if (dy != prev_dy) {
      uint8_t* D = dst.row(prev_dy);
      for (int x = 0; x < dwidth; x++) {
        D[x] = sat_u8_f(sum[x]);
        sum[x] = beta * buf[x];
      }
      prev_dy = dy;
    } else {
      for (int x = 0; x < dwidth; x++) sum[x] += beta * buf[x];
    }
  }
  uint8_t* D = dst.row(prev_dy);
  for (int x = 0; x < dwidth; x++) D[x] = sat_u8_f(sum[x]);
}

// ---- OpenCV INTER_AREA, integer down-scale factors ("area fast") ---------------------------------
void resize_area_fast(const ImageView& src, Image& dst, int isx, int isy) {
  const int cn = src.c;
  const int dwidth = dst.w * cn;
  const bool two_by_two = isx == 2 && isy == 2 && (cn == 1 || cn == 3 || cn == 4);
  const float scale = 1.f / float(isx * isy);
  for (int dy = 0; dy < dst.h; dy++) {
    uint8_t* D = dst.row(dy);
    const int sy0 = dy * isy;
    for (int x = 0; x < dwidth; x++) {
      const int dxp = x / cn, c = x % cn;
      const int sx0 = dxp * isx;
      int s = 0;
      for (int yy = 0; yy < isy; yy++) {
        const uint8_t* S = src.row(std::min(sy0 + yy, src.h - 1));
        for (int xx = 0; xx < isx; xx++) s += S[std::min(sx0 + xx, src.w - 1) * cn + c];
      }
      D[x] = two_by_two ? uint8_t((s + 2) >> 2) : sat_u8_f(float(s) * scale);
    }
  }
}

// ---- OpenCV INTER_AREA up-scaling: bilinear with area-style coefficients, 11-bit fixed point ----
constexpr int kCoefScale = 1 << 11;  // INTER_RESIZE_COEF_SCALE

void resize_area_linear(const ImageView& src, Image& dst) {
  const int cn = src.c;
  const int dwidth = dst.w * cn;
  const IntTaps tx = area_linear_taps(src.w, dst.w, /*horizontal=*/true);
  const IntTaps ty = area_linear_taps(src.h, dst.h, /*horizontal=*/false);
  auto hresize = [&](const uint8_t* S, int* D) {
    for (int dx = 0; dx < dst.w; dx++) {
      const uint8_t* s0 = S + tx.idx[dx] * cn;
      const uint8_t* s1 = S + tx.idx[tx.out + dx] * cn;
      const int a0 = tx.w[dx], a1 = tx.w[tx.out + dx];
      for (int k = 0; k < cn; k++) D[dx * cn + k] = s0[k] * a0 + s1[k] * a1;
    }
  };
  std::vector<int> row0(dwidth), row1(dwidth);
  int have0 = -1, have1 = -1;  // source rows currently held in row0 / row1
  // OpenCV's vertical pass (VResizeLinearVec_32s8u) rounds as its SIMD kernel does:
  // ((S0>>4)*b0 >> 16) + ((S1>>4)*b1 >> 16), then (+2) >> 2 with unsigned saturation. The goldens
  // (OpenCV 5.0) show this rounding on every element, including a row tail that is not a multiple
  // of the vector width (243x323 -> 256x340), so it is used for all outputs.
  for (int dy = 0; dy < dst.h; dy++) {
    const int y0 = ty.idx[dy], y1 = ty.idx[ty.out + dy];
    const int b0 = ty.w[dy], b1 = ty.w[ty.out + dy];
    // Reuse horizontally resized rows from the previous output row when possible.
    if (y0 == have1) {
      std::swap(row0, row1);
      std::swap(have0, have1);
    }
    if (y0 != have0) hresize(src.row(y0), row0.data()), have0 = y0;
    if (y1 != have1) hresize(src.row(y1), row1.data()), have1 = y1;
    uint8_t* D = dst.row(dy);
    for (int x = 0; x < dwidth; x++) {
      const int s0 = int16_t(std::clamp(row0[x] >> 4, -32768, 32767));
      const int s1 = int16_t(std::clamp(row1[x] >> 4, -32768, 32767));
      const int v = int16_t(((s0 * b0) >> 16) + ((s1 * b1) >> 16));
      D[x] = sat_u8((v + 2) >> 2);
    }
  }
}

// ---- Pillow resample (BICUBIC) ----------------------------------------------------------------
constexpr int kPilPrecisionBits = 32 - 8 - 2;

double pil_bicubic(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

struct PilCoeffs {
  int ksize = 0;
  std::vector<int> bounds;  // [out * 2]: xmin, count
  std::vector<int> kk;      // [out * ksize], fixed point
};

PilCoeffs pil_precompute(int in_size, int out_size) {
  constexpr double kSupport = 2.0;  // bicubic
  const double in0 = 0.0, in1 = double(in_size);
  double scale = (in1 - in0) / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = kSupport * filterscale;
  PilCoeffs c;
  c.ksize = int(std::ceil(support)) * 2 + 1;
  c.bounds.resize(size_t(out_size) * 2);
  c.kk.assign(size_t(out_size) * c.ksize, 0);
  std::vector<double> k(c.ksize);
  for (int xx = 0; xx < out_size; xx++) {
    const double center = in0 + (xx + 0.5) * scale;
    double ww = 0.0;
    const double ss = 1.0 / filterscale;
    int xmin = int(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = int(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    for (int x = 0; x < xmax; x++) {
      const double w = pil_bicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; x++)
      if (ww != 0.0) k[x] /= ww;
    for (int x = 0; x < xmax; x++) {
      const double v = k[x] * (1 << kPilPrecisionBits);
      c.kk[size_t(xx) * c.ksize + x] = v < 0 ? int(-0.5 + v) : int(0.5 + v);
    }
    c.bounds[xx * 2] = xmin;
    c.bounds[xx * 2 + 1] = xmax;
  }
  return c;
}

inline uint8_t pil_clip8(int v) {
  const int s = v >> kPilPrecisionBits;  // arithmetic shift
  return uint8_t(s < 0 ? 0 : (s > 255 ? 255 : s));
}

// Albumentations-style box of the first SmallestMaxSize.
Image smallest_max_size(const ImageView& src, int max_size) {
  const auto hw = smallest_max_size_shape(src.h, src.w, max_size);
  if (hw[0] == src.h && hw[1] == src.w) return copy_of(src);
  return resize_area(src, hw[0], hw[1]);
}

// OpenCV COLOR_RGB2GRAY for 8-bit (fixed point, 14 bits).
inline int gray_u8(const uint8_t* p) {
  return (p[0] * 4899 + p[1] * 9617 + p[2] * 1868 + (1 << 13)) >> 14;
}

void apply_lut(Image& im, const uint8_t* lut) {
  for (auto& v : im.data) v = lut[v];
}

}  // namespace

// ================================================================================================
Pads letterbox_pads(int h, int w) {
  Pads p;
  if (h == w) return p;
  const int s = std::max(h, w);
  const int ph = s - h, pw = s - w;
  p.top = ph / 2;
  p.bottom = ph - ph / 2;
  p.left = pw / 2;
  p.right = pw - pw / 2;
  return p;
}

Image pad_constant(const ImageView& src, const Pads& p, uint8_t value) {
  check_view(src, "pad_constant");
  Image out(src.h + p.top + p.bottom, src.w + p.left + p.right, src.c);
  std::fill(out.data.begin(), out.data.end(), value);
  const size_t row_bytes = size_t(src.w) * src.c;
  for (int y = 0; y < src.h; y++)
    std::copy(src.row(y), src.row(y) + row_bytes, out.row(y + p.top) + size_t(p.left) * src.c);
  return out;
}

std::array<int, 2> smallest_max_size_shape(int h, int w, int max_size) {
  GROOT_CHECK(h > 0 && w > 0 && max_size > 0, "SmallestMaxSize: invalid size ", h, "x", w, " -> ", max_size);
  const double scale = double(max_size) / double(std::min(h, w));
  if (scale == 1.0) return {h, w};
  // Python round(): half to even on the float64 product.
  return {int(std::nearbyint(h * scale)), int(std::nearbyint(w * scale))};
}

AreaChoice area_choice(int in_h, int in_w, int out_h, int out_w) {
  AreaChoice c;
  if (out_h == in_h && out_w == in_w) return c;
  const double inv_scale_x = double(out_w) / in_w, inv_scale_y = double(out_h) / in_h;
  const double scale_x = 1. / inv_scale_x, scale_y = 1. / inv_scale_y;
  const int iscale_x = round_half_even(scale_x), iscale_y = round_half_even(scale_y);
  const bool is_area_fast =
      std::abs(scale_x - iscale_x) < DBL_EPSILON && std::abs(scale_y - iscale_y) < DBL_EPSILON;
  if (scale_x >= 1 && scale_y >= 1) {
    c.kernel = is_area_fast ? AreaKernel::Fast : AreaKernel::Generic;
    c.factor_x = iscale_x;
    c.factor_y = iscale_y;
  } else {
    c.kernel = AreaKernel::Linear;
  }
  return c;
}

Image resize_area(const ImageView& src, int out_h, int out_w) {
  check_view(src, "resize_area");
  GROOT_CHECK(out_h > 0 && out_w > 0, "resize_area: invalid output size ", out_h, "x", out_w);
  const AreaChoice c = area_choice(src.h, src.w, out_h, out_w);
  if (c.kernel == AreaKernel::Copy) return copy_of(src);
  Image dst(out_h, out_w, src.c);
  switch (c.kernel) {
    case AreaKernel::Fast:
      resize_area_fast(src, dst, c.factor_x, c.factor_y);
      break;
    case AreaKernel::Generic:
      resize_area_generic(src, dst, 1. / (double(out_w) / src.w), 1. / (double(out_h) / src.h));
      break;
    default:
      resize_area_linear(src, dst);
      break;
  }
  return dst;
}

// ---- resampling tables --------------------------------------------------------------------------
FloatTaps area_generic_taps(int in, int out) {
  GROOT_CHECK(in > 0 && out > 0, "area_generic_taps: invalid sizes ", in, " -> ", out);
  const std::vector<AreaTab> tab = area_tab(in, out, 1, 1. / (double(out) / in));
  std::vector<int> count(out, 0);
  for (const AreaTab& t : tab) count[t.di]++;
  FloatTaps r;
  r.out = out;
  r.k = *std::max_element(count.begin(), count.end());
  r.idx.assign(size_t(r.k) * out, 0);
  r.w.assign(size_t(r.k) * out, 0.f);
  std::fill(count.begin(), count.end(), 0);
  for (const AreaTab& t : tab) {  // area_tab lists each output's entries contiguously, in order
    const int k = count[t.di]++;
    r.idx[size_t(k) * out + t.di] = t.si;
    r.w[size_t(k) * out + t.di] = t.alpha;
  }
  return r;
}

IntTaps area_fast_taps(int in, int out, int factor) {
  GROOT_CHECK(in > 0 && out > 0 && factor > 0, "area_fast_taps: invalid sizes ", in, " -> ", out, " / ",
              factor);
  IntTaps r;
  r.out = out;
  r.k = factor;
  r.idx.resize(size_t(factor) * out);
  r.w.assign(size_t(factor) * out, 1);
  for (int k = 0; k < factor; k++)
    for (int d = 0; d < out; d++) r.idx[size_t(k) * out + d] = std::min(d * factor + k, in - 1);
  return r;
}

IntTaps area_linear_taps(int in, int out, bool horizontal) {
  GROOT_CHECK(in > 0 && out > 0, "area_linear_taps: invalid sizes ", in, " -> ", out);
  const double inv_scale = double(out) / in, scale = 1. / inv_scale;
  IntTaps r;
  r.out = out;
  r.k = 2;
  r.idx.resize(size_t(2) * out);
  r.w.resize(size_t(2) * out);
  for (int d = 0; d < out; d++) {
    int s = int(std::floor(d * scale));
    float f = float((d + 1) - (s + 1) * inv_scale);
    f = f <= 0 ? 0.f : f - std::floor(f);
    int i0, i1;
    if (horizontal) {
      // OpenCV's horizontal pass: past the last source pair it copies S[in-1] * 2048.
      if (s + 1 >= in) s = in - 1, f = 0.f;
      i0 = s;
      i1 = std::min(s + 1, in - 1);
    } else {
      i0 = std::clamp(s, 0, in - 1);
      i1 = std::clamp(s + 1, 0, in - 1);
    }
    r.idx[d] = i0;
    r.idx[out + d] = i1;
    r.w[d] = sat_s16_f((1.f - f) * kCoefScale);
    r.w[out + d] = sat_s16_f(f * kCoefScale);
  }
  return r;
}

IntTaps pil_bicubic_taps(int in, int out) {
  GROOT_CHECK(in > 0 && out > 0, "pil_bicubic_taps: invalid sizes ", in, " -> ", out);
  const PilCoeffs c = pil_precompute(in, out);
  IntTaps r;
  r.out = out;
  r.k = c.ksize;
  r.idx.assign(size_t(r.k) * out, 0);
  r.w.assign(size_t(r.k) * out, 0);
  for (int d = 0; d < out; d++) {
    const int xmin = c.bounds[d * 2], n = c.bounds[d * 2 + 1];
    for (int k = 0; k < n; k++) {
      r.idx[size_t(k) * out + d] = xmin + k;
      r.w[size_t(k) * out + d] = c.kk[size_t(d) * c.ksize + k];
    }
  }
  return r;
}

CropBox center_crop_box(int h, int w, double fraction) {
  GROOT_CHECK(fraction > 0.0 && fraction <= 1.0, "crop_fraction must be in (0, 1], got ", fraction);
  CropBox b;
  b.h = std::max(1, int(h * fraction));
  b.w = std::max(1, int(w * fraction));
  b.y0 = (h - b.h) / 2;
  b.x0 = (w - b.w) / 2;
  return b;
}

Image crop(const ImageView& src, const CropBox& b) {
  check_view(src, "crop");
  GROOT_CHECK(b.y0 >= 0 && b.x0 >= 0 && b.h > 0 && b.w > 0 && b.y0 + b.h <= src.h && b.x0 + b.w <= src.w,
              "crop box [", b.y0, ":", b.y0 + b.h, ", ", b.x0, ":", b.x0 + b.w, "] outside image ", src.h,
              "x", src.w);
  Image out(b.h, b.w, src.c);
  const size_t row_bytes = size_t(b.w) * src.c;
  for (int y = 0; y < b.h; y++) {
    const uint8_t* s = src.row(b.y0 + y) + size_t(b.x0) * src.c;
    std::copy(s, s + row_bytes, out.row(y));
  }
  return out;
}

std::array<int, 2> smart_resize_shape(int h, int w, int factor, int64_t min_pixels, int64_t max_pixels) {
  GROOT_CHECK(h > 0 && w > 0, "smart_resize: empty image ", h, "x", w);
  GROOT_CHECK(factor > 0, "smart_resize: factor must be positive, got ", factor);
  const double ratio = double(std::max(h, w)) / double(std::min(h, w));
  GROOT_CHECK(ratio <= 200.0, "smart_resize: absolute aspect ratio must be smaller than 200, got ", ratio,
              " for image ", h, "x", w);
  constexpr int64_t kMaxSize = 500 * 14;
  auto round_by = [&](double v) { return int64_t(std::nearbyint(v / factor)) * factor; };
  auto floor_by = [&](double v) { return int64_t(std::floor(v / factor)) * factor; };
  auto ceil_by = [&](double v) { return int64_t(std::ceil(v / factor)) * factor; };
  int64_t hb = std::min<int64_t>(std::max<int64_t>(factor, round_by(h)), kMaxSize);
  int64_t wb = std::min<int64_t>(std::max<int64_t>(factor, round_by(w)), kMaxSize);
  if (hb * wb > max_pixels) {
    const double beta = std::sqrt(double(hb * wb) / double(max_pixels));
    hb = floor_by(hb / beta);
    wb = floor_by(wb / beta);
  } else if (hb * wb < min_pixels) {
    const double beta = std::sqrt(double(min_pixels) / (double(h) * double(w)));
    hb = ceil_by(h * beta);
    wb = ceil_by(w * beta);
  }
  return {int(hb), int(wb)};
}

Image resize_bicubic_pil(const ImageView& src, int out_h, int out_w) {
  check_view(src, "resize_bicubic_pil");
  GROOT_CHECK(out_h > 0 && out_w > 0, "resize_bicubic_pil: invalid output size ", out_h, "x", out_w);
  if (out_h == src.h && out_w == src.w) return copy_of(src);
  const int cn = src.c;
  const bool need_h = out_w != src.w, need_v = out_h != src.h;
  const PilCoeffs cv = pil_precompute(src.h, out_h);
  const PilCoeffs ch = pil_precompute(src.w, out_w);
  // Rows of the source the vertical pass needs.
  const int ybox_first = need_v ? cv.bounds[0] : 0;
  const int ybox_last = need_v ? cv.bounds[out_h * 2 - 2] + cv.bounds[out_h * 2 - 1] : src.h;
  Image tmp;
  ImageView mid = src;
  if (need_h) {
    const int rows = ybox_last - ybox_first;
    tmp = Image(rows, out_w, cn);
    for (int y = 0; y < rows; y++) {
      const uint8_t* S = src.row(y + ybox_first);
      uint8_t* D = tmp.row(y);
      for (int xx = 0; xx < out_w; xx++) {
        const int xmin = ch.bounds[xx * 2], xn = ch.bounds[xx * 2 + 1];
        const int* k = &ch.kk[size_t(xx) * ch.ksize];
        if (cn == 3) {
          int s0 = 1 << (kPilPrecisionBits - 1), s1 = s0, s2 = s0;
          const uint8_t* sp = S + xmin * 3;
          for (int x = 0; x < xn; x++, sp += 3) {
            s0 += sp[0] * k[x];
            s1 += sp[1] * k[x];
            s2 += sp[2] * k[x];
          }
          D[xx * 3] = pil_clip8(s0);
          D[xx * 3 + 1] = pil_clip8(s1);
          D[xx * 3 + 2] = pil_clip8(s2);
        } else {
          for (int c = 0; c < cn; c++) {
            int ss = 1 << (kPilPrecisionBits - 1);
            for (int x = 0; x < xn; x++) ss += S[(x + xmin) * cn + c] * k[x];
            D[xx * cn + c] = pil_clip8(ss);
          }
        }
      }
    }
    mid = ImageView(tmp);
  }
  if (!need_v) return need_h ? tmp : copy_of(src);
  const int yoff = need_h ? ybox_first : 0;
  Image out(out_h, out_w, cn);
  const int width = out_w * cn;
  std::vector<int> acc(width);
  for (int yy = 0; yy < out_h; yy++) {
    const int ymin = cv.bounds[yy * 2] - yoff, yn = cv.bounds[yy * 2 + 1];
    const int* k = &cv.kk[size_t(yy) * cv.ksize];
    std::fill(acc.begin(), acc.end(), 1 << (kPilPrecisionBits - 1));
    for (int y = 0; y < yn; y++) {  // integer sums: the order does not change the result
      const uint8_t* S = mid.row(y + ymin);
      const int ky = k[y];
      for (int x = 0; x < width; x++) acc[x] += S[x] * ky;
    }
    uint8_t* D = out.row(yy);
    for (int x = 0; x < width; x++) D[x] = pil_clip8(acc[x]);
  }
  return out;
}

void normalize_to_chw(const ImageView& src, float* out) {
  check_view(src, "normalize_to_chw");
  const size_t plane = size_t(src.h) * src.w;
  for (int y = 0; y < src.h; y++) {
    const uint8_t* s = src.row(y);
    for (int x = 0; x < src.w; x++)
      for (int c = 0; c < src.c; c++)
        out[c * plane + size_t(y) * src.w + x] = (float(s[x * src.c + c]) - 127.5f) / 127.5f;
  }
}

// ---- augmentations ------------------------------------------------------------------------------
std::array<double, 6> rotation_source_map(int h, int w, double angle_deg) {
  // cv2.getRotationMatrix2D(center, angle, 1) with albumentations' centre (w/2 - 0.5, h/2 - 0.5).
  const double cx = w / 2.0 - 0.5, cy = h / 2.0 - 0.5;
  const double a = std::cos(angle_deg * M_PI / 180.0), b = std::sin(angle_deg * M_PI / 180.0);
  // Forward map M = [[a, b, (1-a)cx - b cy], [-b, a, b cx + (1-a) cy]]; warpAffine samples the
  // source at M^-1 (dst): a rotation by -angle about the same centre.
  return {a, -b, (1 - a) * cx + b * cy, b, a, -b * cx + (1 - a) * cy};
}

std::array<uint8_t, 256> brightness_lut(double factor) {
  std::array<uint8_t, 256> lut;
  for (int i = 0; i < 256; i++)
    lut[size_t(i)] = uint8_t(std::clamp(i * factor, 0.0, 255.0));  // clip, truncate
  return lut;
}

std::array<uint8_t, 256> contrast_lut(double factor, double mean) {
  std::array<uint8_t, 256> lut;
  if (factor == 0.0) {  // every pixel becomes the rounded mean
    lut.fill(uint8_t(int(mean + 0.5)));
    return lut;
  }
  for (int i = 0; i < 256; i++)
    lut[size_t(i)] = uint8_t(std::clamp(i * factor + mean * (1 - factor), 0.0, 255.0));
  return lut;
}

double gray_mean(const ImageView& im) {
  GROOT_CHECK(im.c == 3, "gray_mean: expected an RGB image, got ", im.c, " channels");
  double mean = 0;
  for (int y = 0; y < im.h; y++)
    for (int x = 0; x < im.w; x++) mean += gray_u8(im.row(y) + x * 3);
  return mean / (double(im.h) * im.w);
}

std::array<uint8_t, 256> hue_lut(double factor) {
  // OpenCV 8-bit HSV: H in [0, 180), shifted by 180 * factor with wrap-around.
  std::array<uint8_t, 256> lut;
  for (int i = 0; i < 256; i++) {
    double v = std::fmod(i + 180.0 * factor, 180.0);
    if (v < 0) v += 180.0;
    lut[size_t(i)] = uint8_t(v);
  }
  return lut;
}

void check_train_draw(const TrainDraw& d, const std::string& what) {
  std::array<int, 4> seen{0, 0, 0, 0};
  for (int op : d.order) {
    GROOT_CHECK(op >= 0 && op < 4, what, ": colour-jitter op ", op,
                " is not 0..3 (brightness, contrast, saturation, hue)");
    seen[size_t(op)]++;
  }
  GROOT_CHECK(seen == (std::array<int, 4>{1, 1, 1, 1}), what,
              ": colour-jitter order must be a permutation of 0..3, got ", d.order[0], " ", d.order[1], " ",
              d.order[2], " ", d.order[3]);
}

void check_sample_images(const std::vector<SampleImages>& samples) {
  for (size_t s = 0; s < samples.size(); s++)
    for (size_t i = 0; i < samples[s].size(); i++) {
      const ImageView& v = samples[s][i];
      GROOT_CHECK(v.data && v.h > 0 && v.w > 0 && v.c == 3, "sample ", s, " image ", i,
                  ": expected a non-empty uint8 RGB image, got ", v.h, "x", v.w, "x", v.c);
    }
}

Image rotate(const ImageView& src, double angle_deg) {
  check_view(src, "rotate");
  const int H = src.h, W = src.w, cn = src.c;
  const auto [m00, m01, m02, m10, m11, m12] = rotation_source_map(H, W, angle_deg);
  auto reflect101 = [](int p, int n) {
    if (n == 1) return 0;
    while (p < 0 || p >= n) p = p < 0 ? -p : 2 * n - 2 - p;
    return p;
  };
  Image out(H, W, cn);
  for (int y = 0; y < H; y++) {
    uint8_t* D = out.row(y);
    for (int x = 0; x < W; x++) {
      const double sx = m00 * x + m01 * y + m02, sy = m10 * x + m11 * y + m12;
      const int x0 = int(std::floor(sx)), y0 = int(std::floor(sy));
      const float fx = float(sx - x0), fy = float(sy - y0);
      const bool inside = x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H;
      const int xa = inside ? x0 : reflect101(x0, W), xb = inside ? x0 + 1 : reflect101(x0 + 1, W);
      const int ya = inside ? y0 : reflect101(y0, H), yb = inside ? y0 + 1 : reflect101(y0 + 1, H);
      const uint8_t* ra = src.row(ya);
      const uint8_t* rb = src.row(yb);
      const float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      for (int c = 0; c < cn; c++) {
        const float v =
            w00 * ra[xa * cn + c] + w01 * ra[xb * cn + c] + w10 * rb[xa * cn + c] + w11 * rb[xb * cn + c];
        D[x * cn + c] = sat_u8_f(v);
      }
    }
  }
  return out;
}

void adjust_brightness(Image& im, double factor) {
  if (factor == 1.0) return;
  apply_lut(im, brightness_lut(factor).data());
}

void adjust_contrast(Image& im, double factor) {
  if (factor == 1.0) return;
  GROOT_CHECK(im.c == 3, "adjust_contrast: expected an RGB image, got ", im.c, " channels");
  apply_lut(im, contrast_lut(factor, gray_mean(im)).data());
}

void adjust_saturation(Image& im, double factor) {
  if (factor == 1.0) return;
  GROOT_CHECK(im.c == 3, "adjust_saturation: expected an RGB image, got ", im.c, " channels");
  const float f = float(factor), g = float(1 - factor);
  for (int y = 0; y < im.h; y++) {
    uint8_t* p = im.row(y);
    for (int x = 0; x < im.w; x++, p += 3) {
      const int gray = gray_u8(p);
      for (int c = 0; c < 3; c++) p[c] = factor == 0.0 ? uint8_t(gray) : sat_u8_f(p[c] * f + gray * g);
    }
  }
}

void adjust_hue(Image& im, double factor) {
  if (factor == 0.0) return;
  GROOT_CHECK(im.c == 3, "adjust_hue: expected an RGB image, got ", im.c, " channels");
  const std::array<uint8_t, 256> lut = hue_lut(factor);  // OpenCV 8-bit HSV: S and V in [0, 255]
  for (int y = 0; y < im.h; y++) {
    uint8_t* p = im.row(y);
    for (int x = 0; x < im.w; x++, p += 3) {
      const int r = p[0], g = p[1], b = p[2];
      const int vmax = std::max({r, g, b}), vmin = std::min({r, g, b});
      const int diff = vmax - vmin;
      const int s = vmax == 0 ? 0 : round_half_even(255.0 * diff / vmax);
      double hdeg = 0;
      if (diff != 0) {
        if (vmax == r)
          hdeg = 60.0 * (g - b) / diff;
        else if (vmax == g)
          hdeg = 120.0 + 60.0 * (b - r) / diff;
        else
          hdeg = 240.0 + 60.0 * (r - g) / diff;
        if (hdeg < 0) hdeg += 360.0;
      }
      int h = round_half_even(hdeg / 2.0);
      if (h >= 180) h -= 180;
      h = lut[h];
      // HSV -> RGB (OpenCV float formula, back to 8 bit).
      const double hh = h * 2.0 / 60.0, ss = s / 255.0, vv = vmax / 255.0;
      int sector = int(std::floor(hh));
      const double fr = hh - sector;
      sector %= 6;
      const double tab[4] = {vv, vv * (1 - ss), vv * (1 - ss * fr), vv * (1 - ss * (1 - fr))};
      static const int idx[6][3] = {{0, 3, 1}, {2, 0, 1}, {1, 0, 3}, {1, 2, 0}, {3, 1, 0}, {0, 1, 2}};
      for (int c = 0; c < 3; c++) p[c] = sat_u8(round_half_even(tab[idx[sector][c]] * 255.0));
    }
  }
}

// ---- pipeline -----------------------------------------------------------------------------------
std::array<int, 2> size_after_resize1(int h, int w, const ImageTransformConfig& cfg) {
  if (cfg.letterbox) h = w = std::max(h, w);
  return smallest_max_size_shape(h, w, cfg.shortest_image_edge);
}

Image albumentations_eval(const ImageView& src, const ImageTransformConfig& cfg, EvalStages* st) {
  check_view(src, "image transform input");
  Image padded;
  ImageView cur = src;
  Pads pads;
  if (cfg.letterbox) {
    pads = letterbox_pads(src.h, src.w);
    padded = pad_constant(src, pads);
    cur = ImageView(padded);
  }
  Image r1 = smallest_max_size(cur, cfg.shortest_image_edge);
  const CropBox box = center_crop_box(r1.h, r1.w, cfg.crop_fraction);
  Image cr = crop(r1, box);
  Image r2 = smallest_max_size(cr, cfg.shortest_image_edge);
  if (st) {
    st->pads = pads;
    st->letterbox = cfg.letterbox ? padded : copy_of(src);
    st->resize1 = r1;
    st->crop_box = box;
    st->crop = cr;
    st->resize2 = r2;
  }
  return r2;
}

Image albumentations_train(const ImageView& src, const ImageTransformConfig& cfg, const TrainDraw& d) {
  check_view(src, "image transform input");
  Image padded;
  ImageView cur = src;
  if (cfg.letterbox) {
    padded = pad_constant(src, letterbox_pads(src.h, src.w));
    cur = ImageView(padded);
  }
  Image r1 = smallest_max_size(cur, cfg.shortest_image_edge);
  CropBox box = center_crop_box(r1.h, r1.w, cfg.crop_fraction);
  box.y0 = std::clamp(d.crop_y0, 0, r1.h - box.h);
  box.x0 = std::clamp(d.crop_x0, 0, r1.w - box.w);
  Image out = smallest_max_size(crop(r1, box), cfg.shortest_image_edge);
  if (d.rotate) out = rotate(out, d.angle_deg);
  if (d.jitter) {
    check_train_draw(d, "train draw");
    for (int op : d.order) {
      switch (op) {
        case 0:
          adjust_brightness(out, d.brightness);
          break;
        case 1:
          adjust_contrast(out, d.contrast);
          break;
        case 2:
          adjust_saturation(out, d.saturation);
          break;
        default:
          adjust_hue(out, d.hue);
          break;
      }
    }
  }
  return out;
}

Image eagle_resize(const ImageView& src, int factor) {
  const auto hw = smart_resize_shape(src.h, src.w, factor);
  return resize_bicubic_pil(src, hw[0], hw[1]);
}

TrainDraw draw_train(std::mt19937_64& rng, const ImageTransformConfig& cfg, int h1, int w1) {
  TrainDraw d;
  const CropBox box = center_crop_box(h1, w1, cfg.crop_fraction);
  const int max_y = h1 - box.h, max_x = w1 - box.w;
  d.crop_y0 = max_y > 0 ? std::uniform_int_distribution<int>(0, max_y)(rng) : 0;
  d.crop_x0 = max_x > 0 ? std::uniform_int_distribution<int>(0, max_x)(rng) : 0;
  if (cfg.random_rotation_angle && *cfg.random_rotation_angle != 0) {
    const double lim = std::abs(*cfg.random_rotation_angle);
    d.rotate = true;
    d.angle_deg = std::uniform_real_distribution<double>(-lim, lim)(rng);
  }
  if (cfg.color_jitter) {
    const ColorJitterParams& j = *cfg.color_jitter;
    auto factor = [&](double x) {
      GROOT_CHECK(x >= 0, "color_jitter values must be >= 0, got ", x);
      return x == 0 ? 1.0 : std::uniform_real_distribution<double>(std::max(0.0, 1 - x), 1 + x)(rng);
    };
    d.jitter = true;
    d.brightness = factor(j.brightness);
    d.contrast = factor(j.contrast);
    d.saturation = factor(j.saturation);
    GROOT_CHECK(j.hue >= 0 && j.hue <= 0.5, "color_jitter hue must be in [0, 0.5], got ", j.hue);
    d.hue = j.hue == 0 ? 0.0 : std::uniform_real_distribution<double>(-j.hue, j.hue)(rng);
    std::shuffle(d.order.begin(), d.order.end(), rng);
  }
  return d;
}

static Pixels to_pixels(const Image& im) {
  Pixels p;
  p.h = im.h;
  p.w = im.w;
  p.chw.resize(size_t(im.c) * im.h * im.w);
  normalize_to_chw(im, p.chw.data());
  return p;
}

Pixels preprocess_eval(const ImageView& src, const ImageTransformConfig& cfg) {
  GROOT_CHECK(src.c == 3, "image preprocessing expects RGB (3 channels), got ", src.c);
  return to_pixels(eagle_resize(albumentations_eval(src, cfg), cfg.patch_factor));
}

Pixels preprocess_train(const ImageView& src, const ImageTransformConfig& cfg, const TrainDraw& draw) {
  GROOT_CHECK(src.c == 3, "image preprocessing expects RGB (3 channels), got ", src.c);
  return to_pixels(eagle_resize(albumentations_train(src, cfg, draw), cfg.patch_factor));
}

std::vector<TrainDraw> draw_batch(const std::vector<SampleImages>& samples, const ImageTransformConfig& cfg,
                                  uint64_t seed) {
  std::vector<TrainDraw> draws(samples.size());
  for (size_t s = 0; s < samples.size(); s++) {
    if (samples[s].empty()) continue;
    std::seed_seq seq{uint32_t(seed), uint32_t(seed >> 32), uint32_t(s), uint32_t(uint64_t(s) >> 32)};
    std::mt19937_64 rng(seq);
    const auto hw = size_after_resize1(samples[s][0].h, samples[s][0].w, cfg);
    draws[s] = draw_train(rng, cfg, hw[0], hw[1]);
  }
  return draws;
}

std::vector<std::vector<Pixels>> preprocess_batch(const std::vector<SampleImages>& samples,
                                                  const ImageTransformConfig& cfg, bool train, uint64_t seed,
                                                  int num_threads) {
  check_sample_images(samples);  // up front: errors surface on the calling thread with the sample index
  // Flatten into (sample, image) jobs; train draws are made per sample, deterministically.
  const std::vector<TrainDraw> draws = train ? draw_batch(samples, cfg, seed) : std::vector<TrainDraw>();
  std::vector<std::vector<Pixels>> out(samples.size());
  std::vector<std::pair<size_t, size_t>> jobs;
  for (size_t s = 0; s < samples.size(); s++) {
    out[s].resize(samples[s].size());
    for (size_t i = 0; i < samples[s].size(); i++) jobs.emplace_back(s, i);
  }
  int nt = num_threads > 0 ? num_threads : int(std::max(1u, std::thread::hardware_concurrency()));
  nt = std::max(1, std::min<int>(nt, int(jobs.size())));
  std::atomic<size_t> next{0};
  std::exception_ptr err;
  std::atomic<bool> failed{false};
  auto worker = [&]() {
    try {
      for (size_t j; !failed && (j = next.fetch_add(1)) < jobs.size();) {
        const auto [s, i] = jobs[j];
        out[s][i] =
            train ? preprocess_train(samples[s][i], cfg, draws[s]) : preprocess_eval(samples[s][i], cfg);
      }
    } catch (...) {
      if (!failed.exchange(true)) err = std::current_exception();
    }
  };
  if (nt == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (int t = 0; t < nt; t++) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  if (err) std::rethrow_exception(err);
  return out;
}

}  // namespace groot::img
