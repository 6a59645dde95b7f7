// Collation against the golden model inputs (tests/golden/tiny_v1/io.safetensors, produced by the
// upstream processor + Gr00tN1d6DataCollator): pixel_values from the raw cameras, image_sizes,
// state/action padding and masks, embodiment ids; and batched decode.
#include <gtest/gtest.h>

#include "data/safetensors.h"
#include "modality_test_util.h"
#include "model/image_transforms_torch.h"
#include "model/processor_collate.h"
#include "model/safetensors_torch.h"
#include "processor/embodiment.h"
#include "test_util.h"
#include "util/error.h"

using namespace groot;
using namespace groot::proc;
using Mat = groot::data::MatrixF;

namespace {

std::string io_path() {
  return groot::test::golden_root() + "/tiny_v1/io.safetensors";
}

img::ImageView view(const st::TensorView& t) {
  return img::ImageView(t.data, int(t.shape[0]), int(t.shape[1]), int(t.shape[2]));
}

// Identity normalisation: min -1, max 1 (the golden run bypassed the normaliser; its values are
// already in [-1, 1]). arm 6 + gripper 2 state dims, arm 6 + gripper 1 action dims, 16 steps.
StateActionProcessor identity_processor() {
  using groot::test::group;
  std::vector<int> h16;
  for (int i = 0; i < 16; i++) h16.push_back(i);
  data::ActionConfig abs{data::ActionRep::kAbsolute, data::ActionType::kNonEef, data::ActionFormat::kDefault, {}};
  data::ModalityConfig em = groot::test::make_config(
      {{"state", group({0}, {"arm", "gripper"})}, {"action", group(h16, {"arm", "gripper"}, {}, {}, {abs, abs})}});
  StateActionFlags f;
  f.apply_sincos_state_encoding = true;
  f.use_relative_action = true;
  StateActionProcessor p({{"new_embodiment", em}}, f);
  auto ks = [](int d) {
    StatArray lo, hi, z, one;
    lo.cols = hi.cols = z.cols = one.cols = d;
    lo.v.assign(d, -1.0);
    hi.v.assign(d, 1.0);
    z.v.assign(d, 0.0);
    one.v.assign(d, 1.0);
    return KeyStats{{"min", lo}, {"max", hi}, {"mean", z}, {"std", one}};
  };
  p.set_statistics({{"new_embodiment", EmbodimentStats{{"state", {{"arm", ks(6)}, {"gripper", ks(2)}}},
                                                       {"action", {{"arm", ks(6)}, {"gripper", ks(1)}}}}}});
  return p;
}

}  // namespace

TEST(ProcessorCollate, MatchesGoldenModelInputs) {
  st::File f(io_path());
  // Images: sample-major, views in order wrist, table.
  std::vector<img::SampleImages> samples = {
      {view(f.at("in/camera_raw.s0.wrist")), view(f.at("in/camera_raw.s0.table"))},
      {view(f.at("in/camera_raw.s1.wrist")), view(f.at("in/camera_raw.s1.table"))}};
  auto pixels = img::preprocess_batch(samples, img::ImageTransformConfig{}, /*train=*/false, 0, 2);

  StateActionProcessor p = identity_processor();
  torch::Tensor gstate = st::to_tensor(f.at("in/state"));    // [2, 1, 128]
  torch::Tensor gaction = st::to_tensor(f.at("in/action"));  // [2, 50, 128]
  std::vector<EncodedStateAction> enc;
  for (int b = 0; b < 2; b++) {
    KeyValues state{{"arm", Mat(1, 6)}, {"gripper", Mat(1, 2)}};
    for (int c = 0; c < 6; c++) state["arm"].data[c] = gstate[b][0][c].item<float>();
    for (int c = 0; c < 2; c++) state["gripper"].data[c] = gstate[b][0][6 + c].item<float>();
    KeyValues action{{"arm", Mat(16, 6)}, {"gripper", Mat(16, 1)}};
    for (int t = 0; t < 16; t++) {
      for (int c = 0; c < 6; c++) action["arm"].at(t, c) = gaction[b][t][c].item<float>();
      action["gripper"].at(t, 0) = gaction[b][t][6].item<float>();
    }
    enc.push_back(encode_state_action(p, PaddingConfig{}, "new_embodiment", state, &action));
  }
  const int64_t slot = embodiment::EmbodimentMapping::defaults().slot("new_embodiment");
  CollatedBatch batch = collate(enc, {slot, slot}, &pixels);

  EXPECT_TRUE(torch::equal(batch.embodiment_id, st::to_tensor(f.at("in/embodiment_id"))));
  EXPECT_TRUE(torch::equal(batch.action_mask, st::to_tensor(f.at("in/action_mask"))));
  EXPECT_TRUE(torch::equal(batch.image_sizes, st::to_tensor(f.at("in/image_sizes"))));
  // min -1 / max 1 normalisation is the identity up to float rounding.
  EXPECT_TRUE(torch::allclose(batch.state, gstate, 0, 1e-6));
  EXPECT_TRUE(torch::allclose(batch.action, gaction, 0, 1e-6));
  EXPECT_EQ(batch.state.sizes(), gstate.sizes());
  ASSERT_EQ(batch.pixel_values.size(), 4u);
  for (int k = 0; k < 4; k++) {
    torch::Tensor want = st::to_tensor(f.at("in/pixel_values." + std::to_string(k)));
    EXPECT_EQ(batch.pixel_values[k].sizes(), want.sizes());
    EXPECT_TRUE(torch::equal(batch.pixel_values[k], want))
        << "pixel_values." << k << " max diff " << (batch.pixel_values[k] - want).abs().max().item<float>();
  }
  // Batched decode of the golden action tensor returns the raw actions.
  std::vector<KeyValues> states(2);
  for (int b = 0; b < 2; b++) states[b] = {{"arm", Mat(1, 6)}, {"gripper", Mat(1, 2)}};
  auto dec = decode_action_batch(p, {"new_embodiment", "new_embodiment"}, batch.action, states);
  ASSERT_EQ(dec.size(), 2u);
  for (int b = 0; b < 2; b++)
    for (int t = 0; t < 16; t++)
      EXPECT_NEAR(dec[b]["gripper"].at(t, 0), gaction[b][t][6].item<float>(), 1e-6);
}

