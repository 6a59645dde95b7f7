// GR00T N1.6 image preprocessing on batches of frames with LibTorch, on any device (CUDA for
// training, CPU in CI): the pipeline of image_transforms.h (letterbox, INTER_AREA resizes, crop,
// rotation, colour jitter, Pillow bicubic to multiples of 28, normalisation), computed from the same
// resampling tables (area_*_taps / pil_bicubic_taps) in the same arithmetic, so that results are
// bit-identical to the CPU path (tests/model/test_image_transforms_torch.cpp checks every kernel).
//
// How each step maps to tensor ops (frames as uint8 [N, 3, H, W] between steps):
//   letterbox           constant_pad_nd with 0
//   INTER_AREA Generic  per-axis taps: acc = acc + x[idx_k] * w_k in float32, taps in OpenCV's order
//   INTER_AREA Fast     integer box sums, then OpenCV's rounding ((s+2)>>2 for 2x2, else s*scale)
//   INTER_AREA Linear   OpenCV's 11-bit fixed point in int32, including its SIMD vertical rounding
//   crop                narrow (eval) or a per-frame gather (train: one offset per sample)
//   rotate              rotation_source_map coordinates in float64, 4 gathers (REFLECT_101 indices),
//                       float32 bilinear weights
//   colour jitter       brightness / contrast: the CPU ops' own per-frame LUTs (brightness_lut,
//                       contrast_lut around the exact gray mean) applied by gather; saturation in
//                       float32; hue through OpenCV 8-bit HSV in float64 with hue_lut; per-frame
//                       random op order (frames grouped by the op at each of the 4 positions)
//   Pillow BICUBIC      22-bit fixed-point taps in int32 (exactly Pillow's integer sums)
// No matrix multiplication is used, so TF32 settings and BLAS summation order cannot change results.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "processor/image_transforms.h"

namespace groot::img {

// frames: uint8 [N, H, W, 3] on any device (one image size per call). draws: empty for the eval
// pipeline, or N train draws (frame n uses draws[n]; repeat a sample's draw for each of its images).
// Returns uint8 [N, 3, h', w'] on frames' device: the image after albumentations + Eagle resize.
torch::Tensor transform_frames_u8(const torch::Tensor& frames, const ImageTransformConfig& cfg,
                                  const std::vector<TrainDraw>& draws = {});

// transform_frames_u8 followed by (x - 127.5) / 127.5 in float32, then cast to `dtype`:
// [N, 3, h', w'] in [-1, 1], the model's pixel_values.
torch::Tensor preprocess_frames(const torch::Tensor& frames, const ImageTransformConfig& cfg,
                                const std::vector<TrainDraw>& draws = {},
                                torch::ScalarType dtype = torch::kFloat32);

// preprocess_batch() on `device`: the same per-sample draws (seed, sample index) and the same
// values. Images of equal size are uploaded and processed together, at most `max_batch` frames per
// call (bounds device memory). Returns out[sample][image] = [3, h, w] tensors of `dtype` on device.
std::vector<std::vector<torch::Tensor>> preprocess_batch_torch(const std::vector<SampleImages>& samples,
                                                               const ImageTransformConfig& cfg, bool train,
                                                               uint64_t seed, const torch::Device& device,
                                                               torch::ScalarType dtype = torch::kFloat32,
                                                               int max_batch = 64);

}  // namespace groot::img
