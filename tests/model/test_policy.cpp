// The policy (src/policy/policy.h) on the tiny golden model: shapes, determinism, the
// --denoising-steps knob, observation checks, and the decode round trip on a dataset's own actions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>

#include "data/lerobot.h"
#include "policy/policy.h"
#include "policy_test_util.h"
#include "util/error.h"

#include <torch/cuda.h>

namespace fs = std::filesystem;
using groot::policy::Array;
using groot::policy::ArrayMap;
using groot::policy::Observation;
using groot::policy::Policy;
using groot::policy::PolicyOptions;

namespace {

// gripper RELATIVE to the gripper state, arm ABSOLUTE; one camera "wrist" (the policy itself needs
// no FFmpeg: frames are given in the observation).
const char* kVideo = "video: {delta_indices: [0], modality_keys: [wrist]}\n";
const char* kModality =
    "state: {delta_indices: [0], modality_keys: [eef_pos, eef_quat, gripper]}\n"
    "action:\n"
    "  delta_indices: \"range(16)\"\n"
    "  modality_keys: [arm, gripper]\n"
    "  action_configs:\n"
    "    - {rep: absolute, type: non_eef, format: default}\n"
    "    - {rep: relative, type: non_eef, format: default, state_key: gripper}\n"
    "language: {delta_indices: [0], modality_keys: [annotation.human.task_description]}\n";

struct Fixture {
  groot::test::TempDir tmp;
  fs::path ds, ckpt;
  Fixture() {
    // The dataset has no camera (no FFmpeg needed): stats use the config without video, the
    // checkpoint's processor config adds the camera.
    const fs::path mc_stats = tmp / "modality_stats.yaml", mc = tmp / "modality.yaml";
    std::ofstream(mc_stats) << kModality;
    std::ofstream(mc) << kVideo << kModality;
    ds = groot::test::make_tiny_dataset(tmp / "work", 2, 40, /*cameras=*/false, mc_stats.string());
    ckpt = tmp / "ckpt";
    groot::test::make_tiny_checkpoint(ckpt, ds, "new_embodiment", mc.string());
  }
};
Fixture& fixture() {
  static Fixture f;
  return f;
}

Observation make_obs(int B, int H = 24, int W = 32) {
  Observation o;
  std::vector<uint8_t> px(size_t(B) * H * W * 3);
  for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t((i * 37) % 251);
  o.video["wrist"] = Array::u8({B, 1, H, W, 3}, px);
  auto st = [&](int D, float base) {
    std::vector<float> v(size_t(B) * D);
    for (size_t i = 0; i < v.size(); ++i) v[i] = base + 0.01f * float(i);
    return Array::f32({B, 1, D}, v);
  };
  o.state["eef_pos"] = st(3, -0.1f);
  o.state["eef_quat"] = st(4, 0.2f);
  o.state["gripper"] = st(1, 0.05f);
  o.language["annotation.human.task_description"] = std::vector<std::vector<std::string>>(size_t(B), {"Insert the block!"});
  return o;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const groot::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Policy, ShapesDeterminismAndDenoisingSteps) {
  Fixture& f = fixture();
  PolicyOptions o;
  o.seed = 5;
  Policy p(f.ckpt.string(), "NEW_EMBODIMENT", o);
  EXPECT_EQ(p.info().embodiment_tag, "new_embodiment");
  EXPECT_EQ(p.info().embodiment_id, 10);
  EXPECT_EQ(p.info().action_horizon, 16);
  EXPECT_EQ(p.info().denoising_steps, 4);  // config.json num_inference_timesteps
  ArrayMap a = p.get_action(make_obs(2));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a.at("arm").shape, (std::vector<int64_t>{2, 16, 6}));
  EXPECT_EQ(a.at("gripper").shape, (std::vector<int64_t>{2, 16, 1}));
  for (const auto& kv : a)
    for (int64_t i = 0; i < kv.second.numel(); ++i) ASSERT_TRUE(std::isfinite(kv.second.f32()[i]));
  // Same seed, same call sequence -> same actions.
  Policy p2(f.ckpt.string(), "new_embodiment", o);
  ArrayMap b = p2.get_action(make_obs(2));
  EXPECT_EQ(a.at("arm").data, b.at("arm").data);
  // Denoising steps honoured: 1 Euler step differs from 4 with the same noise.
  Policy p3(f.ckpt.string(), "new_embodiment", o);
  p3.set_denoising_steps(1);
  EXPECT_EQ(p3.info().denoising_steps, 1);
  ArrayMap c = p3.get_action(make_obs(2));
  EXPECT_NE(a.at("arm").data, c.at("arm").data);
  PolicyOptions o1 = o;
  o1.denoising_steps = 1;
  Policy p4(f.ckpt.string(), "new_embodiment", o1);
  EXPECT_EQ(p4.get_action(make_obs(2)).at("arm").data, c.at("arm").data);
}

