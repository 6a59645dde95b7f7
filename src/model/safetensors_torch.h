// LibTorch bridge for safetensors (see safetensors.h).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "data/safetensors.h"
#include "model/torch_compat.h"

namespace groot::st {

torch::ScalarType to_torch(DType d);
DType from_torch(torch::ScalarType t);  // throws groot::Error for unsupported dtypes
// Owning CPU copy with the stored dtype.
torch::Tensor to_tensor(const TensorView& v);
// Writes contiguous CPU copies atomically.
void write_tensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                   const std::map<std::string, std::string>& metadata = {});

}  // namespace groot::st
