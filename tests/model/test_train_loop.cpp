// The training run (train/train_loop.h) on the tiny golden model: checkpoints in the documented layout,
// save_total_limit, resume after a crash continues bit-identically, settings changes refuse to resume.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/build.h"
#include "data/safetensors.h"
#include "model/safetensors_torch.h"
#include "test_util.h"
#include "train/train_loop.h"
#include "util/error.h"

using namespace groot;
using namespace groot::train;
namespace fs = std::filesystem;

namespace {

std::string tiny_dir() { return test::golden_root() + "/tiny_v1"; }

// Micro-batches = the golden in/* batch with actions shifted by the stream position, so every step
// sees different data and a wrong resume position changes the result.
class ShiftedGoldenStream : public BatchStream {
 public:
  explicit ShiftedGoldenStream(int64_t crash_at = -1, int64_t sigint_at = -1)
      : crash_at_(crash_at), sigint_at_(sigint_at) {
    st::File io(tiny_dir() + "/io.safetensors");
    auto in = [&](const std::string& n) { return st::to_tensor(io.at(n)); };
    base_.bin.input_ids = in("in/input_ids");
    base_.bin.attention_mask = in("in/attention_mask");
    for (int i = 0; io.find("in/pixel_values." + std::to_string(i)); ++i)
      base_.bin.images.push_back(in("in/pixel_values." + std::to_string(i)));
    base_.ain = {in("in/state"), in("in/action"), in("in/action_mask"), in("in/embodiment_id")};
  }
  MicroBatch next() override {
    if (pos_ == crash_at_) throw std::runtime_error("simulated crash");
    if (pos_ == sigint_at_) ::raise(SIGINT);  // Ctrl-C in the middle of a step
    MicroBatch mb = base_;
    mb.ain.action = base_.ain.action + 0.05 * double(pos_ % 7);
    ++pos_;
    return mb;
  }
  nlohmann::json state() const override { return {{"pos", pos_}}; }
  void set_state(const nlohmann::json& s) override { pos_ = s.at("pos").get<int64_t>(); }

 private:
  MicroBatch base_;
  int64_t pos_ = 0;
  int64_t crash_at_, sigint_at_;
};

struct Run {
  model::Gr00tN1d6 model{nullptr};
  std::unique_ptr<Trainer> trainer;
};

Run make_run(OptimKind kind, int64_t max_steps) {
  Run r;
  auto cfg = load_config(tiny_dir());
  BuildOptions bo;  // CPU fp32
  r.model = load_pretrained(tiny_dir(), cfg, bo);
  TrainerOptions to;
  to.max_steps = max_steps;
  to.warmup_ratio = 0.2;
  to.adam.kind = kind;
  to.seed = 7;
  r.trainer = std::make_unique<Trainer>(r.model, to);
  return r;
}

LoopOptions loop_options(const fs::path& out, OptimKind kind) {
  LoopOptions o;
  o.output_dir = out;
  o.micro_steps = 2;
  o.save_steps = 2;
  o.save_total_limit = 2;
  o.logging_steps = 1;
  o.train_batch_size = 2;
  o.quiet = true;
  o.fingerprint = {{"optim", optim_name(kind)}, {"max_steps", 4}};
  auto cfg = load_config(tiny_dir());
  o.folder = [cfg] {
    FolderContent c;
    c.config = cfg;
    c.files["processor_config.json"] = "{}\n";
    c.files["experiment_cfg/finetune_config.json"] = "{}\n";
    return c;
  };
  return o;
}

std::map<std::string, torch::Tensor> trainable(Trainer& t) {
  std::map<std::string, torch::Tensor> m;
  for (auto& p : t.optimizer().params()) m[p.name] = p.param.detach().clone();
  return m;
}

}  // namespace

