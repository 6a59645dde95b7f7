// Batched image transforms in LibTorch: see image_transforms_torch.h. Every function mirrors the CPU
// kernel of the same name in image_transforms.cpp, operation for operation (same types, same order
// of floating-point additions), which is what makes the two paths bit-identical.
#include "model/image_transforms_torch.h"

#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

#include "util/error.h"

namespace groot::img {
namespace {

using torch::Tensor;

Tensor long_tensor(const std::vector<int>& v, const torch::Device& dev) {
  std::vector<int64_t> w(v.begin(), v.end());
  return torch::tensor(w, torch::kInt64).to(dev);
}

// uint8-valued tensor -> uint8 with round-half-even and saturation (OpenCV saturate_cast<uchar>).
Tensor round_to_u8(const Tensor& x) {
  return x.round().clamp(0, 255).to(torch::kUInt8);
}

// Sum over taps along `dim` (2 = rows, 3 = columns) of x [N, C, H, W], in w's dtype:
// acc = x[idx_0] * w_0, then acc = acc + x[idx_k] * w_k (the CPU kernels' order). x may be uint8:
// the selected values are converted after the gather, so no widened copy of the input is made, and
// the products / sums are done in place (the same IEEE operations, less device memory).
Tensor apply_taps(const Tensor& x, int64_t dim, const Tensor& idx, const Tensor& w) {
  const int64_t K = idx.size(0), out = idx.size(1);
  std::vector<int64_t> wshape(4, 1);
  wshape[size_t(dim)] = out;
  Tensor acc;
  for (int64_t k = 0; k < K; k++) {
    Tensor t = x.index_select(dim, idx[k]).to(w.scalar_type());  // a new tensor: safe to modify
    t.mul_(w[k].view(wshape));
    if (k == 0)
      acc = t;
    else
      acc.add_(t);
  }
  return acc;
}

// Tap tables are small and reused by every batch of the same size: built once per (kernel, sizes,
// device) and kept on the device, so a batch does not wait on host-to-device copies of constants.
enum class TapKind { AreaGeneric, AreaFast, AreaLinearH, AreaLinearV, PilBicubic };
struct TapKey {
  TapKind kind;
  int in, out, factor;
  std::string device;
  bool operator<(const TapKey& o) const {
    return std::tie(kind, in, out, factor, device) < std::tie(o.kind, o.in, o.out, o.factor, o.device);
  }
};

std::pair<Tensor, Tensor> device_taps(TapKind kind, int in, int out, int factor, const torch::Device& dev) {
  static std::mutex mu;
  static std::map<TapKey, std::pair<Tensor, Tensor>> cache;
  const TapKey key{kind, in, out, factor, dev.str()};
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  std::pair<Tensor, Tensor> t;
  if (kind == TapKind::AreaGeneric) {
    const FloatTaps ft = area_generic_taps(in, out);
    t = {long_tensor(ft.idx, dev).view({ft.k, ft.out}),
         torch::tensor(ft.w, torch::kFloat32).to(dev).view({ft.k, ft.out})};
  } else {
    const IntTaps it = kind == TapKind::AreaFast      ? area_fast_taps(in, out, factor)
                       : kind == TapKind::AreaLinearH ? area_linear_taps(in, out, true)
                       : kind == TapKind::AreaLinearV ? area_linear_taps(in, out, false)
                                                      : pil_bicubic_taps(in, out);
    t = {long_tensor(it.idx, dev).view({it.k, it.out}),
         torch::tensor(it.w, torch::kInt32).to(dev).view({it.k, it.out})};
  }
  std::lock_guard<std::mutex> lock(mu);
  return cache.emplace(key, t).first->second;
}

// Taps of `kind` resampling dimension `dim` of x from its current size to `out`.
Tensor resample(const Tensor& x, int64_t dim, TapKind kind, int out, int factor = 0) {
  const auto t = device_taps(kind, int(x.size(dim)), out, factor, x.device());
  return apply_taps(x, dim, t.first, t.second);
}

// a / b with IEEE division on every device. (CUDA kernels turn a division by a host scalar into a
// multiplication by its reciprocal, which differs from the CPU path in the last bit.)
Tensor div_exact(const Tensor& a, double b) {
  return a / torch::full({}, b, a.options());
}

Tensor floor_div(const Tensor& x, int64_t d) {
  return torch::div(x, d, "floor");
}

// ---- cv::resize(INTER_AREA) ------------------------------------------------------------------------
Tensor resize_area_t(const Tensor& x, int out_h, int out_w) {
  const int in_h = int(x.size(2)), in_w = int(x.size(3));
  const AreaChoice c = area_choice(in_h, in_w, out_h, out_w);
  switch (c.kernel) {
    case AreaKernel::Copy:
      return x;
    case AreaKernel::Fast: {
      // Integer box sums (exact), then resize_area_fast's rounding.
      Tensor s = resample(x, 3, TapKind::AreaFast, out_w, c.factor_x);
      s = resample(s, 2, TapKind::AreaFast, out_h, c.factor_y);
      if (c.factor_x == 2 && c.factor_y == 2) return floor_div(s + 2, 4).clamp(0, 255).to(torch::kUInt8);
      const float scale = 1.f / float(c.factor_x * c.factor_y);
      return round_to_u8(s.to(torch::kFloat32) * double(scale));
    }
    case AreaKernel::Generic: {
      // resize_area_generic: horizontal float sums per source row, then rows weighted by beta.
      Tensor t = resample(x, 3, TapKind::AreaGeneric, out_w);
      t = resample(t, 2, TapKind::AreaGeneric, out_h);
      return round_to_u8(t);
    }
    case AreaKernel::Linear: {
      // resize_area_linear: 11-bit horizontal pass in int, then OpenCV's vertical SIMD rounding.
      Tensor hrow = resample(x, 3, TapKind::AreaLinearH, out_w);
      const auto ty = device_taps(TapKind::AreaLinearV, in_h, out_h, 0, x.device());
      const Tensor& iy = ty.first;                      // [2, out_h]
      Tensor by = ty.second.view({2, 1, 1, out_h, 1});  // int32
      Tensor s0 = floor_div(hrow.index_select(2, iy[0]), 16).clamp(-32768, 32767);
      Tensor s1 = floor_div(hrow.index_select(2, iy[1]), 16).clamp(-32768, 32767);
      // |s| <= 32767 and b <= 2048, so each product fits int32 and v fits int16 as in OpenCV.
      Tensor v = floor_div(s0 * by[0], 65536) + floor_div(s1 * by[1], 65536);
      return floor_div(v + 2, 4).clamp(0, 255).to(torch::kUInt8);
    }
  }
  return x;
}

// ---- Pillow BICUBIC (horizontal pass first, each pass rounded to 8 bits) --------------------------
Tensor resize_bicubic_pil_t(const Tensor& x, int out_h, int out_w) {
  constexpr int64_t kHalf = int64_t(1) << 21, kOne = int64_t(1) << 22;
  Tensor cur = x;
  if (out_w != int(x.size(3))) {
    Tensor acc = resample(cur, 3, TapKind::PilBicubic, out_w);
    cur = floor_div(acc + kHalf, kOne).clamp(0, 255).to(torch::kUInt8);
  }
  if (out_h != int(x.size(2))) {
    Tensor acc = resample(cur, 2, TapKind::PilBicubic, out_h);
    cur = floor_div(acc + kHalf, kOne).clamp(0, 255).to(torch::kUInt8);
  }
  return cur;
}

// ---- train-mode augmentations ----------------------------------------------------------------------
// REFLECT_101 of integer coordinates (period 2n - 2), as rotate()'s reflect101.
Tensor reflect101(const Tensor& p, int64_t n) {
  if (n == 1) return torch::zeros_like(p);
  const int64_t m = 2 * n - 2;
  Tensor q = torch::remainder(p, m);
  return torch::where(q >= n, m - q, q);
}

// rotate() for every frame of x [n, C, H, W] (uint8) by its own angle.
Tensor rotate_t(const Tensor& x, const std::vector<double>& angles) {
  const int64_t n = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const torch::Device dev = x.device();
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  std::vector<double> m(size_t(6 * n));  // [6, n]: rotate()'s source map per frame
  for (int64_t i = 0; i < n; i++) {
    const std::array<double, 6> row = rotation_source_map(int(H), int(W), angles[size_t(i)]);
    for (size_t j = 0; j < 6; j++) m[j * size_t(n) + size_t(i)] = row[j];
  }
  Tensor M = torch::tensor(m, torch::kFloat64).to(dev).view({6, n, 1, 1});
  Tensor xs = torch::arange(W, f64.device(dev)).view({1, 1, W});
  Tensor ys = torch::arange(H, f64.device(dev)).view({1, H, 1});
  Tensor sx = M[0] * xs + M[1] * ys + M[2];  // [n, H, W], as m00 * x + m01 * y + m02
  Tensor sy = M[3] * xs + M[4] * ys + M[5];
  Tensor x0 = sx.floor(), y0 = sy.floor();
  Tensor fx = (sx - x0).to(torch::kFloat32).view({n, 1, H * W});
  Tensor fy = (sy - y0).to(torch::kFloat32).view({n, 1, H * W});
  Tensor xi = x0.to(torch::kInt64), yi = y0.to(torch::kInt64);
  Tensor xa = reflect101(xi, W), xb = reflect101(xi + 1, W);
  Tensor ya = reflect101(yi, H), yb = reflect101(yi + 1, H);
  Tensor src = x.contiguous().view({n, C, H * W});  // uint8; gathered values are widened
  auto tap = [&](const Tensor& yy, const Tensor& xx) {
    return src.gather(2, (yy * W + xx).view({n, 1, H * W}).expand({n, C, H * W})).to(torch::kFloat32);
  };
  Tensor w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
  Tensor v = w00 * tap(ya, xa) + w01 * tap(ya, xb) + w10 * tap(yb, xa) + w11 * tap(yb, xb);
  return round_to_u8(v).view({n, C, H, W});
}

// OpenCV COLOR_RGB2GRAY (14-bit fixed point) of x [n, 3, H, W] -> int32 [n, H, W].
Tensor gray_t(const Tensor& x) {
  Tensor xi = x.to(torch::kInt32);
  return floor_div(xi.select(1, 0) * 4899 + xi.select(1, 1) * 9617 + xi.select(1, 2) * 1868 + (1 << 13),
                   1 << 14);
}

Tensor apply_lut_t(const Tensor& x, const Tensor& lut) {  // lut uint8 [n, 256]
  const int64_t n = x.size(0);
  return lut.gather(1, x.reshape({n, -1}).to(torch::kInt64)).view(x.sizes());
}

Tensor per_frame(const std::vector<double>& v, const torch::Device& dev, torch::ScalarType t) {
  return torch::tensor(v, torch::kFloat64).to(t).to(dev);
}

// Per-frame host LUTs (image_transforms.h, the CPU ops' own) -> uint8 [n, 256] on `dev`.
Tensor luts_on(const std::vector<std::array<uint8_t, 256>>& luts, const torch::Device& dev) {
  Tensor t = torch::empty({int64_t(luts.size()), 256}, torch::kUInt8);
  for (size_t k = 0; k < luts.size(); k++)
    std::memcpy(t[int64_t(k)].data_ptr<uint8_t>(), luts[k].data(), 256);
  return t.to(dev);
}

Tensor brightness_t(const Tensor& x, const std::vector<double>& factors) {
  std::vector<std::array<uint8_t, 256>> luts;
  for (double f : factors) luts.push_back(brightness_lut(f));
  return apply_lut_t(x, luts_on(luts, x.device()));
}

Tensor contrast_t(const Tensor& x, const std::vector<double>& factors) {
  // The gray sum is an exact integer, so sum / (h * w) on the host equals gray_mean()'s value; the
  // means come back to the host (one small copy) to build the CPU op's own LUTs.
  Tensor sums = gray_t(x).sum({1, 2}).to(torch::kCPU, torch::kInt64);
  const double pixels = double(x.size(2)) * double(x.size(3));
  std::vector<std::array<uint8_t, 256>> luts;
  for (size_t k = 0; k < factors.size(); k++)
    luts.push_back(contrast_lut(factors[k], double(sums[int64_t(k)].item<int64_t>()) / pixels));
  return apply_lut_t(x, luts_on(luts, x.device()));
}

Tensor saturation_t(const Tensor& x, const std::vector<double>& factors) {
  const torch::Device dev = x.device();
  const int64_t n = x.size(0);
  std::vector<double> fs(factors.size()), gs(factors.size());
  for (size_t k = 0; k < factors.size(); k++) {
    fs[k] = double(float(factors[k]));
    gs[k] = double(float(1 - factors[k]));
  }
  Tensor f = per_frame(fs, dev, torch::kFloat32).view({n, 1, 1, 1});
  Tensor g = per_frame(gs, dev, torch::kFloat32).view({n, 1, 1, 1});
  Tensor gray = gray_t(x).to(torch::kFloat32).unsqueeze(1);
  Tensor v = round_to_u8(x.to(torch::kFloat32) * f + gray * g);
  return torch::where(f == 0.f, gray.expand_as(v).to(torch::kUInt8), v);
}

Tensor hue_t(const Tensor& x, const std::vector<double>& factors) {
  const torch::Device dev = x.device();
  const int64_t n = x.size(0);
  const auto f64 = torch::kFloat64;
  std::vector<std::array<uint8_t, 256>> luts;
  for (double f : factors) luts.push_back(hue_lut(f));
  Tensor hlut = luts_on(luts, dev).to(torch::kInt64);  // [n, 256]
  Tensor xi = x.to(torch::kInt32);
  Tensor r = xi.select(1, 0), g = xi.select(1, 1), b = xi.select(1, 2);
  Tensor vmax = torch::max(torch::max(r, g), b), vmin = torch::min(torch::min(r, g), b);
  Tensor diff = vmax - vmin;
  Tensor diffd = diff.to(f64), vmaxd = vmax.to(f64);
  Tensor s = torch::where(vmax == 0, torch::zeros_like(vmaxd), (255.0 * diffd / vmaxd).round());
  Tensor hr = 60.0 * (g - b).to(f64) / diffd;
  Tensor hg = 120.0 + 60.0 * (b - r).to(f64) / diffd;
  Tensor hb = 240.0 + 60.0 * (r - g).to(f64) / diffd;
  Tensor hdeg = torch::where(vmax == r, hr, torch::where(vmax == g, hg, hb));
  hdeg = torch::where(diff == 0, torch::zeros_like(hdeg), hdeg);
  hdeg = torch::where(hdeg < 0, hdeg + 360.0, hdeg);
  Tensor h = div_exact(hdeg, 2.0).round();
  h = torch::where(h >= 180.0, h - 180.0, h).to(torch::kInt64);
  h = hlut.gather(1, h.view({n, -1})).view(h.sizes()).to(f64);
  Tensor hh = div_exact(h * 2.0, 60.0), ss = div_exact(s, 255.0), vv = div_exact(vmaxd, 255.0);
  Tensor sector_f = hh.floor();
  Tensor fr = hh - sector_f;
  Tensor sector = torch::remainder(sector_f.to(torch::kInt64), 6);
  Tensor tab =
      torch::stack({vv, vv * (1 - ss), vv * (1 - ss * fr), vv * (1 - ss * (1 - fr))}, -1);  // [n,H,W,4]
  static const int64_t kIdx[18] = {0, 3, 1, 2, 0, 1, 1, 0, 3, 1, 2, 0, 3, 1, 0, 0, 1, 2};
  Tensor idx_table = torch::from_blob(const_cast<int64_t*>(kIdx), {6, 3}, torch::kInt64).to(dev);
  Tensor sel = idx_table.index_select(0, sector.reshape({-1})).view({n, x.size(2), x.size(3), 3});
  Tensor rgb = round_to_u8(tab.gather(-1, sel) * 255.0);  // [n, H, W, 3]
  return rgb.permute({0, 3, 1, 2}).contiguous();
}

// Runs `op` on the frames listed in `sel` (subset of x's first dim) with their factors.
template <class Op>
void apply_on(Tensor& x, const std::vector<int64_t>& sel, const std::vector<double>& factors, Op op) {
  if (sel.empty()) return;
  Tensor idx = torch::tensor(sel, torch::kInt64).to(x.device());
  x.index_copy_(0, idx, op(x.index_select(0, idx), factors));
}

void check_frames(const Tensor& frames, size_t n_draws) {
  GROOT_CHECK(frames.defined(), "image transforms: frames tensor is undefined");
  GROOT_CHECK(frames.dim() == 4 && frames.size(3) == 3,
              "image transforms: expected uint8 frames [N, H, W, 3], got ", frames.sizes());
  GROOT_CHECK(frames.scalar_type() == torch::kUInt8, "image transforms: expected uint8 frames, got dtype ",
              frames.scalar_type());
  GROOT_CHECK(frames.size(0) > 0 && frames.size(1) > 0 && frames.size(2) > 0,
              "image transforms: empty frames tensor ", frames.sizes());
  GROOT_CHECK(n_draws == 0 || int64_t(n_draws) == frames.size(0), "image transforms: ", n_draws,
              " train draws for ", frames.size(0), " frames (need one per frame, or none for eval)");
}

}  // namespace

torch::Tensor transform_frames_u8(const torch::Tensor& frames, const ImageTransformConfig& cfg,
                                  const std::vector<TrainDraw>& draws) {
  check_frames(frames, draws.size());
  for (size_t n = 0; n < draws.size(); n++)
    check_train_draw(draws[n], "image transforms: train draw " + std::to_string(n));
  torch::NoGradGuard no_grad;
  const int64_t N = frames.size(0);
  const int H = int(frames.size(1)), W = int(frames.size(2));
  Tensor x = frames.permute({0, 3, 1, 2}).contiguous();  // uint8 [N, 3, H, W]
  if (x.is_alias_of(frames))
    x = x.clone();  // the augmentations write in place: never into the caller's frames
  if (cfg.letterbox) {
    const Pads p = letterbox_pads(H, W);
    if (p.top || p.bottom || p.left || p.right)
      x = torch::constant_pad_nd(x, {p.left, p.right, p.top, p.bottom}, 0);
  }
  const auto s1 = smallest_max_size_shape(int(x.size(2)), int(x.size(3)), cfg.shortest_image_edge);
  x = resize_area_t(x, s1[0], s1[1]);
  const int h1 = int(x.size(2)), w1 = int(x.size(3));
  const CropBox box = center_crop_box(h1, w1, cfg.crop_fraction);
  if (draws.empty()) {
    x = x.narrow(2, box.y0, box.h).narrow(3, box.x0, box.w);
  } else {
    std::vector<int64_t> ys(size_t(N) * box.h), xs(size_t(N) * box.w);
    bool same = true;
    for (int64_t n = 0; n < N; n++) {
      const int y0 = std::clamp(draws[size_t(n)].crop_y0, 0, h1 - box.h);
      const int x0 = std::clamp(draws[size_t(n)].crop_x0, 0, w1 - box.w);
      for (int k = 0; k < box.h; k++) ys[size_t(n * box.h + k)] = y0 + k;
      for (int k = 0; k < box.w; k++) xs[size_t(n * box.w + k)] = x0 + k;
      same = same && y0 == ys[0] && x0 == xs[0];  // ys[0] / xs[0]: frame 0's offsets
    }
    if (same) {
      x = x.narrow(2, ys[0], box.h).narrow(3, xs[0], box.w);
    } else {
      Tensor ry = torch::tensor(ys, torch::kInt64).to(x.device()).view({N, 1, box.h, 1});
      Tensor rx = torch::tensor(xs, torch::kInt64).to(x.device()).view({N, 1, 1, box.w});
      x = x.gather(2, ry.expand({N, 3, box.h, w1}));
      x = x.gather(3, rx.expand({N, 3, box.h, box.w}));
    }
  }
  x = x.contiguous();
  const auto s2 = smallest_max_size_shape(box.h, box.w, cfg.shortest_image_edge);
  x = resize_area_t(x, s2[0], s2[1]).contiguous();
  if (!draws.empty()) {
    std::vector<int64_t> sel;
    std::vector<double> angles;
    for (int64_t n = 0; n < N; n++)
      if (draws[size_t(n)].rotate) sel.push_back(n), angles.push_back(draws[size_t(n)].angle_deg);
    apply_on(x, sel, angles, [](const Tensor& t, const std::vector<double>& a) { return rotate_t(t, a); });
    for (int pos = 0; pos < 4; pos++)
      for (int op = 0; op < 4; op++) {
        sel.clear();
        std::vector<double> factors;
        for (int64_t n = 0; n < N; n++) {
          const TrainDraw& d = draws[size_t(n)];
          if (!d.jitter || d.order[size_t(pos)] != op) continue;
          const double f = op == 0 ? d.brightness : op == 1 ? d.contrast : op == 2 ? d.saturation : d.hue;
          if (f == (op == 3 ? 0.0 : 1.0)) continue;  // identity: the CPU ops return early too
          sel.push_back(n);
          factors.push_back(f);
        }
        switch (op) {
          case 0:
            apply_on(x, sel, factors, brightness_t);
            break;
          case 1:
            apply_on(x, sel, factors, contrast_t);
            break;
          case 2:
            apply_on(x, sel, factors, saturation_t);
            break;
          default:
            apply_on(x, sel, factors, hue_t);
            break;
        }
      }
  }
  const auto s3 = smart_resize_shape(int(x.size(2)), int(x.size(3)), cfg.patch_factor);
  x = resize_bicubic_pil_t(x, s3[0], s3[1]);
  return x.contiguous();
}

torch::Tensor preprocess_frames(const torch::Tensor& frames, const ImageTransformConfig& cfg,
                                const std::vector<TrainDraw>& draws, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  Tensor u8 = transform_frames_u8(frames, cfg, draws);
  Tensor px = div_exact(u8.to(torch::kFloat32) - 127.5, 127.5);  // (float(v) - 127.5f) / 127.5f
  return dtype == torch::kFloat32 ? px : px.to(dtype);
}

std::vector<std::vector<torch::Tensor>> preprocess_batch_torch(const std::vector<SampleImages>& samples,
                                                               const ImageTransformConfig& cfg, bool train,
                                                               uint64_t seed, const torch::Device& device,
                                                               torch::ScalarType dtype, int max_batch) {
  GROOT_CHECK(max_batch > 0, "preprocess_batch_torch: max_batch must be positive, got ", max_batch);
  check_sample_images(samples);
  const std::vector<TrainDraw> draws = train ? draw_batch(samples, cfg, seed) : std::vector<TrainDraw>();
  // Group images by size (groups in size order; results go back to their sample / image slots).
  std::map<std::pair<int, int>, std::vector<std::pair<size_t, size_t>>> groups;
  std::vector<std::vector<torch::Tensor>> out(samples.size());
  for (size_t s = 0; s < samples.size(); s++) {
    out[s].resize(samples[s].size());
    for (size_t i = 0; i < samples[s].size(); i++)
      groups[{samples[s][i].h, samples[s][i].w}].emplace_back(s, i);
  }
  const auto host_opts = torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(device.is_cuda());
  for (const auto& [hw, members] : groups) {
    const size_t frame_bytes = size_t(hw.first) * hw.second * 3;
    for (size_t start = 0; start < members.size(); start += size_t(max_batch)) {
      const size_t n = std::min(members.size() - start, size_t(max_batch));
      Tensor host = torch::empty({int64_t(n), hw.first, hw.second, 3}, host_opts);
      std::vector<TrainDraw> chunk_draws;
      for (size_t j = 0; j < n; j++) {
        const auto [s, i] = members[start + j];
        std::memcpy(host.data_ptr<uint8_t>() + j * frame_bytes, samples[s][i].data, frame_bytes);
        if (train) chunk_draws.push_back(draws[s]);
      }
      Tensor px =
          preprocess_frames(host.to(device, /*non_blocking=*/device.is_cuda()), cfg, chunk_draws, dtype);
      for (size_t j = 0; j < n; j++) {
        const auto [s, i] = members[start + j];
        out[s][i] = px[int64_t(j)];
      }
    }
  }
  return out;
}

}  // namespace groot::img
