// Inference fast path (see fast_infer.h).
#include "model/fast_infer.h"

#include <map>
#include <sstream>

#include "model/torch_compat.h"
#include "util/error.h"

#if GROOT_HAVE_CUDA_GRAPHS
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

namespace groot::model {

namespace {

// The call both paths run: backbone (ids already checked on the host) + action head with the
// embodiment resolved on the host. Reads no device memory on the host.
torch::Tensor run_call(Gr00tN1d6Impl& m, const groot::BackboneInput& bin, const torch::Tensor& state,
                       const Embodiment& e, const torch::Tensor& noise, const std::vector<TimestepModulation>* steps) {
  auto bo = m.backbone->forward(bin);
  ActionInputs ain;
  ain.state = state;
  ain.embodiment_id = e.ids;
  return m.action_head->get_action(bo, ain, e, noise, c10::nullopt, steps);
}

}  // namespace

#if GROOT_HAVE_CUDA_GRAPHS
struct FastInference::Graphs {
  struct Entry {
    at::cuda::CUDAGraph graph;
    groot::BackboneInput bin;  // static device buffers: input_ids, attention_mask, pixel_values
    torch::Tensor state, noise, out;
    Embodiment e;  // ids: static device buffer
    int64_t last_used = 0;
  };
  std::map<std::string, std::unique_ptr<Entry>> entries;
  int64_t tick = 0;
  bool disabled = false;
};

namespace {

// Graph key: every input's shape and dtype plus the shared embodiment slot (baked into the graph).
std::string shape_key(const std::vector<torch::Tensor>& ts, int64_t shared) {
  std::ostringstream o;
  for (const auto& t : ts) o << t.sizes() << c10::toString(t.scalar_type()) << ";";
  o << "e" << shared;
  return o.str();
}

torch::Tensor static_copy(const torch::Tensor& t, const torch::Device& d) {
  auto s = torch::empty(t.sizes(), t.options().device(d));
  s.copy_(t);
  return s;
}

// Leaves stream capture after an exception inside it, so that the stream can be used again.
void abort_capture(cudaStream_t s) {
  cudaStreamCaptureStatus st = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(s, &st) == cudaSuccess && st != cudaStreamCaptureStatusNone) {
    cudaGraph_t g = nullptr;
    cudaStreamEndCapture(s, &g);
    if (g) cudaGraphDestroy(g);
  }
  (void)cudaGetLastError();
}

}  // namespace
#else
struct FastInference::Graphs {};
#endif

bool FastInference::graphs_compiled() { return GROOT_HAVE_CUDA_GRAPHS != 0; }

FastInference::FastInference(Gr00tN1d6 model, FastInferOptions opt)
    : model_(std::move(model)), opt_(opt), graphs_(std::make_unique<Graphs>()) {
  GROOT_CHECK(model_, "FastInference: no model");
}

FastInference::~FastInference() = default;

