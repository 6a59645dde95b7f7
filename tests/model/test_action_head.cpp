// Action head + DiT parity against the upstream golden (tests/golden/tiny_v1), fed with the
// golden backbone features: ah/*, dit/*, train/*, grad/* and infer/* within the README §9 tolerances.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "model/action_head.h"
#include "model/ah_trace.h"
#include "parity/parity.h"
#include "model/safetensors_torch.h"
#include "model/weights.h"
#include "test_util.h"
#include "util/error.h"

using namespace groot::model;

namespace {

std::string golden() { return groot::test::golden_root() + "/tiny_v1"; }

struct Golden {
  groot::st::File io{golden() + "/io.safetensors"};
  groot::st::File w{golden() + "/weights.safetensors"};
  torch::Tensor t(const std::string& n) const { return groot::st::to_tensor(io.at(n)); }
};

const Golden& G() {
  static Golden g;
  return g;
}

void load_head(torch::nn::Module& head) {
  groot::LoadOptions lo;
  lo.prefix = "action_head.";  // strict within the prefix
  auto rep = groot::load_state_dict(head, golden() + "/weights.safetensors", lo);
  EXPECT_EQ(rep.tensors_loaded, 81);
}

ActionHead make_head() {
  auto j = nlohmann::json::parse(std::ifstream(golden() + "/upstream_config_gr00t_n1d6.json"));
  auto head = ActionHead(ActionHeadConfig::from_json(j));
  load_head(*head);
  return head;
}

BackboneOutput golden_backbone() {
  return {G().t("backbone/features"), G().t("backbone/attention_mask"), G().t("backbone/image_mask")};
}

ActionInputs golden_inputs() {
  return {G().t("in/state"), G().t("in/action"), G().t("in/action_mask"), G().t("in/embodiment_id")};
}

// Checks every recorded tensor whose name is in the golden with the README tolerances.
int expect_matches(const TraceRecorder& rec, const std::vector<std::string>& prefixes) {
  int n = 0;
  for (const auto& [name, got] : rec.tensors) {
    bool want = false;
    for (auto& p : prefixes) want |= name.rfind(p, 0) == 0;
    if (!want || !G().io.find(name)) continue;
    auto c = compare_tensor(name, got, G().t(name), tolerance_for(name));
    EXPECT_TRUE(c.pass) << c.describe();
    ++n;
  }
  return n;
}

}  // namespace

TEST(ActionHeadConfig, ParsesUpstreamConfigAndRejectsBadValues) {
  auto j = nlohmann::json::parse(std::ifstream(golden() + "/upstream_config_gr00t_n1d6.json"));
  auto c = ActionHeadConfig::from_json(j);
  EXPECT_EQ(c.input_embedding_dim, 32);
  EXPECT_EQ(c.hidden_size, 48);
  EXPECT_EQ(c.dit.num_layers, 4);
  EXPECT_EQ(c.dit.num_heads, 4);
  EXPECT_EQ(c.dit.head_dim, 8);
  EXPECT_EQ(c.dit.cross_attention_dim, 64);
  EXPECT_EQ(c.dit.dropout, 0.0);
  auto bad = j;
  bad["diffusion_model_cfg"]["attention_head_dim"] = 16;  // 4*16 != 32
  EXPECT_THROW(ActionHeadConfig::from_json(bad), groot::Error);
  bad = j;
  bad["hidden_size"] = "wide";
  try {
    ActionHeadConfig::from_json(bad);
    FAIL() << "expected an error";
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find("hidden_size"), std::string::npos) << e.what();
  }
}

TEST(ActionHead, ParameterNamesEqualUpstreamKeys) {
  auto head = make_head();  // strict load: every action_head.* key used, every parameter found
  std::set<std::string> ours, theirs;
  for (auto& p : head->named_parameters()) ours.insert("action_head." + p.key());
  for (auto& t : G().w.tensors())
    if (t.name.rfind("action_head.", 0) == 0) theirs.insert(t.name);
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(ours.size(), 81u);
}

TEST(ActionHead, SinusoidsMatchGolden) {
  auto tau = G().t("ah/t_bucket");
  auto ts = timestep_sinusoid(tau, 256);
  auto c = compare_tensor("dit/time_proj", ts, G().t("dit/time_proj"), tolerance_for("dit/time_proj"));
  EXPECT_TRUE(c.pass) << c.describe();
  auto as = action_sinusoid(tau.unsqueeze(1).expand({2, 50}), 32);
  c = compare_tensor("ah/action_encoder_tau_sinusoid", as, G().t("ah/action_encoder_tau_sinusoid"),
                     tolerance_for("ah/action_encoder_tau_sinusoid"));
  EXPECT_TRUE(c.pass) << c.describe();
}

