#include "model/parity_preprocess.h"

#include <filesystem>

#include "model/parity.h"
#include "model/preprocess_parity.h"
#include "model/tokenizer.h"
#include "model/tokenizer_parity.h"

namespace groot::model {

void register_default_preprocess_checks() {
  static bool done = false;
  if (done) return;
  done = true;
  // Image goldens: every stage must be within 1 level (uint8) / 2/255 (pixel_values).
  register_preprocess_check("images", [](const std::string& dir) {
    std::vector<TensorCheck> out;
    if (!std::filesystem::exists(std::filesystem::path(dir) / "preprocess.safetensors")) return out;
    for (const auto& s : img::check_preprocess_goldens(dir)) {
      TensorCheck c;
      c.name = "preprocess/" + s.tensor;
      c.max_abs = s.max_abs;
      c.tol.atol = s.tolerance;
      c.tol.rtol = 0;
      c.worst = s.tolerance > 0 ? s.max_abs / s.tolerance : (s.max_abs > 0 ? 1e9 : 0);
      c.pass = s.ok();
      if (!s.shape_ok) c.note = "shape mismatch";
      else c.note = std::to_string(s.n_diff) + "/" + std::to_string(s.numel) + " elements differ";
      out.push_back(c);
    }
    return out;
  });
  // Tokenizer / prompt goldens, with the tokenizer files shipped next to the golden folder's
  // checkpoint or else the shared Eagle tokenizer.
  register_preprocess_check("tokenizer", [](const std::string& dir) {
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
