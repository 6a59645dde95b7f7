// Parity of the C++ GR00T N1.6 with the upstream golden folders (tests/golden/<name>/, layout in
// its README): weights.safetensors, io.safetensors (inputs + every named intermediate, loss,
// gradients, inference steps), io_bf16.safetensors, tolerance_report.json, upstream configs.
//
// run_parity() loads the folder's weights and inputs, runs the model (training forward with the
// fixed noise / t + backward, then the 4-step inference from the fixed initial noise), records
// every intermediate under the golden names (ah_trace), and compares each golden tensor it
// produced with the tolerance of its family (README §9):
//   int / bool tensors                         exact
//   vision/ mlp1/ llm/ backbone/ ah/vlln_out     atol 2e-5, rtol 1e-4 (rows with attention_mask==1)
//   ah/ dit/ train/ infer/                       atol 2e-4, rtol 1e-4
//   train/loss                                   rtol 1e-5
//   grad/ grad_slot10/                           atol 1e-5, rtol 1e-4 (attn1.to_k.bias: atol 1e-6)
//   --dtype bf16 vs io_bf16.safetensors          atol 5e-2, rtol 5e-2 (README: loose)
// A tensor passes when |ours - ref| <= atol + rtol |ref| everywhere.
//
// The whole model (EagleBackbone + action head) is built from the folder's config (load_config) and
// loaded with the strict groot::load_state_dict; the trainable set is the golden recipe's
// (apply_recipe: tune flags + tune_top_llm_layers), so gradients are compared for exactly the
// parameters upstream trained. options.action_head_only feeds the golden backbone features to the
// action head instead (bisection aid).
// Extension point: register_preprocess_check() adds tokenizer / image-preprocessing checks (other
// modules), run when the folder has preprocess.json; without any, the report says they were not run.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "data/safetensors.h"
#include "model/action_head.h"
#include "model/gr00t_n1d6.h"

namespace groot::model {

struct Tolerance {
  double atol = 0;
  double rtol = 0;
  bool exact = false;            // integer / bool tensors
  bool valid_rows_only = false;  // [B, L, ...] tensors: compare rows where attention_mask == 1
};
// Tolerance of a golden tensor name (fp32 run); bf16=true gives the loose bf16 tolerance.
Tolerance tolerance_for(const std::string& name, bool bf16 = false);

struct TensorCheck {
  std::string name;
  bool pass = false;
  double max_abs = 0;     // max |ours - ref| over compared elements
  double ref_absmax = 0;  // max |ref|
  double worst = 0;       // max |ours - ref| / (atol + rtol |ref|): <= 1 passes
  Tolerance tol;
  std::string note;  // shape mismatch, not produced, ...
  std::string describe() const;
};

// Compares `ours` with `ref` (cast to float64 on the CPU). row_mask: bool [B, L] selecting rows of
// [B, L, ...] tensors when tol.valid_rows_only (undefined = all rows).
TensorCheck compare_tensor(const std::string& name, const torch::Tensor& ours, const torch::Tensor& ref,
                           const Tolerance& tol, const torch::Tensor& row_mask = torch::Tensor());

struct ParityOptions {
  std::string golden_dir;
  torch::ScalarType dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
  bool action_head_only = false;  // feed golden backbone features to the action head
  std::vector<std::string> dump;  // names (or "prefix*") to print in detail
  std::string dump_path;          // if set: write ours/<name> + golden/<name> to this .safetensors
};

struct ParityReport {
  std::vector<TensorCheck> checks;
  std::vector<std::string> notes;  // what was / was not checked
  bool backbone_checked = false;
  int failures() const;
};

ParityReport run_parity(const ParityOptions& opt, std::ostream* log = nullptr);
// One line per tensor: name, max abs error, ref absmax, tolerance, worst ratio, PASS/FAIL, plus the
// upstream CPU-vs-GPU difference from tolerance_report.json when known.
void print_report(const ParityReport& r, const std::string& golden_dir, std::ostream& os);

// --- extension points ---------------------------------------------------------------------------
// Tokenizer / image-preprocessing goldens: returns its checks (names like "preprocess/img0/...").
// `device`: the device the parity run uses (checks of device code paths run there).
using PreprocessCheck =
    std::function<std::vector<TensorCheck>(const std::string& golden_dir, const torch::Device& device)>;
void register_preprocess_check(const std::string& name, PreprocessCheck f);

}  // namespace groot::model
