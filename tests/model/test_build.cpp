// model/build.h: the precision recipe and the mask_token fallback. (The trainer's replay of the
// upstream trajectory runs through `groot parity` in tests/cli/test_parity_trajectory.cpp.)
#include <gtest/gtest.h>

#include "model/build.h"
#include "test_util.h"

using namespace groot;

TEST(Build, TrainableFp32FrozenInFrozenDtype) {
  auto cfg = load_config(test::golden_root() + "/tiny_v1");
  BuildOptions bo;
  bo.frozen_dtype = torch::kBFloat16;
  bo.compute_dtype = torch::kBFloat16;
  auto m = build_model(cfg, bo);
  int64_t trainable = 0;
  for (auto& p : m->named_parameters()) {
    const bool t = recipe_trains(p.key(), TuneRecipe::from_config(cfg));
    EXPECT_EQ(p.value().requires_grad(), t) << p.key();
    EXPECT_EQ(p.value().scalar_type(), t ? torch::kFloat32 : torch::kBFloat16) << p.key();
    if (t) trainable += p.value().numel();
  }
  EXPECT_EQ(trainable, 902480);  // tiny_v1 meta.json trainable_params
  EXPECT_EQ(*m->action_head->compute_dtype, torch::kBFloat16);
  EXPECT_EQ(bo.compute(), torch::kBFloat16);
  BuildOptions cpu;
  EXPECT_EQ(cpu.compute(), torch::kFloat32);
  EXPECT_EQ(cpu.frozen(), torch::kFloat32);
}

TEST(Build, MaskTokenAbsentFromBaseIsInitialised) {
  auto cfg = load_config(test::golden_root() + "/tiny_v1");
  cfg.state_dropout_prob = 0.5;  // creates action_head.mask_token, absent from the golden weights
  BuildOptions bo;
  PretrainedReport rep;
  auto m = load_pretrained(test::golden_root() + "/tiny_v1", cfg, bo, &rep);
  ASSERT_EQ(rep.initialised.size(), 1u);
  EXPECT_EQ(rep.initialised[0], "action_head.mask_token");
  EXPECT_TRUE(m->action_head->mask_token.requires_grad());  // tune_projector trains it
  EXPECT_EQ(m->action_head->cfg.state_dropout_prob, 0.5);
  auto t = m->action_head->mask_token.detach();
  const double sd = t.std().item<double>();
  EXPECT_GT(sd, 0.01);
  EXPECT_LT(sd, 0.04);
  // Deterministic from the seed.
  auto m2 = load_pretrained(test::golden_root() + "/tiny_v1", cfg, bo);
  EXPECT_TRUE(torch::equal(t, m2->action_head->mask_token.detach()));
}