torch::Tensor FastInference::get_action(const groot::BackboneInput& bin_in, const ActionInputs& ain,
                                        const torch::Tensor& init_noise, c10::optional<at::Generator> gen) {
  torch::NoGradGuard ng;
  auto& m = *model_;
  const auto device = m.action_head->model->proj_out_2->weight.device();
  const auto& cfg = m.cfg;
  ++stats_.calls;

  // --- host checks, once, on the host copies ---
  GROOT_CHECK(bin_in.input_ids.defined() && bin_in.input_ids.dim() == 2 &&
                  bin_in.input_ids.scalar_type() == torch::kInt64,
              "fast inference: input_ids must be int64 [B, L]");
  const int64_t B = bin_in.input_ids.size(0);
  GROOT_CHECK(bin_in.attention_mask.defined() && bin_in.attention_mask.sizes() == bin_in.input_ids.sizes(),
              "fast inference: attention_mask must match input_ids ", bin_in.input_ids.sizes());
  auto ids_cpu = bin_in.input_ids.is_cpu() ? bin_in.input_ids : bin_in.input_ids.cpu();
  groot::BackboneInput bin = bin_in;
  bin.input_ids = ids_cpu;  // checked below; forward() repeats the (free) host check on CPU ids
  bin.ids_checked = true;
  if (!bin.images.empty()) {  // a list of equally sized images runs as one pixel_values tensor
    bool same = true;
    for (const auto& im : bin.images)
      same = same && im.dim() >= 3 && im.sizes().slice(im.dim() - 3) == bin.images[0].sizes().slice(bin.images[0].dim() - 3) &&
             im.numel() == bin.images[0].numel() && im.device() == bin.images[0].device() &&
             im.scalar_type() == bin.images[0].scalar_type();
    if (same) {
      std::vector<torch::Tensor> v;
      for (const auto& im : bin.images) v.push_back(im.reshape(im.sizes().slice(im.dim() - 3)));
      bin.pixel_values = torch::stack(v);
      bin.images.clear();
    }
  }
  int64_t image_tokens = 0;
  if (bin.images.empty() && bin.pixel_values.defined()) {
    const auto& px = bin.pixel_values;
    GROOT_CHECK(px.dim() == 4, "fast inference: pixel_values must be [N_img, 3, H, W], got ", px.sizes());
    image_tokens = px.size(0) * m.backbone->image_token_count(px.size(2), px.size(3));
  } else {
    for (const auto& im : bin.images) image_tokens += m.backbone->image_token_count(im.size(-2), im.size(-1));
  }
  groot::check_backbone_ids(ids_cpu, cfg, image_tokens);
  auto e = Embodiment::from_ids(ain.embodiment_id, m.action_head->cfg.max_num_embodiments, device);
  GROOT_CHECK(ain.state.defined() && ain.state.dim() == 3 && ain.state.size(0) == B,
              "fast inference: state must be [B=", B, ", T, D], got ",
              ain.state.defined() ? ain.state.sizes() : torch::IntArrayRef{});
  GROOT_CHECK(e.ids.size(0) == B, "fast inference: embodiment_id batch ", e.ids.size(0), " != ", B);
  torch::Tensor noise = init_noise;
  if (!noise.defined()) {
    const auto& hc = m.action_head->cfg;
    noise = at::randn({B, hc.action_horizon, hc.max_action_dim}, gen,
                      torch::TensorOptions().device(device).dtype(m.action_head->activation_dtype()));
  }

  // Timestep-only DiT work of the fixed denoising buckets, once per (batch, dtype); the tensors stay
  // alive as long as this object (graphs read them by address).
  const auto ah_dtype = m.action_head->activation_dtype();
  auto& steps_ref = step_mods_[std::to_string(B) + c10::toString(ah_dtype)];
  if (steps_ref.empty()) steps_ref = m.action_head->step_modulations(B, device, ah_dtype);
  const std::vector<TimestepModulation>* steps = &steps_ref;

#if GROOT_HAVE_CUDA_GRAPHS
  auto& G = *graphs_;
  const bool graphable = opt_.cuda_graphs && device.is_cuda() && !G.disabled && !m.is_training() &&
                         bin.images.empty();
  if (!graphable) {
    if (!opt_.cuda_graphs) stats_.graph_status = "CUDA graphs off (option)";
    else if (!device.is_cuda()) stats_.graph_status = "model not on CUDA";
    else if (m.is_training()) stats_.graph_status = "model in training mode";
    else if (!bin.images.empty()) stats_.graph_status = "images of mixed sizes (BackboneInput::images)";
  } else {
    std::vector<torch::Tensor> parts{ids_cpu, bin.attention_mask, ain.state, noise};
    if (bin.pixel_values.defined()) parts.push_back(bin.pixel_values);
    const auto key = shape_key(parts, e.shared);
    auto it = G.entries.find(key);
    if (it == G.entries.end()) {
      if (int(G.entries.size()) >= std::max(1, opt_.max_graphs)) {
        auto lru = G.entries.begin();
        for (auto j = G.entries.begin(); j != G.entries.end(); ++j)
          if (j->second->last_used < lru->second->last_used) lru = j;
        G.entries.erase(lru);
      }
      auto en = std::make_unique<Graphs::Entry>();
      en->bin.input_ids = static_copy(ids_cpu, device);
      en->bin.attention_mask = static_copy(bin.attention_mask, device);
      if (bin.pixel_values.defined()) en->bin.pixel_values = static_copy(bin.pixel_values, device);
      en->bin.ids_checked = true;
      en->state = static_copy(ain.state, device);
      en->noise = static_copy(noise, device);
      en->e.shared = e.shared;
      en->e.ids = static_copy(e.ids, device);
      auto side = c10::cuda::getStreamFromPool(false, device.index());
      torch::cuda::synchronize();
      bool captured = false;
      try {
        c10::cuda::CUDAStreamGuard sg(side);
        // Warm-up outside capture: library handles, kernel choices and allocator blocks.
        for (int i = 0; i < 2; ++i) run_call(m, en->bin, en->state, en->e, en->noise, steps);
        side.synchronize();
        en->graph.capture_begin();
        try {
          en->out = run_call(m, en->bin, en->state, en->e, en->noise, steps);
        } catch (...) {
          abort_capture(side.stream());
          throw;
        }
        en->graph.capture_end();
        captured = true;
      } catch (const std::exception& ex) {
        G.disabled = true;  // a failed capture leaves the allocator's capture pool behind: stay eager
        stats_.graph_status = std::string("CUDA graph capture failed, eager from now on: ") + ex.what();
      }
      torch::cuda::synchronize();
      if (captured) {
        ++stats_.captures;
        it = G.entries.emplace(key, std::move(en)).first;
      }
    }
    if (it != G.entries.end()) {
      auto& en = *it->second;
      en.last_used = ++G.tick;
      en.bin.input_ids.copy_(ids_cpu, /*non_blocking=*/true);
      en.bin.attention_mask.copy_(bin.attention_mask, true);
      if (bin.pixel_values.defined()) en.bin.pixel_values.copy_(bin.pixel_values, true);
      en.state.copy_(ain.state, true);
      en.noise.copy_(noise, true);
      en.e.ids.copy_(e.ids, true);
      en.graph.replay();
      ++stats_.graph_replays;
      stats_.graph_status.clear();
      return en.out.clone();
    }
  }
#else
  if (device.is_cuda() && opt_.cuda_graphs)
    stats_.graph_status = std::string("CUDA graphs not compiled in (LibTorch ") + torch_version_string() + ")";
#endif
  ++stats_.eager_calls;
  return run_call(m, bin, ain.state, e, noise, steps);
}

}  // namespace groot::model
