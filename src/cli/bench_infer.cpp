// groot bench infer: GR00T N1.6 policy inference latency with random weights (issue 17).
//
// For each (batch, views): p50/p90/p99/mean/min of one action chunk (backbone once + the 4 denoising
// steps) over --iters calls after --warmup, host clock around the call with a device synchronise
// after it, for
//   reference    Gr00tN1d6::get_action with the inputs on the device (the eager path as before;
//                its input checks read device memory on the host)
//   fast-eager   FastInference without CUDA graphs (checks on the host copies, no host sync inside)
//   fast         FastInference (one CUDA graph per input shape on CUDA; = fast-eager elsewhere)
// then a "staged" reference pass that synchronises at stage boundaries: preprocess (uint8 camera
// frames from pinned host memory -> device -> the eval image pipeline, image_transforms_torch.h),
// vision (SigLIP2 + mlp1), LLM (embedding + image-token scatter + Qwen3), action head. The fast path
// is checked against the reference with the same initial noise (max |fast - ref|, relative L2).
// --profile: the profiler's (Kineto) top kernels by device time for reference and fast, per call.
// Inputs: a prompt like upstream's (system + instruction + per view 81 <IMG_CONTEXT> tokens for
// 252x252 images), random pixels, state and noise; embodiment slot 10.
#include <torch/csrc/autograd/profiler_kineto.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <sstream>

#include "cli/bench.h"
#include "cli/flags.h"
#include "model/config.h"
#include "model/device.h"
#include "model/fast_infer.h"
#include "model/gr00t_n1d6.h"
#include "model/image_transforms_torch.h"
#include "model/weights.h"
#include "train/init_model.h"
#include "util/error.h"
#include "util/fs.h"

namespace {

using namespace groot;
using Clock = std::chrono::steady_clock;

void sync(const torch::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize();
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Pct {
  double p50 = 0, p90 = 0, p99 = 0, mean = 0, min = 0;
  size_t n = 0;
};
Pct percentiles(std::vector<double> v) {
  Pct p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, size_t(q * double(v.size() - 1) + 0.5))]; };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.min = v.front();
  p.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
  return p;
}
void print_row(const char* name, const Pct& p) {
  std::printf("  %-13s p50 %8.2f  p90 %8.2f  p99 %8.2f  mean %8.2f  min %8.2f ms  (n=%zu)\n", name, p.p50, p.p90,
              p.p99, p.mean, p.min, p.n);
}

// system + user text, then per view "<image k>" <img> n x <IMG_CONTEXT> </img>, then end of turn.
torch::Tensor make_prompt(const Gr00tN1d6Config& cfg, int views, int64_t tokens_per_image, int lang_tokens) {
  std::vector<int64_t> ids = {151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198};
  for (int i = 0; i < lang_tokens; ++i) ids.push_back(1000 + 37 * i);
  for (int v = 0; v < views; ++v) {
    for (int64_t t : {27, 1805, 220, 16 + v, 29}) ids.push_back(t);
    ids.push_back(151670);
    for (int64_t k = 0; k < tokens_per_image; ++k) ids.push_back(cfg.eagle.image_token_index);
    ids.push_back(151671);
  }
  ids.push_back(151645);
  ids.push_back(198);
  return torch::tensor(ids, torch::kLong).unsqueeze(0);
}

