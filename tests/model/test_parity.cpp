// Whole-model parity: `groot parity` on the upstream golden folder (backbone + action head, training
// forward/backward and 4-step inference), plus proof that it fails when the model is wrong.
#include <gtest/gtest.h>

#include <filesystem>

#include "parity/parity.h"
#include "model/safetensors_torch.h"
#include "test_util.h"

namespace fs = std::filesystem;
using groot::test::run_groot;

namespace {
std::string golden() { return groot::test::golden_root() + "/tiny_v1"; }
}  // namespace

TEST(Parity, GrootParityPassesOnTinyGolden) {
  auto r = run_groot("parity " + golden());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("parity: OK"), std::string::npos) << r.output;
  // Every family was compared, including the backbone and the gradients of the trained LLM layer.
  for (const char* name : {"vision/post_ln", "mlp1/out", "llm/layer1_out", "backbone/features", "ah/vlln_out",
                           "dit/block2_attn_out", "train/loss", "grad/backbone.model.language_model.model.layers.1.mlp.up_proj.weight",
                           "grad_slot10/action_head.action_encoder.W2.W", "infer/step3/velocity", "infer/action_pred",
                           // tokenizer / prompt and image-preprocessing goldens (preprocess.json/.safetensors)
                           "preprocess/tokenizer", "preprocess/img1/smart_resize_uint8_hwc",
                           "preprocess/img2/noletterbox/resize2_uint8_hwc", "preprocess/img2/pixel_values"}) {
    EXPECT_NE(r.output.find(std::string(name) + " "), std::string::npos) << name;
  }
  EXPECT_EQ(r.output.find("FAIL"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("NOT CHECKED"), std::string::npos) << r.output;
}

TEST(Parity, ReportComparesEveryGoldenTensor) {
  groot::model::ParityOptions opt;
  opt.golden_dir = golden();
  auto rep = groot::model::run_parity(opt);
  EXPECT_EQ(rep.failures(), 0);
  groot::st::File io(golden() + "/io.safetensors");
  size_t expected = 0;
  for (auto& t : io.tensors()) {
    const auto& n = t.name;
    if (n.rfind("in/", 0) == 0 || n == "aux/t_bucket_probe_t" || n == "aux/t_bucket_probe_tau_fp64" ||
        n == "vision/window_order_to_raster_index")
      continue;
    ++expected;
  }
  size_t golden_checks = 0;
  for (auto& c : rep.checks) golden_checks += c.name.rfind("grad_other_slots/", 0) != 0;
  EXPECT_EQ(golden_checks, expected);
  EXPECT_GE(expected, 190u);
}

TEST(Parity, FailsAndNamesTensorsWhenAWeightIsWrong) {
  groot::test::TempDir tmp;
  for (auto& e : fs::directory_iterator(golden())) {
    if (e.path().filename() == "weights.safetensors") continue;
    fs::create_symlink(e.path(), tmp.path / e.path().filename());
  }
  // Perturb one DiT weight: everything downstream of block 2's attention must be flagged.
  groot::st::File w(golden() + "/weights.safetensors");
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (auto& t : w.tensors()) {
    auto x = groot::st::to_tensor(t);
    if (t.name == "action_head.model.transformer_blocks.2.attn1.to_out.0.bias") x = x + 1e-2;
    tensors.emplace_back(t.name, x);
  }
  groot::st::write_tensors((tmp.path / "weights.safetensors").string(), tensors);
  auto r = run_groot("parity " + tmp.path.string() + " --action-head-only");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("parity: FAILED"), std::string::npos) << r.output;
  auto line_of = [&](const std::string& name) {
    auto p = r.output.find("\n" + name + " ");
    if (p == std::string::npos) return std::string();
    return r.output.substr(p + 1, r.output.find('\n', p + 1) - p - 1);
  };
  EXPECT_NE(line_of("dit/block2_attn_out").find("FAIL"), std::string::npos) << r.output;
  EXPECT_NE(line_of("dit/block2_out").find("FAIL"), std::string::npos);
  EXPECT_NE(line_of("dit/block3_out").find("FAIL"), std::string::npos);
  // Upstream of the perturbation stays exact.
  EXPECT_NE(line_of("dit/block1_out").find("PASS"), std::string::npos);
  EXPECT_NE(line_of("ah/state_features").find("PASS"), std::string::npos);
}

TEST(Parity, DumpPrintsOursAndGolden) {
  groot::test::TempDir tmp;
  auto r = run_groot("parity " + golden() + " --action-head-only --dump 'dit/block0*' --dump-file " +
                     (tmp.path / "d.safetensors").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("dump dit/block0_attn_out"), std::string::npos) << r.output;
  groot::st::File d((tmp.path / "d.safetensors").string());
  EXPECT_TRUE(d.find("ours/dit/block0_out"));
  EXPECT_TRUE(d.find("golden/dit/block0_out"));
}

TEST(Parity, BadFolderGivesClearError) {
  auto r = run_groot("parity /nonexistent/golden");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/nonexistent/golden"), std::string::npos) << r.output;
}