TEST(TrainLoop, CrashThenResumeIsBitIdentical) {
  // adamw_8bit: its quantised states must survive the checkpoint exactly too (adamw_torch's state
  // round trip is covered in test_optim.cpp).
  for (auto kind : {OptimKind::kAdamW8bit}) {
    test::TempDir tmp;
    // Uninterrupted reference: 4 steps.
    auto a = make_run(kind, 4);
    ShiftedGoldenStream sa;
    auto ra = run_training(*a.trainer, sa, loop_options(tmp / "a", kind));
    ASSERT_EQ(ra.end_step, 4);
    // Crash while fetching the 2nd micro-batch of step 3 (after checkpoint-2, before checkpoint-4).
    {
      auto b = make_run(kind, 4);
      ShiftedGoldenStream sb(5);
      EXPECT_THROW(run_training(*b.trainer, sb, loop_options(tmp / "b", kind)), std::runtime_error);
    }
    auto cks = list_checkpoints(tmp / "b");
    ASSERT_EQ(cks.size(), 1u);
    EXPECT_EQ(cks[0].first, 2);
    // Same command again: resumes from checkpoint-2 and ends where the uninterrupted run ended.
    auto c = make_run(kind, 4);
    ShiftedGoldenStream sc;
    auto rc = run_training(*c.trainer, sc, loop_options(tmp / "b", kind));
    EXPECT_EQ(rc.start_step, 2);
    EXPECT_EQ(rc.end_step, 4);
    auto wa = trainable(*a.trainer), wc = trainable(*c.trainer);
    for (auto& [k, v] : wa) EXPECT_TRUE(torch::equal(v, wc.at(k))) << optim_name(kind) << " " << k;
    ASSERT_EQ(rc.steps.size(), 2u);
    for (size_t i = 0; i < 2; ++i) EXPECT_EQ(rc.steps[i].loss, ra.steps[i + 2].loss) << "step " << i + 3;
    // History: 4 entries either way, identical.
    EXPECT_EQ(rc.log_history.size(), 4u);
    EXPECT_EQ(rc.log_history, ra.log_history);
    // save_total_limit 2 after checkpoint-4 (save_steps 2, plus one at 3 would not exist): 2 and 4 remain.
    auto left = list_checkpoints(tmp / "b");
    ASSERT_EQ(left.size(), 2u);
    EXPECT_EQ(left[0].first, 2);
    EXPECT_EQ(left[1].first, 4);
  }
}

TEST(TrainLoop, CheckpointLayoutAndFinalModel) {
  test::TempDir tmp;
  auto a = make_run(OptimKind::kAdamWTorch, 4);
  ShiftedGoldenStream s;
  auto o = loop_options(tmp.path, OptimKind::kAdamWTorch);
  o.save_total_limit = 1;
  run_training(*a.trainer, s, o);
  ASSERT_EQ(list_checkpoints(tmp.path).size(), 1u);  // save_total_limit 1: checkpoint-2 deleted
  const fs::path ck = tmp / "checkpoint-4";
  for (const char* f : {"config.json", "model.safetensors.index.json", "model-00001-of-00001.safetensors",
                        "processor_config.json", "experiment_cfg/finetune_config.json", "trainer_state.json",
                        "trainer_resume.json", "optimizer.safetensors"})
    EXPECT_TRUE(fs::exists(ck / f)) << f;
  auto ts = nlohmann::json::parse(std::ifstream(ck / "trainer_state.json"));
  EXPECT_EQ(ts["global_step"], 4);
  EXPECT_EQ(ts["log_history"].size(), 4u);
  EXPECT_EQ(ts["log_history"][3]["step"], 4);
  // groot inspect's training section: step, resumability, the loss history.
  const std::string d = describe_training(ck);
  EXPECT_NE(d.find("training: step 4 of 4 (checkpoint with optimizer state: resumable)"), std::string::npos) << d;
  EXPECT_NE(d.find("loss history (4 entries)"), std::string::npos) << d;
  EXPECT_EQ(describe_training(test::golden_root() + "/tiny_v1"), "");
  // Trainable tensors are F32; the checkpoint loads strictly into a fresh model.
  st::Checkpoint c(ck.string());
  EXPECT_EQ(c.at("action_head.model.proj_out_2.weight").dtype, st::DType::F32);
  auto cfg = load_config(ck.string());
  BuildOptions bo;
  auto m = load_pretrained(ck.string(), cfg, bo);
  for (auto& p : a.trainer->optimizer().params()) {
    bool found = false;
    for (auto& q : m->named_parameters())
      if (q.key() == p.name) {
        EXPECT_TRUE(torch::equal(q.value(), p.param.detach())) << p.name;
        found = true;
      }
    EXPECT_TRUE(found) << p.name;
  }
  // Final model in the output root, processor files next to it, no optimizer state.
  EXPECT_TRUE(fs::exists(tmp / "model.safetensors.index.json"));
  EXPECT_TRUE(fs::exists(tmp / "processor_config.json"));
  EXPECT_FALSE(fs::exists(tmp / "optimizer.safetensors"));
  EXPECT_TRUE(fs::exists(tmp / "train.log"));
  EXPECT_TRUE(fs::is_directory(tmp / "runs"));
  // A finished run re-run does nothing more.
  auto b = make_run(OptimKind::kAdamWTorch, 4);
  ShiftedGoldenStream s2;
  auto r = run_training(*b.trainer, s2, o);
  EXPECT_EQ(r.start_step, 4);
  EXPECT_TRUE(r.steps.empty());
}

