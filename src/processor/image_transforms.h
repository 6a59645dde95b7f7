// GR00T N1.6 image preprocessing on uint8 HWC RGB frames (no LibTorch; pure C++).
//
// Upstream (Isaac-GR00T 92f523d, gr00t/model/gr00t_n1d6/image_augmentations.py +
// Eagle processing_eagle3_vl.py::fetch_image) does, per image:
//
//   eval:  LetterBoxPad -> SmallestMaxSize(256, INTER_AREA) -> FractionalCenterCrop(0.95)
//          -> SmallestMaxSize(256, INTER_AREA) -> smart_resize(28) + PIL BICUBIC -> (x-127.5)/127.5
//   train: LetterBoxPad -> SmallestMaxSize -> FractionalRandomCrop(0.95) -> SmallestMaxSize
//          -> [Rotate(limit)] -> [ColorJitter(b, c, s, h)] -> smart_resize + BICUBIC -> normalise
//          one random draw (crop offsets, angle, jitter factors and order) is shared by all views
//          and frames of a sample (albumentations ReplayCompose replay).
//
// Numerics (eval path is bit-exact with the goldens in tests/golden/tiny_v1/preprocess.*):
//  * resize_area(): OpenCV cv::resize(INTER_AREA) for 8-bit images: true area averaging with
//    float weights for down-scaling (integer factors use OpenCV's fast integer path), and
//    OpenCV's "area-flavoured bilinear" 11-bit fixed-point path for up-scaling (e.g. 224->256),
//    including the rounding of its SIMD vertical pass (applied to every element, as observed).
//  * smallest_max_size_shape(): albumentations 1.4.18: scale = S / min(h, w) (float64),
//    new dims = Python round (half to even) of dim * scale; unchanged shape -> no resize.
//  * resize_bicubic_pil(): Pillow's ImagingResample (BICUBIC, a = -0.5, support scaled by the
//    down-scale factor = antialiasing), 22-bit fixed-point coefficients, horizontal pass first
//    into an 8-bit temporary, then vertical.
//  * smart_resize_shape(): Eagle smart_resize(factor 28, min 4*28*28, max 4096*28*28 pixels).
//  * normalisation: (x - 127.5f) / 127.5f in float32 (the fused HF rescale+normalise), CHW.
//  * float expressions are evaluated as written: the file is compiled with -ffp-contract=off
//    (CMakeLists.txt), so no multiply-add is fused on FMA targets.
//
// Train-mode random draws come from our own seeded RNG (std::mt19937_64); they cannot reproduce
// numpy's stream, only the distributions: crop offsets uniform in [0, h-ch], angle uniform in
// [-limit, limit], brightness/contrast/saturation factors uniform in [max(0, 1-x), 1+x], hue
// uniform in [-h, h], random order of the four jitter ops (albumentations ColorJitter).
//
// Batch API: preprocess_batch() runs many samples on a thread pool; results do not depend on the
// thread count (each sample's RNG is derived from (seed, sample index)). The same pipeline on
// batches of frames on a GPU: image_transforms_torch.h (bit-identical, built from the tap tables below).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace groot::img {

// An owning uint8 HWC image.
struct Image {
  int h = 0, w = 0, c = 3;
  std::vector<uint8_t> data;  // [h, w, c]
  Image() = default;
  Image(int h_, int w_, int c_ = 3) : h(h_), w(w_), c(c_), data(size_t(h_) * w_ * c_) {}
  uint8_t* row(int y) { return data.data() + size_t(y) * w * c; }
  const uint8_t* row(int y) const { return data.data() + size_t(y) * w * c; }
};

// A non-owning view of a contiguous uint8 HWC image.
struct ImageView {
  const uint8_t* data = nullptr;
  int h = 0, w = 0, c = 3;
  ImageView() = default;
  ImageView(const uint8_t* d, int h_, int w_, int c_ = 3) : data(d), h(h_), w(w_), c(c_) {}
  ImageView(const Image& im) : data(im.data.data()), h(im.h), w(im.w), c(im.c) {}  // NOLINT
  const uint8_t* row(int y) const { return data + size_t(y) * w * c; }
};

