// Inference fast path (model/fast_infer.h): the same actions as the reference path
// (Gr00tN1d6::get_action) on the golden tiny model; host-side input checks; the sync-free image-token
// scatter against an explicit loop. CUDA tests (graph capture and replay, bf16 parity against the
// golden) skip without a GPU.
#include <gtest/gtest.h>

#include "golden_util.h"
#include "model/config.h"
#include "model/fast_infer.h"
#include "model/gr00t_n1d6.h"
#include "model/weights.h"
#include "parity/parity.h"
#include "util/error.h"

using namespace groot;
using namespace groot::model;
using groot::test::golden_dir;

namespace {

struct Golden {
  Gr00tN1d6Config cfg;
  st::File io{golden_dir() + "/io.safetensors"};
  Golden() : cfg(load_config(golden_dir())) {}
  torch::Tensor get(const std::string& n) const { return st::to_tensor(io.at(n)); }
};
const Golden& golden() {
  static Golden g;
  return g;
}

Gr00tN1d6 load_model(const torch::Device& dev, torch::ScalarType dt) {
  Gr00tN1d6 m(golden().cfg, torch::TensorOptions().dtype(torch::kFloat32));
  LoadOptions lo;
  lo.only_prefix = false;
  load_state_dict(*m, golden_dir() + "/weights.safetensors", lo);
  m->to(dev, dt);
  m->eval();
  return m;
}

struct Inputs {
  groot::BackboneInput bin;
  ActionInputs ain;
  torch::Tensor noise;
};

// The golden inference inputs; ids stay on the CPU (as a policy builds them), the rest on `dev`.
Inputs golden_inputs(const torch::Device& dev, torch::ScalarType dt) {
  Inputs in;
  in.bin.input_ids = golden().get("in/input_ids");
  in.bin.attention_mask = golden().get("in/attention_mask");
  for (int i = 0; i < 4; ++i) in.bin.images.push_back(golden().get("in/pixel_values." + std::to_string(i)).to(dev, dt));
  in.ain.state = golden().get("in/state").to(dev, dt);
  in.ain.embodiment_id = golden().get("in/embodiment_id");
  in.noise = golden().get("in/init_noise").to(dev, dt);
  return in;
}

bool cuda() { return torch::cuda::is_available(); }

}  // namespace

TEST(FastInfer, ScatterImageTokensEqualsRowLoop) {
  auto x = torch::randn({2, 7, 3});
  auto mask = torch::zeros({2, 7}, torch::kBool);
  for (auto [b, l] : std::vector<std::pair<int, int>>{{0, 1}, {0, 2}, {0, 6}, {1, 0}, {1, 4}}) mask[b][l] = true;
  auto tokens = torch::randn({5, 3});
  auto got = scatter_image_tokens(x, mask, tokens);
  auto want = x.clone();
  int k = 0;
  for (int b = 0; b < 2; ++b)
    for (int l = 0; l < 7; ++l)
      if (mask[b][l].item<bool>()) want[b][l] = tokens[k++];
  EXPECT_TRUE(torch::equal(got, want));
}

TEST(FastInfer, HostIdChecksNameTheBadValue) {
  const auto& cfg = golden().cfg;
  auto ids = golden().get("in/input_ids").clone();
  const int64_t n_img = (ids == cfg.eagle.image_token_index).sum().item<int64_t>();
  EXPECT_NO_THROW(check_backbone_ids(ids, cfg, n_img));
  try {
    check_backbone_ids(ids, cfg, n_img - 81);
    FAIL() << "expected a count error";
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(n_img) + " <IMG_CONTEXT> tokens"), std::string::npos)
        << e.what();
  }
  ids[0][3] = cfg.eagle.text.vocab_size;
  try {
    check_backbone_ids(ids, cfg, -1);
    FAIL() << "expected a range error";
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find("input_ids[0, 3] = " + std::to_string(cfg.eagle.text.vocab_size)),
              std::string::npos)
        << e.what();
  }
}

