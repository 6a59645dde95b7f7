// State/action normalisation, relative actions, padding and decode, driven by the real N1.6
// dataset statistics in tests/fixtures/gr00t_n16_meta_* and by small synthetic statistics.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "modality_test_util.h"
#include "processor/processor_files.h"
#include "processor/state_action.h"
#include "test_util.h"
#include "util/error.h"

using namespace groot;
using namespace groot::proc;
using data::ActionConfig;
using data::ActionFormat;
using data::ActionRep;
using data::ActionType;
using data::ModalityConfig;
using data::ModalityGroup;
using groot::test::make_config;
using groot::test::group;
using Mat = data::MatrixF;

namespace {

std::string meta(const std::string& name) {
  return groot::test::fixtures_dir() + "/" + name + "/meta";
}

ActionConfig rel() {
  return ActionConfig{ActionRep::kRelative, ActionType::kNonEef, ActionFormat::kDefault, {}};
}
ActionConfig abs_() {
  return ActionConfig{ActionRep::kAbsolute, ActionType::kNonEef, ActionFormat::kDefault, {}};
}

std::vector<int> range(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; i++) v[i] = i;
  return v;
}

// The SO-100 style config of the cube_to_bowl_5 demo (examples/SO100 in upstream).
ModalityConfig so100_config(bool gripper_mean_std = false, bool arm_sincos = false) {
  ModalityGroup video = group({0}, {"front", "wrist"});
  ModalityGroup state = group({0}, {"single_arm", "gripper"});
  ModalityGroup action = group(range(16), {"single_arm", "gripper"}, {}, {}, {rel(), abs_()});
  if (gripper_mean_std) {
    state.mean_std_embedding_keys = {"gripper"};
    action.mean_std_embedding_keys = {"gripper"};
  }
  if (arm_sincos) state.sin_cos_embedding_keys = {"single_arm"};
  ModalityGroup lang = group({0}, {"annotation.human.task_description"});
  return make_config({{"video", video}, {"state", state}, {"action", action}, {"language", lang}});
}

StateActionProcessor so100_processor(StateActionFlags flags, bool mean_std = false, bool sincos = false) {
  StateActionProcessor p({{"new_embodiment", so100_config(mean_std, sincos)}}, flags);
  Statistics st{{"new_embodiment",
                 procfiles::embodiment_stats_from_dataset_meta(meta("gr00t_n16_meta_cube_to_bowl_5"))}};
  p.set_statistics(st);
  return p;
}

StateActionFlags n16_flags() {
  StateActionFlags f;
  f.use_percentiles = false;
  f.clip_outliers = true;
  f.apply_sincos_state_encoding = true;
  f.use_relative_action = true;
  return f;
}

// Raw values uniformly inside [lo, hi] of the given (possibly per-step) parameters.
Mat random_inside(const NormParams& p, int rows, std::mt19937& rng, double margin = 0.02) {
  Mat m(rows, p.dim);
  std::uniform_real_distribution<double> u(margin, 1.0 - margin);
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < p.dim; c++) {
      const size_t i = p.steps ? size_t(r) * p.dim + c : size_t(c);
      m.at(r, c) = float(p.min[i] + u(rng) * (p.max[i] - p.min[i]));
    }
  return m;
}

}  // namespace

TEST(StateAction, MinMaxMatchesFormulaOnFixtureStats) {
  StateActionProcessor p = so100_processor(n16_flags());
  const NormParams& arm = p.params("new_embodiment", "state", "single_arm");
  ASSERT_EQ(arm.dim, 5);
  ASSERT_EQ(arm.steps, 0);
  // Fixture observation.state min[0] = -30.173410415649414, max[0] = 11.907514572143555.
  EXPECT_DOUBLE_EQ(arm.min[0], -30.173410415649414);
  EXPECT_DOUBLE_EQ(arm.max[0], 11.907514572143555);
  Mat s(1, 5);
  s.data = {0.f, 10.f, -50.f, 60.f, 1.f};
  KeyValues st{{"single_arm", s}, {"gripper", Mat(1, 1)}};
  st["gripper"].data = {30.f};
  KeyValues n = p.apply_state(st, "new_embodiment");
  for (int c = 0; c < 5; c++) {
    const double t = (double(s.data[c]) - arm.min[c]) / (arm.max[c] - arm.min[c]);
    const float want = std::min(1.f, std::max(-1.f, 2.f * float(t) - 1.f));
    EXPECT_EQ(n["single_arm"].data[c], want) << c;
    EXPECT_GE(n["single_arm"].data[c], -1.f);
    EXPECT_LE(n["single_arm"].data[c], 1.f);
  }
}