// Kineto trace of `fn` run `calls` times -> top device kernels (or CPU ops on a CPU run).
void profile(const std::string& label, int calls, int top, const torch::Device& dev, const std::function<void()>& fn) {
  namespace P = torch::profiler::impl;
  const auto path = (std::filesystem::temp_directory_path() /
                     ("groot_bench_infer_" + std::to_string(::getpid()) + "_" + label + ".json"))
                        .string();
  try {
    std::set<P::ActivityType> acts{P::ActivityType::CPU};
    if (dev.is_cuda()) acts.insert(P::ActivityType::CUDA);
    P::ProfilerConfig cfg(P::ProfilerState::KINETO);
    torch::autograd::profiler::prepareProfiler(cfg, acts);
    sync(dev);
    torch::autograd::profiler::enableProfiler(cfg, acts);
    for (int i = 0; i < calls; ++i) fn();
    sync(dev);
    auto result = torch::autograd::profiler::disableProfiler();
    result->save(path);
  } catch (const c10::Error& e) {
    std::printf("profile %s: profiler unavailable in this LibTorch build: %s\n", label.c_str(),
                e.what_without_backtrace());
    return;
  } catch (const std::exception& e) {
    std::printf("profile %s: profiler failed: %s\n", label.c_str(), e.what());
    return;
  }
  nlohmann::json j;
  try {
    std::ifstream f(path);
    j = nlohmann::json::parse(f);
  } catch (const std::exception& e) {
    std::printf("profile %s: cannot read the trace %s: %s\n", label.c_str(), path.c_str(), e.what());
    return;
  }
  ::unlink(path.c_str());
  const auto& evs = j.contains("traceEvents") ? j["traceEvents"] : j;
  bool device_events = false;
  for (const auto& e : evs)
    if (e.is_object() && e.value("cat", "") == "kernel") device_events = true;
  struct Agg {
    double us = 0;
    int64_t n = 0;
  };
  std::map<std::string, Agg> agg;
  double total = 0;
  int64_t count = 0;
  for (const auto& e : evs) {
    if (!e.is_object() || e.value("ph", "") != "X") continue;
    const auto cat = e.value("cat", "");
    const bool take = device_events ? (cat == "kernel" || cat == "gpu_memcpy" || cat == "gpu_memset")
                                    : (cat == "cpu_op" || cat == "Operator");
    if (!take) continue;
    const double dur = e.contains("dur") && e["dur"].is_number() ? e["dur"].get<double>() : 0.0;
    auto& a = agg[e.value("name", "?")];
    a.us += dur;
    a.n += 1;
    total += dur;
    ++count;
  }
  std::vector<std::pair<std::string, Agg>> rows(agg.begin(), agg.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.us > b.second.us; });
  std::printf("profile %s: %s, %d calls: %.3f ms %s time per call, %.1f %s per call\n", label.c_str(),
              device_events ? "device kernels + copies" : "CPU ops (no device events)", calls,
              total / 1000.0 / calls, device_events ? "device" : "op", double(count) / calls,
              device_events ? "kernels" : "ops");
  for (int i = 0; i < std::min<int>(top, int(rows.size())); ++i) {
    auto name = rows[size_t(i)].first;
    if (name.size() > 110) name = name.substr(0, 107) + "...";
    std::printf("  %6.1f%%  %9.3f ms/call  %6.1f x/call  %s\n", 100.0 * rows[size_t(i)].second.us / std::max(total, 1e-9),
                rows[size_t(i)].second.us / 1000.0 / calls, double(rows[size_t(i)].second.n) / calls, name.c_str());
  }
}