TEST(ActionHead, TrainingForwardAndGradientsMatchGolden) {
  auto head = make_head();
  head->train();
  TraceRecorder rec;
  TrainOutput out;
  {
    TraceScope on(&rec);
    out = head->forward_train(golden_backbone(), golden_inputs(), G().t("in/noise"), G().t("in/t"));
  }
  EXPECT_NEAR(out.loss.item<double>(), 1.7854625, 1.7854625 * 1e-5);
  int n = expect_matches(rec, {"ah/", "dit/", "train/"});
  EXPECT_GE(n, 40);  // every ah/dit/train golden tensor was produced
  out.loss.backward();
  int ng = 0;
  for (auto& p : head->named_parameters()) {
    const std::string key = "action_head." + p.key();
    auto g = p.value().grad();
    ASSERT_TRUE(g.defined()) << key;
    if (G().io.find("grad/" + key)) {
      auto c = compare_tensor("grad/" + key, g, G().t("grad/" + key), tolerance_for("grad/" + key));
      EXPECT_TRUE(c.pass) << c.describe();
      ++ng;
    } else {
      ASSERT_TRUE(G().io.find("grad_slot10/" + key)) << "no golden gradient for " << key;
      auto c = compare_tensor("grad_slot10/" + key, g.select(0, 10), G().t("grad_slot10/" + key),
                              tolerance_for("grad_slot10/" + key));
      EXPECT_TRUE(c.pass) << c.describe();
      // Every other embodiment slot gets exactly zero gradient.
      auto rest = torch::cat({g.slice(0, 0, 10), g.slice(0, 11)});
      EXPECT_EQ(rest.abs().max().item<float>(), 0.f) << key;
      ++ng;
    }
  }
  EXPECT_EQ(ng, 81);
}

TEST(ActionHead, InferenceStepsMatchGolden) {
  auto head = make_head();
  head->eval();
  TraceRecorder rec;
  torch::Tensor pred;
  {
    TraceScope on(&rec);
    pred = head->get_action(golden_backbone(), golden_inputs(), G().t("in/init_noise"));
  }
  auto c = compare_tensor("infer/action_pred", pred, G().t("infer/action_pred"), tolerance_for("infer/action_pred"));
  EXPECT_TRUE(c.pass) << c.describe();
  int n = expect_matches(rec, {"infer/"});
  EXPECT_EQ(n, 4 * 7 + 1);  // 4 steps x (x_in, tau, dit_in, temb, dit_out, velocity, after) + action_pred
}

TEST(ActionHead, GatherPathEqualsSharedSlotPath) {
  // Mixed embodiments use per-sample gathered weights; with equal ids the shared GEMM path must agree.
  auto head = make_head();
  head->eval();
  auto in = golden_inputs();
  auto bb = golden_backbone();
  auto shared = head->get_action(bb, in, G().t("in/init_noise"));
  // Put slot 10's weights also into slot 3 and give sample 1 embodiment 3: same numbers via the gather path.
  {
    torch::NoGradGuard ng;
    for (auto& p : head->named_parameters()) {
      if (p.key().find(".W") != std::string::npos || p.key().size() > 2 && p.key().substr(p.key().size() - 2) == ".b") {
        if (p.value().dim() >= 2 && p.value().size(0) == 32) p.value()[3].copy_(p.value()[10]);
      }
    }
  }
  in.embodiment_id = torch::tensor({10, 3}, torch::kLong);
  auto e = Embodiment::from_ids(in.embodiment_id, 32, torch::kCPU);
  EXPECT_EQ(e.shared, -1);
  auto mixed = head->get_action(bb, in, G().t("in/init_noise"));
  EXPECT_TRUE(torch::allclose(shared, mixed, 1e-5, 1e-5));
  EXPECT_EQ(Embodiment::from_ids(torch::tensor({7, 7}), 32, torch::kCPU).shared, 7);
  EXPECT_THROW(Embodiment::from_ids(torch::tensor({7, 32}), 32, torch::kCPU), groot::Error);
}

TEST(ActionHead, KVCacheAndRecomputationDoNotChangeResults) {
  auto head = make_head();
  head->eval();
  auto bb = golden_backbone();
  auto vl = head->vlln(bb.features);
  auto sa = G().t("dit/in_hidden_states");
  auto tau = G().t("ah/t_bucket");
  torch::NoGradGuard ng;
  auto plain = head->model(sa, vl, tau, bb.image_mask, bb.attention_mask);
  auto kv = head->model->cross_kv(vl);
  auto cached = head->model(sa, vl, tau, bb.image_mask, bb.attention_mask, &kv);
  EXPECT_TRUE(torch::equal(plain, cached));
}

TEST(ActionHead, GradientCheckpointingGivesSameGradients) {
  auto run = [](bool ckpt) {
    auto head = make_head();
    head->train();
    head->model->gradient_checkpointing = ckpt;
    auto out = head->forward_train(golden_backbone(), golden_inputs(), G().t("in/noise"), G().t("in/t"));
    out.loss.backward();
    std::map<std::string, torch::Tensor> g;
    for (auto& p : head->named_parameters()) g[p.key()] = p.value().grad().clone();
    return std::make_pair(out.loss.item<double>(), g);
  };
  auto [l0, g0] = run(false);
  auto [l1, g1] = run(true);
  EXPECT_EQ(l0, l1);
  ASSERT_EQ(g0.size(), g1.size());
  for (auto& [k, v] : g0) EXPECT_TRUE(torch::allclose(v, g1[k], 1e-5, 1e-7)) << k;
}

