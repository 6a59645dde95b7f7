// GPU memory numbers for progress lines and benchmarks.
//   allocator_stats: LibTorch's CUDA caching allocator (torch.cuda.memory_allocated / max_memory_allocated
//                    / memory_reserved equivalents); needs the CUDA runtime headers at build time.
//   device_used:     total - free memory of the device (CUDA driver cuMemGetInfo through libcuda.so.1,
//                    what nvidia-smi shows: includes the CUDA context and the allocator's cache).
// Without a GPU every field stays 0 and available is false.
#pragma once
#include <cstdint>

namespace groot::train {

struct GpuMemory {
  bool available = false;
  bool allocator_stats = false;
  int64_t allocated = 0, peak_allocated = 0;  // bytes held by tensors (current / peak since reset)
  int64_t reserved = 0, peak_reserved = 0;    // bytes held by the caching allocator
  int64_t device_used = 0, device_total = 0;  // driver view of the whole device
};

GpuMemory gpu_memory(int device);
void reset_peak_gpu_memory(int device);

}  // namespace groot::train
