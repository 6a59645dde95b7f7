// The one place for LibTorch version differences (Debian 1.13 CPU vs 2.x CUDA).
#pragma once
#include <torch/torch.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR >= 2
#define GROOT_TORCH_HAS_SDPA 1
#else
#define GROOT_TORCH_HAS_SDPA 0
#endif

namespace groot {
inline const char* torch_version_string() { return TORCH_VERSION; }
}  // namespace groot