TEST(ActionHead, DropoutRecomputationReproducesMasks) {
  // With dropout on, checkpointed backward must replay the same dropout masks.
  auto j = nlohmann::json::parse(std::ifstream(golden() + "/upstream_config_gr00t_n1d6.json"));
  j["diffusion_model_cfg"]["dropout"] = 0.2;
  auto run = [&](bool ckpt) {
    torch::manual_seed(7);
    auto head = ActionHead(ActionHeadConfig::from_json(j));
    load_head(*head);
    head->train();
    head->model->gradient_checkpointing = ckpt;
    torch::manual_seed(11);
    auto out = head->forward_train(golden_backbone(), golden_inputs(), G().t("in/noise"), G().t("in/t"));
    out.loss.backward();
    return std::make_pair(out.loss.item<double>(), head->model->proj_out_1->weight.grad().clone());
  };
  auto [l0, g0] = run(false);
  auto [l1, g1] = run(true);
  EXPECT_EQ(l0, l1);
  EXPECT_TRUE(torch::allclose(g0, g1, 1e-5, 1e-7));
  // And dropout really is active: the loss differs from the dropout-free golden loss.
  EXPECT_GT(std::abs(l0 - 1.7854625), 1e-3);
}

TEST(ActionHead, SampleTimeFollowsUpstreamBeta) {
  auto head = make_head();
  auto gen = at::make_generator<at::CPUGeneratorImpl>(123);
  auto t = head->sample_time(20000, torch::kCPU, torch::kFloat32, gen);
  EXPECT_GE(t.min().item<float>(), 0.f);
  EXPECT_LE(t.max().item<float>(), 0.999f);
  // u ~ Beta(1.5, 1): E[u] = 0.6 -> E[t] = 0.999 * 0.4
  EXPECT_NEAR(t.mean().item<double>(), 0.999 * 0.4, 0.01);
  // P(t < 0.999 * 0.5) = P(u > 0.5) = 1 - 0.5^1.5
  auto frac = (t < 0.4995).to(torch::kFloat).mean().item<double>();
  EXPECT_NEAR(frac, 1 - std::pow(0.5, 1.5), 0.01);
}

TEST(ActionHead, BadInputsGiveClearErrors) {
  auto head = make_head();
  auto bb = golden_backbone();
  auto in = golden_inputs();
  auto bad = bb;
  bad.features = bb.features.slice(2, 0, 10);
  EXPECT_THROW(head->get_action(bad, in), groot::Error);
  auto bin = in;
  bin.embodiment_id = torch::tensor({10, 99});
  try {
    head->get_action(bb, bin);
    FAIL();
  } catch (const groot::Error& e) {
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos) << e.what();
  }
  bin = in;
  bin.state = in.state.slice(2, 0, 64);
  EXPECT_THROW(head->get_action(bb, bin), groot::Error);
  EXPECT_THROW(head->get_action(bb, in, torch::zeros({2, 10, 128})), groot::Error);
}

TEST(ActionHead, MetaBuildOf3BMatchesUpstreamKeyList) {
  // The released 3B action head built shape-only must reproduce every action_head.* key of
  // tests/fixtures/groot_n16_keys.tsv with its shape (473 keys, 1,418,623,744 parameters).
  std::ifstream f(groot::test::fixtures_dir() + "/groot_n16_keys.tsv");
  ASSERT_TRUE(f.good());
  std::map<std::string, std::vector<int64_t>> want;
  int64_t want_params = 0;
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("action_head.", 0) != 0) continue;
    std::istringstream ls(line);
    std::string name, shape, numel;
    std::getline(ls, name, '\t');
    std::getline(ls, shape, '\t');
    std::getline(ls, numel, '\t');
    for (char& c : shape)
      if (c == '[' || c == ']' || c == ',') c = ' ';
    std::istringstream ss(shape);
    int64_t d;
    std::vector<int64_t> dims;
    while (ss >> d) dims.push_back(d);
    want[name] = dims;
    want_params += std::stoll(numel);
  }
  EXPECT_EQ(want.size(), 473u);
  auto head = ActionHead(ActionHeadConfig::n16_3b(), torch::TensorOptions().device(torch::kMeta).dtype(torch::kBFloat16));
  std::map<std::string, std::vector<int64_t>> got;
  int64_t got_params = 0;
  for (auto& p : head->named_parameters()) {
    EXPECT_TRUE(p.value().is_meta());
    got["action_head." + p.key()] = p.value().sizes().vec();
    got_params += p.value().numel();
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(got_params, want_params);
}
