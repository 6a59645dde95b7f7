// The LibTorch loader (train/training_data.h) on the CPU: batches in the sampler's order whatever the
// thread count, tensors equal to the torch-free host batches, GPU-path pixels equal to the CPU image
// path, and state() / set_state() continue with the identical batches.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "data/frame_cache.h"
#include "data/lerobot_test_util.h"
#include "data/sampler.h"
#include "test_util.h"
#include "train/training_data.h"
#include "util/fs.h"

using namespace groot;

namespace {

void make_dataset(const fs::path& root, const fs::path& cfg) {
  test::SynthSpec spec;
  spec.lengths = {40, 25, 33};
  test::write_synth_dataset(root, spec);
  nlohmann::json info = nlohmann::json::parse(read_file(root / "meta/info.json"));
  info["video_path"] = "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4";
  info["features"]["observation.images.cam"] = {{"dtype", "video"}, {"shape", {24, 32, 3}}, {"names", nullptr}};
  write_file_atomic(root / "meta/info.json", info.dump());
  nlohmann::json mod = nlohmann::json::parse(read_file(root / "meta/modality.json"));
  mod["video"] = {{"cam", {{"original_key", "observation.images.cam"}}}};
  write_file_atomic(root / "meta/modality.json", mod.dump());
  data::Dataset ds = data::open_dataset(root);
  for (const auto& e : ds.episodes) {
    int64_t t = 0;
    data::write_frame_file(
        data::frame_file_path(data::default_frame_cache_dir(ds), "observation.images.cam", e.episode_index),
        data::current_source(ds, "observation.images.cam", e.episode_index), 32, 24, e.length, [&](uint8_t* dst) {
          for (int k = 0; k < 32 * 24 * 3; ++k) dst[k] = uint8_t((k * 7 + t * 13 + e.episode_index * 31) % 251);
          ++t;
        });
  }
  write_file_atomic(cfg, R"YAML(embodiment_tag: new_embodiment
video: {delta_indices: [0], modality_keys: [cam]}
state: {delta_indices: [0], modality_keys: [arm, grip]}
action: {delta_indices: "range(16)", modality_keys: [arm, grip]}
language: {delta_indices: [0], modality_keys: [annotation.human.task_description]}
)YAML");
}

train::TrainingDataConfig config(const test::TempDir& d, int threads) {
  train::TrainingDataConfig c;
  c.samples.dataset_paths = {(d / "ds").string()};
  c.samples.modality_config_path = (d / "cfg.yaml").string();
  c.samples.batch_size = 3;
  c.samples.num_workers = 2;
  c.samples.shard_size = 16;
  c.samples.episode_sampling_rate = 0.5;
  c.samples.num_shards_per_epoch = 10;
  c.samples.seed = 3;
  c.samples.quiet = true;
  c.samples.color_jitter = img::ColorJitterParams{0.3, 0.4, 0.5, 0.08};
  c.samples.random_rotation_angle = 10.0;
  c.threads = threads;
  c.prefetch_batches = 2;
  return c;
}

}  // namespace

TEST(TrainingData, OrderTensorsPixelsAndResume) {
  test::TempDir d;
  make_dataset(d / "ds", d / "cfg.yaml");
  auto a = train::open_training_data(config(d, 3));
  // Reference: the torch-free pieces driven by hand.
  const proc::TrainSamples& ts = a->samples();
  data::MixtureSampler sampler(ts.mixture_config());
  auto cache = proc::make_episode_cache();
  std::vector<train::TrainingBatch> got;
  for (int k = 0; k < 5; ++k) {
    train::TrainingBatch b = a->next_batch();
    proc::HostBatch h = ts.make_batch(sampler.next_batch(), k, *cache);
    ASSERT_EQ(b.index, k);
    ASSERT_EQ(b.sample_step.size(0), 3);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(b.sample_episode[i].item<int64_t>(), h.sample_episode[size_t(i)]);
      EXPECT_EQ(b.sample_step[i].item<int64_t>(), h.sample_step[size_t(i)]);
    }
    ASSERT_EQ(b.action.state.sizes(), torch::IntArrayRef({3, 1, 128}));
    EXPECT_EQ(0, std::memcmp(b.action.action.data_ptr<float>(), h.action.data(), h.action.size() * 4));
    EXPECT_EQ(0, std::memcmp(b.backbone.input_ids.data_ptr<int64_t>(), h.input_ids.data(), h.input_ids.size() * 8));
    // Pixels: the LibTorch path equals the CPU path image by image (same draws).
    ASSERT_EQ(b.backbone.pixel_values.sizes(), torch::IntArrayRef({3, 3, 252, 252}));
    for (size_t i = 0; i < 3; ++i) {
      img::Pixels px = img::preprocess_train(img::ImageView(h.frames.data() + h.images[i].offset, 24, 32),
                                             ts.image_config(), h.draws[i]);
      EXPECT_EQ(0, std::memcmp(b.backbone.pixel_values[int64_t(i)].contiguous().data_ptr<float>(), px.chw.data(),
                               px.chw.size() * 4))
          << "image " << i << " of batch " << k;
    }
    got.push_back(b);
  }
  // Resume after 2 batches, with another thread count: batches 2..4 again.
  auto b2 = train::open_training_data(config(d, 1));
  {
    auto first = train::open_training_data(config(d, 2));
    first->next_batch();
    first->next_batch();
    data::SamplerState st = data::SamplerState::from_json(first->state().to_json(), "state");
    b2->set_state(st);
  }
  for (int k = 2; k < 5; ++k) {
    train::TrainingBatch b = b2->next_batch();
    EXPECT_EQ(b.index, k);
    EXPECT_TRUE(torch::equal(b.sample_step, got[size_t(k)].sample_step));
    EXPECT_TRUE(torch::equal(b.action.action, got[size_t(k)].action.action));
    EXPECT_TRUE(torch::equal(b.backbone.pixel_values, got[size_t(k)].backbone.pixel_values));
  }
}