// ---- primitives ---------------------------------------------------------------------------------
struct Pads {
  int top = 0, bottom = 0, left = 0, right = 0;
};
Pads letterbox_pads(int h, int w);  // pad to square: (S-h)//2 on top, rest below
Image pad_constant(const ImageView& src, const Pads& p, uint8_t value = 0);

// albumentations SmallestMaxSize output shape {h, w} (unchanged when scale == 1).
std::array<int, 2> smallest_max_size_shape(int h, int w, int max_size);

// cv::resize(src, (out_w, out_h), INTER_AREA) for 8-bit images with 1..4 channels.
Image resize_area(const ImageView& src, int out_h, int out_w);

struct CropBox {
  int y0 = 0, x0 = 0, h = 0, w = 0;
};
CropBox center_crop_box(int h, int w, double fraction);  // FractionalCenterCrop
Image crop(const ImageView& src, const CropBox& box);

// Eagle smart_resize -> {h, w}. Throws groot::Error for aspect ratios > 200 or empty images.
std::array<int, 2> smart_resize_shape(int h, int w, int factor = 28, int64_t min_pixels = 4 * 28 * 28,
                                      int64_t max_pixels = 4096 * 28 * 28);

// PIL Image.resize((out_w, out_h), BICUBIC) on an 8-bit image (1..4 channels).
Image resize_bicubic_pil(const ImageView& src, int out_h, int out_w);

// (x - 127.5f) / 127.5f, HWC uint8 -> CHW float32. `out` holds c*h*w floats.
void normalize_to_chw(const ImageView& src, float* out);

// ---- train-mode augmentations (albumentations semantics) -----------------------------------------
struct ColorJitterParams {
  double brightness = 0, contrast = 0, saturation = 0, hue = 0;
};
// One random draw, shared by all views/frames of a sample.
struct TrainDraw {
  // Crop offsets drawn for the first image of the sample (replayed as absolute coordinates,
  // clamped into range for any image of another size, as a replay of crop_coords does).
  int crop_y0 = 0, crop_x0 = 0;
  bool rotate = false;
  double angle_deg = 0;
  bool jitter = false;
  double brightness = 1, contrast = 1, saturation = 1, hue = 0;
  std::array<int, 4> order{0, 1, 2, 3};  // 0 brightness, 1 contrast, 2 saturation, 3 hue
};

// Pieces shared with the LibTorch path (image_transforms_torch.h), so both compute the same numbers:
// the source-pixel map of rotate() as {m00, m01, m02, m10, m11, m12} (src = M [x, y, 1]),
std::array<double, 6> rotation_source_map(int h, int w, double angle_deg);
// the 8-bit LUTs of the colour ops (contrast: around the mean of OpenCV's RGB2GRAY),
std::array<uint8_t, 256> brightness_lut(double factor);
std::array<uint8_t, 256> contrast_lut(double factor, double mean);
std::array<uint8_t, 256> hue_lut(double factor);  // on OpenCV's 8-bit hue, [0, 180)
double gray_mean(const ImageView& rgb);
// and input checks. check_train_draw: `order` must be a permutation of 0..3 (`what` names the draw).
void check_train_draw(const TrainDraw& d, const std::string& what);

// Rotate about the image centre by angle_deg (counter-clockwise, OpenCV convention), bilinear,
// BORDER_REFLECT_101 (albumentations Rotate defaults).
Image rotate(const ImageView& src, double angle_deg);
// torchvision-style colour ops on RGB uint8 as albumentations implements them.
void adjust_brightness(Image& im, double factor);
void adjust_contrast(Image& im, double factor);
void adjust_saturation(Image& im, double factor);
void adjust_hue(Image& im, double factor);

// ---- resampling tables (shared by the CPU kernels here and image_transforms_torch.h) ----------------
// cv::resize(INTER_AREA) picks its kernel from the scale factors; both backends call this.
enum class AreaKernel { Copy, Fast, Generic, Linear };
struct AreaChoice {
  AreaKernel kernel = AreaKernel::Copy;
  int factor_x = 1, factor_y = 1;  // Fast: integer down-scale factors
};
AreaChoice area_choice(int in_h, int in_w, int out_h, int out_w);

