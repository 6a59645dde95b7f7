// Device and dtype selection from user strings ("auto", "cpu", "cuda", "cuda:1"; "fp32", "bf16", "fp16").
#pragma once
#include <string>

#include "model/torch_compat.h"

namespace groot {
torch::Device parse_device(const std::string& s);   // "auto" -> cuda:0 when available, else cpu
torch::ScalarType parse_dtype(const std::string& s);  // throws groot::Error naming the value
}  // namespace groot