TEST(Policy, BadObservationsGiveClearErrors) {
  Fixture& f = fixture();
  Policy p(f.ckpt.string(), "new_embodiment");
  auto err = [&](const std::function<void(Observation&)>& edit) {
    Observation o = make_obs(1);
    edit(o);
    return error_of([&] { p.get_action(o); });
  };
  std::string e = err([](Observation& o) { o.state.erase("gripper"); });
  EXPECT_NE(e.find("missing state key 'gripper'"), std::string::npos) << e;
  e = err([](Observation& o) { o.video.erase("wrist"); });
  EXPECT_NE(e.find("missing video key 'wrist'"), std::string::npos) << e;
  e = err([](Observation& o) { o.language.clear(); });
  EXPECT_NE(e.find("missing language key 'annotation.human.task_description'"), std::string::npos) << e;
  e = err([](Observation& o) {
    Array& a = o.state["eef_pos"];
    a.dtype = "float64";
    a.data.resize(a.data.size() * 2);
  });
  EXPECT_NE(e.find("state 'eef_pos' must be float32 [B, 1, 3], got float64 [1, 1, 3]"), std::string::npos) << e;
  e = err([](Observation& o) { o.state["eef_quat"] = Array::f32({1, 1, 3}, {0, 0, 0}); });
  EXPECT_NE(e.find("state 'eef_quat' must be float32 [B, 1, 4], got float32 [1, 1, 3]"), std::string::npos) << e;
  e = err([](Observation& o) { o.state["gripper"] = Array::f32({1, 2, 1}, {0, 0}); });
  EXPECT_NE(e.find("state 'gripper' must be float32 [B, 1, 1], got float32 [1, 2, 1]"), std::string::npos) << e;
  e = err([](Observation& o) { o.video["wrist"] = Array::u8({1, 1, 4, 4, 4}, std::vector<uint8_t>(64)); });
  EXPECT_NE(e.find("video 'wrist' must be uint8 [B, 1, H, W, 3]"), std::string::npos) << e;
  e = err([](Observation& o) {
    Array& a = o.video["wrist"];
    a.dtype = "float32";
    a.data.resize(a.data.size() * 4);
  });
  EXPECT_NE(e.find("video 'wrist' must be uint8"), std::string::npos) << e;
  EXPECT_NE(e.find("got float32 [1, 1, 24, 32, 3]"), std::string::npos) << e;
  e = err([](Observation& o) { o.state["eef_pos"].data.pop_back(); });
  EXPECT_NE(e.find("holds 11 bytes, its shape needs 12"), std::string::npos) << e;
  e = err([](Observation& o) { o.language["annotation.human.task_description"] = {{"a", "b"}}; });
  EXPECT_NE(e.find("sample 0 has 2 strings"), std::string::npos) << e;
  e = err([](Observation& o) { o.state["eef_pos"] = make_obs(2).state["eef_pos"]; });
  EXPECT_NE(e.find("has batch size 2 but"), std::string::npos) << e;
  e = err([](Observation& o) { o.state["joint"] = Array::f32({1, 1, 1}, {0}); });
  EXPECT_NE(e.find("unknown state key 'joint'"), std::string::npos) << e;
  e = err([](Observation& o) { const_cast<float*>(o.state["gripper"].f32())[0] = NAN; });
  EXPECT_NE(e.find("state 'gripper' value 0 is nan"), std::string::npos) << e;
  // Construction errors name the file / tag.
  e = error_of([&] { Policy q(f.ckpt.string(), "gr1"); });
  EXPECT_NE(e.find("no modality config for embodiment tag 'gr1' (tags present: new_embodiment)"), std::string::npos)
      << e;
  e = error_of([&] { Policy q((f.tmp / "nope").string(), "new_embodiment"); });
  EXPECT_NE(e.find("does not exist"), std::string::npos) << e;
}