// One axis of a separable resampling step as fixed-width taps, listed in the order the CPU kernel
// accumulates them: out[j] = sum_k in[idx[k * out + j]] * w[k * out + j] (k-major; unused taps
// point at index 0 with weight 0).
struct FloatTaps {
  int out = 0, k = 0;
  std::vector<int> idx;
  std::vector<float> w;
};
struct IntTaps {
  int out = 0, k = 0;
  std::vector<int> idx;
  std::vector<int> w;
};
FloatTaps area_generic_taps(int in, int out);                // Generic: OpenCV's float area weights
IntTaps area_fast_taps(int in, int out, int factor);         // Fast: weight-1 box taps (indices clamped)
IntTaps area_linear_taps(int in, int out, bool horizontal);  // Linear: 2 taps, 11-bit weights
IntTaps pil_bicubic_taps(int in, int out);                   // Pillow BICUBIC, 22-bit fixed point

// ---- pipeline -----------------------------------------------------------------------------------
struct ImageTransformConfig {
  int shortest_image_edge = 256;
  double crop_fraction = 0.95;
  bool letterbox = true;                          // LetterBoxPad (present since upstream 92f523d)
  std::optional<double> random_rotation_angle;    // train only; none or 0 -> no rotation
  std::optional<ColorJitterParams> color_jitter;  // train only
  int patch_factor = 28;                          // Eagle smart_resize factor
};

// Every stage of the eval pipeline (for parity tests / debugging).
struct EvalStages {
  Pads pads;
  Image letterbox, resize1, crop, resize2, smart;
  CropBox crop_box;
};

// Albumentations part only (before the Eagle resize). eval: center crop; train: `draw`.
Image albumentations_eval(const ImageView& src, const ImageTransformConfig& cfg,
                          EvalStages* stages = nullptr);
Image albumentations_train(const ImageView& src, const ImageTransformConfig& cfg, const TrainDraw& draw);
// Eagle fetch_image: smart_resize + PIL bicubic (no-op when already at the target size).
Image eagle_resize(const ImageView& src, int factor = 28);

// Draws the shared random parameters of one sample. h1/w1: image size after the first
// SmallestMaxSize (i.e. the size the random crop sees).
TrainDraw draw_train(std::mt19937_64& rng, const ImageTransformConfig& cfg, int h1, int w1);
// Size after letterbox + first SmallestMaxSize, without computing pixels.
std::array<int, 2> size_after_resize1(int h, int w, const ImageTransformConfig& cfg);

struct Pixels {
  int h = 0, w = 0;
  std::vector<float> chw;  // [3, h, w], values in [-1, 1]
};
Pixels preprocess_eval(const ImageView& src, const ImageTransformConfig& cfg);
Pixels preprocess_train(const ImageView& src, const ImageTransformConfig& cfg, const TrainDraw& draw);

// A sample's images in upstream order: time-major, then view order (T*V images).
using SampleImages = std::vector<ImageView>;
// Every image of every sample must be a non-empty uint8 RGB image; the error names sample and image.
void check_sample_images(const std::vector<SampleImages>& samples);
// The train draw of every sample, as preprocess_batch() makes them: sample s uses an RNG seeded
// by (seed, s), and the size its first image has after the first SmallestMaxSize.
std::vector<TrainDraw> draw_batch(const std::vector<SampleImages>& samples, const ImageTransformConfig& cfg,
                                  uint64_t seed);
// Processes samples on `num_threads` threads (0 -> hardware concurrency). Output [sample][image].
// train=false: eval pipeline; train=true: per-sample draw from rng seeded by (seed, sample index).
std::vector<std::vector<Pixels>> preprocess_batch(const std::vector<SampleImages>& samples,
                                                  const ImageTransformConfig& cfg, bool train,
                                                  uint64_t seed = 0, int num_threads = 0);

}  // namespace groot::img
