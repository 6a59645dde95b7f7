// groot finetune end to end on the CPU: synth -> convert -> stats -> init-model tiny -> finetune with the
// seed's flags; artifacts in the documented layout; re-running resumes (here: finds the run complete);
// kill -9 during training and during a checkpoint write, then the same command -> the same final weights
// as an uninterrupted run; the loss falls when the tiny model over-fits; bad inputs fail clearly and leave
// earlier checkpoints intact.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "data/safetensors.h"
#include "model/safetensors_torch.h"
#include "test_util.h"
#include "util/fs.h"

using groot::test::run_groot;
namespace fs = std::filesystem;

namespace {

struct Pipeline {
  groot::test::TempDir tmp;
  fs::path ds, base, cfg;
  Pipeline() {
    ds = tmp / "ds";
    base = tmp / "base";
    cfg = fs::path(GROOT_SOURCE_DIR) / "examples/modality/franka_mcx_config.py";
    auto r = run_groot("synth --output " + (tmp / "d.hdf5").string() +
                       " --demos 2 --min-length 40 --max-length 44 --height 48 --width 64 -q");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = run_groot("convert --hdf5 " + (tmp / "d.hdf5").string() + " --output " + ds.string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = run_groot("stats " + ds.string() + " --modality-config " +
                  (fs::path(GROOT_SOURCE_DIR) / "examples/modality/franka_mcx.yaml").string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = run_groot("init-model --preset tiny --output " + base.string() + " --seed 1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
  // The seed's Step-3 flags (smaller numbers), CPU.
  std::string cmd(const fs::path& out, int steps, const std::string& extra = "") const {
    return "finetune --base-model-path " + base.string() + " --dataset-path " + ds.string() +
           " --embodiment-tag NEW_EMBODIMENT --modality-config-path " + cfg.string() + " --output-dir " +
           out.string() + " --num-gpus 1 --global-batch-size 2 --gradient-accumulation-steps 2 --learning-rate 1e-4" +
           " --max-steps " + std::to_string(steps) + " --save-steps 2 --save-total-limit 5" +
           " --dataloader-num-workers 1 --num-shards-per-epoch 5000 --shard-size 512 --episode-sampling-rate 0.3" +
           " --no-tune-llm --no-tune-visual --tune-projector --tune-diffusion-model --warmup-ratio 0.05" +
           " --weight-decay 1e-5 --device cpu --logging-steps 1 " + extra;
  }
};

std::map<std::string, torch::Tensor> weights(const fs::path& dir) {
  groot::st::Checkpoint c(dir.string());
  std::map<std::string, torch::Tensor> m;
  for (const auto& n : c.names()) m[n] = groot::st::to_tensor(c.at(n));
  return m;
}

void expect_same_weights(const fs::path& a, const fs::path& b) {
  auto wa = weights(a), wb = weights(b);
  ASSERT_EQ(wa.size(), wb.size());
  for (auto& [k, v] : wa) EXPECT_TRUE(torch::equal(v, wb.at(k))) << k;
}

// Starts `groot ARGS` in the background; returns its pid.
pid_t spawn(const std::string& args, const fs::path& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string cmd = "exec " + groot::test::groot_binary() + " " + args + " > " + log.string() + " 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), (char*)nullptr);
    _exit(127);
  }
  return pid;
}

bool wait_for(const std::function<bool()>& cond, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

bool has_staging(const fs::path& out) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(out, ec))
    if (e.path().filename().string().rfind(".checkpoint-", 0) == 0) return true;
  return false;
}

}  // namespace

TEST(FinetuneCli, SeedFlagsEndToEndResumeAndKill) {
  Pipeline p;
  const fs::path ref = p.tmp / "ref";
  auto r = run_groot(p.cmd(ref, 4));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("step 4/4"), std::string::npos) << r.output;
  // Layout: checkpoints with resume state, final model with the processor files next to it.
  for (const char* f : {"checkpoint-2/config.json", "checkpoint-2/model.safetensors.index.json",
                        "checkpoint-2/optimizer.safetensors", "checkpoint-2/trainer_state.json",
                        "checkpoint-2/processor_config.json", "checkpoint-2/statistics.json",
                        "checkpoint-2/embodiment_id.json", "checkpoint-2/experiment_cfg/finetune_config.json",
                        "checkpoint-4/trainer_resume.json", "config.json", "model.safetensors.index.json",
                        "processor_config.json", "statistics.json", "embodiment_id.json", "train.log"})
    EXPECT_TRUE(fs::exists(ref / f)) << f;
  auto proc = nlohmann::json::parse(std::ifstream(ref / "processor_config.json"));
  EXPECT_TRUE(proc["processor_kwargs"]["modality_configs"].contains("new_embodiment")) << proc.dump();
  auto stats = nlohmann::json::parse(std::ifstream(ref / "statistics.json"));
  EXPECT_TRUE(stats.contains("new_embodiment"));
  bool tb = false;
  for (auto& e : fs::directory_iterator(ref / "runs")) tb |= e.path().filename().string().find("tfevents") != std::string::npos;
  EXPECT_TRUE(tb);
  // Trainable F32, frozen F32 on the CPU; inspect shows the training state.
  groot::st::Checkpoint ck((ref / "checkpoint-4").string());
  EXPECT_EQ(ck.at("action_head.model.proj_out_2.weight").dtype, groot::st::DType::F32);
  r = run_groot("inspect " + (ref / "checkpoint-4").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("training: step 4 of 4"), std::string::npos) << r.output;