TEST(StateAction, EncodePadsAndMasks) {
  StateActionProcessor p = so100_processor(n16_flags());
  std::mt19937 rng(1);
  KeyValues state{{"single_arm", random_inside(p.params("new_embodiment", "state", "single_arm"), 1, rng)},
                  {"gripper", random_inside(p.params("new_embodiment", "state", "gripper"), 1, rng)}};
  KeyValues action{{"gripper", random_inside(p.params("new_embodiment", "action", "gripper"), 16, rng)},
                   {"single_arm", Mat(16, 5)}};
  const NormParams& relp = p.params("new_embodiment", "action", "single_arm");
  ASSERT_EQ(relp.steps, 16);
  Mat delta = random_inside(relp, 16, rng);
  for (int t = 0; t < 16; t++)
    for (int c = 0; c < 5; c++) action["single_arm"].at(t, c) = state["single_arm"].at(0, c) + delta.at(t, c);
  EncodedStateAction e = encode_state_action(p, PaddingConfig{}, "new_embodiment", state, &action);
  ASSERT_EQ(e.state_steps, 1);
  ASSERT_EQ(e.state.size(), 128u);
  for (int c = 6; c < 128; c++) EXPECT_EQ(e.state[c], 0.f);
  ASSERT_TRUE(e.has_action);
  EXPECT_EQ(e.action_steps, 16);
  EXPECT_EQ(e.action_dim, 6);
  ASSERT_EQ(e.action.size(), 50u * 128u);
  for (int t = 0; t < 50; t++)
    for (int c = 0; c < 128; c++) {
      const bool inside = t < 16 && c < 6;
      EXPECT_EQ(e.action_mask[t * 128 + c], inside ? 1.f : 0.f);
      if (!inside)
        EXPECT_EQ(e.action[t * 128 + c], 0.f);
      else
        EXPECT_LE(std::abs(e.action[t * 128 + c]), 1.f);
    }
  // The relative key is normalised with per-step relative stats: step t uses row t.
  for (int t = 0; t < 16; t++)
    for (int c = 0; c < 5; c++) {
      const size_t i = size_t(t) * 5 + c;
      const float d = action["single_arm"].at(t, c) - state["single_arm"].at(0, c);
      const float want = 2.f * float((double(d) - relp.min[i]) / (relp.max[i] - relp.min[i])) - 1.f;
      EXPECT_EQ(e.action[t * 128 + c], std::min(1.f, std::max(-1.f, want)));
    }
  // No action (inference): only the state.
  EncodedStateAction e2 = encode_state_action(p, PaddingConfig{}, "new_embodiment", state, nullptr);
  EXPECT_FALSE(e2.has_action);
  EXPECT_EQ(e2.state, e.state);
}