TEST(FastInfer, CpuEqualsReferenceExactly) {
  torch::NoGradGuard ng;
  auto m = load_model(torch::kCPU, torch::kFloat32);
  auto in = golden_inputs(torch::kCPU, torch::kFloat32);
  auto ref = m->get_action(in.bin, in.ain, in.noise);
  FastInference fast(m);
  auto got = fast.get_action(in.bin, in.ain, in.noise);
  EXPECT_TRUE(torch::equal(got, ref)) << (got - ref).abs().max().item<double>();
  EXPECT_EQ(fast.stats().eager_calls, 1);
  // And both match the upstream golden actions (fp32 tolerance of the parity report).
  auto r = compare_tensor("infer/action_pred", got, golden().get("infer/action_pred"), Tolerance{2e-4, 1e-4});
  EXPECT_TRUE(r.pass) << r.describe();
}

TEST(FastInfer, BadInputsFailBeforeRunning) {
  torch::NoGradGuard ng;
  auto m = load_model(torch::kCPU, torch::kFloat32);
  FastInference fast(m);
  auto in = golden_inputs(torch::kCPU, torch::kFloat32);
  auto fewer = in;
  fewer.bin.images.pop_back();
  EXPECT_THROW(fast.get_action(fewer.bin, fewer.ain, fewer.noise), groot::Error);
  auto bad_e = in;
  bad_e.ain.embodiment_id = torch::full({1}, int64_t(32), torch::kLong);
  EXPECT_THROW(fast.get_action(bad_e.bin, bad_e.ain, bad_e.noise), groot::Error);
  auto bad_mask = in;
  bad_mask.bin.attention_mask = in.bin.attention_mask.slice(1, 1);
  EXPECT_THROW(fast.get_action(bad_mask.bin, bad_mask.ain, bad_mask.noise), groot::Error);
  EXPECT_EQ(fast.stats().eager_calls, 0);
}

TEST(FastInferCuda, GraphReplaysEqualEagerFp32WithFreshInputs) {
  if (!cuda()) GTEST_SKIP() << "no CUDA device";
  torch::NoGradGuard ng;
  const torch::Device dev("cuda:0");
  auto m = load_model(dev, torch::kFloat32);
  FastInference fast(m);
  FastInferOptions eager_opt;
  eager_opt.cuda_graphs = false;
  FastInference eager(m, eager_opt);
  auto in = golden_inputs(dev, torch::kFloat32);
  torch::Tensor prev;
  for (int call = 0; call < 3; ++call) {
    // New noise, state and pixels each call: the graph must read its refreshed static buffers.
    if (call > 0) {
      in.noise = torch::randn_like(in.noise);
      in.ain.state = torch::randn_like(in.ain.state);
      for (auto& im : in.bin.images) im = torch::rand_like(im) * 2 - 1;
    }
    auto ref = m->get_action(in.bin, in.ain, in.noise);
    auto e = eager.get_action(in.bin, in.ain, in.noise);
    auto g = fast.get_action(in.bin, in.ain, in.noise);
    // Same kernels, same order; the fp32 parity tolerance covers a different cuBLAS algorithm choice.
    auto re = compare_tensor("eager", e, ref, Tolerance{2e-4, 1e-4}), rg = compare_tensor("graph", g, ref, Tolerance{2e-4, 1e-4});
    EXPECT_TRUE(re.pass) << "call " << call << ": eager max abs " << re.max_abs;
    EXPECT_TRUE(rg.pass) << "call " << call << ": graph max abs " << rg.max_abs;
    // Fresh inputs change the actions, so a graph replaying stale buffers would fail the check above.
    if (call > 0) EXPECT_GT((ref - prev).abs().max().item<double>(), 1e-3);
    prev = ref;
  }
  if (FastInference::graphs_compiled()) {
    EXPECT_EQ(fast.stats().captures, 1) << fast.stats().graph_status;
    EXPECT_EQ(fast.stats().graph_replays, 3) << fast.stats().graph_status;
  }
}