  // The same command again: nothing left to do, exit 0, checkpoints untouched.
  r = run_groot(p.cmd(ref, 4));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("already complete"), std::string::npos) << r.output;
  // Other settings on an existing run are refused, naming the setting; checkpoints stay.
  r = run_groot(p.cmd(ref, 6));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("max_steps"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(ref / "checkpoint-4/optimizer.safetensors"));

  // kill -9 during training (after checkpoint-2), then the same command: identical final weights.
  const fs::path k1 = p.tmp / "k1";
  pid_t pid = spawn(p.cmd(k1, 4), p.tmp / "k1.log");
  ASSERT_TRUE(wait_for([&] { return fs::exists(k1 / "checkpoint-2"); }, 120));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  r = run_groot(p.cmd(k1, 4));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resuming from"), std::string::npos) << r.output;
  expect_same_weights(ref, k1);

  // kill -9 while a checkpoint is being written: no half checkpoint is picked up; same final weights.
  const fs::path k2 = p.tmp / "k2";
  pid = spawn(p.cmd(k2, 4), p.tmp / "k2.log");
  const bool caught = wait_for([&] { return has_staging(k2); }, 120);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  EXPECT_TRUE(caught);
  for (auto& e : fs::directory_iterator(k2))
    if (e.path().filename().string().rfind("checkpoint-", 0) == 0)
      EXPECT_TRUE(fs::exists(e.path() / "trainer_resume.json")) << e.path();
  r = run_groot(p.cmd(k2, 4));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(has_staging(k2));
  expect_same_weights(ref, k2);
}

TEST(FinetuneCli, BadInputsFailClearly) {
  Pipeline p;
  auto err = [&](const std::string& args, const std::string& what) {
    auto r = run_groot(args);
    EXPECT_NE(r.exit_code, 0) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(what), std::string::npos) << args << "\n" << r.output;
  };
  const fs::path out = p.tmp / "out";
  err(p.cmd(out, 2, "--dataset-path " + (p.tmp / "nope").string()), "--dataset-path");
  err(p.cmd(out, 2, "--base-model-path " + (p.tmp / "nope").string()), "--base-model-path");
  err(p.cmd(out, 2, "--base-model-path nvidia/Not-There"), "Hugging Face cache");
  err(p.cmd(out, 2, "--max-stpes 3"), "did you mean --max-steps?");
  // Modality keys that the dataset does not have.
  groot::write_file_atomic(p.tmp / "bad.json", R"({"state": {"delta_indices": [0], "modality_keys": ["no_such_key"]},
    "action": {"delta_indices": [0, 1], "modality_keys": ["no_such_key"]},
    "language": {"delta_indices": [0], "modality_keys": ["annotation.human.task_description"]}})");
  err(p.cmd(out, 2, "--modality-config-path " + (p.tmp / "bad.json").string()), "no_such_key");
  // An output folder that cannot be created.
  groot::write_file_atomic(p.tmp / "file", "x");
  err(p.cmd(p.tmp / "file" / "sub", 2), "--output-dir");
  // A base model folder without weights.
  fs::create_directories(p.tmp / "empty_base");
  fs::copy_file(p.base / "config.json", p.tmp / "empty_base" / "config.json");
  err(p.cmd(out, 2, "--base-model-path " + (p.tmp / "empty_base").string()), "model.safetensors");
  // A good run, then a failing one into the same output leaves its checkpoints intact.
  auto r = run_groot(p.cmd(out, 2));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  err(p.cmd(out, 2, "--dataset-path " + (p.tmp / "nope").string()), "--dataset-path");
  EXPECT_TRUE(fs::exists(out / "checkpoint-2" / "trainer_resume.json"));
}