// decode(encode(x)) == x for min-max (absolute and relative) and mean-std keys.
TEST(StateAction, RoundTripEveryMode) {
  for (bool mean_std : {false, true}) {
    SCOPED_TRACE(mean_std ? "gripper mean-std" : "all min-max");
    StateActionProcessor p = so100_processor(n16_flags(), mean_std);
    std::mt19937 rng(5);
    for (int trial = 0; trial < 20; trial++) {
      KeyValues state{
          {"single_arm", random_inside(p.params("new_embodiment", "state", "single_arm"), 1, rng)},
          {"gripper", random_inside(p.params("new_embodiment", "state", "gripper"), 1, rng)}};
      const NormParams& gp = p.params("new_embodiment", "action", "gripper");
      Mat grip(16, 1);
      if (mean_std) {  // stay inside +-1 std so the clip does not bite
        std::uniform_real_distribution<double> u(-0.95, 0.95);
        for (int t = 0; t < 16; t++) grip.at(t, 0) = float(gp.mean[0] + u(rng) * gp.std[0]);
      } else {
        grip = random_inside(gp, 16, rng);
      }
      Mat delta = random_inside(p.params("new_embodiment", "action", "single_arm"), 16, rng);
      Mat arm(16, 5);
      for (int t = 0; t < 16; t++)
        for (int c = 0; c < 5; c++) arm.at(t, c) = state["single_arm"].at(0, c) + delta.at(t, c);
      KeyValues action{{"single_arm", arm}, {"gripper", grip}};
      EncodedStateAction e = encode_state_action(p, PaddingConfig{}, "new_embodiment", state, &action);
      KeyValues back = decode_action(p, "new_embodiment", e.action.data(), 50, 128, &state);
      for (const auto& key : {"single_arm", "gripper"})
        for (size_t i = 0; i < action[key].data.size(); i++) {
          const float want = action[key].data[i];
          EXPECT_NEAR(back[key].data[i], want, 1e-4f * std::max(1.f, std::abs(want))) << key << " " << i;
        }
      // State round trip (min-max / mean-std keys; no sin/cos here).
      KeyValues ns = p.apply_state(state, "new_embodiment");
      KeyValues sb = p.unapply_state(ns, "new_embodiment");
      for (const auto& key : {"single_arm", "gripper"})
        for (size_t i = 0; i < state[key].data.size(); i++)
          EXPECT_NEAR(sb[key].data[i], state[key].data[i], 1e-4f * std::max(1.f, std::abs(state[key].data[i])));
    }
  }
}

TEST(StateAction, ClippingAndOutOfRange) {
  StateActionProcessor p = so100_processor(n16_flags(), /*mean_std=*/true);
  const NormParams& sp = p.params("new_embodiment", "state", "single_arm");
  KeyValues state{{"single_arm", Mat(1, 5)}, {"gripper", Mat(1, 1)}};
  for (int c = 0; c < 5; c++) state["single_arm"].data[c] = float(sp.max[c] + 100.0);  // above max
  state["gripper"].data[0] = 1000.f;  // mean-std state: NOT clipped
  KeyValues ns = p.apply_state(state, "new_embodiment");
  for (float v : ns["single_arm"].data) EXPECT_EQ(v, 1.f);
  EXPECT_GT(ns["gripper"].data[0], 1.f);
  // Mean-std ACTIONS are clipped (upstream clip_outliers applies to both branches).
  Mat grip(16, 1);
  for (auto& v : grip.data) v = 1000.f;
  Mat arm(16, 5);
  KeyValues action{{"single_arm", arm}, {"gripper", grip}};
  for (int t = 0; t < 16; t++)
    for (int c = 0; c < 5; c++) action["single_arm"].at(t, c) = state["single_arm"].at(0, c) - 1000.f;
  KeyValues na = p.apply_action(action, "new_embodiment", &state);
  for (float v : na["gripper"].data) EXPECT_EQ(v, 1.f);
  for (float v : na["single_arm"].data) EXPECT_EQ(v, -1.f);
  // Decode clips min-max inputs to [-1, 1] (so 5 -> max), but not mean-std inputs.
  Mat big_arm(16, 5), big_grip(16, 1);
  for (auto& v : big_arm.data) v = 5.f;
  for (auto& v : big_grip.data) v = 3.f;
  KeyValues out =
      p.unapply_action({{"single_arm", big_arm}, {"gripper", big_grip}}, "new_embodiment", &state);
  const NormParams& rp = p.params("new_embodiment", "action", "single_arm");
  const NormParams& gp = p.params("new_embodiment", "action", "gripper");
  for (int t = 0; t < 16; t++)
    for (int c = 0; c < 5; c++)
      EXPECT_NEAR(out["single_arm"].at(t, c), rp.max[t * 5 + c] + state["single_arm"].at(0, c), 1e-3);
  EXPECT_NEAR(out["gripper"].at(0, 0), 3.0 * gp.std[0] + gp.mean[0], 1e-4);
}