// The policy's decode (un-normalisation + relative -> absolute) inverts its encode on the dataset's
// own actions: every window of every episode comes back to float32 rounding of the normalised value.
TEST(Policy, DecodeRoundTripsDatasetActions) {
  Fixture& f = fixture();
  Policy p(f.ckpt.string(), "new_embodiment");
  groot::data::Dataset ds = groot::data::open_dataset(f.ds);
  const auto& mod = ds.require_modality();
  int windows = 0;
  double worst = 0;
  for (const auto& ep : ds.episodes) {
    auto t = groot::data::read_episode_table(ds, ep.episode_index, {"observation.state", "action"});
    auto S = groot::data::column_matrix_f32(t, "observation.state", 8, "state");
    auto A = groot::data::column_matrix_f32(t, "action", 7, "action");
    for (int64_t i = 0; i + 16 <= A.rows; i += 3) {
      ArrayMap state, act;
      for (const auto& s : mod.state) {
        std::vector<float> v;
        for (int64_t c = s.start; c < s.end; ++c) v.push_back(S.at(i, c));
        state[s.name] = Array::f32({1, 1, s.dim()}, v);
      }
      for (const auto& a : mod.action) {
        std::vector<float> v;
        for (int64_t r = i; r < i + 16; ++r)
          for (int64_t c = a.start; c < a.end; ++c) v.push_back(A.at(r, c));
        act[a.name] = Array::f32({1, 16, a.dim()}, v);
      }
      Array enc = p.encode_action(act, state);
      ASSERT_EQ(enc.shape, (std::vector<int64_t>{1, 50, 128}));
      ArrayMap back = p.decode_action(enc, state);
      for (const auto& a : mod.action) {
        // Bound: float32 rounding of a normalised value in [-1, 1] scaled by the statistics' range
        // (relative keys: action - state, at most the whole value range R of both columns, twice),
        // plus the final float32 rounding.
        double lo = 1e300, hi = -1e300;
        for (const auto* M : {&A, &S})
          for (float v : M->data) lo = std::min(lo, double(v)), hi = std::max(hi, double(v));
        const double tol = 4.0 * (hi - lo) * std::ldexp(1.0, -23);
        const float* g = act.at(a.name).f32();
        const float* b = back.at(a.name).f32();
        for (int64_t k = 0; k < act.at(a.name).numel(); ++k) {
          const double d = std::abs(double(g[k]) - double(b[k]));
          worst = std::max(worst, d);
          ASSERT_LE(d, tol) << a.name << " window " << i << " value " << k << ": " << g[k] << " -> " << b[k];
        }
      }
      ++windows;
    }
  }
  EXPECT_GT(windows, 10);
  RecordProperty("max_abs_roundtrip_error", std::to_string(worst));
}

// GPU runs (the lead's CUDA build): the policy on CUDA (fp32, images through the LibTorch
// transforms) gives the CPU policy's actions up to float reordering; bf16 (upstream's inference
// dtype) runs and stays close.
TEST(Policy, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device in this build/machine";
  Fixture& f = fixture();
  PolicyOptions o;
  o.seed = 3;
  Policy cpu(f.ckpt.string(), "new_embodiment", o);
  o.device = "cuda";
  o.dtype = "float32";
  Policy gpu(f.ckpt.string(), "new_embodiment", o);
  o.dtype = "";
  Policy bf16(f.ckpt.string(), "new_embodiment", o);
  EXPECT_EQ(bf16.info().dtype, "bfloat16");
  const Observation obs = make_obs(2, 48, 64);
  ArrayMap a = cpu.get_action(obs), b = gpu.get_action(obs), c = bf16.get_action(obs);
  for (const auto& kv : a) {
    const float* x = kv.second.f32();
    const float* y = b.at(kv.first).f32();
    const float* z = c.at(kv.first).f32();
    double worst32 = 0, worst16 = 0, scale = 1e-6;
    for (int64_t i = 0; i < kv.second.numel(); ++i) {
      scale = std::max(scale, double(std::abs(x[i])));
      worst32 = std::max(worst32, double(std::abs(x[i] - y[i])));
      worst16 = std::max(worst16, double(std::abs(x[i] - z[i])));
      ASSERT_TRUE(std::isfinite(z[i]));
    }
    EXPECT_LE(worst32, 1e-3 * scale) << kv.first << " fp32 CUDA vs CPU";
    EXPECT_LE(worst16, 0.25 * scale) << kv.first << " bf16 CUDA vs fp32 CPU (8-bit mantissa through 4 Euler steps)";
  }
}
