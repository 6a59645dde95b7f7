// Helpers for golden parity tests: open tests/golden/tiny_v1, compare tensors with the README's
// tolerance rule |got - ref| <= atol + rtol * |ref| (integers and bools exact).
#pragma once
#include <string>

#include "data/safetensors.h"
#include "model/safetensors_torch.h"
#include "test_util.h"

namespace groot::test {

inline std::string golden_dir() { return groot::test::golden_root() + "/tiny_v1"; }

struct CompareResult {
  bool ok = false;
  double max_abs = 0;      // max |got - ref|
  double max_ref = 0;      // max |ref|
  std::string message;     // shape / dtype problems
};

inline CompareResult compare_tensors(const torch::Tensor& got_in, const torch::Tensor& ref_in, double atol,
                                     double rtol) {
  CompareResult r;
  if (!got_in.defined()) {
    r.message = "not produced";
    return r;
  }
  auto got = got_in.detach().cpu(), ref = ref_in.detach().cpu();
  if (got.sizes() != ref.sizes()) {
    std::ostringstream os;
    os << "shape " << got.sizes() << " vs golden " << ref.sizes();
    r.message = os.str();
    return r;
  }
  if (!ref.is_floating_point()) {
    r.ok = torch::equal(got.to(ref.scalar_type()), ref);
    r.max_abs = r.ok ? 0 : 1;
    if (!r.ok) r.message = "integer/bool values differ";
    return r;
  }
  auto g = got.to(torch::kFloat64), f = ref.to(torch::kFloat64);
  auto diff = (g - f).abs();
  r.max_abs = diff.numel() ? diff.max().item<double>() : 0;
  r.max_ref = f.numel() ? f.abs().max().item<double>() : 0;
  r.ok = (diff <= atol + rtol * f.abs()).all().item<bool>() && !torch::isnan(g).any().item<bool>();
  return r;
}

}  // namespace groot::test