TEST(StateAction, ConstantFeaturesAndZeroStd) {
  // Synthetic stats: dim 0 constant (max == min), dim 1 regular, std 0 on dim 0.
  ModalityConfig em =
      make_config({{"state", group({0}, {"a", "b"}, {}, {"b"})}, {"action", group({0, 1}, {"a"}, {}, {}, {abs_()})}});
  StateActionFlags f = n16_flags();
  StateActionProcessor p({{"t", em}}, f);
  auto arr = [](std::vector<double> v) {
    StatArray a;
    a.cols = int(v.size());
    a.v = std::move(v);
    return a;
  };
  KeyStats sa{{"min", arr({2.0, -1.0})}, {"max", arr({2.0, 3.0})},  {"mean", arr({2.0, 1.0})},
              {"std", arr({0.0, 2.0})},  {"q01", arr({2.0, -0.5})}, {"q99", arr({2.0, 2.5})}};
  KeyStats sb{{"min", arr({0.0})}, {"max", arr({1.0})}, {"mean", arr({5.0})},
              {"std", arr({0.0})}, {"q01", arr({0.0})}, {"q99", arr({1.0})}};
  Statistics st{{"t", EmbodimentStats{{"state", {{"a", sa}, {"b", sb}}}, {"action", {{"a", sa}}}}}};
  p.set_statistics(st);
  Mat a(1, 2);
  a.data = {7.f, 1.f};
  Mat b(1, 1);
  b.data = {9.f};
  KeyValues n = p.apply_state({{"a", a}, {"b", b}}, "t");
  EXPECT_EQ(n["a"].data[0], 0.f);  // max == min -> 0
  EXPECT_EQ(n["a"].data[1], 0.f);  // 2 * (1 - -1) / 4 - 1 = 0
  EXPECT_EQ(n["b"].data[0], 9.f);  // std == 0 -> passthrough
  Mat act(2, 2);
  act.data = {0.f, 0.f, 0.f, 0.f};
  KeyValues back = p.unapply_action({{"a", act}}, "t", nullptr);
  EXPECT_EQ(back["a"].data[0], 2.f);  // constant feature decodes to min
  EXPECT_EQ(back["a"].data[1], 1.f);
  KeyValues sback = p.unapply_state({{"a", a}, {"b", b}}, "t");
  EXPECT_EQ(sback["b"].data[0], 9.f);  // zero std passthrough both ways
  // use_percentiles switches absolute min/max to q01/q99.
  f.use_percentiles = true;
  StateActionProcessor pq({{"t", em}}, f);
  pq.set_statistics(st);
  EXPECT_EQ(pq.params("t", "state", "a").min[1], -0.5);
  EXPECT_EQ(pq.params("t", "state", "a").max[1], 2.5);
}

TEST(StateAction, SinCosStateEncoding) {
  StateActionProcessor p = so100_processor(n16_flags(), false, /*sincos=*/true);
  Mat arm(1, 5);
  arm.data = {0.f, 1.f, -2.f, 3.f, 0.5f};
  Mat grip(1, 1);
  grip.data = {10.f};
  KeyValues st{{"single_arm", arm}, {"gripper", grip}};
  KeyValues n = p.apply_state(st, "new_embodiment");
  ASSERT_EQ(n["single_arm"].cols, 10);
  for (int c = 0; c < 5; c++) {
    EXPECT_FLOAT_EQ(n["single_arm"].data[c], std::sin(arm.data[c]));
    EXPECT_FLOAT_EQ(n["single_arm"].data[5 + c], std::cos(arm.data[c]));
  }
  EXPECT_EQ(p.state_dim("new_embodiment", true), 11);
  EXPECT_EQ(p.state_dim("new_embodiment", false), 6);
  EncodedStateAction e = encode_state_action(p, PaddingConfig{}, "new_embodiment", st, nullptr);
  EXPECT_FLOAT_EQ(e.state[10], n["gripper"].data[0]);  // gripper follows the 10 sin/cos dims
  EXPECT_THROW(p.unapply_state(n, "new_embodiment"), Error);
  // Without the global flag the key is min-max normalised.
  StateActionFlags f = n16_flags();
  f.apply_sincos_state_encoding = false;
  StateActionProcessor p2 = so100_processor(f, false, true);
  EXPECT_EQ(p2.apply_state(st, "new_embodiment")["single_arm"].cols, 5);
}