int run(int argc, char** argv) {
  CLI::App app{"GR00T N1.6 inference latency (random weights): reference vs fast path, per stage", "groot bench infer"};
  std::string preset = "3b", config_dir, device = "auto", dtype = "bf16", frame = "480x640";
  std::vector<int> batches{1, 8}, views_list{1, 2};
  std::vector<std::string> paths{"reference", "fast-eager", "fast"};
  int iters = 200, warmup = 20, staged_iters = 50, lang_tokens = 11, profile_calls = 5, profile_top = 25;
  bool do_profile = false;
  app.add_option("--preset", preset, "model size: 3b (released N1.6-3B) or tiny (golden tiny sizes)")
      ->check(CLI::IsMember({"3b", "tiny"}));
  app.add_option("--config", config_dir, "checkpoint folder whose config.json to use [default: none: the --preset sizes]");
  app.add_option("--device", device, "auto, cpu, cuda, cuda:N");
  app.add_option("--dtype", dtype, "weights and activations: bf16, fp32, fp16");
  app.add_option("--batch", batches, "batch sizes (samples per call)")->delimiter(',');
  app.add_option("--views", views_list, "camera views per sample (252x252 each)")->delimiter(',');
  app.add_option("--paths", paths, "which paths to time: reference, fast-eager, fast")->delimiter(',');
  app.add_option("--iters", iters, "timed calls per path and configuration")->check(cli::at_least(1));
  app.add_option("--warmup", warmup, "untimed calls first (the fast path captures its graph here)")
      ->check(cli::at_least(0));
  app.add_option("--staged-iters", staged_iters, "calls of the staged (per-stage) reference pass; 0 = skip")
      ->check(cli::at_least(0));
  app.add_option("--lang-tokens", lang_tokens, "instruction tokens in the prompt")->check(cli::at_least(0));
  app.add_option("--frame", frame, "camera frame HxW for the preprocess stage");
  app.add_flag("--profile", do_profile, "profile reference and fast on the first configuration (top kernels)");
  app.add_option("--profile-calls", profile_calls, "calls per profiled path")->check(cli::at_least(1));
  app.add_option("--profile-top", profile_top, "kernels listed per path")->check(cli::at_least(1));
  app.footer("Examples:\n  groot bench infer --device cuda --dtype bf16\n"
             "  groot bench infer --batch 1 --views 2 --profile\n"
             "  groot bench infer --preset tiny --device cpu --dtype fp32 --iters 5 --warmup 1 --staged-iters 2\n");
  return groot::cli::run_app(app, argc, argv, [&] {
    const auto dev = parse_device(device);
    const auto dt = parse_dtype(dtype);
    int fh = 0, fw = 0;
    GROOT_CHECK(std::sscanf(frame.c_str(), "%dx%d", &fh, &fw) == 2 && fh > 0 && fw > 0, "--frame: expected HxW, got '",
                frame, "'");
    for (const auto& p : paths)
      GROOT_CHECK(p == "reference" || p == "fast-eager" || p == "fast", "--paths: unknown path '", p, "'");
    torch::NoGradGuard ng;
    auto cfg = !config_dir.empty() ? load_config(config_dir) : train::preset_config(preset);
    std::printf("bench infer: %s, device %s, dtype %s, LibTorch %s, CUDA graphs %s\n",
                config_dir.empty() ? (preset == "tiny" ? "tiny preset" : "N1.6-3B config") : config_dir.c_str(),
                dev.str().c_str(), c10::toString(dt), torch_version_string(),
                model::FastInference::graphs_compiled() ? "compiled in" : "not compiled in");
    auto t0 = Clock::now();
    model::Gr00tN1d6 m(cfg, torch::TensorOptions().device(dev).dtype(dt));
    init_random_(*m, 1234);
    m->eval();
    sync(dev);
    std::printf("model: built + random init in %.1f s, %lld denoising steps, action horizon %lld\n",
                ms_since(t0) / 1000.0, (long long)cfg.num_inference_timesteps, (long long)cfg.action_horizon);
    model::FastInference fast(m);
    model::FastInferOptions no_graphs;
    no_graphs.cuda_graphs = false;
    model::FastInference fast_eager(m, no_graphs);
    const int64_t side = 252, tok = m->backbone->image_token_count(side, side);
    const auto fopt = torch::TensorOptions().device(dev).dtype(dt);
    bool profiled = false;

    for (int B : batches) {
      for (int V : views_list) {
        GROOT_CHECK(B > 0 && V > 0, "--batch and --views must be > 0");
        auto ids1 = make_prompt(cfg, V, tok, lang_tokens);
        auto ids = ids1.expand({B, ids1.size(1)}).contiguous();  // CPU
        groot::BackboneInput bin_cpu;  // fast path: ids on the host
        bin_cpu.input_ids = ids;
        bin_cpu.attention_mask = torch::ones_like(ids);
        bin_cpu.pixel_values = torch::rand({int64_t(B) * V, 3, side, side}, fopt) * 2 - 1;
        groot::BackboneInput bin_dev = bin_cpu;  // reference: everything on the device
        bin_dev.input_ids = ids.to(dev);
        bin_dev.attention_mask = bin_cpu.attention_mask.to(dev);
        model::ActionInputs ain;
        ain.state = torch::randn({B, 1, cfg.max_state_dim}, fopt);
        ain.embodiment_id = torch::full({B}, int64_t(10), torch::kLong);
        auto noise = torch::randn({B, cfg.action_horizon, cfg.max_action_dim}, fopt);
        std::printf("\n== batch %d, %d view(s) of %lldx%lld, prompt %lld tokens (%lld image tokens per view)\n", B, V,
                    (long long)side, (long long)side, (long long)ids.size(1), (long long)tok);
        std::fflush(stdout);

        std::map<std::string, std::function<torch::Tensor()>> call;
        call["reference"] = [&] { return m->get_action(bin_dev, ain, noise); };
        call["fast-eager"] = [&] { return fast_eager.get_action(bin_cpu, ain, noise); };
        call["fast"] = [&] { return fast.get_action(bin_cpu, ain, noise); };

        // Same numbers: fast vs reference with the same noise.
        auto ref = call["reference"]().to(torch::kFloat32);
        for (const char* p : {"fast-eager", "fast"}) {
          auto got = call[p]().to(torch::kFloat32);
          sync(dev);
          const double mx = (got - ref).abs().max().item<double>();
          const double rel = ((got - ref).norm() / ref.norm().clamp_min(1e-30)).item<double>();
          std::printf("  %-10s vs reference: max |diff| %.3g (reference max |x| %.3g), relative L2 %.3g\n", p, mx,
                      ref.abs().max().item<double>(), rel);
        }
        if (!fast.stats().graph_status.empty()) std::printf("  fast path: %s\n", fast.stats().graph_status.c_str());

        std::map<std::string, Pct> res;
        for (const auto& p : paths) {
          std::vector<double> ms;
          for (int it = 0; it < warmup + iters; ++it) {
            sync(dev);
            auto a = Clock::now();
            auto out = call[p]();
            sync(dev);
            if (it >= warmup) ms.push_back(ms_since(a));
          }
          res[p] = percentiles(ms);
          print_row(p.c_str(), res[p]);
          std::fflush(stdout);
        }
        std::printf("  fast path: %lld graph replays, %lld captures, %lld eager calls\n",
                    (long long)fast.stats().graph_replays, (long long)fast.stats().captures,
                    (long long)fast.stats().eager_calls);
        if (res.count("reference") && res.count("fast") && res["fast"].p50 > 0)
          std::printf("  speed-up fast vs reference: %.2fx at p50\n", res["reference"].p50 / res["fast"].p50);

        if (staged_iters > 0) {
          // Staged reference pass: synchronise at every stage boundary.
          auto frames_host = torch::randint(0, 256, {int64_t(B) * V, fh, fw, 3},
                                            torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(dev.is_cuda()));
          img::ImageTransformConfig icfg;
          std::vector<double> pre, vis, llm, ah;
          torch::Tensor px;
          for (int it = 0; it < std::min(warmup, 3) + staged_iters; ++it) {
            const bool keep = it >= std::min(warmup, 3);
            sync(dev);
            auto a = Clock::now();
            px = img::preprocess_frames(frames_host.to(dev, /*non_blocking=*/true), icfg, {}, dt);
            sync(dev);
            if (keep) pre.push_back(ms_since(a));
            a = Clock::now();
            std::vector<torch::Tensor> images;
            for (int64_t i = 0; i < bin_dev.pixel_values.size(0); ++i) images.push_back(bin_dev.pixel_values[i]);
            auto vit = m->backbone->image_features(images, m->backbone->activation_dtype());
            sync(dev);
            if (keep) vis.push_back(ms_since(a));
            a = Clock::now();
            auto bo = m->backbone->forward_with_image_tokens(bin_dev, vit);
            sync(dev);
            if (keep) llm.push_back(ms_since(a));
            a = Clock::now();
            auto act = m->action_head->get_action(bo, ain, noise);
            sync(dev);
            if (keep) ah.push_back(ms_since(a));
          }
          std::printf("  staged reference pass (synchronised at stage boundaries), preprocess %dx%d -> [%lld, 3, %lld, %lld]:\n",
                      fh, fw, (long long)px.size(0), (long long)px.size(2), (long long)px.size(3));
          print_row("preprocess", percentiles(pre));
          print_row("vision", percentiles(vis));
          print_row("LLM", percentiles(llm));
          print_row("action head", percentiles(ah));
        }
        if (do_profile && !profiled) {
          profiled = true;
          profile("reference", profile_calls, profile_top, dev, [&] { call["reference"](); });
          profile("fast-eager", profile_calls, profile_top, dev, [&] { call["fast-eager"](); });
          profile("fast", profile_calls, profile_top, dev, [&] { call["fast"](); });
        }
        std::fflush(stdout);
      }
    }
    return 0;
  });
}

}  // namespace

GROOT_BENCH(infer, "GR00T N1.6 inference latency: reference vs fast path, p50/p90/p99, per stage, --profile", run);
