#include "model/safetensors_torch.h"

#include <cstring>

#include "util/error.h"

namespace groot::st {

torch::ScalarType to_torch(DType d) {
  switch (d) {
    case DType::F64: return torch::kFloat64;
    case DType::F32: return torch::kFloat32;
    case DType::F16: return torch::kFloat16;
    case DType::BF16: return torch::kBFloat16;
    case DType::I64: return torch::kInt64;
    case DType::I32: return torch::kInt32;
    case DType::I16: return torch::kInt16;
    case DType::I8: return torch::kInt8;
    case DType::U8: return torch::kUInt8;
    case DType::BOOL: return torch::kBool;
  }
  return torch::kFloat32;
}

DType from_torch(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat64: return DType::F64;
    case torch::kFloat32: return DType::F32;
    case torch::kFloat16: return DType::F16;
    case torch::kBFloat16: return DType::BF16;
    case torch::kInt64: return DType::I64;
    case torch::kInt32: return DType::I32;
    case torch::kInt16: return DType::I16;
    case torch::kInt8: return DType::I8;
    case torch::kUInt8: return DType::U8;
    case torch::kBool: return DType::BOOL;
    default: fail("safetensors: unsupported torch dtype ", c10::toString(t));
  }
}

torch::Tensor to_tensor(const TensorView& v) {
  torch::Tensor t = torch::empty(v.shape, torch::TensorOptions().dtype(to_torch(v.dtype)));
  if (v.nbytes) std::memcpy(t.data_ptr(), v.data, v.nbytes);
  return t;
}

void write_tensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                   const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> keep;
  std::vector<WriteTensor> out;
  keep.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    keep.push_back(c);
    WriteTensor w;
    w.name = name;
    w.dtype = from_torch(c.scalar_type());
    w.shape = c.sizes().vec();
    w.data = c.data_ptr();
    w.nbytes = size_t(c.numel()) * c.element_size();
    out.push_back(std::move(w));
  }
  write(path, out, metadata);
}

}  // namespace groot::st