TEST(StateAction, AbsoluteModeWhenRelativeDisabled) {
  StateActionFlags f = n16_flags();
  f.use_relative_action = false;
  StateActionProcessor p = so100_processor(f);
  EXPECT_EQ(p.params("new_embodiment", "action", "single_arm").steps, 0);  // absolute stats used
  std::mt19937 rng(3);
  Mat arm = random_inside(p.params("new_embodiment", "action", "single_arm"), 16, rng);
  Mat grip = random_inside(p.params("new_embodiment", "action", "gripper"), 16, rng);
  KeyValues action{{"single_arm", arm}, {"gripper", grip}};
  KeyValues n = p.apply_action(action, "new_embodiment", nullptr);  // no state needed
  KeyValues back = p.unapply_action(n, "new_embodiment", nullptr);
  for (size_t i = 0; i < arm.data.size(); i++) EXPECT_NEAR(back["single_arm"].data[i], arm.data[i], 1e-3);
}

TEST(StateAction, Gr1FixtureAllKeysRoundTrip) {
  // GR1 meta: 44-d state/action, relative stats for arms and hands ([16][7], [16][6]).
  const std::vector<std::string> skeys = {"left_arm",   "right_arm", "left_hand",
                                          "right_hand", "waist",     "left_leg"};
  const std::vector<std::string> akeys = {"left_arm", "right_arm", "left_hand", "right_hand", "waist"};
  ModalityConfig em =
      make_config({{"state", group({0}, skeys, {"waist"})},
                  {"action", group(range(16), akeys, {}, {"waist"}, {rel(), rel(), rel(), rel(), abs_()})}});
  StateActionProcessor p({{"gr1", em}}, n16_flags());
  p.set_statistics(
      {{"gr1", procfiles::embodiment_stats_from_dataset_meta(meta("gr00t_n16_meta_gr1_picknplace"))}});
  EXPECT_EQ(p.action_dim("gr1"), 7 + 7 + 6 + 6 + 3);
  EXPECT_EQ(p.state_dim("gr1", true), 7 + 7 + 6 + 6 + 6 + 6);
  std::mt19937 rng(11);
  KeyValues state;
  for (const auto& k : skeys) state[k] = random_inside(p.params("gr1", "state", k), 1, rng);
  KeyValues action;
  for (const auto& k : akeys) {
    const NormParams& ap = p.params("gr1", "action", k);
    if (ap.steps) {
      Mat d = random_inside(ap, 16, rng);
      for (int t = 0; t < 16; t++)
        for (int c = 0; c < ap.dim; c++) d.at(t, c) += state[k].at(0, c);
      action[k] = d;
    } else {  // waist: mean-std, stay inside +-1 std
      Mat m(16, ap.dim);
      std::uniform_real_distribution<double> u(-0.9, 0.9);
      for (int t = 0; t < 16; t++)
        for (int c = 0; c < ap.dim; c++) m.at(t, c) = float(ap.mean[c] + u(rng) * ap.std[c]);
      action[k] = m;
    }
  }
  EncodedStateAction e = encode_state_action(p, PaddingConfig{}, "gr1", state, &action);
  EXPECT_EQ(e.action_dim, 29);
  // left_leg of the GR1 demo is constant in the stats -> normalised to exactly 0.
  const NormParams& leg = p.params("gr1", "state", "left_leg");
  for (int c = 0; c < 6; c++)
    if (std::abs(leg.max[c] - leg.min[c]) <= 1e-8 + 1e-5 * std::abs(leg.min[c]))
      EXPECT_EQ(e.state[7 + 7 + 6 + 6 + 6 + c], 0.f);
  KeyValues back = decode_action(p, "gr1", e.action.data(), 50, 128, &state);
  for (const auto& k : akeys)
    for (size_t i = 0; i < action[k].data.size(); i++)
      EXPECT_NEAR(back[k].data[i], action[k].data[i], 2e-4f * std::max(1.f, std::abs(action[k].data[i])))
          << k << " " << i;
}

