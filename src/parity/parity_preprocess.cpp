#include "parity/parity_preprocess.h"

#include <filesystem>

#include "data/safetensors.h"
#include "model/image_transforms_torch.h"
#include "parity/parity.h"
#include "model/safetensors_torch.h"
#include "parity/preprocess_parity.h"
#include "parity/tokenizer_parity.h"
#include "processor/tokenizer.h"
#include "util/error.h"

namespace groot::model {

void register_default_preprocess_checks() {
  static bool done = false;
  if (done) return;
  done = true;
  // Image goldens: every stage must be within 1 level (uint8) / 2/255 (pixel_values).
  register_preprocess_check("images", [](const std::string& dir, const torch::Device&) {
    std::vector<TensorCheck> out;
    if (!st::exists((std::filesystem::path(dir) / "preprocess.safetensors").string())) return out;
    for (const auto& s : img::check_preprocess_goldens(dir)) {
      TensorCheck c;
      c.name = "preprocess/" + s.tensor;
      c.max_abs = s.max_abs;
      c.tol.atol = s.tolerance;
      c.tol.rtol = 0;
      c.worst = s.tolerance > 0 ? s.max_abs / s.tolerance : (s.max_abs > 0 ? 1e9 : 0);
      c.pass = s.ok();
      if (!s.shape_ok)
        c.note = "shape mismatch";
      else
        c.note = std::to_string(s.n_diff) + "/" + std::to_string(s.numel) + " elements differ";
      out.push_back(c);
    }
    return out;
  });
  // Tokenizer / prompt goldens, with the tokenizer files shipped next to the golden folder's
  // checkpoint or else the shared Eagle tokenizer.
  // The batched LibTorch image path (the training path) on the parity device: final uint8 image and
  // pixel_values. It is bit-identical with the CPU path, so it gets the same tolerances.
  register_preprocess_check(
      "images (LibTorch path)", [](const std::string& dir, const torch::Device& device) {
        std::vector<TensorCheck> out;
        const auto path = std::filesystem::path(dir) / "preprocess.safetensors";
        if (!st::exists(path.string())) return out;
        st::File f(path.string());
        for (int k = 0;; k++) {
          const std::string p = "img" + std::to_string(k) + "/";
          const st::TensorView* in = f.find(p + "input_uint8_hwc");
          if (!in) break;
          GROOT_CHECK(in->dtype == st::DType::U8 && in->shape.size() == 3 && in->shape[2] == 3, path.string(),
                      ": tensor ", p, "input_uint8_hwc must be uint8 [H, W, 3]");
          torch::Tensor frames = st::to_tensor(*in).unsqueeze(0).to(device);
          for (const bool letterbox : {true, false}) {
            const std::string pre = letterbox ? p : p + "noletterbox/";
            img::ImageTransformConfig cfg;
            cfg.letterbox = letterbox;
            const std::pair<std::string, bool> wanted[] = {{"smart_resize_uint8_hwc", false},
                                                           {"pixel_values", true}};
            for (const auto& [name, normalised] : wanted) {
              const st::TensorView* want = f.find(pre + name);
              if (!want) continue;
              torch::Tensor got = normalised ? img::preprocess_frames(frames, cfg)
                                             : img::transform_frames_u8(frames, cfg)[0].permute({1, 2, 0});
              torch::Tensor ref = st::to_tensor(*want);
              TensorCheck c;
              c.name = "preprocess/torch-" + device.str() + "/" + pre + name;
              c.tol.atol = normalised ? 2.0 / 255.0 : 1.0;
              c.tol.rtol = 0;
              got = got.to(torch::kCPU).to(torch::kFloat64);
              if (got.sizes() != ref.sizes()) {
                c.note = "shape mismatch";
                c.worst = 1e9;
              } else {
                torch::Tensor d = (got - ref.to(torch::kFloat64)).abs();
                c.max_abs = d.max().item<double>();
                c.worst = c.max_abs / c.tol.atol;
                c.pass = c.max_abs <= c.tol.atol;
                c.note = std::to_string(d.ne(0).sum().item<int64_t>()) + "/" + std::to_string(d.numel()) +
                         " elements differ";
              }
              out.push_back(c);
            }
          }
        }
        return out;
      });
  register_preprocess_check("tokenizer", [](const std::string& dir, const torch::Device&) {
    std::vector<TensorCheck> out;
    Tokenizer tok = Tokenizer::load(Tokenizer::default_dir(dir));
    TokenizerParityReport r = check_tokenizer_goldens(dir, tok);
    TensorCheck c;
    c.name = "preprocess/tokenizer";
    c.pass = r.ok();
    c.worst = r.failures.empty() ? 0 : 1e9;
    c.note = std::to_string(r.checked) + " comparisons, " + std::to_string(r.failures.size()) + " mismatches";
    for (size_t i = 0; i < r.failures.size() && i < 5; ++i) c.note += "; " + r.failures[i];
    out.push_back(c);
    return out;
  });
}

}  // namespace groot::model
