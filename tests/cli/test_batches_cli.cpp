// groot batches: same seed -> identical dumps, a saved sampler state continues the same batches,
// different ranks -> disjoint samples, the .py modality config of the seed shape is accepted.
#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "data/lerobot_test_util.h"
#include "data/safetensors.h"
#include "test_util.h"
#include "util/fs.h"

using groot::test::run_groot;
namespace fsys = std::filesystem;

namespace {

std::set<std::pair<int64_t, int64_t>> samples(const std::string& file, int batches) {
  groot::st::File f(file);
  std::set<std::pair<int64_t, int64_t>> out;
  for (int k = 0; k < batches; ++k) {
    auto e = f.at("batch_" + std::to_string(k) + ".sample_episode");
    auto s = f.at("batch_" + std::to_string(k) + ".sample_step");
    for (int64_t i = 0; i < e.numel(); ++i)
      out.insert({reinterpret_cast<const int64_t*>(e.data)[i], reinterpret_cast<const int64_t*>(s.data)[i]});
  }
  return out;
}

}  // namespace

TEST(BatchesCli, DeterministicResumableDisjointRanks) {
  groot::test::TempDir tmp;
  groot::test::SynthSpec spec;
  spec.lengths = {60, 45, 50, 52};
  groot::test::write_synth_dataset(tmp / "ds", spec);
  groot::write_file_atomic(tmp / "cfg.py", R"(from gr00t.data.types import ModalityConfig
from gr00t.data.embodiment_tags import EmbodimentTag
cfg = {
    "state": ModalityConfig(delta_indices=[0], modality_keys=["arm", "grip"]),
    "action": ModalityConfig(delta_indices=list(range(16)), modality_keys=["arm", "grip"]),
    "language": ModalityConfig(delta_indices=[0], modality_keys=["annotation.human.task_description"]),
}
register_modality_config(cfg, embodiment_tag=EmbodimentTag.NEW_EMBODIMENT)
)");
  std::string common = "batches " + (tmp / "ds").string() + " --modality-config " + (tmp / "cfg.py").string() +
                       " --embodiment-tag NEW_EMBODIMENT --batch-size 4 --shard-size 32 --dataloader-num-workers 2";
  std::string base = common + " --num-shards-per-epoch 8 --seed 5";
  auto a = run_groot(base + " --count 6 --out " + (tmp / "a.safetensors").string());
  ASSERT_EQ(a.exit_code, 0) << a.output;
  auto b = run_groot(base + " --count 6 --out " + (tmp / "b.safetensors").string());
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_EQ(groot::read_file(tmp / "a.safetensors"), groot::read_file(tmp / "b.safetensors"));
  auto other = run_groot(common + " --num-shards-per-epoch 8 --seed 6 --count 6 --out " + (tmp / "c.safetensors").string());
  ASSERT_EQ(other.exit_code, 0) << other.output;
  EXPECT_NE(groot::read_file(tmp / "a.safetensors"), groot::read_file(tmp / "c.safetensors"));

  // 3 batches, save the state, 3 more from it == batches 3..5 of the 6-batch dump.
  ASSERT_EQ(run_groot(base + " --count 3 --save-sampler-state " + (tmp / "s.json").string() + " --out " +
                      (tmp / "h1.safetensors").string())
                .exit_code,
            0);
  auto h2 = run_groot(base + " --count 3 --sampler-state " + (tmp / "s.json").string() + " --out " +
                      (tmp / "h2.safetensors").string());
  ASSERT_EQ(h2.exit_code, 0) << h2.output;
  groot::st::File full((tmp / "a.safetensors").string()), tail((tmp / "h2.safetensors").string());
  for (int k = 0; k < 3; ++k)
    for (const char* key : {"sample_episode", "sample_step", "action", "state", "input_ids"}) {
      auto x = full.at("batch_" + std::to_string(k + 3) + "." + key);
      auto y = tail.at("batch_" + std::to_string(k) + "." + key);
      ASSERT_EQ(x.nbytes, y.nbytes);
      EXPECT_EQ(0, std::memcmp(x.data, y.data, x.nbytes)) << key << " batch " << k;
    }

  // Two ranks x 2 workers within one epoch: 147 valid steps in 5 shards of ~29, 4 shards per epoch drawn
  // without replacement, one per (rank, worker) stream, 12 samples each: disjoint samples.
  std::string ranks = common + " --num-shards-per-epoch 4 --seed 5";
  auto r0 = run_groot(ranks + " --count 6 --world-size 2 --rank 0 --out " + (tmp / "r0.safetensors").string());
  auto r1 = run_groot(ranks + " --count 6 --world-size 2 --rank 1 --out " + (tmp / "r1.safetensors").string());
  ASSERT_EQ(r0.exit_code, 0) << r0.output;
  ASSERT_EQ(r1.exit_code, 0) << r1.output;
  auto s0 = samples((tmp / "r0.safetensors").string(), 6), s1 = samples((tmp / "r1.safetensors").string(), 6);
  EXPECT_GT(s0.size(), 15u);
  for (const auto& x : s0) EXPECT_EQ(s1.count(x), 0u) << x.first << " " << x.second;

  // A modality key missing from meta/modality.json names the key.
  groot::write_file_atomic(tmp / "bad.yaml", R"(state: {delta_indices: [0], modality_keys: [arm, wrist]}
action: {delta_indices: [0, 1], modality_keys: [arm]}
language: {delta_indices: [0], modality_keys: [annotation.human.task_description]}
)");
  auto bad = run_groot("batches " + (tmp / "ds").string() + " --modality-config " + (tmp / "bad.yaml").string() +
                       " --out " + (tmp / "x.safetensors").string());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("\"wrist\" is not in"), std::string::npos) << bad.output;
}