TEST(ProcessorCollate, RejectsInconsistentBatches) {
  StateActionProcessor p = identity_processor();
  KeyValues state{{"arm", Mat(1, 6)}, {"gripper", Mat(1, 2)}};
  KeyValues action{{"arm", Mat(16, 6)}, {"gripper", Mat(16, 1)}};
  EncodedStateAction with = encode_state_action(p, PaddingConfig{}, "new_embodiment", state, &action);
  EncodedStateAction without = encode_state_action(p, PaddingConfig{}, "new_embodiment", state, nullptr);
  EXPECT_THROW(collate({with, without}, {10, 10}, nullptr), Error);
  EXPECT_THROW(collate({with}, {10, 10}, nullptr), Error);
  EXPECT_THROW(collate({}, {}, nullptr), Error);
  PaddingConfig small;
  small.max_action_horizon = 20;
  EncodedStateAction other = encode_state_action(p, small, "new_embodiment", state, &action);
  EXPECT_THROW(collate({with, other}, {10, 10}, nullptr), Error);
  CollatedBatch ok = collate({without, without}, {10, 10}, nullptr);
  EXPECT_FALSE(ok.action.defined());
  EXPECT_EQ(ok.state.sizes(), (std::vector<int64_t>{2, 1, 128}));
}

// The LibTorch image path (the one training uses on the GPU) produces the same model inputs.
TEST(ProcessorCollate, TorchImagePathMatchesGoldenPixelValues) {
  st::File f(io_path());
  std::vector<img::SampleImages> samples = {
      {view(f.at("in/camera_raw.s0.wrist")), view(f.at("in/camera_raw.s0.table"))},
      {view(f.at("in/camera_raw.s1.wrist")), view(f.at("in/camera_raw.s1.table"))}};
  const torch::Device dev =
      torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  auto images = img::preprocess_batch_torch(samples, img::ImageTransformConfig{}, /*train=*/false, 0, dev);
  CollatedBatch batch;
  set_pixel_values(batch, images);
  EXPECT_TRUE(torch::equal(batch.image_sizes, st::to_tensor(f.at("in/image_sizes"))));
  ASSERT_EQ(batch.pixel_values.size(), 4u);
  for (int k = 0; k < 4; k++) {
    torch::Tensor want = st::to_tensor(f.at("in/pixel_values." + std::to_string(k)));
    torch::Tensor got = batch.pixel_values[k].cpu();
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_TRUE(torch::equal(got, want))
        << "pixel_values." << k << " max diff " << (got - want).abs().max().item<float>();
  }
  CollatedBatch bad;
  EXPECT_THROW(set_pixel_values(bad, {{torch::zeros({252, 252})}}), Error);
  bad.state = torch::zeros({3, 1, 128});  // 3 samples, 2 image lists
  EXPECT_THROW(set_pixel_values(bad, images), Error);
}
