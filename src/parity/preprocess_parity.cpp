// Image-preprocessing parity against goldens: see preprocess_parity.h.
#include "parity/preprocess_parity.h"

#include <cmath>
#include <filesystem>

#include "data/safetensors.h"
#include "processor/image_transforms.h"
#include "util/error.h"

namespace groot::img {
namespace {

StageCheck compare_u8(const std::string& name, const Image& got, const st::TensorView& want) {
  StageCheck c;
  c.tensor = name;
  c.tolerance = 1.0;
  c.numel = size_t(want.numel());
  c.shape_ok = want.dtype == st::DType::U8 && want.shape.size() == 3 && want.shape[0] == got.h &&
               want.shape[1] == got.w && want.shape[2] == got.c && want.nbytes == got.data.size();
  if (!c.shape_ok) return c;
  for (size_t i = 0; i < want.nbytes; i++) {
    const int d = std::abs(int(got.data[i]) - int(want.data[i]));
    c.n_diff += d != 0;
    c.max_abs = std::max(c.max_abs, double(d));
  }
  return c;
}

}  // namespace

std::vector<StageCheck> check_preprocess_goldens(const std::string& golden_dir) {
  const std::string path = (std::filesystem::path(golden_dir) / "preprocess.safetensors").string();
  GROOT_CHECK(st::exists(path), "no image-preprocessing goldens: ", path, " does not exist");
  st::File f(path);
  std::vector<StageCheck> out;
  for (int k = 0;; k++) {
    const std::string p = "img" + std::to_string(k) + "/";
    const st::TensorView* in = f.find(p + "input_uint8_hwc");
    if (!in) break;
    GROOT_CHECK(in->dtype == st::DType::U8 && in->shape.size() == 3 && in->shape[2] == 3, path, ": tensor ",
                p, "input_uint8_hwc must be uint8 [H, W, 3]");
    const ImageView src(in->data, int(in->shape[0]), int(in->shape[1]), 3);
    for (const bool letterbox : {true, false}) {
      const std::string pre = letterbox ? p : p + "noletterbox/";
      if (!f.find(pre + "resize1_uint8_hwc") && !f.find(pre + "smart_resize_uint8_hwc")) continue;
      ImageTransformConfig cfg;
      cfg.letterbox = letterbox;
      EvalStages s;
      Image r2 = albumentations_eval(src, cfg, &s);
      Image smart = eagle_resize(r2, cfg.patch_factor);
      const std::pair<const char*, const Image*> stages[] = {{"resize1_uint8_hwc", &s.resize1},
                                                             {"crop_uint8_hwc", &s.crop},
                                                             {"resize2_uint8_hwc", &s.resize2},
                                                             {"smart_resize_uint8_hwc", &smart}};
      for (const auto& [name, im] : stages)
        if (const st::TensorView* t = f.find(pre + name)) out.push_back(compare_u8(pre + name, *im, *t));
      if (const st::TensorView* pv = f.find(pre + "pixel_values")) {
        StageCheck c;
        c.tensor = pre + "pixel_values";
        c.tolerance = 2.0 / 255.0;
        c.numel = size_t(pv->numel());
        c.shape_ok = pv->dtype == st::DType::F32 && pv->shape.size() == 4 && pv->shape[0] == 1 &&
                     pv->shape[1] == 3 && pv->shape[2] == smart.h && pv->shape[3] == smart.w;
        if (c.shape_ok) {
          std::vector<float> px(size_t(3) * smart.h * smart.w);
          normalize_to_chw(smart, px.data());
          const float* w = reinterpret_cast<const float*>(pv->data);
          for (size_t i = 0; i < px.size(); i++) {
            const double d = std::abs(double(px[i]) - double(w[i]));
            c.n_diff += d != 0;
            c.max_abs = std::max(c.max_abs, d);
          }
        }
        out.push_back(c);
      }
    }
  }
  GROOT_CHECK(!out.empty(), path, ": no img<k>/input_uint8_hwc goldens with stages found");
  return out;
}

}  // namespace groot::img