TEST(StateAction, ErrorsNameTheProblem) {
  StateActionProcessor p = so100_processor(n16_flags());
  KeyValues state{{"single_arm", Mat(1, 5)}};
  try {
    p.apply_state(state, "new_embodiment");
    FAIL() << "missing key accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gripper"), std::string::npos) << e.what();
  }
  EXPECT_THROW(p.apply_state(state, "gr1"), Error);  // unknown tag
  KeyValues bad{{"single_arm", Mat(1, 4)}, {"gripper", Mat(1, 1)}};
  EXPECT_THROW(p.apply_state(bad, "new_embodiment"), Error);  // wrong dim
  KeyValues st{{"single_arm", Mat(1, 5)}, {"gripper", Mat(1, 1)}};
  KeyValues act{{"single_arm", Mat(16, 5)}, {"gripper", Mat(16, 1)}};
  EXPECT_THROW(p.apply_action(act, "new_embodiment", nullptr), Error);  // relative needs state
  KeyValues act_short{{"single_arm", Mat(8, 5)}, {"gripper", Mat(8, 1)}};
  EXPECT_THROW(p.apply_action(act_short, "new_embodiment", &st), Error);  // horizon != relative stats
  std::vector<float> pred(10 * 128);
  EXPECT_THROW(decode_action(p, "new_embodiment", pred.data(), 10, 128, &st), Error);  // 10 < 16 steps
  // Relative statistics missing -> clear error at set_statistics.
  StateActionProcessor p2({{"new_embodiment", so100_config()}}, n16_flags());
  EmbodimentStats es = procfiles::embodiment_stats_from_dataset_meta(meta("gr00t_n16_meta_cube_to_bowl_5"));
  es.pop_back();  // drop relative_action
  EXPECT_THROW(p2.set_statistics({{"new_embodiment", es}}), Error);
  // EEF relative actions are rejected when used (the config itself still loads, so other
  // embodiments of a checkpoint's processor stay usable).
  ModalityConfig eef = so100_config();
  eef.action.action_configs[0].type = ActionType::kEef;
  StateActionProcessor pe({{"new_embodiment", eef}, {"other", so100_config()}}, n16_flags());
  Statistics both{
      {"new_embodiment",
       procfiles::embodiment_stats_from_dataset_meta(meta("gr00t_n16_meta_cube_to_bowl_5"))},
      {"other", procfiles::embodiment_stats_from_dataset_meta(meta("gr00t_n16_meta_cube_to_bowl_5"))}};
  pe.set_statistics(both);
  try {
    pe.apply_action(act, "new_embodiment", &st);
    FAIL() << "EEF relative accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("EEF"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(pe.apply_action(act, "other", &st));
}

TEST(StateAction, SetStatisticsKeepsExistingTagsUnlessOverride) {
  StateActionProcessor p = so100_processor(n16_flags());
  EmbodimentStats es = procfiles::embodiment_stats_from_dataset_meta(meta("gr00t_n16_meta_cube_to_bowl_5"));
  for (auto& [m, keys] : es)
    for (auto& [k, ks] : keys)
      for (auto& [name, arr] : ks)
        for (auto& v : arr.v) v *= 2;
  const double before = p.params("new_embodiment", "state", "single_arm").max[0];
  p.set_statistics({{"new_embodiment", es}}, /*override_existing=*/false);
  EXPECT_EQ(p.params("new_embodiment", "state", "single_arm").max[0], before);
  p.set_statistics({{"new_embodiment", es}}, /*override_existing=*/true);
  EXPECT_EQ(p.params("new_embodiment", "state", "single_arm").max[0], 2 * before);
}
