#include "train/train_loop.h"

#include <unistd.h>

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "model/weights.h"
#include "train/gpu_memory.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/interrupt.h"
#include "util/tensorboard.h"

namespace groot::train {

namespace {

using Clock = std::chrono::steady_clock;

std::string to_hex(const std::vector<uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (uint8_t x : b) {
    s.push_back(d[x >> 4]);
    s.push_back(d[x & 15]);
  }
  return s;
}

std::vector<uint8_t> from_hex(const std::string& s, const std::string& what) {
  GROOT_CHECK(s.size() % 2 == 0, "trainer_resume.json: ", what, " is not a hex string");
  auto nib = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    fail("trainer_resume.json: ", what, " is not a hex string");
  };
  std::vector<uint8_t> b(s.size() / 2);
  for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(nib(s[2 * i]) << 4 | nib(s[2 * i + 1]));
  return b;
}

std::string duration(double s) {
  char buf[64];
  if (!std::isfinite(s) || s < 0) return "?";
  const int64_t t = int64_t(s + 0.5);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)(t / 3600), (long long)(t % 3600 / 60));
  else if (t >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)(t / 60), (long long)(t % 60));
  else std::snprintf(buf, sizeof buf, "%llds", (long long)t);
  return buf;
}

bool is_oom(const std::exception& e) {
  const std::string m = e.what();
  return m.find("out of memory") != std::string::npos || m.find("CUDA_ERROR_OUT_OF_MEMORY") != std::string::npos;
}

[[noreturn]] void fail_oom(const std::exception& e) {
  std::string first = e.what();
  first = first.substr(0, first.find('\n'));
  fail("the GPU ran out of memory (", first, ").\nTo use less memory: --optim adamw_8bit (8-bit optimizer "
       "states), --gradient-checkpointing (recompute activations), a smaller --global-batch-size with a larger "
       "--gradient-accumulation-steps (same effective batch), --no-tune-llm / --no-tune-visual; "
       "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True reduces fragmentation.");
}

int device_index(const torch::Device& d) { return d.has_index() ? d.index() : 0; }

}  // namespace

void add_resume_state(FolderContent& c, Trainer& trainer, const nlohmann::json& data_state, const LoopOptions& opt,
                      const nlohmann::json& log_history) {
  const int64_t step = trainer.global_step();
  nlohmann::ordered_json ts;
  ts["best_metric"] = nullptr;
  ts["best_model_checkpoint"] = nullptr;
  ts["global_step"] = step;
  ts["is_hyper_param_search"] = false;
  ts["is_local_process_zero"] = true;
  ts["is_world_process_zero"] = true;
  ts["log_history"] = log_history;
  ts["logging_steps"] = opt.logging_steps;
  ts["max_steps"] = trainer.options().max_steps;
  ts["save_steps"] = opt.save_steps;
  ts["train_batch_size"] = opt.train_batch_size;
  ts["trained_parameters"] = [&] {
    int64_t n = 0;
    for (const auto& p : trainer.optimizer().params()) n += p.param.numel();
    return n;
  }();
  c.files["trainer_state.json"] = ts.dump(2) + "\n";

  nlohmann::ordered_json r;
  r["global_step"] = step;
  r["optim"] = optim_name(trainer.optimizer().options().kind);
  r["fingerprint"] = opt.fingerprint;
  r["trainer_generator"] = to_hex(generator_state(trainer.generator()));
  r["torch_cpu_generator"] = to_hex(generator_state(at::detail::getDefaultCPUGenerator()));
  r["data"] = data_state;
  c.files["trainer_resume.json"] = r.dump(2) + "\n";
  c.optimizer = trainer.optimizer().state_tensors();
  c.optimizer_metadata = {{"format", "groot-optimizer"},
                          {"optim", optim_name(trainer.optimizer().options().kind)},
                          {"step", std::to_string(step)}};
}

