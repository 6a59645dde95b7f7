// Image-preprocessing parity against a golden folder (e.g. tests/golden/tiny_v1): runs the eval
// pipeline (processor/image_transforms.h) on every `img<k>/input_uint8_hwc` of preprocess.safetensors
// and compares every stored stage (resize1, crop, resize2, smart_resize; the `noletterbox/`
// variant without the letterbox step; `pixel_values` when stored). For `groot parity` and tests.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace groot::img {

struct StageCheck {
  std::string tensor;  // golden tensor name, e.g. "img1/resize2_uint8_hwc"
  bool shape_ok = false;
  double max_abs = 0;  // uint8 stages: in pixel levels; pixel_values: in float units
  size_t n_diff = 0;   // elements that differ at all
  size_t numel = 0;
  double tolerance = 0;  // acceptance: 1 level (= 1/255) for uint8, 2/255 for pixel_values
  bool ok() const { return shape_ok && max_abs <= tolerance; }
  bool exact() const { return shape_ok && n_diff == 0; }
};

// Returns one entry per compared tensor. Throws groot::Error if the folder has no
// preprocess.safetensors or it holds no img<k>/input_uint8_hwc.
std::vector<StageCheck> check_preprocess_goldens(const std::string& golden_dir);

}  // namespace groot::img
