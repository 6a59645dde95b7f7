// Helpers for golden parity tests: the tiny_v1 golden folder. Tensors are compared with
// parity/parity.h compare_tensor (the one comparison, also used by `groot parity`).
#pragma once
#include <string>

#include "data/safetensors.h"
#include "model/safetensors_torch.h"
#include "test_util.h"

namespace groot::test {

inline std::string golden_dir() { return groot::test::golden_root() + "/tiny_v1"; }

}  // namespace groot::test