TEST(FastInferCuda, Bf16WithinGoldenToleranceAndEqualsReference) {
  if (!cuda()) GTEST_SKIP() << "no CUDA device";
  torch::NoGradGuard ng;
  const torch::Device dev("cuda:0");
  auto m = load_model(dev, torch::kBFloat16);
  auto in = golden_inputs(dev, torch::kBFloat16);
  auto ref = m->get_action(in.bin, in.ain, in.noise);
  FastInference fast(m);
  auto got = fast.get_action(in.bin, in.ain, in.noise);
  got = fast.get_action(in.bin, in.ain, in.noise);  // the second call replays the graph
  const auto tol = tolerance_for("infer/action_pred", /*bf16=*/true);
  auto vs_ref = compare_tensor("fast vs reference", got.to(torch::kFloat32), ref.to(torch::kFloat32), Tolerance{tol.atol, tol.rtol});
  EXPECT_TRUE(vs_ref.pass) << "fast vs reference max abs " << vs_ref.max_abs;
  st::File iobf(golden_dir() + "/io_bf16.safetensors");
  auto golden_bf16 = st::to_tensor(iobf.at("infer/action_pred"));
  auto vs_golden = compare_tensor("fast vs golden", got.to(torch::kFloat32), golden_bf16.to(torch::kFloat32), Tolerance{tol.atol, tol.rtol});
  auto ref_vs_golden = compare_tensor("reference vs golden", ref.to(torch::kFloat32), golden_bf16.to(torch::kFloat32), Tolerance{tol.atol, tol.rtol});
  // The fast path is no further from the bf16 golden than the reference path is (+ rounding).
  EXPECT_LE(vs_golden.max_abs, ref_vs_golden.max_abs * 1.5 + 1e-2) << vs_golden.max_abs << " vs " << ref_vs_golden.max_abs;
  std::printf("bf16 CUDA: fast vs reference max abs %.4g; vs golden %.4g (reference vs golden %.4g); graph: %s\n",
              vs_ref.max_abs, vs_golden.max_abs, ref_vs_golden.max_abs,
              fast.stats().graph_replays > 0 ? "replayed" : fast.stats().graph_status.c_str());
}

TEST(FastInfer, PrecomputedTimestepModulationEqualsForward) {
  // A random tiny DiT, batch 2, every bucket of the 4 steps: forward with the precomputed
  // modulation must give exactly the values of forward computing it from tau.
  torch::NoGradGuard ng;
  torch::manual_seed(3);
  auto cfg = ActionHeadConfig::from_config(golden().cfg);
  ActionHead head(cfg);
  init_random_(*head, 7);
  head->eval();
  const int64_t B = 2, T = 51, S = 9;
  auto hidden = torch::randn({B, T, cfg.dit.inner_dim()});
  auto vl = torch::randn({B, S, cfg.backbone_embedding_dim});
  auto img = torch::zeros({B, S}, torch::kBool);
  img.slice(1, 2, 6).fill_(true);
  auto att = torch::ones({B, S}, torch::kBool);
  att[1][0] = false;
  auto steps = head->step_modulations(B, torch::kCPU, torch::kFloat32);
  ASSERT_EQ(int64_t(steps.size()), cfg.num_inference_timesteps);
  for (int64_t k = 0; k < cfg.num_inference_timesteps; ++k) {
    auto tau = torch::full({B}, head->step_bucket(k), torch::kLong);
    auto want = head->model->forward(hidden, vl, tau, img, att);
    auto got = head->model->forward(hidden, vl, tau, img, att, nullptr, &steps[size_t(k)]);
    EXPECT_TRUE(torch::equal(got, want)) << "step " << k << ": " << (got - want).abs().max().item<double>();
  }
  EXPECT_EQ(head->step_bucket(0), 0);
  EXPECT_EQ(head->step_bucket(3), 750);
}