LoopResult run_training(Trainer& trainer, BatchStream& data, const LoopOptions& opt) {
  LoopResult res;
  const auto t_start = Clock::now();
  const int64_t max_steps = trainer.options().max_steps;
  GROOT_CHECK(opt.folder, "run_training: no folder content callback");
  std::error_code ec;
  fs::create_directories(opt.output_dir, ec);
  GROOT_CHECK(!ec, "--output-dir ", opt.output_dir.string(), ": cannot create: ", ec.message());
  GROOT_CHECK(::access(opt.output_dir.c_str(), W_OK) == 0, "--output-dir ", opt.output_dir.string(),
              " is not writable");
  remove_stale_staging(opt.output_dir);

  // --- resume from the newest complete checkpoint ---
  nlohmann::json history = nlohmann::json::array();
  auto ckpts = list_checkpoints(opt.output_dir);
  if (!ckpts.empty()) {
    const auto& [step, dir] = ckpts.back();
    const auto rpath = dir / "trainer_resume.json";
    nlohmann::json r;
    try {
      r = nlohmann::json::parse(read_file(rpath));
    } catch (const nlohmann::json::exception& e) {
      fail(rpath.string(), ": invalid JSON: ", e.what());
    }
    if (r.value("fingerprint", nlohmann::json()) != opt.fingerprint) {
      std::string diff;
      for (auto& [k, v] : opt.fingerprint.items()) {
        auto old = r["fingerprint"].value(k, nlohmann::json());
        if (old != v) diff += "\n  " + k + ": checkpoint " + old.dump() + ", now " + v.dump();
      }
      fail("cannot resume from ", dir.string(), ": it was written with other settings:", diff,
           "\nUse the same flags, or another --output-dir for a new run.");
    }
    torch::NoGradGuard ng;
    LoadOptions lo;
    lo.only_prefix = false;
    load_state_dict(*trainer.model(), dir.string(), lo);
    std::map<std::string, std::string> meta;
    auto ost = read_optimizer_state(dir, &meta);
    trainer.optimizer().load_state(ost, r.at("global_step").get<int64_t>());
    auto g = from_hex(r.at("trainer_generator").get<std::string>(), "trainer_generator");
    set_generator_state(trainer.generator(), g);
    auto cpu = at::detail::getDefaultCPUGenerator();
    set_generator_state(cpu, from_hex(r.at("torch_cpu_generator").get<std::string>(), "torch_cpu_generator"));
    data.set_state(r.at("data"));
    auto ts = nlohmann::json::parse(read_file(dir / "trainer_state.json"));
    history = ts.value("log_history", nlohmann::json::array());
    res.start_step = step;
    if (!opt.quiet) std::cout << "resuming from " << dir.string() << " (step " << step << " of " << max_steps << ")\n";
  }

  std::ofstream log(opt.output_dir / "train.log", std::ios::app);
  GROOT_CHECK(log.good(), "cannot write ", (opt.output_dir / "train.log").string());
  std::unique_ptr<TensorBoardWriter> tb;
  if (trainer.global_step() < max_steps) tb = std::make_unique<TensorBoardWriter>((opt.output_dir / "runs").string());

  const auto device = trainer.model()->action_head->model->proj_out_2->weight.device();
  const bool cuda = device.is_cuda();
  if (cuda) reset_peak_gpu_memory(device_index(device));

  nlohmann::json data_state;  // data position after the last completed step
  auto save = [&](bool final_model) {
    FolderContent c = opt.folder();
    c.weights = model_tensors(*trainer.model(), c.weights);  // c.weights carries the extra tensors
    if (final_model) {
      nlohmann::ordered_json ts;
      ts["global_step"] = trainer.global_step();
      ts["log_history"] = history;
      ts["max_steps"] = max_steps;
      c.files["trainer_state.json"] = ts.dump(2) + "\n";
      // Stage in a hidden folder, then move each file into OUTPUT (checkpoints stay where they are).
      StagingDir stage(opt.output_dir / ".final", true);
      write_folder(stage.path(), c);
      for (auto& e : fs::recursive_directory_iterator(stage.path())) {
        if (!e.is_regular_file()) continue;
        const fs::path rel = fs::relative(e.path(), stage.path());
        fs::create_directories((opt.output_dir / rel).parent_path());
        fs::rename(e.path(), opt.output_dir / rel, ec);
        GROOT_CHECK(!ec, "cannot move ", e.path().string(), " into ", opt.output_dir.string(), ": ", ec.message());
      }
      return;
    }
    add_resume_state(c, trainer, data_state, opt, history);
    write_checkpoint(opt.output_dir, trainer.global_step(), c);
    for (const auto& d : rotate_checkpoints(opt.output_dir, opt.save_total_limit))
      if (!opt.quiet) std::cout << "deleted old checkpoint " << d.filename().string() << "\n";
  };

  InterruptGuard guard;
  int64_t peak_device_used = 0;
  double interval_loss = 0, interval_samples = 0;
  int64_t interval_steps = 0;
  auto interval_start = Clock::now();
  const auto run_start = Clock::now();
  const int64_t first = trainer.global_step();
  data_state = data.state();
  while (trainer.global_step() < max_steps) {
    if (interrupt_signal() != 0) {
      res.interrupted = true;
      break;
    }
    StepStats st;
    try {
      std::vector<MicroBatch> micro;
      micro.reserve(opt.micro_steps);
      for (int64_t i = 0; i < opt.micro_steps; ++i) micro.push_back(data.next());
      st = trainer.step(micro);
      data_state = data.state();
    } catch (const Interrupted&) {
      res.interrupted = true;  // a signal reached code that polls for it (e.g. the data workers)
      break;
    } catch (const groot::Error&) {
      throw;
    } catch (const std::exception& e) {
      if (cuda && is_oom(e)) fail_oom(e);
      throw;
    }
    GROOT_CHECK(std::isfinite(st.loss), "step ", st.step, ": the loss is ", st.loss,
                " (diverged); lower --learning-rate or check the dataset statistics");
    res.steps.push_back(st);
    if (cuda) peak_device_used = std::max(peak_device_used, gpu_memory(device_index(device)).device_used);
    interval_loss += st.loss;
    interval_samples += double(st.samples);
    ++interval_steps;
    const int64_t k = st.step;
    if (k % opt.logging_steps == 0 || k == max_steps) {
      const double secs = std::chrono::duration<double>(Clock::now() - interval_start).count();
      const double per_step = std::chrono::duration<double>(Clock::now() - run_start).count() / double(k - first);
      const double loss = interval_loss / double(interval_steps);
      nlohmann::json h;  // keys in alphabetical order, as HF writes them
      h["grad_norm"] = st.grad_norm;
      h["learning_rate"] = st.lr;
      h["loss"] = loss;
      h["step"] = k;
      history.push_back(h);
      char line[512];
      std::string mem = "";
      if (cuda) {
        auto m = gpu_memory(device_index(device));
        char mb[96];
        if (m.allocator_stats)
          std::snprintf(mb, sizeof mb, " | GPU %.1f GiB (peak %.1f)", m.allocated / 1073741824.0,
                        m.peak_allocated / 1073741824.0);
        else
          std::snprintf(mb, sizeof mb, " | GPU %.1f GiB used (peak %.1f)", m.device_used / 1073741824.0,
                        peak_device_used / 1073741824.0);
        mem = mb;
      }
      std::snprintf(line, sizeof line,
                    "step %lld/%lld | loss %.4f | lr %.3e | grad-norm %.3f | %.2f samples/s | %.2f s/step%s | ETA %s",
                    (long long)k, (long long)max_steps, loss, st.lr, st.grad_norm, interval_samples / secs,
                    per_step, mem.c_str(), duration(per_step * double(max_steps - k)).c_str());
      if (!opt.quiet) std::cout << line << std::endl;
      log << line << "\n";
      log.flush();
      tb->scalars(k, {{"train/loss", loss}, {"train/learning_rate", st.lr}, {"train/grad_norm", st.grad_norm}});
      interval_loss = interval_samples = 0;
      interval_steps = 0;
      interval_start = Clock::now();
    }
    if (k % opt.save_steps == 0 && k < max_steps) save(false);
  }
  res.end_step = trainer.global_step();
  if (cuda) {
    auto m = gpu_memory(device_index(device));
    res.peak_gpu_is_allocator = m.allocator_stats;
    res.peak_gpu_bytes = m.allocator_stats ? m.peak_allocated : peak_device_used;
  }
  if (res.interrupted) {
    if (!opt.quiet) std::cout << "interrupted: saving checkpoint-" << res.end_step << " ...\n";
    if (res.end_step > res.start_step) save(false);
  } else if (res.end_step > res.start_step || !fs::exists(opt.output_dir / "model.safetensors.index.json")) {
    if (res.end_step % opt.save_steps == 0 && res.end_step > res.start_step) save(false);
    save(true);
  }
  res.log_history = history;
  res.seconds = std::chrono::duration<double>(Clock::now() - t_start).count();
  return res;
}

}  // namespace groot::train
