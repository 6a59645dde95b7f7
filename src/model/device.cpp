#include "model/device.h"

#include "util/error.h"

namespace groot {

torch::Device parse_device(const std::string& s) {
  if (s.empty() || s == "auto") return torch::cuda::is_available() ? torch::Device("cuda:0") : torch::Device("cpu");
  try {
    torch::Device d(s);
    if (d.is_cuda() && !torch::cuda::is_available())
      fail("device '", s, "' requested but CUDA is not available in this build/machine (LibTorch ",
           TORCH_VERSION, ")");
    return d;
  } catch (const c10::Error&) {
    fail("unknown device '", s, "' (expected auto, cpu, cuda or cuda:N)");
  }
}

torch::ScalarType parse_dtype(const std::string& s) {
  if (s == "fp32" || s == "float32" || s == "float") return torch::kFloat32;
  if (s == "bf16" || s == "bfloat16") return torch::kBFloat16;
  if (s == "fp16" || s == "float16" || s == "half") return torch::kFloat16;
  fail("unknown dtype '", s, "' (expected fp32, bf16 or fp16)");
}

}  // namespace groot