TEST(TrainLoop, OtherSettingsRefuseToResume) {
  test::TempDir tmp;
  {
    auto a = make_run(OptimKind::kAdamWTorch, 4);
    ShiftedGoldenStream s(5);  // crash in step 3, after checkpoint-2
    EXPECT_THROW(run_training(*a.trainer, s, loop_options(tmp.path, OptimKind::kAdamWTorch)), std::runtime_error);
  }
  auto b = make_run(OptimKind::kAdamW8bit, 4);
  ShiftedGoldenStream s;
  auto o = loop_options(tmp.path, OptimKind::kAdamW8bit);
  try {
    run_training(*b.trainer, s, o);
    FAIL() << "resumed with another optimizer";
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find("optim"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checkpoint-2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(list_checkpoints(tmp.path).size(), 1u);  // earlier checkpoint intact
}

TEST(TrainLoop, StaleStagingIsIgnoredAndRemoved) {
  test::TempDir tmp;
  // A half-written checkpoint of a killed process (pid 999999 does not exist).
  fs::create_directories(tmp / ".checkpoint-4.staging-999999");
  std::ofstream(tmp / ".checkpoint-4.staging-999999" / "config.json") << "{";
  EXPECT_TRUE(list_checkpoints(tmp.path).empty());
  EXPECT_EQ(checkpoint_step("checkpoint-12"), 12);
  EXPECT_EQ(checkpoint_step(".checkpoint-12.staging-5"), -1);
  EXPECT_EQ(checkpoint_step("checkpoint-1x"), -1);
  remove_stale_staging(tmp.path);
  EXPECT_FALSE(fs::exists(tmp / ".checkpoint-4.staging-999999"));
}

TEST(TrainLoop, ShardedSaveSplitsAndIndexes) {
  test::TempDir tmp;
  NamedTensors t = {{"a", torch::ones({100}, torch::kFloat32)},
                    {"b", torch::ones({100}, torch::kBFloat16)},
                    {"c", torch::arange(50, torch::kFloat32)}};
  const int n = save_sharded(tmp.path, t, 500);  // a = 400 B, b = 200 B, c = 200 B -> [a], [b, c]
  EXPECT_EQ(n, 2);
  auto idx = nlohmann::json::parse(std::ifstream(tmp / "model.safetensors.index.json"));
  EXPECT_EQ(idx["metadata"]["total_size"], 800);
  EXPECT_EQ(idx["weight_map"]["a"], "model-00001-of-00002.safetensors");
  EXPECT_EQ(idx["weight_map"]["c"], "model-00002-of-00002.safetensors");
  st::Checkpoint c(tmp.path.string());
  EXPECT_EQ(c.at("b").dtype, st::DType::BF16);
  EXPECT_TRUE(torch::equal(st::to_tensor(c.at("c")), torch::arange(50, torch::kFloat32)));
}

TEST(TrainLoop, CtrlCFinishesTheStepSavesAndResumesIdentically) {
  test::TempDir tmp;
  auto a = make_run(OptimKind::kAdamWTorch, 4);
  ShiftedGoldenStream sa;
  auto oa = loop_options(tmp / "a", OptimKind::kAdamWTorch);
  oa.save_steps = 100;
  run_training(*a.trainer, sa, oa);
  auto b = make_run(OptimKind::kAdamWTorch, 4);
  ShiftedGoldenStream sb(-1, 3);  // SIGINT while fetching step 2's second micro-batch
  auto ob = loop_options(tmp / "b", OptimKind::kAdamWTorch);
  ob.save_steps = 100;
  auto rb = run_training(*b.trainer, sb, ob);
  EXPECT_TRUE(rb.interrupted);
  EXPECT_EQ(rb.end_step, 2);
  auto cks = list_checkpoints(tmp / "b");
  ASSERT_EQ(cks.size(), 1u);
  EXPECT_EQ(cks[0].first, 2);
  EXPECT_FALSE(fs::exists(tmp / "b" / "model.safetensors.index.json"));  // no final model yet
  auto c = make_run(OptimKind::kAdamWTorch, 4);
  ShiftedGoldenStream sc;
  auto rc = run_training(*c.trainer, sc, ob);
  EXPECT_EQ(rc.start_step, 2);
  EXPECT_FALSE(rc.interrupted);
  auto wa = trainable(*a.trainer), wc = trainable(*c.trainer);
  for (auto& [k, v] : wa) EXPECT_TRUE(torch::equal(v, wc.at(k))) << k;
}
