// The inference fast path of GR00T N1.6 (issue 17): the numbers of Gr00tN1d6Impl::get_action (the
// reference path), with nothing in the call that makes the host wait for the GPU.
//
//   FastInference fast(model);                  // model: built, loaded, eval(), on its device
//   auto actions = fast.get_action(bin, ain);   // [B, H, A], like model->get_action(bin, ain)
//
// What differs from the reference path:
// - The DiT's timestep-only work (timestep encoder, every block's AdaLN linear, proj_out_1) depends
//   only on the fixed denoising buckets: computed once per (batch, dtype) and reused (same values).
//   Weights must therefore not change after the first call.
// - Checks run once per call on the host copies of the inputs (token ids in range, <IMG_CONTEXT>
//   count == image tokens of the given pixel_values, embodiment ids), before anything is copied to
//   the device; inside the model nothing reads device memory on the host (image tokens are scattered
//   through a cumsum gather, the embodiment slot is resolved on the host).
// - On CUDA (LibTorch 2.x built with CUDA), the whole call (vision, LLM, action head with its 4
//   denoising steps and the cross-attention K/V computed once) is captured in one CUDA graph per input
//   shape: (batch, images and their size, prompt length, state length, shared embodiment slot, dtypes).
//   Each call copies its inputs into the graph's static buffers, replays it and returns a copy of the
//   static output. The first call of a shape runs eagerly twice (warm-up) and captures (~1 s).
//   Where graphs are unavailable (CPU, LibTorch 1.13, images of mixed sizes) or a capture fails, the
//   same sync-free call runs eagerly; stats() says which.
// On the CPU the eager fast path computes exactly the reference path's operations (the tests check
// equality); on CUDA the graph replays the same kernels (bf16 parity tolerance applies across devices).
// Not thread-safe: one FastInference per thread (or a lock around get_action).
#pragma once
#include <map>
#include <memory>
#include <string>

#include "model/gr00t_n1d6.h"

namespace groot::model {

struct FastInferOptions {
  bool cuda_graphs = true;  // capture per input shape on CUDA; false = sync-free eager only
  int max_graphs = 16;      // shapes kept; the least recently used graph is dropped beyond
};

struct FastInferStats {
  int64_t calls = 0;
  int64_t graph_replays = 0;
  int64_t captures = 0;
  int64_t eager_calls = 0;
  std::string graph_status;  // why calls run eagerly ("" while graphs work)
};

class FastInference {
 public:
  explicit FastInference(Gr00tN1d6 model, FastInferOptions opt = {});
  ~FastInference();
  FastInference(const FastInference&) = delete;
  FastInference& operator=(const FastInference&) = delete;

  // Same contract as Gr00tN1d6Impl::get_action. Inputs may be on the CPU (checked there at no cost)
  // or on the model device (copied to the host for the checks: one synchronisation). init_noise
  // undefined: drawn from `gen` on the model device before the graph runs.
  torch::Tensor get_action(const groot::BackboneInput& bin, const ActionInputs& ain,
                           const torch::Tensor& init_noise = torch::Tensor(),
                           c10::optional<at::Generator> gen = c10::nullopt);

  const FastInferStats& stats() const { return stats_; }
  // True when this build can capture CUDA graphs (LibTorch with CUDA headers); a CUDA device is
  // still needed at run time.
  static bool graphs_compiled();

 private:
  struct Graphs;
  Gr00tN1d6 model_;
  FastInferOptions opt_;
  FastInferStats stats_;
  std::unique_ptr<Graphs> graphs_;
  std::map<std::string, std::vector<TimestepModulation>> step_mods_;
};

}  // namespace groot::model
