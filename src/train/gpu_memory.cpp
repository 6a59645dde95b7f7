#include "train/gpu_memory.h"

#include <dlfcn.h>

#include "model/torch_compat.h"

#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define GROOT_HAS_CUDA_ALLOCATOR 1
#else
#define GROOT_HAS_CUDA_ALLOCATOR 0
#endif

namespace groot::train {

namespace {

// cuMemGetInfo_v2 of the CUDA driver, looked up at run time (no CUDA headers or link dependency).
bool driver_mem_info(int64_t* used, int64_t* total) {
  using Fn = int (*)(size_t*, size_t*);
  static Fn fn = [] {
    void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (!h) h = dlopen("libcuda.so.1", RTLD_NOW);
    return h ? reinterpret_cast<Fn>(dlsym(h, "cuMemGetInfo_v2")) : nullptr;
  }();
  if (!fn) return false;
  size_t free_b = 0, total_b = 0;
  if (fn(&free_b, &total_b) != 0) return false;
  *used = int64_t(total_b - free_b);
  *total = int64_t(total_b);
  return true;
}

}  // namespace

GpuMemory gpu_memory(int device) {
  GpuMemory m;
  if (!torch::cuda::is_available()) return m;
#if GROOT_HAS_CUDA_ALLOCATOR
  const auto s = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device));
  const size_t all = 0;  // StatType::AGGREGATE (its namespace moved between releases; it is entry 0)
  m.allocator_stats = true;
  m.allocated = s.allocated_bytes[all].current;
  m.peak_allocated = s.allocated_bytes[all].peak;
  m.reserved = s.reserved_bytes[all].current;
  m.peak_reserved = s.reserved_bytes[all].peak;
#else
  (void)device;
#endif
  m.available = driver_mem_info(&m.device_used, &m.device_total) || m.allocator_stats;
  return m;
}

void reset_peak_gpu_memory(int device) {
#if GROOT_HAS_CUDA_ALLOCATOR
  if (torch::cuda::is_available())
    c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device));
#else
  (void)device;
#endif
}

}  // namespace groot::train
